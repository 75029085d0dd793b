// The main job: DiCNet end to end on the embedded street scenes (or a
// StreetHazards copy with --data), see `node bench/run.js --help`.

import { parseOptions, UsageError } from '../src/cli/options';
import { runPipeline } from '../src/cli/pipeline';
import { createNodeRuntime } from '../src/gpu/node';

let options;
try {
  options = parseOptions(process.argv.slice(2));
} catch (error) {
  if (!(error instanceof UsageError)) throw error;
  console.error(error.message);
  process.exit(2);
}
const rt = await createNodeRuntime();
try {
  await runPipeline(rt, options);
} finally {
  rt.destroy();
}
