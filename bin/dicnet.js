#!/usr/bin/env node
// The `dicnet` command (package.json "bin"; `npx dicnet --help` from a clone): builds dist/ when needed, then runs it.
import { launch } from './launch.js';

await launch('bin/dicnet');
