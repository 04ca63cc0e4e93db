import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { PoseError } from '../src/errors.js';
import { selectBackend } from '../src/backend/backend.js';
import { cropImage, releaseImage, toImageTensor } from '../src/preprocess/input.js';
import { letterbox, planLetterbox, type LetterboxOptions } from '../src/preprocess/letterbox.js';
import { frameToImage, frameToInput, inputToFrame } from '../src/preprocess/transform.js';
import type { PreprocessSpec } from '../src/weights/format.js';
import { canvasStub } from './canvas-stub.js';
import { ROOT } from './helpers.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const PRE: PreprocessSpec = { mean: [127.5, 127.5, 127.5], std: [127.5, 127.5, 127.5], padValue: 0 };
/** identity normalisation, so the input shows raw 0..255 values */
const RAW: PreprocessSpec = { mean: [0, 0, 0], std: [1, 1, 1], padValue: 0 };

/** Largest |a - b| over the RGB values of the size x size input pixels that `keep` selects, and how many it selected. */
function worstDiff(a: ArrayLike<number>, b: ArrayLike<number>, size: number, keep: (x: number, y: number) => boolean): { worst: number; compared: number } {
  let worst = 0;
  let compared = 0;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      if (!keep(x, y)) continue;
      for (let c = 0; c < 3; c++) worst = Math.max(worst, Math.abs(a[(y * size + x) * 3 + c]! - b[(y * size + x) * 3 + c]!));
      compared++;
    }
  }
  return { worst, compared };
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return e instanceof PoseError ? e.code : `not a PoseError: ${String(e)}`;
  }
  return undefined;
}

/** A black image with one white rectangle [x0, x1) x [y0, y1). */
function rectImage(W: number, H: number, x0: number, y0: number, x1: number, y1: number): tf.Tensor3D {
  const d = new Int32Array(W * H * 3);
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) d.fill(255, (y * W + x) * 3, (y * W + x) * 3 + 3);
  return tf.tensor3d(d, [H, W, 3], 'int32');
}

/** Brightness-weighted centroid of channel 0 of a [1, H, W, 3] input, in continuous pixel coordinates. */
function centroid(input: tf.Tensor4D): { x: number; y: number } {
  const [, H, W] = input.shape;
  const v = input.dataSync();
  let sx = 0;
  let sy = 0;
  let s = 0;
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const w = v[(y * W + x) * 3]!;
      sx += w * (x + 0.5);
      sy += w * (y + 0.5);
      s += w;
    }
  }
  return { x: sx / s, y: sy / s };
}

describe('letterbox transform', () => {
  const cases: Array<[number, number, object]> = [
    [250, 236, {}],
    [236, 250, {}],
    [1920, 1080, {}],
    [64, 64, {}],
    [17, 300, {}],
    [640, 480, { roi: { x: 100.5, y: 40, width: 300, height: 200 } }],
    [640, 480, { roi: { x: -50, y: 400, width: 200, height: 200 } }],
    [640, 480, { flipHorizontal: true, roi: { x: 10, y: 10, width: 100, height: 300 } }],
    [640, 480, { padOutside: true, roi: { x: -100.4, y: 300, width: 400, height: 400 } }],
    [640, 480, { padOutside: true, flipHorizontal: true, roi: { x: 500, y: -20, width: 300, height: 300 } }],
  ];

  it.each(cases)('%i x %i %o: a point mapped in and out lands on itself', (W, H, opts) => {
    const t = planLetterbox(W, H, { inputSize: 128, ...opts });
    for (const [x, y] of [[0, 0], [W, H], [W / 3, H / 7], [W - 0.25, 0.5], [t.cropX + 1.5, t.cropY + 2.25]]) {
      const i = frameToInput(t, x!, y!);
      const back = inputToFrame(t, i.x, i.y);
      expect(back.x).toBeCloseTo(x!, 9);
      expect(back.y).toBeCloseTo(y!, 9);
    }
    const o = opts as { padOutside?: boolean; roi?: { x: number; y: number; width: number; height: number } };
    if (o.padOutside) {
      // the whole (square) roi fills the input, the image part at its own place within it
      const a = frameToInput(t, o.roi!.x, o.roi!.y);
      const b = frameToInput(t, o.roi!.x + o.roi!.width, o.roi!.y + o.roi!.height);
      for (const v of [a.x, a.y]) expect(Math.abs(v)).toBeLessThan(1);
      for (const v of [b.x, b.y]) expect(Math.abs(v - 128)).toBeLessThan(1);
      return;
    }
    // the crop fills the square along its longer side, centred
    const a = frameToInput(t, t.cropX, t.cropY);
    const b = frameToInput(t, t.cropX + t.cropWidth, t.cropY + t.cropHeight);
    expect(Math.max(b.x - a.x, b.y - a.y)).toBeGreaterThan(127);
    expect(a.x).toBeCloseTo(128 - b.x, -0.5);
    expect(a.y).toBeCloseTo(128 - b.y, -0.5);
  });

  it('frameToImage unmirrors x when flipped', () => {
    const t = planLetterbox(200, 100, { inputSize: 64, flipHorizontal: true });
    expect(frameToImage(t, 30, 40)).toEqual({ x: 170, y: 40 });
  });

  it('rejects an roi outside the image', () => {
    expect(codeOf(() => planLetterbox(100, 100, { inputSize: 32, roi: { x: 200, y: 0, width: 10, height: 10 } }))).toBe('INVALID_OPTION');
  });
});

describe('letterbox content', () => {
  it.each([
    ['landscape, 1.6x down', 320, 200, {}],
    ['portrait, up-scaled', 40, 60, {}],
    ['large, pooled 3x', 500, 420, {}],
    ['roi', 320, 200, { roi: { x: 100, y: 20, width: 150, height: 150 } }],
    ['flipped', 320, 200, { flipHorizontal: true }],
    ['flipped roi', 320, 200, { flipHorizontal: true, roi: { x: 30, y: 20, width: 150, height: 150 } }],
    ['roi past the image, padded', 320, 200, { padOutside: true, roi: { x: 60, y: -80, width: 300, height: 300 } }],
    ['flipped roi past the image, padded', 320, 200, { padOutside: true, flipHorizontal: true, roi: { x: -130, y: 0, width: 300, height: 300 } }],
  ])('%s: image content lands where the transform says', (_name, W, H, opts) => {
    // rectangle centred at (cx, cy) in the unmirrored image
    const [x0, y0, x1, y1] = [Math.round(W * 0.55), Math.round(H * 0.3), Math.round(W * 0.55) + 16, Math.round(H * 0.3) + 12];
    const img = rectImage(W, H, x0, y0, x1, y1);
    const { input, transform } = letterbox({ tensor: img, width: W, height: H, owned: true }, RAW, { inputSize: 64, ...opts });
    expect(input.shape).toEqual([1, 64, 64, 3]);
    const flipped = !!(opts as { flipHorizontal?: boolean }).flipHorizontal;
    const cxImage = (x0 + x1) / 2;
    const cxFrame = flipped ? W - cxImage : cxImage;
    const want = frameToInput(transform, cxFrame, (y0 + y1) / 2);
    const got = centroid(input);
    expect(got.x).toBeCloseTo(want.x, 0);
    expect(got.y).toBeCloseTo(want.y, 0);
    expect(Math.abs(got.x - want.x)).toBeLessThan(0.35);
    expect(Math.abs(got.y - want.y)).toBeLessThan(0.35);
    tf.dispose([img, input]);
  });

  it.each([
    // name, image W x H, options (inputSize 32): each reduces 4x or more, so the letterbox pools
    ['whole image, pooled 7 x 7', 463, 301, {}],
    ['flipped, a remainder column dropped on the mirrored side', 463, 301, { flipHorizontal: true }],
    ['roi, pooled 3 x 3', 463, 301, { roi: { x: 101.4, y: 37.2, width: 205, height: 190 } }],
    ['flipped roi', 463, 301, { flipHorizontal: true, roi: { x: 41, y: 10, width: 230, height: 233 } }],
    ['roi past the image, padded, trimmed', 463, 301, { padOutside: true, flipHorizontal: true, roi: { x: 300, y: -50, width: 250, height: 250 }, trimMultiple: 4 }],
    ['a thin strip: pooled 14 x 14, rows dropped at the bottom', 900, 40, { roi: { x: 0, y: 0, width: 900, height: 40 } }],
    ['RGB bytes (3 channels), whole image, pooled 7 x 7', 463, 301, {}, 3],
  ] as Array<[string, number, number, Partial<LetterboxOptions>, (3 | 4)?]>)('%s: a pixel buffer, pooled while read, gives the input its tensor gives', (_name, W, H, opts, channels = 4) => {
    const data = Uint8Array.from({ length: W * H * channels }, (_, i) => (i * 7919 + (i >> 9) * 31) % 256);
    const asBuffer = toImageTensor({ data, width: W, height: H, channels });
    const tensor = tf.tensor3d(Int32Array.from(data.filter((_, i) => channels === 3 || i % 4 !== 3)), [H, W, 3], 'int32');
    const before = tf.memory().numTensors;
    const a = letterbox(asBuffer, PRE, { inputSize: 32, ...opts });
    expect(tf.memory().numTensors).toBe(before + 1); // the input only: no full-size tensor of the image
    const b = letterbox({ tensor, width: W, height: H, owned: false }, PRE, { inputSize: 32, ...opts });
    expect(a.transform).toEqual(b.transform);
    expect(a.input.shape).toEqual(b.input.shape);
    const [va, vb] = [a.input.dataSync(), b.input.dataSync()];
    expect(Math.max(...va.map((v, i) => Math.abs(v - vb[i]!)))).toBeLessThan(1e-5);
    tf.dispose([a.input, b.input, tensor]);
    releaseImage(asBuffer);
  });

  it('padOutside: same input as letterboxing the roi of a padded canvas (scale 1, exact)', () => {
    const W = 20;
    const H = 14;
    const d = new Int32Array(W * H * 3);
    for (let i = 0; i < d.length; i++) d[i] = (i * 37) % 251;
    const img = tf.tensor3d(d, [H, W, 3], 'int32');
    // the same image at (6, 9) on a 40 x 40 canvas of padValue (0)
    const canvas = tf.pad(img, [[9, 40 - H - 9], [6, 40 - W - 6], [0, 0]]) as tf.Tensor3D;
    for (const flipHorizontal of [false, true]) {
      // a 32 x 32 roi of the frame (mirrored or not) starting 6 px left of and 9 px above the image
      const roi = { x: -6, y: -9, width: 32, height: 32 };
      const a = letterbox({ tensor: img, width: W, height: H, owned: false }, PRE, { inputSize: 32, roi, padOutside: true, flipHorizontal });
      // in the canvas frame the image starts at x = 6, or at 40 - 6 - W when mirrored
      const cx = flipHorizontal ? 40 - 6 - W - 6 : 0;
      const b = letterbox({ tensor: canvas, width: 40, height: 40, owned: false }, PRE, { inputSize: 32, roi: { x: cx, y: 0, width: 32, height: 32 }, flipHorizontal });
      expect(a.transform).toMatchObject({ scaleX: 1, scaleY: 1, padX: 6, padY: 9, cropX: 0, cropY: 0, cropWidth: W, cropHeight: H, flipped: flipHorizontal });
      // equal everywhere but within a pixel of the image's edge: the supersampled resize blends each
      // pixel with its neighbours, there the image's own edge (a, padded after resizing) or padding (b)
      const inside = (x: number, y: number, m: number) => x >= 6 + m && x < 6 + W - m && y >= 9 + m && y < 9 + H - m;
      const { worst, compared } = worstDiff(a.input.dataSync(), b.input.dataSync(), 32, (x, y) => !(inside(x, y, -1) && !inside(x, y, 1)));
      expect(compared).toBe(32 * 32 - ((W + 2) * (H + 2) - (W - 2) * (H - 2)));
      expect(worst).toBeLessThan(1e-5);
      tf.dispose([a.input, b.input]);
    }
    tf.dispose([img, canvas]);
  });

  it('padOutside: a downscaled roi keeps the image at its place; round trip through the transform', () => {
    const img = tf.fill([100, 100, 3], 255, 'int32') as tf.Tensor3D;
    const { input, transform } = letterbox({ tensor: img, width: 100, height: 100, owned: true }, RAW, { inputSize: 128, roi: { x: -50, y: 0, width: 200, height: 200 }, padOutside: true });
    expect(transform).toMatchObject({ cropX: 0, cropY: 0, cropWidth: 100, cropHeight: 100, scaleX: 0.64, scaleY: 0.64, padX: 32, padY: 0 });
    const v = input.dataSync();
    const at = (x: number, y: number) => v[(y * 128 + x) * 3]!;
    expect([at(31, 10), at(32, 10), at(95, 63), at(96, 10), at(40, 64)]).toEqual([0, 255, 255, 0, 0]);
    tf.dispose([img, input]);
  });

  it('normalises with mean/std and pads with padValue', () => {
    const img = tf.fill([10, 20, 3], 255, 'int32') as tf.Tensor3D;
    const { input, transform } = letterbox({ tensor: img, width: 20, height: 10, owned: true }, PRE, { inputSize: 16 });
    expect(transform).toMatchObject({ scaleX: 0.8, scaleY: 0.8, padX: 0, padY: 4 });
    const v = input.dataSync();
    expect(v[0]).toBeCloseTo(-1, 6); // padding: (0 - 127.5) / 127.5
    expect(v[(8 * 16 + 8) * 3]).toBeCloseTo(1, 6); // image: (255 - 127.5) / 127.5
    tf.dispose([img, input]);
    const img2 = tf.fill([10, 20, 3], 255, 'int32') as tf.Tensor3D;
    const per = letterbox({ tensor: img2, width: 20, height: 10, owned: true },
      { mean: [0, 0, 0], std: [1, 2, 4], padValue: [10, 20, 40] }, { inputSize: 16 });
    expect(Array.from(per.input.dataSync().slice(0, 3))).toEqual([10, 10, 10]);
    tf.dispose([img2, per.input]);
  });

  it.each([
    // name, image W x H, options, expected input width x height (inputSize 64, multiple 4)
    ['landscape photo', 300, 200, {}, [64, 44]],
    ['portrait photo', 150, 300, {}, [32, 64]],
    ['square photo: nothing to trim', 90, 90, {}, [64, 64]],
    ['roi inside the image', 320, 200, { roi: { x: 100, y: 20, width: 150, height: 90 } }, [64, 40]],
    ['crop past the image bottom, padded', 320, 200, { padOutside: true, roi: { x: 60, y: 50, width: 200, height: 200 } }, [64, 48]],
    ['crop past both sides, flipped', 100, 300, { padOutside: true, flipHorizontal: true, roi: { x: -50, y: 20, width: 200, height: 200 } }, [32, 64]],
  ] as const)('trimMultiple, %s: the input is the content, rounded up, at the square\'s scale', (_name, W, H, opts, [iw, ih]) => {
    const [x0, y0, x1, y1] = [Math.round(W * 0.55), Math.round(H * 0.3), Math.round(W * 0.55) + 16, Math.round(H * 0.3) + 12];
    const square = letterbox({ tensor: rectImage(W, H, x0, y0, x1, y1), width: W, height: H, owned: true }, RAW, { inputSize: 64, ...opts });
    const img = rectImage(W, H, x0, y0, x1, y1);
    const { input, transform } = letterbox({ tensor: img, width: W, height: H, owned: true }, RAW, { inputSize: 64, trimMultiple: 4, ...opts });
    expect(input.shape).toEqual([1, ih, iw, 3]);
    expect(transform).toMatchObject({ inputSize: 64, inputWidth: iw, inputHeight: ih });
    // the same scale and the same crop as the square letterbox: only the padding went
    const keep = ['scaleX', 'scaleY', 'cropX', 'cropY', 'cropWidth', 'cropHeight'] as const;
    for (const k of keep) expect(transform[k], k).toBe(square.transform[k]);
    // the content fills the input up to the rounding, centred
    const nw = Math.round(transform.cropWidth * transform.scaleX);
    const nh = Math.round(transform.cropHeight * transform.scaleY);
    expect(iw - nw).toBeGreaterThanOrEqual(0);
    expect(iw - nw).toBeLessThan(4);
    expect(ih - nh).toBeGreaterThanOrEqual(0);
    expect(ih - nh).toBeLessThan(4);
    expect([transform.padX, transform.padY]).toEqual([Math.floor((iw - nw) / 2), Math.floor((ih - nh) / 2)]);
    // the rectangle lands where the transform says
    const flipped = !!(opts as { flipHorizontal?: boolean }).flipHorizontal;
    const cx = (x0 + x1) / 2;
    const want = frameToInput(transform, flipped ? W - cx : cx, (y0 + y1) / 2);
    const got = centroid(input);
    expect(Math.abs(got.x - want.x)).toBeLessThan(0.35);
    expect(Math.abs(got.y - want.y)).toBeLessThan(0.35);
    // and the pixels are the square input's content, shifted
    const dx = square.transform.padX - transform.padX;
    const dy = square.transform.padY - transform.padY;
    const a = input.dataSync();
    const b = square.input.dataSync();
    let worst = 0;
    for (let y = 0; y < nh; y++) {
      for (let x = 0; x < nw; x++) {
        for (let c = 0; c < 3; c++) {
          const i = ((transform.padY + y) * iw + transform.padX + x) * 3 + c;
          const j = ((transform.padY + y + dy) * 64 + transform.padX + x + dx) * 3 + c;
          worst = Math.max(worst, Math.abs(a[i]! - b[j]!));
        }
      }
    }
    expect(worst).toBeLessThan(1e-4);
    tf.dispose([img, input, square.input]);
  });

  it('trimMultiple must divide inputSize', () => {
    const img = rectImage(30, 20, 1, 1, 5, 5);
    for (const trimMultiple of [-4, 1.5, 5]) {
      expect(codeOf(() => letterbox({ tensor: img, width: 30, height: 20, owned: false }, RAW, { inputSize: 64, trimMultiple }))).toBe('INVALID_OPTION');
    }
    img.dispose();
  });

  it('creates no tensors beyond its output', () => {
    const img = rectImage(300, 200, 10, 10, 40, 40);
    const before = tf.memory().numTensors;
    const { input } = letterbox({ tensor: img, width: 300, height: 200, owned: true }, PRE, { inputSize: 64, flipHorizontal: true, roi: { x: 5, y: 5, width: 100, height: 80 } });
    expect(tf.memory().numTensors).toBe(before + 1);
    tf.dispose([img, input]);
  });
});

describe('resampling: the library samples as training does', () => {
  // written by training/cpm/resample_fixture.py (training's warp_images); pytest checks it is current
  it('letterbox of the fixture image = training\'s warp of it, away from the image edges', () => {
    const dir = path.join(ROOT, 'test', 'fixtures', 'resample');
    const fx = JSON.parse(fs.readFileSync(path.join(dir, 'resample.json'), 'utf8')) as { width: number; height: number; inputSize: number; padX: number; padY: number };
    const bin = fs.readFileSync(path.join(dir, 'resample.bin'));
    const { width: W, height: H, inputSize: S } = fx;
    expect(bin.length).toBe(W * H * 3 + S * S * 3 * 4);
    const pixels = new Uint8Array(bin.buffer, bin.byteOffset, W * H * 3);
    const want = new Float32Array(bin.buffer.slice(bin.byteOffset + W * H * 3, bin.byteOffset + bin.length));
    const img = tf.tensor3d(pixels, [H, W, 3], 'int32');
    // RAW (identity normalisation): the input in 0..255 units, as the fixture
    const { input, transform } = letterbox({ tensor: img, width: W, height: H, owned: false }, RAW, { inputSize: S });
    expect([transform.padX, transform.padY]).toEqual([fx.padX, fx.padY]);
    // the image occupies rows padY..padY+nh-1 and columns padX..padX+nw-1 of the input; skip its outermost pixels
    const x0 = transform.padX;
    const y0 = transform.padY;
    const x1 = x0 + Math.round(W * transform.scaleX);
    const y1 = y0 + Math.round(H * transform.scaleY);
    const { worst, compared } = worstDiff(input.dataSync(), want, S, (x, y) => x > x0 && x < x1 - 1 && y > y0 && y < y1 - 1);
    expect(compared).toBeGreaterThan(0.6 * S * S);
    // in 0..255 units; a plain bilinear resize (no supersampling) differs by tens of grey levels here
    expect(worst).toBeLessThan(0.01);
    tf.dispose([img, input]);
  });
});

describe('inputs', () => {
  it('RGBA and RGB buffers give the same tensor', () => {
    const rgba = new Uint8ClampedArray([1, 2, 3, 255, 4, 5, 6, 255]);
    const rgb = new Uint8Array([1, 2, 3, 4, 5, 6]);
    const a = toImageTensor({ data: rgba, width: 2, height: 1 });
    const b = toImageTensor({ data: rgb, width: 1, height: 2 });
    expect(a.tensor.shape).toEqual([1, 2, 3]);
    expect(b.tensor.shape).toEqual([2, 1, 3]);
    expect(Array.from(a.tensor.dataSync())).toEqual([1, 2, 3, 4, 5, 6]);
    expect(Array.from(b.tensor.dataSync())).toEqual([1, 2, 3, 4, 5, 6]);
    expect(a.owned && b.owned).toBe(true);
    tf.dispose([a.tensor, b.tensor]);
  });

  it('a pixel buffer is a snapshot; its crops come from the bytes, equal to slices of its tensor, without building the whole tensor', () => {
    const [W, H] = [7, 5];
    for (const channels of [3, 4] as const) {
      const data = Uint8Array.from({ length: W * H * channels }, (_, i) => (i * 37) % 256);
      const image = toImageTensor({ data, width: W, height: H, channels });
      const before = tf.memory().numTensors;
      const crop = image.crop!(2, 1, 4, 3);
      expect(tf.memory().numTensors).toBe(before + 1); // the crop only: no whole-image tensor yet
      data.fill(0); // the caller reuses its buffer: the image keeps what it was given
      const whole = image.tensor;
      expect(whole.shape).toEqual([H, W, 3]);
      expect(Array.from(whole.dataSync()).some((v) => v !== 0)).toBe(true);
      const sliced = tf.slice(whole, [1, 2, 0], [3, 4, 3]);
      expect(crop.shape).toEqual([3, 4, 3]);
      expect(crop.dtype).toBe('int32');
      expect(Array.from(crop.dataSync())).toEqual(Array.from(sliced.dataSync()));
      tf.dispose([crop, sliced]);
      releaseImage(image);
      expect(tf.memory().numTensors).toBe(before);
    }
  });

  describe('elements on a CPU-side backend: drawn on a canvas at the call, only the regions a pass needs read back', () => {
    const [W, H] = [3, 2];
    const rgba = (seed: number) => Uint8ClampedArray.from({ length: W * H * 4 }, (_, i) => (i % 4 === 3 ? 255 : (i * 29 + seed) % 256));
    const rgbOf = (p: Uint8ClampedArray) => Array.from(p).filter((_, i) => i % 4 !== 3);

    const { log, contexts } = canvasStub;
    beforeAll(() => {
      vi.stubGlobal('OffscreenCanvas', canvasStub.OffscreenCanvas);
    });
    afterEach(() => {
      log.length = 0;
    });

    const elements: Array<[string, (pixels: Uint8ClampedArray) => object]> = [
      ['video', (pixels) => ({ pixels, readyState: 4, videoWidth: W, videoHeight: H })],
      ['image element shown at another size', (pixels) => ({ pixels, complete: true, naturalWidth: W, naturalHeight: H, width: 4 * W, height: 4 * H })],
      ['canvas', (pixels) => ({ pixels, getContext: () => null, width: W, height: H })],
      ['ImageBitmap', (pixels) => ({ pixels, close: () => undefined, width: W, height: H })],
    ];
    it.each(elements)('%s: the frame as it was at the call, at its natural size; a crop reads its region only; no tensor until a pass needs one', (_, make) => {
      const pixels = rgba(0);
      const before = tf.memory().numTensors;
      const image = toImageTensor(make(pixels) as never);
      expect(tf.memory().numTensors).toBe(before);
      expect(image).toMatchObject({ width: W, height: H, owned: true });
      const expected = rgbOf(pixels);
      pixels.fill(0); // the video moves on: the image keeps the frame of the call
      const crop = image.crop!(1, 0, 2, 2);
      expect(Array.from(crop.dataSync())).toEqual([0, 1].flatMap((y) => expected.slice((y * W + 1) * 3, (y * W + 3) * 3)));
      expect(Array.from(image.tensor.dataSync())).toEqual(expected);
      expect(log).toEqual([`draw ${W}x${H}`, 'read 0,0 1x1', 'read 1,0 2x2', `read 0,0 ${W}x${H}`]);
      crop.dispose();
      releaseImage(image);
      expect(tf.memory().numTensors).toBe(before);
    });

    it('canvases are read-optimised, reused once released, and never shared by two images alive at once', () => {
      const video = (pixels: Uint8ClampedArray) => ({ pixels, readyState: 4, videoWidth: W, videoHeight: H });
      const [pa, pb] = [rgba(1), rgba(2)];
      const a = toImageTensor(video(pa) as never);
      const b = toImageTensor(video(pb) as never);
      expect(Array.from(a.tensor.dataSync())).toEqual(rgbOf(pa));
      expect(Array.from(b.tensor.dataSync())).toEqual(rgbOf(pb));
      const made = contexts.length;
      releaseImage(a);
      releaseImage(b);
      releaseImage(toImageTensor(video(pa) as never));
      expect(contexts.length).toBe(made); // from the pool
      expect(contexts.every((c) => (c.options as { willReadFrequently?: boolean }).willReadFrequently)).toBe(true);
    });

    it('a cross-origin (tainted) source is UNREADABLE_IMAGE at the call, saying what to do', () => {
      const video = { pixels: rgba(0), tainted: true, readyState: 4, videoWidth: W, videoHeight: H };
      expect(codeOf(() => toImageTensor(video as never))).toBe('UNREADABLE_IMAGE');
      expect(() => toImageTensor(video as never)).toThrow(/cross-origin.*crossOrigin = "anonymous"/);
      // the tainted canvas is not reused: the next frame from a readable source is read
      const clean = toImageTensor({ pixels: rgba(3), readyState: 4, videoWidth: W, videoHeight: H } as never);
      expect(Array.from(clean.tensor.dataSync())).toEqual(rgbOf(rgba(3)));
      releaseImage(clean);
    });
  });

  it.each([
    ['int32', 13, 9, [[2, 1, 4, 3], [0, 0, 13, 9], [12, 8, 1, 1], [0, 4, 13, 1], [5, 0, 1, 9]]],
    ['float32', 13, 9, [[2, 1, 4, 3], [12, 0, 1, 9], [3, 3, 7, 6]]],
    ['int32', 1, 6, [[0, 2, 1, 3], [0, 0, 1, 6]]],
    ['int32', 7, 1, [[2, 0, 4, 1]]],
    ['int32', 1031, 517, [[0, 0, 1031, 517], [1000, 500, 31, 17], [333, 111, 400, 300]]],
  ] as const)('wasm: a %s %i x %i tensor\'s crops (int32: read from the heap; float32: cropAndResize; never Slice) hold its slices\' values (int32: exactly)', async (dtype, W, H, crops) => {
    await selectBackend({ backend: 'wasm' });
    try {
      const values = Float32Array.from({ length: W * H * 3 }, (_, i) => ((i * 7919) % 256) + (dtype === 'float32' ? ((i * 13) % 7) / 7 : 0));
      const tensor = tf.tensor3d(values, [H, W, 3], dtype);
      const before = tf.memory().numTensors;
      const image = toImageTensor(tensor);
      expect(image.tensor).toBe(tensor);
      for (const [x, y, w, h] of crops) {
        const crop = cropImage(image, x, y, w, h);
        const sliced = tf.slice(tensor, [y, x, 0], [h, w, 3]);
        expect(crop.shape).toEqual([h, w, 3]);
        const [got, want] = [crop.dataSync(), sliced.dataSync()];
        let worst = 0;
        for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!));
        expect(worst).toBeLessThanOrEqual(dtype === 'int32' ? 0 : 0.05);
        tf.dispose([crop, sliced]);
      }
      releaseImage(image);
      expect(tf.memory().numTensors).toBe(before);
      expect(tensor.isDisposed).toBe(false);
      tensor.dispose();
    } finally {
      await tf.setBackend('cpu');
    }
  });

  it('wasm: an int32 tensor disposed while its image is in use is BAD_TENSOR, not pixels read from freed memory', async () => {
    await selectBackend({ backend: 'wasm' });
    try {
      const tensor = tf.tensor3d(Int32Array.from({ length: 6 * 4 * 3 }, (_, i) => i), [4, 6, 3], 'int32');
      const image = toImageTensor(tensor);
      const crop = cropImage(image, 1, 1, 2, 2);
      expect(Array.from(crop.dataSync()).slice(0, 3)).toEqual([21, 22, 23]);
      crop.dispose();
      tensor.dispose();
      expect(codeOf(() => cropImage(image, 1, 1, 2, 2))).toBe('BAD_TENSOR');
      expect(codeOf(() => image.cropPooled!(0, 0, 6, 4, 2, 2))).toBe('BAD_TENSOR');
      releaseImage(image);
    } finally {
      await tf.setBackend('cpu');
    }
  });

  it('tensors are used as they are (not owned)', () => {
    const t = tf.zeros([4, 5, 3], 'float32') as tf.Tensor3D;
    const r = toImageTensor(t);
    expect(r).toMatchObject({ width: 5, height: 4, owned: false });
    expect(r.tensor).toBe(t);
    t.dispose();
  });

  it('errors', () => {
    const t2 = tf.zeros([4, 5]);
    const t4 = tf.zeros([4, 5, 4]);
    const tb = tf.zeros([4, 5, 3], 'bool');
    const t0 = tf.zeros([0, 5, 3]);
    expect(codeOf(() => toImageTensor(t2 as unknown as tf.Tensor3D))).toBe('BAD_TENSOR');
    expect(codeOf(() => toImageTensor(t4 as tf.Tensor3D))).toBe('BAD_TENSOR');
    expect(codeOf(() => toImageTensor(tb as tf.Tensor3D))).toBe('BAD_TENSOR');
    expect(codeOf(() => toImageTensor(t0 as tf.Tensor3D))).toBe('EMPTY_IMAGE');
    expect(codeOf(() => toImageTensor({ data: new Uint8Array(0), width: 0, height: 0 }))).toBe('EMPTY_IMAGE');
    expect(codeOf(() => toImageTensor({ data: new Uint8Array(10), width: 2, height: 2 }))).toBe('BAD_TENSOR');
    expect(codeOf(() => toImageTensor(null as never))).toBe('BAD_TENSOR');
    expect(codeOf(() => toImageTensor({ foo: 1 } as never))).toBe('BAD_TENSOR');
    // duck-typed browser objects, as Node has no DOM
    expect(codeOf(() => toImageTensor({ readyState: 1, videoWidth: 640, videoHeight: 480 } as never))).toBe('VIDEO_NOT_READY');
    expect(codeOf(() => toImageTensor({ readyState: 4, videoWidth: 0, videoHeight: 0 } as never))).toBe('EMPTY_IMAGE');
    expect(codeOf(() => toImageTensor({ complete: false, naturalWidth: 0, naturalHeight: 0, width: 0, height: 0 } as never))).toBe('EMPTY_IMAGE');
    expect(codeOf(() => toImageTensor({ complete: true, naturalWidth: 0, naturalHeight: 0, width: 0, height: 0 } as never))).toBe('EMPTY_IMAGE');
    expect(codeOf(() => toImageTensor({ getContext: () => null, width: 0, height: 10 } as never))).toBe('EMPTY_IMAGE');
    expect(codeOf(() => toImageTensor({ close: () => undefined, width: 10, height: 0 } as never))).toBe('EMPTY_IMAGE');
    tf.dispose([t2, t4, tb, t0]);
  });
});
