/**
 * Helpers for the video tests: synthetic sequences made from LSPET photos (a photo panned and
 * zoomed over a larger frame, with its annotation moved by the same transform), video frames
 * decoded with ffmpeg, and PCK@0.2.
 */
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { vi } from 'vitest';
import { LSPET, lspetImage } from './helpers.js';

export type Rgba = { data: Uint8Array; width: number; height: number };
/** [x, y, visible] per joint, LSPET order */
export type Truth = Array<readonly [number, number, number]>;

let annotations: Map<string, Truth> | undefined;

/** The LSPET annotation of im<n>.jpg (frame pixels of the photo). */
export function lspetTruth(n: number): Truth {
  if (!annotations) {
    const a = JSON.parse(fs.readFileSync(path.join(LSPET, 'annotations.json'), 'utf8')) as { images: Array<{ file: string; joints: Truth }> };
    annotations = new Map(a.images.map((r) => [r.file, r.joints]));
  }
  const t = annotations.get(`im${String(n).padStart(5, '0')}.jpg`);
  if (!t) throw new Error(`no annotation for photo ${n}`);
  return t;
}

export interface Placement {
  /** photo pixel (x, y) lands at frame (ox + s * x, oy + s * y), continuous coordinates */
  ox: number;
  oy: number;
  s: number;
}

/** The frame background around (and instead of) the photo: dim, smooth, deterministic. RGB. */
export function backgroundPixel(x: number, y: number): [number, number, number] {
  return [70 + 30 * Math.sin(x / 40), 80 + 20 * Math.cos(y / 30), 90];
}

/** A width x height opaque frame whose pixel (x, y) is pixel(x, y) (RGB, stored as bytes). RGBA. */
function frameOf(width: number, height: number, pixel: (x: number, y: number) => [number, number, number]): Rgba {
  const data = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) data.set([...pixel(x, y), 255], (y * width + x) * 4);
  }
  return { data, width, height };
}

/** A width x height frame of the background only (nobody in view). RGBA. */
export function backgroundFrame(width: number, height: number): Rgba {
  return frameOf(width, height, backgroundPixel);
}

/**
 * The frames with nobody in them that a model's minPoseScore is measured on (npm run bench:scores)
 * and checked against (test/default-model.test.ts): plain, gradient, the background above, and
 * uniform noise (a fixed seed). RGBA.
 */
export function blankFrames(width: number, height: number): Record<string, Rgba> {
  const frame = (pixel: (x: number, y: number) => [number, number, number]) => frameOf(width, height, pixel);
  let seed = 1;
  const random = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
  const byte = () => Math.floor(256 * random());
  return {
    black: frame(() => [0, 0, 0]),
    grey: frame(() => [128, 128, 128]),
    white: frame(() => [255, 255, 255]),
    gradient: frame((x, y) => [(x * 255) / width, (y * 255) / height, 128]),
    'test background': backgroundFrame(width, height),
    'uniform noise': frame(() => [byte(), byte(), byte()]),
  };
}

/**
 * Renders `photo` scaled by s at (ox, oy) on a width x height frame (bilinear sampling; the rest is
 * a dim, smooth, deterministic background). RGBA.
 */
export function renderFrame(photo: Rgba, p: Placement, width: number, height: number): Rgba {
  const out = new Uint8Array(width * height * 4);
  const { data: src, width: W, height: H } = photo;
  for (let Y = 0; Y < height; Y++) {
    for (let X = 0; X < width; X++) {
      const o = (Y * width + X) * 4;
      // source position of this pixel's centre, in pixel-index space (centres at integers)
      const u = (X + 0.5 - p.ox) / p.s - 0.5;
      const v = (Y + 0.5 - p.oy) / p.s - 0.5;
      if (u >= -0.5 && v >= -0.5 && u <= W - 0.5 && v <= H - 0.5) {
        const x0 = Math.max(0, Math.min(W - 1, Math.floor(u)));
        const y0 = Math.max(0, Math.min(H - 1, Math.floor(v)));
        const x1 = Math.min(W - 1, x0 + 1);
        const y1 = Math.min(H - 1, y0 + 1);
        const fx = Math.max(0, Math.min(1, u - x0));
        const fy = Math.max(0, Math.min(1, v - y0));
        for (let c = 0; c < 3; c++) {
          const a = src[(y0 * W + x0) * 4 + c]! * (1 - fx) + src[(y0 * W + x1) * 4 + c]! * fx;
          const b = src[(y1 * W + x0) * 4 + c]! * (1 - fx) + src[(y1 * W + x1) * 4 + c]! * fx;
          out[o + c] = Math.round(a * (1 - fy) + b * fy);
        }
      } else {
        out.set(backgroundPixel(X, Y), o);
      }
      out[o + 3] = 255;
    }
  }
  return { data: out, width, height };
}

export function moveTruth(truth: Truth, p: Placement): Truth {
  return truth.map(([x, y, v]) => [p.ox + p.s * x, p.oy + p.s * y, v] as const);
}

export interface SeqFrame {
  image: Rgba;
  truth: Truth | undefined;
  /** ms */
  timestamp: number;
}

/**
 * A sequence of `n` frames (width x height, 30 fps) in which photo `photoNumber` is panned from
 * `from` to `to` (placements interpolated linearly). Frames listed in `blank` show the background
 * only (no person; truth undefined).
 */
export function panZoomSequence(photoNumber: number, n: number, width: number, height: number, from: Placement, to: Placement, blank: ReadonlySet<number> = new Set()): SeqFrame[] {
  const photo = lspetImage(photoNumber);
  const truth = lspetTruth(photoNumber);
  const empty = backgroundFrame(width, height);
  const frames: SeqFrame[] = [];
  for (let i = 0; i < n; i++) {
    const a = n > 1 ? i / (n - 1) : 0;
    const p = { ox: from.ox + a * (to.ox - from.ox), oy: from.oy + a * (to.oy - from.oy), s: from.s + a * (to.s - from.s) };
    const isBlank = blank.has(i);
    frames.push({
      image: isBlank ? empty : renderFrame(photo, p, width, height),
      truth: isBlank ? undefined : moveTruth(truth, p),
      timestamp: (i * 1000) / 30,
    });
  }
  return frames;
}

const LIMBS = [
  'right_shoulder', 'left_shoulder', 'right_elbow', 'left_elbow', 'right_wrist', 'left_wrist',
  'right_hip', 'left_hip', 'right_knee', 'left_knee', 'right_ankle', 'left_ankle',
];
const JOINTS = ['right_ankle', 'right_knee', 'right_hip', 'left_hip', 'left_knee', 'left_ankle', 'right_wrist', 'right_elbow', 'right_shoulder', 'left_shoulder', 'left_elbow', 'left_wrist', 'neck', 'head_top'];

/**
 * PCK@threshold over the 12 limb joints (hits / visible joints, pooled): torso diameter = left
 * shoulder to right hip, else right shoulder to left hip (both visible); frames without one are
 * skipped.
 */
export class Pck {
  hits = 0;
  count = 0;
  constructor(readonly threshold = 0.2) {}

  add(keypoints: ReadonlyArray<{ name: string; x: number; y: number }>, truth: Truth): void {
    const t = (name: string) => truth[JOINTS.indexOf(name)]!;
    let torso: number | undefined;
    for (const [a, b] of [['left_shoulder', 'right_hip'], ['right_shoulder', 'left_hip']] as const) {
      if (torso === undefined && t(a)[2] === 1 && t(b)[2] === 1) torso = Math.hypot(t(a)[0] - t(b)[0], t(a)[1] - t(b)[1]);
    }
    if (!torso) return;
    for (const name of LIMBS) {
      const [x, y, v] = t(name);
      if (v !== 1) continue;
      const k = keypoints.find((p) => p.name === name)!;
      this.count++;
      if (Math.hypot(k.x - x, k.y - y) <= this.threshold * torso) this.hits++;
    }
  }

  get value(): number {
    return this.count > 0 ? this.hits / this.count : NaN;
  }
}

/** Frames of a video decoded with ffmpeg (shared with `npm run eval:video`). */
export { ffmpegFrames } from '../bench/video-frames.js';

/**
 * A deterministic clock for tests of time-driven behaviour (PoseTracker's budgetMs): while installed,
 * `performance.now()` reads a virtual time that advances only when a convolution runs, by its
 * multiply-adds (msPerMac each). A frame's "time" is then exactly the network work it did, whatever
 * else loads the machine. `macs` counts the multiply-adds run so far; `restore()` undoes it.
 */
export function convolutionClock(msPerMac = 1e-7): { readonly macs: number; restore(): void } {
  const engine = tf.engine();
  const runKernel = engine.runKernel;
  const own = Object.prototype.hasOwnProperty.call(engine, 'runKernel');
  let macs = 0;
  engine.runKernel = function (this: typeof engine, name: string, inputs: tf.NamedTensorMap, attrs?: tf.NamedAttrMap) {
    const out = runKernel.call(this, name, inputs, attrs);
    if (name === 'Conv2D' || name === 'FusedConv2D' || name === 'DepthwiseConv2dNative' || name === 'FusedDepthwiseConv2D') {
      // filter [kh, kw, in, out] (depthwise: [kh, kw, in, multiplier], each output reads one input channel)
      const [kh, kw, cin] = (inputs.filter as tf.Tensor).shape as number[];
      const perOutput = kh! * kw! * (name.includes('Depthwise') ? 1 : cin!);
      macs += (out as tf.Tensor).size * perOutput;
    }
    return out;
  } as typeof engine.runKernel;
  const spy = vi.spyOn(globalThis.performance, 'now').mockImplementation(() => macs * msPerMac);
  return {
    get macs() {
      return macs;
    },
    restore() {
      if (own) engine.runKernel = runKernel;
      else delete (engine as { runKernel?: unknown }).runKernel;
      spy.mockRestore();
    },
  };
}
