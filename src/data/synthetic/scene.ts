// One street scene: its layout, the objects placed in it (anomalies of one
// family when asked), the rendering and the camera effects. The whole scene
// follows from one seed.

import { Random } from '../../base/random';
import { anomaly } from './anomalies';
import { developFrame } from './camera-effects';
import { CLASS } from './classes';
import { copyFrame, createFrame } from './frame';
import { hazard, type ShapeMaker } from './hazards';
import { car, furniture, pedestrian, pole, trafficSign, tree } from './objects';
import { chance, uniform } from './random';
import { castSpriteShadows, drawSprites, type Sprite } from './sprite';
import { drawStreet, type Street } from './street';
import { TEST_HAZARDS } from './test-hazards';
import { VALIDATION_HAZARDS } from './validation-hazards';
import { anomalyVisibility } from './visibility';
import { renderWorld } from './world';
import { mixSeed } from '../seed';

export interface RenderedScene {
  width: number;
  height: number;
  /** 8-bit RGB, interleaved. */
  image: Uint8Array;
  /** Class a pixel, 0..13. */
  classes: Uint8Array;
}

/** World x of a point at lateral offset e from the (curved) road centre, distance z. */
function worldX(street: Street, e: number, z: number): number {
  return e + street.curvature * z * z;
}

function sideSign(rng: Random): number {
  return chance(rng, 0.5) ? -1 : 1;
}

function placeKnownObjects(rng: Random, street: Street): Sprite[] {
  const sprites: Sprite[] = [];
  const { roadHalf, sidewalk, lanes } = street;
  const laneWidth = (2 * roadHalf) / lanes;
  const occupied: { e: number; z: number }[] = [];
  const free = (e: number, z: number, gapE: number, gapZ: number) => occupied.every((o) => Math.abs(o.e - e) > gapE || Math.abs(o.z - z) > gapZ);
  const add = (sprite: Sprite, e: number, z: number) => {
    occupied.push({ e, z });
    sprites.push(sprite);
  };

  const moving = rng.int(7);
  for (let i = 0; i < moving; i++) {
    const lane = rng.int(lanes);
    const e = -roadHalf + (lane + 0.5) * laneWidth + uniform(rng, -0.3, 0.3);
    const z = uniform(rng, 5, 70);
    if (free(e, z, 1.5, 7) && Math.abs(e - street.cameraX) + z > 4) add(car(rng, worldX(street, e, z), z, lanes >= 2 && lane < lanes / 2), e, z);
  }
  for (const sign of [-1, 1]) {
    if (!chance(rng, 0.45)) continue;
    for (let z = uniform(rng, 4, 12); z < 70; z += uniform(rng, 5, 14)) {
      const e = sign * (roadHalf - 1.05);
      if (free(e, z, 1.5, 5)) add(car(rng, worldX(street, e, z), z, false), e, z);
    }
  }
  const people = rng.int(10);
  for (let i = 0; i < people; i++) {
    const onRoad = chance(rng, 0.12);
    const e = onRoad ? uniform(rng, -roadHalf + 0.5, roadHalf - 0.5) : sideSign(rng) * (roadHalf + uniform(rng, 0.4, sidewalk - 0.2));
    const z = street.crosswalk && onRoad ? uniform(rng, street.crosswalk.z0, street.crosswalk.z1) : uniform(rng, 3, 45);
    if (free(e, z, 0.6, 0.8)) add(pedestrian(rng, worldX(street, e, z), z), e, z);
  }
  for (const sign of [-1, 1]) {
    if (!chance(rng, 0.7)) continue;
    const spacing = uniform(rng, 12, 30);
    for (let z = uniform(rng, 2, spacing); z < 150; z += spacing) {
      const e = sign * (roadHalf + 0.45);
      if (free(e, z, 0.5, 1)) add(pole(rng, worldX(street, e, z), z, -sign), e, z);
    }
  }
  const signs = rng.int(5);
  for (let i = 0; i < signs; i++) {
    const e = sideSign(rng) * (roadHalf + uniform(rng, 0.4, 1));
    const z = uniform(rng, 5, 45);
    if (free(e, z, 0.6, 1.5)) add(trafficSign(rng, worldX(street, e, z), z), e, z);
  }
  for (const [k, sign] of [
    [0, -1],
    [1, 1],
  ] as const) {
    if (!chance(rng, 0.5)) continue;
    const side = street.sides[k];
    const spacing = uniform(rng, 7, 16);
    const lateral = side.front > roadHalf + sidewalk + 1.5 ? uniform(rng, roadHalf + sidewalk + 0.8, side.front - 0.6) : roadHalf + sidewalk - 0.5;
    for (let z = uniform(rng, 3, spacing); z < 120; z += spacing) {
      const e = sign * lateral;
      if (free(e, z, 1, 2)) add(tree(rng, worldX(street, e, z), z), e, z);
    }
  }
  const items = rng.int(7);
  for (let i = 0; i < items; i++) {
    const e = sideSign(rng) * (roadHalf + uniform(rng, 0.5, sidewalk - 0.2));
    const z = uniform(rng, 3, 40);
    if (free(e, z, 0.8, 1.5)) add(furniture(rng, worldX(street, e, z), z), e, z);
  }
  return sprites;
}

/** Which anomalies a scene gets: the validation or the test hazard kinds, or the easy (saturated colour) anomalies. */
export type AnomalyFamily = 'validation' | 'test' | 'easy';

const HAZARD_KINDS: Record<Exclude<AnomalyFamily, 'easy'>, readonly ShapeMaker[]> = { validation: VALIDATION_HAZARDS, test: TEST_HAZARDS };

/** The easy anomalies' height (m) for a size quantile in [0, 1): log-uniform over 0.35..2.6 m. */
function easySize(size: number): number {
  return Math.exp(Math.log(0.35) + size * (Math.log(2.6) - Math.log(0.35)));
}

/**
 * Where anomalies go comes from `placement`, what they look like from `looks`:
 * placement draws the same numbers whatever the family, so the easy and the
 * test anomalies of one scene stand in the same places at the same size quantiles.
 */
function placeAnomalies(placement: Random, looks: Random, street: Street, family: AnomalyFamily, lastAttempt: boolean): Sprite[] {
  const make = (x: number, z: number, size: number) =>
    family === 'easy' ? anomaly(looks, x, z, easySize(size)) : hazard(looks, street, HAZARD_KINDS[family], x, z, size);
  if (lastAttempt) {
    // Straight ahead of the camera and close: visible unless a car stands right in front.
    const z = uniform(placement, 6, 9);
    return [make(worldX(street, street.cameraX, z), z, uniform(placement, 0.6, 0.8))];
  }
  const count = 1 + (chance(placement, 0.45) ? 1 : 0) + (chance(placement, 0.12) ? 1 : 0);
  return Array.from({ length: count }, () => {
    const onRoad = chance(placement, 0.7);
    const e = onRoad ? uniform(placement, -street.roadHalf + 0.4, street.roadHalf - 0.4) : sideSign(placement) * (street.roadHalf + uniform(placement, 0.3, street.sidewalk));
    const z = uniform(placement, 7, 32);
    return make(worldX(street, e, z), z, placement.next());
  });
}

/** At least this many anomaly pixels in an image with anomalies (0.2% of it), or its anomalies are drawn again. */
export function minimumAnomalyPixels(width: number, height: number): number {
  return Math.max(12, Math.round(width * height * 0.002));
}

const ANOMALY_ATTEMPTS = 6;
/** Each anomaly in sight must differ from what it hides by this much on average (display RGB 0..1; see visibility.ts). */
const MINIMUM_CONTRAST = 0.1;
/** Classes that tell the anomalies apart while their visibility is checked; CLASS.anomaly after. */
const FIRST_TAG = 100;

function tagged(sprite: Sprite, tag: number): Sprite {
  return {
    ...sprite,
    paint(u, v, out, footprint) {
      if (!sprite.paint(u, v, out, footprint)) return false;
      out.cls = tag;
      return true;
    },
  };
}

/**
 * Renders the scene of `seed`, with anomalies of `family` or none. The street,
 * its known objects, the light and the camera's noise follow from the seed
 * alone, so one seed rendered with two families gives the same scene with
 * different anomalies.
 */
export function renderScene(seed: number, width: number, height: number, family: AnomalyFamily | null): RenderedScene {
  const rng = new Random(seed);
  const street = drawStreet(rng, width, height);
  const known = placeKnownObjects(rng, street);
  const normal = createFrame(width, height);
  renderWorld(street, normal);
  const world = family ? copyFrame(normal) : normal;
  castSpriteShadows(street, normal, known);
  drawSprites(street, normal, known);
  const develop = new Random(mixSeed(seed, 3));
  if (!family) return { width, height, image: developFrame(develop, street, normal), classes: normal.classes };
  const placement = new Random(mixSeed(seed, 1));
  const looks = new Random(mixSeed(seed, 2));
  for (let attempt = 0; ; attempt++) {
    const lastAttempt = attempt === ANOMALY_ATTEMPTS - 1;
    const anomalies = placeAnomalies(placement, looks, street, family, lastAttempt).map((sprite, k) => tagged(sprite, FIRST_TAG + k));
    const sprites = [...known, ...anomalies];
    const frame = copyFrame(world);
    castSpriteShadows(street, frame, sprites);
    drawSprites(street, frame, sprites);
    const seen = anomalyVisibility(street, frame, normal, FIRST_TAG, anomalies.length);
    for (let p = 0; p < frame.classes.length; p++) if (frame.classes[p]! >= FIRST_TAG) frame.classes[p] = CLASS.anomaly;
    const pixels = seen.reduce((n, s) => n + s.pixels, 0);
    const plain = seen.every((s) => s.pixels === 0 || s.contrast >= MINIMUM_CONTRAST);
    if ((pixels >= minimumAnomalyPixels(width, height) && plain) || lastAttempt) {
      return { width, height, image: developFrame(develop, street, frame), classes: frame.classes };
    }
  }
}
