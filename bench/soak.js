// Memory soak (see bench/soak.ts): builds dist/ when needed, then runs it.
import { launch } from './launch.js';

await launch('soak');
