import { inputToFrame, type LetterboxTransform } from '../preprocess/transform.js';

/** A named keypoint in the caller's frame pixels, with a score in 0..1. */
export interface Keypoint {
  name: string;
  x: number;
  y: number;
  score: number;
}

/** One joint's peak in map coordinates. */
export interface Peak {
  /** integer cell of the arg-max */
  row: number;
  col: number;
  /** sub-cell offsets from the quadratic fit, each in [-0.5, 0.5] */
  dx: number;
  dy: number;
  /** softmax probability mass in the 3x3 cells around the peak (0..1) */
  score: number;
}

/** Maps laid out HWC (row-major, channels last), as read from an NHWC tensor with batch 1. */
export interface MapView {
  data: Float32Array;
  height: number;
  width: number;
  channels: number;
}

/**
 * Offset of the maximum of the parabola through (-1, a), (0, b), (1, c); 0 when the three points
 * do not bend down (flat or not a maximum), clamped to [-0.5, 0.5].
 */
export function quadraticOffset(a: number, b: number, c: number): number {
  const curvature = a - 2 * b + c;
  if (!(curvature < 0)) return 0;
  const d = (0.5 * (a - c)) / curvature;
  if (!Number.isFinite(d)) return 0;
  return Math.max(-0.5, Math.min(0.5, d)) + 0; // + 0 turns -0 into 0
}

/**
 * Peak of channel `ch`: arg-max over the cells (first one on ties), refined to sub-cell precision by a
 * quadratic fit along x and along y on the logits (log-probabilities up to a constant, so a Gaussian
 * belief is exactly a parabola there), score = softmax probability mass in the 3x3 window.
 * NaN logits are treated as -Infinity; an all-NaN or constant map gives cell (0, 0) and a low score.
 */
export function findPeak(maps: MapView, ch: number): Peak {
  const { data, height: H, width: W, channels: C } = maps;
  let best = -Infinity;
  let bestIdx = 0;
  for (let i = 0; i < H * W; i++) {
    const v = data[i * C + ch]!;
    if (v > best) {
      best = v;
      bestIdx = i;
    }
  }
  const row = Math.floor(bestIdx / W);
  const col = bestIdx % W;
  if (best === -Infinity) return { row, col, dx: 0, dy: 0, score: 0 };
  let total = 0;
  for (let i = 0; i < H * W; i++) {
    const v = data[i * C + ch]!;
    if (v === v) total += Math.exp(v - best);
  }
  let mass = 0;
  for (let r = Math.max(0, row - 1); r <= Math.min(H - 1, row + 1); r++) {
    for (let c = Math.max(0, col - 1); c <= Math.min(W - 1, col + 1); c++) {
      const v = data[(r * W + c) * C + ch]!;
      if (v === v) mass += Math.exp(v - best);
    }
  }
  const at = (r: number, c: number) => {
    const v = data[(r * W + c) * C + ch]!;
    return v === v ? v : -Infinity;
  };
  const dx = col > 0 && col < W - 1 ? quadraticOffset(at(row, col - 1), best, at(row, col + 1)) : 0;
  const dy = row > 0 && row < H - 1 ? quadraticOffset(at(row - 1, col), best, at(row + 1, col)) : 0;
  const score = total > 0 ? Math.min(1, mass / total) : 0;
  return { row, col, dx, dy, score };
}

/** Index permutation swapping each left/right pair: perm[j] = the joint j is mirrored to. */
export function flipPermutation(numJoints: number, flipPairs: ReadonlyArray<readonly [number, number]>): number[] {
  const perm = Array.from({ length: numJoints }, (_, i) => i);
  for (const [a, b] of flipPairs) {
    perm[a] = b;
    perm[b] = a;
  }
  return perm;
}

export interface DecodeOptions {
  joints: readonly string[];
  /** map stride in input pixels */
  stride: number;
  /** maps input pixels to the caller's frame; identity (input pixels) when omitted */
  transform?: LetterboxTransform;
  /**
   * The network saw a mirrored image: its map for joint j shows the person's joint perm[j], so
   * keypoint j is read from map perm[j] (names stay the person's own).
   */
  swapSides?: boolean;
  flipPairs?: ReadonlyArray<readonly [number, number]>;
  /**
   * Map cells the keypoints must span (the longer side of their bounding box) for the pose score to
   * be the plain mean: below it, the mean is scaled by span / minSpread. Default 0 (never scaled).
   */
  minSpread?: number;
}

/**
 * Belief-map logits -> keypoints in the caller's frame pixels, and the pose score: the mean joint
 * score, scaled down when the keypoints span fewer than `minSpread` map cells (all the joints in one
 * spot are no person: on uniform noise, the crop pass zooms in on such a spot and finds every joint
 * there with joint scores like a real pose's).
 * Map cell (row, col) has its centre at input pixel ((col + 0.5) * stride, (row + 0.5) * stride).
 */
export function decodeMaps(maps: MapView, opts: DecodeOptions): { keypoints: Keypoint[]; score: number } {
  const J = opts.joints.length;
  const perm = opts.swapSides ? flipPermutation(J, opts.flipPairs ?? []) : null;
  const keypoints: Keypoint[] = [];
  let sum = 0;
  let left = Infinity;
  let right = -Infinity;
  let top = Infinity;
  let bottom = -Infinity;
  for (let j = 0; j < J; j++) {
    const p = findPeak(maps, perm ? perm[j]! : j);
    const cx = p.col + 0.5 + p.dx;
    const cy = p.row + 0.5 + p.dy;
    left = Math.min(left, cx);
    right = Math.max(right, cx);
    top = Math.min(top, cy);
    bottom = Math.max(bottom, cy);
    const ix = cx * opts.stride;
    const iy = cy * opts.stride;
    const { x, y } = opts.transform ? inputToFrame(opts.transform, ix, iy) : { x: ix, y: iy };
    keypoints.push({ name: opts.joints[j]!, x, y, score: p.score });
    sum += p.score;
  }
  const spread = J > 0 ? Math.max(right - left, bottom - top) : 0;
  const minSpread = opts.minSpread ?? 0;
  const spreadFactor = minSpread > 0 && spread < minSpread ? spread / minSpread : 1;
  return { keypoints, score: J > 0 ? (sum / J) * spreadFactor : 0 };
}

/**
 * Per-channel normalisation for display: spatial softmax for each joint map (sums to 1 over the
 * cells), sigmoid for the background map. With `perm`, output channel j is input channel perm[j].
 */
export function normaliseMaps(maps: MapView, numJoints: number, perm?: readonly number[]): Float32Array {
  const { data, height: H, width: W, channels: C } = maps;
  const out = new Float32Array(H * W * C);
  for (let ch = 0; ch < C; ch++) {
    const src = ch < numJoints && perm ? perm[ch]! : ch;
    if (ch < numJoints) {
      let m = -Infinity;
      for (let i = 0; i < H * W; i++) m = Math.max(m, data[i * C + src]!);
      let total = 0;
      for (let i = 0; i < H * W; i++) {
        const e = Math.exp(data[i * C + src]! - m);
        out[i * C + ch] = e;
        total += e;
      }
      const inv = total > 0 && Number.isFinite(total) ? 1 / total : 0;
      for (let i = 0; i < H * W; i++) out[i * C + ch]! *= inv;
    } else {
      for (let i = 0; i < H * W; i++) out[i * C + ch] = 1 / (1 + Math.exp(-data[i * C + src]!));
    }
  }
  return out;
}
