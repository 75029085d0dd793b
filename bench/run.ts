// The main job: DiCNet end to end on the embedded street scenes (or a
// StreetHazards copy with --data), see `node bench/run.js --help`.

import { runJob } from '../src/cli/job';

process.exitCode = await runJob(process.argv.slice(2));
