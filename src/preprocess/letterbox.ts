import * as tf from '@tensorflow/tfjs';
import { PoseError } from '../errors.js';
import type { PreprocessSpec } from '../weights/format.js';
import { asFloat32, cropImage, type ImageTensor } from './input.js';
import type { LetterboxTransform } from './transform.js';

/** A rectangle in frame pixels (the input image, mirrored when flipHorizontal is set). */
export interface Roi {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** A ROI snapped to integer pixels (origin and size rounded, so a square stays square; at least 1 x 1), as padOutside letterboxing uses it. */
export function roundRoi(roi: Roi): Roi {
  return { x: Math.round(roi.x), y: Math.round(roi.y), width: Math.max(1, Math.round(roi.width)), height: Math.max(1, Math.round(roi.height)) };
}

export interface LetterboxOptions {
  inputSize: number;
  roi?: Roi;
  flipHorizontal?: boolean;
  /**
   * The ROI is not clipped to the image: it is scaled as a whole (rounded to integer pixels) and
   * its parts outside the image become padding (padValue), so the image content sits where it would
   * in a padded canvas. Used by the person crop of two-pass inference. Default false (clip).
   */
  padOutside?: boolean;
  /**
   * Drop the padding: the input is the scaled image content only, each side rounded up to a multiple
   * of this (the network's input multiple) and at most inputSize, the content centred in it, so a
   * network pass costs what the content needs. 0 (the default): the full inputSize square.
   */
  trimMultiple?: number;
}

/** Bilinear samples per input pixel along each axis (training's warp_images uses the same). */
const SUPERSAMPLE = 2;

/**
 * Plans the letterbox of a width x height image: the region (whole frame or the ROI clipped to it,
 * in integer pixels) is scaled to fit the square input keeping its aspect ratio and centred; the
 * rest is padding (with `trimMultiple`, only the rounding's; the input is then a rectangle). The
 * resize samples as training's warp does (training/cpm/augment.py): bilinear at twice the input
 * resolution, then a 2x2 average; reductions of 4x or more first average-pool by an integer factor
 * so that the bilinear step reduces by less than 2x and does not alias. With
 * `padOutside`, the whole ROI is the letterboxed region and the image part inside it is placed at its
 * own position in it.
 */
export function planLetterbox(width: number, height: number, opts: LetterboxOptions): LetterboxTransform & { poolX: number; poolY: number; resizedWidth: number; resizedHeight: number } {
  const m = opts.trimMultiple ?? 0;
  if (!(Number.isInteger(m) && m >= 0 && (m === 0 || opts.inputSize % m === 0))) {
    throw new PoseError('INVALID_OPTION', `trimMultiple must be 0 or a positive integer dividing inputSize ${opts.inputSize}, got ${m}`);
  }
  const S = opts.inputSize;
  const outside = !!(opts.padOutside && opts.roi);
  let roi = opts.roi ?? { x: 0, y: 0, width, height };
  if (outside) roi = roundRoi(roi);
  const x0 = Math.max(0, Math.floor(roi.x + 1e-6));
  const y0 = Math.max(0, Math.floor(roi.y + 1e-6));
  const x1 = Math.min(width, Math.ceil(roi.x + roi.width - 1e-6));
  const y1 = Math.min(height, Math.ceil(roi.y + roi.height - 1e-6));
  const cw = x1 - x0;
  const ch = y1 - y0;
  if (!(cw > 0 && ch > 0)) {
    throw new PoseError('INVALID_OPTION',
      `roi {x: ${roi.x}, y: ${roi.y}, width: ${roi.width}, height: ${roi.height}} does not overlap the ${width} x ${height} image`);
  }
  // the region scaled into the square: the clipped crop, or with padOutside the whole (integer) ROI
  const rw = outside ? roi.width : cw;
  const rh = outside ? roi.height : ch;
  const scale = S / Math.max(rw, rh);
  // pool so that at most a 2x..4x reduction is left for the supersampled bilinear step
  const f = Math.max(1, Math.floor(1 / (SUPERSAMPLE * scale) + 1e-9));
  const poolX = Math.min(f, cw);
  const poolY = Math.min(f, ch);
  const pw = Math.floor(cw / poolX);
  const ph = Math.floor(ch / poolY);
  const nw = Math.min(S, Math.max(1, Math.round(cw * scale)));
  const nh = Math.min(S, Math.max(1, Math.round(ch * scale)));
  let padX = Math.floor((S - nw) / 2);
  let padY = Math.floor((S - nh) / 2);
  if (outside) {
    // the ROI is centred in the input; the visible crop keeps its offset inside the ROI
    padX = Math.min(S - nw, Math.max(0, Math.round((S - rw * scale) / 2 + (x0 - roi.x) * scale)));
    padY = Math.min(S - nh, Math.max(0, Math.round((S - rh * scale) / 2 + (y0 - roi.y) * scale)));
  }
  let inputWidth = S;
  let inputHeight = S;
  if (m > 0) {
    // the scale stays the square's (the person's size in input pixels does not change); only padding goes
    inputWidth = Math.min(S, Math.ceil(nw / m) * m);
    inputHeight = Math.min(S, Math.ceil(nh / m) * m);
    padX = Math.floor((inputWidth - nw) / 2);
    padY = Math.floor((inputHeight - nh) / 2);
  }
  return {
    inputSize: S,
    inputWidth,
    inputHeight,
    imageWidth: width,
    imageHeight: height,
    flipped: !!opts.flipHorizontal,
    cropX: x0,
    cropY: y0,
    cropWidth: cw,
    cropHeight: ch,
    scaleX: nw / (pw * poolX),
    scaleY: nh / (ph * poolY),
    padX,
    padY,
    poolX,
    poolY,
    resizedWidth: nw,
    resizedHeight: nh,
  };
}

const triple = (v: number | number[]): [number, number, number] =>
  (typeof v === 'number' ? [v, v, v] : [v[0]!, v[1]!, v[2]!]);

/**
 * Letterboxes an image tensor into the normalised network input [1, S, S, 3] ([1, inputHeight,
 * inputWidth, 3] with trimMultiple):
 * crop (ROI) -> mirror (flipHorizontal) -> anti-alias pool (while reading the crop, when the image
 * holds its pixels in JS) -> tf.image.resizeBilinear to twice the
 * size (half-pixel centres) -> 2x2 average -> pad with padValue, centred -> (pixel - mean) / std.
 * Returns the input (caller disposes) and the transform that maps input pixels back to frame pixels.
 */
export function letterbox(image: ImageTensor, pre: PreprocessSpec, opts: LetterboxOptions): { input: tf.Tensor4D; transform: LetterboxTransform } {
  const plan = planLetterbox(image.width, image.height, opts);
  const { poolX, poolY, resizedWidth: nw, resizedHeight: nh, ...transform } = plan;
  const { inputWidth: SW, inputHeight: SH } = plan;
  const cw = plan.cropWidth;
  const ch = plan.cropHeight;
  // the crop in the unmirrored image
  const sx = plan.flipped ? image.width - (plan.cropX + cw) : plan.cropX;
  const input = tf.tidy(() => {
    let x4: tf.Tensor4D;
    if ((poolX > 1 || poolY > 1) && image.cropPooled) {
      // pooled while read (no full-size tensor); the mirrored crop's blocks start at its left, which is
      // the unmirrored crop's right, so there the remainder is dropped on the left
      const skip = plan.flipped ? cw % poolX : 0;
      x4 = tf.expandDims(image.cropPooled(sx + skip, plan.cropY, cw - skip, ch, poolX, poolY), 0);
      if (plan.flipped) x4 = tf.reverse(x4, 2);
    } else {
      const x = cw === image.width && ch === image.height ? image.tensor : cropImage(image, sx, plan.cropY, cw, ch);
      x4 = tf.expandDims(asFloat32(x), 0);
      if (plan.flipped) x4 = tf.reverse(x4, 2);
      if (poolX > 1 || poolY > 1) x4 = tf.avgPool(x4, [poolY, poolX], [poolY, poolX], 'valid');
    }
    // the network was trained on inputs resampled this way: sharper ones cost about 2 points of PCK
    x4 = tf.image.resizeBilinear(x4, [SUPERSAMPLE * nh, SUPERSAMPLE * nw], false, true);
    x4 = tf.avgPool(x4, SUPERSAMPLE, SUPERSAMPLE, 'valid');
    const pad = triple(pre.padValue);
    const mean = triple(pre.mean);
    const invStd = triple(pre.std).map((s) => 1 / s);
    const paddings: Array<[number, number]> = [[0, 0], [plan.padY, SH - nh - plan.padY], [plan.padX, SW - nw - plan.padX], [0, 0]];
    const uniform = pad.every((v, i) => (v - mean[i]!) * invStd[i]! === (pad[0] - mean[0]) * invStd[0]!);
    if (uniform) {
      // one mean and one std for all channels (the usual case): scalar operands, which wasm runs about
      // ten times faster than a per-channel broadcast; the same arithmetic per element
      const sameForAll = mean.every((m) => m === mean[0]) && invStd.every((v) => v === invStd[0]);
      const normalised = sameForAll
        ? tf.mul(tf.sub(x4, tf.scalar(mean[0])), tf.scalar(invStd[0]!))
        : tf.mul(tf.sub(x4, tf.tensor1d(mean)), tf.tensor1d(invStd));
      return tf.pad(normalised, paddings, (pad[0] - mean[0]) * invStd[0]!) as tf.Tensor4D;
    }
    const shifted = tf.pad(tf.sub(x4, tf.tensor1d(pad)), paddings, 0);
    return tf.mul(tf.add(shifted, tf.tensor1d(pad.map((p, i) => p - mean[i]!))), tf.tensor1d(invStd)) as tf.Tensor4D;
  });
  return { input, transform };
}
