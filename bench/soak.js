// Memory soak (see bench/soak.ts): builds dist/ when needed, then runs it.
import { launch } from '../bin/launch.js';

await launch('bench/soak');
