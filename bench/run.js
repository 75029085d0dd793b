// The main job (see bench/run.ts): builds dist/ when needed, then runs it.
import { launch } from '../bin/launch.js';

await launch('bench/run');
