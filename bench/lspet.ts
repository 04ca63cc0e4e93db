/**
 * The LSPET photos and their fixed split (validation: im08501..im09000, never trained on), and the
 * evaluation loop shared by `npm run eval`, `npm run bench` and the accuracy-floor test.
 */
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import jpeg from 'jpeg-js';
import { PckAccumulator, type AnnotatedJoint, type PckResult, type Point } from './pck.js';

export const VAL_FIRST = 8501;
export const VAL_LAST = 9000;

export interface LspetRecord {
  file: string;
  width: number;
  height: number;
  joints: AnnotatedJoint[];
}

export interface Lspet {
  dir: string;
  jointNames: string[];
  images: LspetRecord[];
}

export type Split = 'val' | 'train';

export function loadLspet(dir: string): Lspet {
  const file = path.join(dir, 'annotations.json');
  if (!fs.existsSync(file)) throw new Error(`no LSPET annotations at ${file} (pass --data <folder with annotations.json and images/>)`);
  const ann = JSON.parse(fs.readFileSync(file, 'utf8')) as { joint_names: string[]; images: LspetRecord[] };
  return { dir, jointNames: ann.joint_names, images: ann.images };
}

const imageNumber = (file: string): number => Number(/(\d+)/.exec(file)?.[1] ?? NaN);

/** The validation split is im08501..im09000; train is every other photo. Sorted by file name. */
export function selectSplit(data: Lspet, split: Split, limit?: number): LspetRecord[] {
  const isVal = (r: LspetRecord) => {
    const n = imageNumber(r.file);
    return n >= VAL_FIRST && n <= VAL_LAST;
  };
  const sel = data.images.filter((r) => (split === 'val' ? isVal(r) : !isVal(r))).sort((a, b) => a.file.localeCompare(b.file));
  return limit !== undefined ? sel.slice(0, limit) : sel;
}

export interface Rgba { data: Uint8Array; width: number; height: number }

export function decodeImage(data: Lspet, rec: LspetRecord): Rgba {
  const img = jpeg.decode(fs.readFileSync(path.join(data.dir, 'images', rec.file)), { useTArray: true, formatAsRGBA: true });
  return { data: img.data, width: img.width, height: img.height };
}

/**
 * The photo with its first `left` columns and `top` rows cut off: the same scene framed a few pixels
 * differently. Keypoints found in it are `left`, `top` pixels off from the original's.
 */
export function trimImage(image: Rgba, left: number, top: number): Rgba {
  if (left === 0 && top === 0) return image;
  const width = image.width - left;
  const height = image.height - top;
  if (width < 1 || height < 1) throw new Error(`cannot trim ${left} x ${top} px off a ${image.width} x ${image.height} photo`);
  const data = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    const from = ((y + top) * image.width + left) * 4;
    data.set(image.data.subarray(from, from + width * 4), y * width * 4);
  }
  return { data, width, height };
}

/**
 * (left, top) trims of `npm run eval -- --jitter N`: the untrimmed photo first, then framings a
 * few pixels apart. A network's answer on an ambiguous joint (which of two knees) can flip between
 * framings that differ by a pixel; the spread of PCK over them is the noise of one evaluation.
 */
export const JITTER_TRIMS: ReadonlyArray<readonly [number, number]> = [
  [0, 0], [2, 1], [1, 3], [3, 0], [0, 2], [4, 4], [1, 1], [3, 3], [2, 4], [4, 2],
];

/** Anything that estimates named keypoints in image pixels for one photo. */
export type EstimateFn = (image: Rgba) => Promise<{ keypoints: ReadonlyArray<{ name: string; x: number; y: number }> }>;

export interface EvalResult {
  pck: PckResult;
  /** wall time of each estimate call, ms (decoding excluded) */
  ms: number[];
  /** per counted photo, per joint: 1 hit at PCK@0.2, 0 missed, -1 not visible (PckAccumulator.photoHits) */
  photoHits: number[][];
}

/**
 * Runs `estimate` on each photo (decoded first, outside the timing) and accumulates PCK.
 * `onProgress(done, total)` is called after each photo.
 */
export async function evaluate(data: Lspet, records: readonly LspetRecord[], estimate: EstimateFn,
  onProgress?: (done: number, total: number) => void): Promise<EvalResult> {
  const acc = new PckAccumulator(data.jointNames);
  const ms: number[] = [];
  for (let i = 0; i < records.length; i++) {
    const rec = records[i]!;
    const image = decodeImage(data, rec);
    const t0 = performance.now();
    const pose = await estimate(image);
    ms.push(performance.now() - t0);
    const pred: Record<string, Point> = {};
    for (const k of pose.keypoints) pred[k.name] = { x: k.x, y: k.y };
    acc.add(pred, rec.joints);
    onProgress?.(i + 1, records.length);
  }
  return { pck: acc.result(), ms, photoHits: acc.photoHits() };
}

/** Progress on stderr: one updating line on a terminal, else a line every 100 photos. */
export function progress(label: string): (done: number, total: number) => void {
  const t0 = performance.now();
  return (done, total) => {
    const el = (performance.now() - t0) / 1000;
    const eta = done > 0 ? (el / done) * (total - done) : 0;
    const line = `${label} ${done}/${total}  ${el.toFixed(0)} s, eta ${eta.toFixed(0)} s`;
    if (process.stderr.isTTY) process.stderr.write(`\r${line}   ${done === total ? '\n' : ''}`);
    else if (done % 100 === 0 || done === total) process.stderr.write(`${line}\n`);
  };
}
