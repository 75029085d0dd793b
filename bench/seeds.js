// The main job over several seeds and their summary (see bench/seeds.ts).
import { launch } from '../bin/launch.js';

await launch('bench/seeds');
