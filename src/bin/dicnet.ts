// The `dicnet` command (bin/dicnet.js): train, infer, eval; see `npx dicnet --help`.

import { runCli } from '../cli/main';

process.exitCode = await runCli(process.argv.slice(2));
