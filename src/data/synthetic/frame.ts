// The buffers one scene is rendered into, and the per-pixel camera rays.

import type { Street } from './street';

export interface Frame {
  width: number;
  height: number;
  /** Display-space RGB, 3 floats a pixel. */
  rgb: Float32Array;
  /** Class index a pixel (0..13). */
  classes: Uint8Array;
  /** Camera-space depth (m) a pixel; Infinity for the sky. */
  depth: Float32Array;
  /** 1 where the pixel shows the ground plane (where object shadows fall). */
  ground: Uint8Array;
}

export function createFrame(width: number, height: number): Frame {
  return {
    width,
    height,
    rgb: new Float32Array(width * height * 3),
    classes: new Uint8Array(width * height),
    depth: new Float32Array(width * height).fill(Infinity),
    ground: new Uint8Array(width * height),
  };
}

export function copyFrame(frame: Frame): Frame {
  return {
    width: frame.width,
    height: frame.height,
    rgb: frame.rgb.slice(),
    classes: frame.classes.slice(),
    depth: frame.depth.slice(),
    ground: frame.ground.slice(),
  };
}

export interface Camera {
  cos: number;
  sin: number;
}

export function camera(street: Street): Camera {
  return { cos: Math.cos(street.yaw), sin: Math.sin(street.yaw) };
}

/** World (x, z) on the ground plane to camera space: [lateral, depth]. */
export function toCamera(street: Street, cam: Camera, x: number, z: number): [number, number] {
  const xr = x - street.cameraX;
  return [xr * cam.cos - z * cam.sin, xr * cam.sin + z * cam.cos];
}

export function setPixel(frame: Frame, p: number, cls: number, r: number, g: number, b: number, depth: number): void {
  frame.classes[p] = cls;
  frame.rgb[3 * p] = r;
  frame.rgb[3 * p + 1] = g;
  frame.rgb[3 * p + 2] = b;
  frame.depth[p] = depth;
}
