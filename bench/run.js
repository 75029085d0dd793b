// The main job (see bench/run.ts): builds dist/ when needed, then runs it.
import { launch } from './launch.js';

await launch('run');
