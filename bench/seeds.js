// The main job over several seeds and their summary (see bench/seeds.ts).
import { launch } from './launch.js';

await launch('seeds');
