import { describe, expect, it } from 'vitest';
import { decodeMaps, findPeak, flipPermutation, normaliseMaps, quadraticOffset, type MapView } from '../src/decode/decode.js';
import { planLetterbox } from '../src/preprocess/letterbox.js';
import { frameToInput } from '../src/preprocess/transform.js';

/** Logits of a Gaussian belief: -d^2 / (2 sigma^2), a parabola per axis around (cx, cy). */
function gaussianMaps(H: number, W: number, peaks: Array<[number, number]>, sigma = 1.5): MapView {
  const C = peaks.length + 1;
  const data = new Float32Array(H * W * C);
  peaks.forEach(([cx, cy], ch) => {
    for (let r = 0; r < H; r++) {
      for (let c = 0; c < W; c++) data[(r * W + c) * C + ch] = -((c - cx) ** 2 + (r - cy) ** 2) / (2 * sigma * sigma);
    }
  });
  return { data, height: H, width: W, channels: C };
}

describe('quadratic fit', () => {
  it('finds the vertex of a parabola', () => {
    const f = (x: number) => -((x - 0.3) ** 2);
    expect(quadraticOffset(f(-1), f(0), f(1))).toBeCloseTo(0.3, 10);
    expect(quadraticOffset(1, 1, 1)).toBe(0);
    expect(quadraticOffset(0, 1, 1.5)).toBe(0.5); // clamped
    expect(quadraticOffset(0, 1, 5)).toBe(0); // bends up: no fit
    expect(quadraticOffset(-Infinity, 0, -1)).toBe(0);
  });
});

describe('findPeak on synthetic maps', () => {
  it('recovers sub-cell peaks exactly from Gaussian logits', () => {
    const peaks: Array<[number, number]> = [[10.3, 5.0], [3.0, 20.45], [29.8, 7.6], [15.5, 15.5]];
    const maps = gaussianMaps(32, 32, peaks);
    peaks.forEach(([cx, cy], ch) => {
      const p = findPeak(maps, ch);
      expect(p.col + p.dx).toBeCloseTo(cx, 5);
      expect(p.row + p.dy).toBeCloseTo(cy, 5);
    });
  });

  it('score = softmax mass in the 3x3 window', () => {
    const H = 16;
    const W = 16;
    const C = 2;
    const data = new Float32Array(H * W * C).fill(0);
    // one cell far above the rest: nearly all the mass
    data[(4 * W + 9) * C] = 20;
    const sharp = findPeak({ data, height: H, width: W, channels: C }, 0);
    expect([sharp.row, sharp.col]).toEqual([4, 9]);
    const expected = (Math.exp(20) + 8) / (Math.exp(20) + H * W - 1);
    expect(sharp.score).toBeCloseTo(expected, 6);
    expect(sharp.dx).toBe(0); // neighbours equal: symmetric fit
  });

  it('all-zero maps: low scores, cell (0, 0), no NaN', () => {
    const data = new Float32Array(8 * 8 * 15);
    const view = { data, height: 8, width: 8, channels: 15 };
    const p = findPeak(view, 3);
    expect(p).toEqual({ row: 0, col: 0, dx: 0, dy: 0, score: 4 / 64 });
    const { keypoints, score } = decodeMaps(view, { joints: Array.from({ length: 14 }, (_, i) => `j${i}`), stride: 4 });
    expect(score).toBeCloseTo(4 / 64, 10);
    for (const k of keypoints) {
      expect(Number.isNaN(k.x) || Number.isNaN(k.y) || Number.isNaN(k.score)).toBe(false);
      expect(k.score).toBeLessThan(0.1);
    }
  });

  it('NaN and -Infinity logits do not produce NaN', () => {
    const data = new Float32Array(4 * 4).fill(Number.NaN);
    const p = findPeak({ data, height: 4, width: 4, channels: 1 }, 0);
    expect(p.score).toBe(0);
    data[5] = 1;
    const q = findPeak({ data, height: 4, width: 4, channels: 1 }, 0);
    expect([q.row, q.col, q.score]).toEqual([1, 1, 1]);
    expect(Number.isNaN(q.dx)).toBe(false);
  });

  it('peaks at the border get no sub-cell offset along the clipped axis', () => {
    const maps = gaussianMaps(8, 8, [[0, 7]]);
    const p = findPeak(maps, 0);
    expect(p).toMatchObject({ row: 7, col: 0, dx: 0, dy: 0 });
  });
});

describe('decodeMaps', () => {
  const joints = ['right_wrist', 'left_wrist', 'nose'];
  const pairs: Array<[number, number]> = [[0, 1]];

  it('map cell centres: cell (row, col) -> input pixel ((col + 0.5) * stride, (row + 0.5) * stride)', () => {
    const maps = gaussianMaps(32, 32, [[2, 3], [10.25, 20], [0, 0]]);
    const { keypoints } = decodeMaps(maps, { joints, stride: 4 });
    expect(keypoints[0]).toMatchObject({ name: 'right_wrist', x: 10, y: 14 });
    expect(keypoints[1]!.x).toBeCloseTo((10.25 + 0.5) * 4, 4);
    expect(keypoints[1]!.y).toBeCloseTo(82, 4);
  });

  it('maps back through the letterbox transform to image pixels', () => {
    // a 256 x 128 image letterboxed to 128: scale 0.5, centred vertically (padY = 32)
    const t = planLetterbox(256, 128, { inputSize: 128 });
    expect([t.scaleX, t.scaleY, t.padX, t.padY]).toEqual([0.5, 0.5, 0, 32]);
    const truth = { x: 201.3, y: 77.9 };
    const inInput = frameToInput(t, truth.x, truth.y);
    const maps = gaussianMaps(32, 32, [[inInput.x / 4 - 0.5, inInput.y / 4 - 0.5], [1, 1], [1, 1]]);
    const { keypoints } = decodeMaps(maps, { joints, stride: 4, transform: t });
    expect(keypoints[0]!.x).toBeCloseTo(truth.x, 4);
    expect(keypoints[0]!.y).toBeCloseTo(truth.y, 4);
  });

  it('swapSides reads keypoint j from map perm[j] (names stay the person\'s own)', () => {
    const maps = gaussianMaps(16, 16, [[2, 2], [12, 3], [7, 7]]);
    const plain = decodeMaps(maps, { joints, stride: 1 });
    const swapped = decodeMaps(maps, { joints, stride: 1, swapSides: true, flipPairs: pairs });
    expect(swapped.keypoints.map((k) => k.name)).toEqual(joints);
    expect(swapped.keypoints[0]!.x).toBe(plain.keypoints[1]!.x);
    expect(swapped.keypoints[1]!.x).toBe(plain.keypoints[0]!.x);
    expect(swapped.keypoints[2]).toEqual(plain.keypoints[2]);
    expect(swapped.score).toBeCloseTo(plain.score, 12);
  });

  it('pose score is the mean of joint scores', () => {
    const maps = gaussianMaps(16, 16, [[2, 2], [12, 3], [7, 7]], 0.7);
    const { keypoints, score } = decodeMaps(maps, { joints, stride: 4 });
    expect(score).toBeCloseTo(keypoints.reduce((s, k) => s + k.score, 0) / 3, 12);
    for (const k of keypoints) expect(k.score).toBeGreaterThan(0.5);
  });

  // peaks (x, y) in map cells; spread = the longer side of their bounding box
  it.each([
    { peaks: [[2, 2], [12, 3], [7, 7]], minSpread: 3, spread: 10, factor: 1 },
    { peaks: [[2, 2], [12, 3], [7, 7]], minSpread: 0, spread: 10, factor: 1 },
    { peaks: [[5, 5], [6, 5], [5.5, 6.5]], minSpread: 3, spread: 1.5, factor: 0.5 },
    { peaks: [[5, 5], [5, 8], [5, 6]], minSpread: 3, spread: 3, factor: 1 },
    { peaks: [[5, 5], [5, 5], [5, 5]], minSpread: 3, spread: 0, factor: 0 },
    { peaks: [[5, 5], [5, 5], [5, 5]], minSpread: undefined, spread: 0, factor: 1 },
  ] as Array<{ peaks: Array<[number, number]>; minSpread: number | undefined; spread: number; factor: number }>)(
    'pose score is scaled by spread / minSpread below minSpread: spread $spread, minSpread $minSpread -> x$factor',
    ({ peaks, minSpread, factor }) => {
      const maps = gaussianMaps(16, 16, peaks);
      const plain = decodeMaps(maps, { joints, stride: 4 });
      const scaled = decodeMaps(maps, { joints, stride: 4, ...(minSpread !== undefined ? { minSpread } : {}) });
      expect(scaled.keypoints).toEqual(plain.keypoints); // keypoints and their scores never change
      expect(plain.score).toBeCloseTo(plain.keypoints.reduce((s, k) => s + k.score, 0) / 3, 12);
      expect(scaled.score).toBeCloseTo(plain.score * factor, 5);
    },
  );
});

describe('flipPermutation and normaliseMaps', () => {
  it('swaps pairs', () => {
    expect(flipPermutation(4, [[0, 3]])).toEqual([3, 1, 2, 0]);
  });

  it('joint maps sum to 1, background in 0..1, permuted channels follow perm', () => {
    const maps = gaussianMaps(8, 8, [[1, 1], [6, 6]]);
    const out = normaliseMaps(maps, 2, [1, 0]);
    let s0 = 0;
    for (let i = 0; i < 64; i++) s0 += out[i * 3]!;
    expect(s0).toBeCloseTo(1, 5);
    // channel 0 now holds the map peaked at (6, 6)
    expect(out[(6 * 8 + 6) * 3]!).toBeGreaterThan(out[(1 * 8 + 1) * 3]!);
    expect(out[2]).toBeCloseTo(0.5, 6); // background logit 0 -> sigmoid 0.5
  });
});
