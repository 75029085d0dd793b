import { launch } from '../bin/launch.js';

await launch('bench/model');
