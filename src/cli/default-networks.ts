// Which trained networks a scoring command (infer, eval) uses when none are
// named: those the main job left in results/checkpoints, else the
// CamVid-trained networks the package ships in weights/camvid-tiny, so a user
// who installs the package scores a photo without training first.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Every bundle that runs this (dist/bin, dist/bench, dist/test) sits two folders below the package root. */
export const SHIPPED_NETWORKS = fileURLToPath(new URL('../../weights/camvid-tiny', import.meta.url));

export const RUN_NETWORKS = join('results', 'checkpoints');

const bothIn = (dir: string) => existsSync(join(dir, 'teacher.safetensors')) && existsSync(join(dir, 'student.safetensors'));

export interface ChosenNetworks {
  dir: string;
  /** Said to the user: where the networks come from. */
  why: string;
}

/** `given` (--checkpoints) when there is one; else a run's, else the shipped ones. */
export function chooseNetworks(given: string | null): ChosenNetworks {
  if (given !== null) return { dir: given, why: '--checkpoints' };
  if (bothIn(RUN_NETWORKS)) return { dir: RUN_NETWORKS, why: 'the main job\'s, found in results/checkpoints' };
  if (bothIn(SHIPPED_NETWORKS)) return { dir: SHIPPED_NETWORKS, why: 'shipped with the package; no --checkpoints given and no results/checkpoints here' };
  return { dir: RUN_NETWORKS, why: 'none found' };
}

export const NETWORKS_HELP = `the trained networks (default: ${RUN_NETWORKS} where the main job\nwrote them, else the CamVid-trained ones shipped with the package)`;
