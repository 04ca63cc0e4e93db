import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createEstimator, DEFAULT_ESTIMATE_OPTIONS, PoseTracker, type EstimateOptions, type PoseEstimator, type PoseResult } from '../src/index.js';
import { PoseError } from '../src/errors.js';
import { LSP_JOINTS } from '../src/weights/random.js';
import { writeModelFiles } from '../src/weights/save.js';
import { personCrop } from '../src/estimator/crop.js';
import { estimateOnCrop } from '../src/estimator/estimator.js';
import { letterbox, roundRoi, type LetterboxOptions } from '../src/preprocess/letterbox.js';
import { toImageTensor } from '../src/preprocess/input.js';
import { buildCpmGraph } from '../src/model/graph.js';
import { decodeMaps } from '../src/decode/decode.js';
import { decodeModelWeights } from '../src/weights/decode.js';
import { numMapsOf } from '../src/weights/format.js';
import { defaultTrimPadding } from '../src/options.js';
import { createRandomModel } from '../src/weights/random.js';
import { lspetImage, ROOT, syntheticImage, tempDir, tinyModel, TINY_CONFIG, writeTempModel } from './helpers.js';
import { canvasStub, rgbaPixels, stubVideo } from './canvas-stub.js';
import { loadModel } from '../src/weights/load.js';
import { partnerOf } from '../bench/pck.js'; // left_x <-> right_x
import fs from 'node:fs';
import path from 'node:path';

async function codeOf(p: Promise<unknown> | (() => Promise<unknown>)): Promise<string> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    return e instanceof PoseError ? e.code : `not a PoseError: ${String(e)}`;
  }
  return 'no error';
}

const photo = lspetImage(8501);
let modelDir: string;
let est: PoseEstimator;

beforeAll(async () => {
  modelDir = await writeTempModel(tinyModel({ seed: 11 }), 'est');
  est = await createEstimator({ model: modelDir, backend: 'cpu' });
});
afterAll(() => est.dispose());

describe('estimatePose', () => {
  it('returns named keypoints in image pixels, a pose score and the stage', async () => {
    const r = await est.estimatePose(photo);
    expect(r.keypoints.map((k) => k.name)).toEqual(LSP_JOINTS);
    for (const k of r.keypoints) {
      expect(Number.isFinite(k.x) && Number.isFinite(k.y)).toBe(true);
      expect(k.score).toBeGreaterThanOrEqual(0);
      expect(k.score).toBeLessThanOrEqual(1);
    }
    expect(r.score).toBeCloseTo(r.keypoints.reduce((s, k) => s + k.score, 0) / 14, 12);
    expect(r.stage).toBe(3);
    expect(r.beliefMaps).toBeUndefined();
  });

  it('model info', () => {
    expect(est.backend).toBe('cpu');
    expect(est.model).toMatchObject({
      name: 'tiny-random', joints: LSP_JOINTS, stages: 3, inputSize: 32, stride: 4, inputMultiple: 4, mapSize: 8, receptiveFields: [26, 50, 74],
    });
    expect(est.model.skeleton.length).toBeGreaterThan(10);
    expect(est.model.flipPairs).toContainEqual([6, 11]);
  });

  it('stages: k runs stages 1..k and reports k; belief maps per stage on request', async () => {
    // one pass on the whole image: with the crop pass, the crop itself depends on k
    const r1 = await est.estimatePose(photo, { stages: 1, returnBeliefMaps: true, cropPass: false });
    const r3 = await est.estimatePose(photo, { returnBeliefMaps: true, cropPass: false });
    expect(r1.stage).toBe(1);
    expect(r1.beliefMaps!.map((m) => m.stage)).toEqual([1]);
    expect(r3.beliefMaps!.map((m) => m.stage)).toEqual([1, 2, 3]);
    // stage 1 is the same whether or not later stages run
    expect(r1.beliefMaps![0]!.data).toEqual(r3.beliefMaps![0]!.data);
    const m = r3.beliefMaps![2]!;
    expect([m.height, m.width, m.channels]).toEqual([8, 8, 15]);
    expect(m.names).toEqual([...LSP_JOINTS, 'background']);
    let sum = 0;
    for (let i = 0; i < 64; i++) sum += m.data[i * 15 + 4]!;
    expect(sum).toBeCloseTo(1, 5);
    // each keypoint lies within half a cell of its map's peak cell centre, placed with x0/y0/cellWidth/cellHeight
    r3.keypoints.forEach((k, j) => {
      let best = -1;
      let at = 0;
      for (let i = 0; i < 64; i++) if (m.data[i * 15 + j]! > best) [best, at] = [m.data[i * 15 + j]!, i];
      const cx = m.x0 + ((at % 8) + 0.5) * m.cellWidth;
      const cy = m.y0 + (Math.floor(at / 8) + 0.5) * m.cellHeight;
      expect(Math.abs(k.x - cx)).toBeLessThanOrEqual(m.cellWidth / 2 + 1e-9);
      expect(Math.abs(k.y - cy)).toBeLessThanOrEqual(m.cellHeight / 2 + 1e-9);
    });
  });

  it('flipHorizontal: on the mirrored photo it gives the plain result with left/right names swapped', async () => {
    // mirror the photo: the network input is then identical, so the maps are too
    const { width: W, height: H, data } = photo;
    const mirrored = new Uint8Array(data.length);
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) mirrored.set(data.subarray((y * W + x) * 4, (y * W + x) * 4 + 4), (y * W + (W - 1 - x)) * 4);
    const plain = await est.estimatePose(photo);
    const flipped = await est.estimatePose({ data: mirrored, width: W, height: H }, { flipHorizontal: true });
    const byName = new Map(plain.keypoints.map((k) => [k.name, k]));
    for (const k of flipped.keypoints) {
      const p = byName.get(partnerOf(k.name) ?? k.name)!;
      expect(k.x).toBeCloseTo(p.x, 4);
      expect(k.y).toBeCloseTo(p.y, 4);
      expect(k.score).toBeCloseTo(p.score, 6);
    }
    expect(flipped.keypoints.map((k) => k.name)).toEqual(LSP_JOINTS);
  });

  it('flipTest: the result on the mirror image is the mirrored result (exact symmetry), and it only changes the final pass', async () => {
    // a square of the photo at twice the input size: the letterbox has no padding, so the mirror's
    // network input is the input's mirror image
    const S = 2 * est.model.inputSize;
    const square = new Uint8Array(S * S * 4);
    const mirror = new Uint8Array(S * S * 4);
    for (let y = 0; y < S; y++) {
      for (let x = 0; x < S; x++) {
        const px = photo.data.subarray(((y + 40) * photo.width + x + 20) * 4, ((y + 40) * photo.width + x + 20) * 4 + 4);
        square.set(px, (y * S + x) * 4);
        mirror.set(px, (y * S + (S - 1 - x)) * 4);
      }
    }
    const worstMirrorGap = async (options: { flipTest: boolean }) => {
      const a = await est.estimatePose({ data: square, width: S, height: S }, { ...options, cropPass: false });
      const b = await est.estimatePose({ data: mirror, width: S, height: S }, { ...options, cropPass: false });
      const byName = new Map(a.keypoints.map((k) => [k.name, k]));
      let worst = 0;
      for (const k of b.keypoints) {
        const p = byName.get(partnerOf(k.name) ?? k.name)!;
        worst = Math.max(worst, Math.abs(k.x - (S - p.x)), Math.abs(k.y - p.y), Math.abs(k.score - p.score));
      }
      return worst;
    };
    expect(await worstMirrorGap({ flipTest: true })).toBeLessThan(1e-3);
    // the random model itself is not symmetric: without the flip test the two differ
    expect(await worstMirrorGap({ flipTest: false })).toBeGreaterThan(0.5);

    expect(DEFAULT_ESTIMATE_OPTIONS.flipTest).toBe(false);
    const plain = await est.estimatePose(photo);
    const flipped = await est.estimatePose(photo, { flipTest: true, returnBeliefMaps: true });
    expect(flipped.region).toEqual(plain.region); // pass 1 (the framing) is unchanged
    expect(flipped.keypoints).not.toEqual(plain.keypoints);
    expect(flipped.beliefMaps).toHaveLength(3);
  });

  it('roi: same result as running on the cropped image, shifted by the roi origin', async () => {
    const roi = { x: 40, y: 30, width: 120, height: 150 };
    const W = photo.width;
    const crop = new Uint8Array(roi.width * roi.height * 4);
    for (let y = 0; y < roi.height; y++) {
      crop.set(photo.data.subarray(((roi.y + y) * W + roi.x) * 4, ((roi.y + y) * W + roi.x + roi.width) * 4), y * roi.width * 4);
    }
    const a = await est.estimatePose(photo, { roi });
    const b = await est.estimatePose({ data: crop, width: roi.width, height: roi.height }, { cropPass: false });
    expect(a.framing).toBe('roi');
    expect(a.region).toEqual(roi);
    expect(b.framing).toBe('image');
    a.keypoints.forEach((k, i) => {
      expect(k.x).toBeCloseTo(b.keypoints[i]!.x + roi.x, 4);
      expect(k.y).toBeCloseTo(b.keypoints[i]!.y + roi.y, 4);
      expect(k.score).toBeCloseTo(b.keypoints[i]!.score, 6);
    });
  });

  it('two-pass (default): pass 2 on the person crop around pass 1, with the requested stages', async () => {
    for (const stages of [1, 3]) {
      for (const flipHorizontal of [false, true]) {
        const one = await est.estimatePose(photo, { stages, flipHorizontal, cropPass: false });
        const two = await est.estimatePose(photo, { stages, flipHorizontal, detectStages: stages });
        expect(one.framing).toBe('image');
        expect(one.region).toEqual({ x: 0, y: 0, width: photo.width, height: photo.height });
        expect(two.framing).toBe('crop');
        expect(two.stage).toBe(stages);
        const crop = personCrop(one.keypoints, photo.width, photo.height, est.model.refine);
        expect(two.region).toEqual(roundRoi(crop));
        expect(two.region.width).toBe(two.region.height);
        // the crop is the keypoints' box (all joints) times the margin, at least minSide of the image
        const xs = one.keypoints.map((k) => k.x);
        const ys = one.keypoints.map((k) => k.y);
        const box = Math.max(Math.max(...xs) - Math.min(...xs), Math.max(...ys) - Math.min(...ys));
        expect(crop.width).toBeCloseTo(Math.max(box * 1.5, 0.2 * Math.max(photo.width, photo.height)), 9);
        // pass 2's maps lie on the crop
        const withMaps = await est.estimatePose(photo, { stages, flipHorizontal, detectStages: stages, returnBeliefMaps: true });
        const m = withMaps.beliefMaps![stages - 1]!;
        // (within the anti-alias pooling's dropped remainder: heavy here, a 32-pixel input)
        expect(Math.abs(m.cellWidth * m.width / two.region.width - 1)).toBeLessThan(0.05);
        expect(withMaps.keypoints).toEqual(two.keypoints);
      }
    }
    expect(est.model.refine).toEqual({ margin: 1.5, minSide: 0.2, detectSize: TINY_CONFIG.inputSize, reframeBelow: 0 });
  });

  it('detectSize: pass 1 runs at that input side (default: model.json refine.detectSize, else inputSize)', async () => {
    // the same weights built for a 48-pixel input: its one pass is what pass 1 at detectSize 48 must be
    const at48 = await createEstimator({
      model: await writeTempModel(createRandomModel({ config: { ...TINY_CONFIG, inputSize: 48 }, name: 'tiny-48', seed: 11 }), 'est48'),
      backend: 'cpu',
    });
    const trained48 = await createEstimator({
      model: await writeTempModel(createRandomModel({ config: TINY_CONFIG, name: 'tiny-detect48', seed: 11, refine: { margin: 1.5, minSide: 0.2, detectSize: 48 } }), 'detect48'),
      backend: 'cpu',
    });
    try {
      const pass1 = await at48.estimatePose(photo, { stages: 2, cropPass: false });
      const want = roundRoi(personCrop(pass1.keypoints, photo.width, photo.height, est.model.refine));
      const explicit = await est.estimatePose(photo, { detectSize: 48 });
      expect(explicit.region).toEqual(want);
      expect(explicit.region).not.toEqual((await est.estimatePose(photo)).region);
      // pass 2 still runs at the model's inputSize: same result as the crop given directly
      const maps = await est.estimatePose(photo, { detectSize: 48, returnBeliefMaps: true });
      expect(maps.beliefMaps![0]!.width).toBe(TINY_CONFIG.inputSize / est.model.stride);
      expect(trained48.model.refine.detectSize).toBe(48);
      expect((await trained48.estimatePose(photo)).region).toEqual(want);
      expect((await trained48.estimatePose(photo, { detectSize: 32 })).region).toEqual((await est.estimatePose(photo)).region);
    } finally {
      at48.dispose();
      trained48.dispose();
    }
  });

  it('detectStages: pass 1 runs that many stages (default 2, capped at stages), pass 2 runs stages', async () => {
    const cropFrom = async (detect: number) =>
      roundRoi(personCrop((await est.estimatePose(photo, { stages: detect, cropPass: false })).keypoints, photo.width, photo.height, est.model.refine));
    expect(DEFAULT_ESTIMATE_OPTIONS.detectStages).toBe(2);
    const byDefault = await est.estimatePose(photo);
    expect(byDefault.stage).toBe(3);
    expect(byDefault.region).toEqual(await cropFrom(2));
    const one = await est.estimatePose(photo, { detectStages: 1 });
    expect(one.region).toEqual(await cropFrom(1));
    expect(one.stage).toBe(3);
    const capped = await est.estimatePose(photo, { stages: 1, detectStages: 3 });
    expect(capped.region).toEqual(await cropFrom(1));
  });

  it('refinePasses: each crop pass after the first re-frames the person around the one before', async () => {
    expect(DEFAULT_ESTIMATE_OPTIONS.refinePasses).toBe(1);
    // one more crop pass by hand: on the person crop around the given result's keypoints
    const reframe = (r: PoseResult, options?: EstimateOptions) =>
      estimateOnCrop(est, photo, personCrop(r.keypoints, photo.width, photo.height, est.model.refine), options);
    const two = await est.estimatePose(photo);
    const reframed = await reframe(two);
    const three = await est.estimatePose(photo, { refinePasses: 2 });
    expect(three.keypoints).toEqual(reframed.keypoints);
    expect(three.region).toEqual(reframed.region);
    expect(three.region).not.toEqual(two.region);
    const four = await est.estimatePose(photo, { refinePasses: 3, stages: 2, flipTest: true, returnBeliefMaps: true });
    const again = await reframe(await reframe(await est.estimatePose(photo, { stages: 2 }), { stages: 2 }),
      { stages: 2, flipTest: true, returnBeliefMaps: true });
    expect(four).toEqual(again); // flipTest and belief maps: the last pass only
    // one pass (a roi, or cropPass false) stays one pass
    const roi = { x: 5, y: 5, width: 60, height: 50 };
    expect(await est.estimatePose(photo, { roi, refinePasses: 3 })).toEqual(await est.estimatePose(photo, { roi }));
    expect(await est.estimatePose(photo, { cropPass: false, refinePasses: 2 })).toEqual(await est.estimatePose(photo, { cropPass: false }));
  });

  it('reframe: one more crop pass when the crop pass\'s keypoints call for a crop below refine.reframeBelow of its own', async () => {
    expect(DEFAULT_ESTIMATE_OPTIONS.reframe).toBe(true);
    // est's refine.reframeBelow is 0: never
    expect(await est.estimatePose(photo, { reframe: true })).toEqual(await est.estimatePose(photo, { reframe: false }));
    // the shipped weights (random ones spread their keypoints over the whole crop), reframing below 0.9
    const shipped = await loadModel(path.join(ROOT, 'models', 'cpm-lite'));
    const json = { ...shipped.json, refine: { ...shipped.json.refine, reframeBelow: 0.9 } };
    const e = await createEstimator({ model: { json, weightData: shipped.weightData }, backend: 'wasm' });
    let reframed = 0;
    try {
      expect(e.model.refine.reframeBelow).toBe(0.9);
      for (const image of [8501, 8502, 8503, 8504, 8505, 8506, 8507, 8508, 8509, 8510].map(lspetImage)) {
        for (const options of [{}, { stages: 2, flipTest: true }] as EstimateOptions[]) {
          const pass1 = await e.estimatePose(image, { cropPass: false, stages: Math.min(2, options.stages ?? 3) });
          const crop = personCrop(pass1.keypoints, image.width, image.height, e.model.refine);
          const once = await estimateOnCrop(e, image, crop, options);
          expect(await e.estimatePose(image, { ...options, reframe: false })).toEqual(once);
          const tighter = personCrop(once.keypoints, image.width, image.height, e.model.refine);
          const again = tighter.width < 0.9 * crop.width;
          if (again) reframed++;
          expect(await e.estimatePose(image, options)).toEqual(again ? await estimateOnCrop(e, image, tighter, options) : once);
        }
      }
    } finally {
      e.dispose();
    }
    expect(reframed, 'the photos exercise both branches').toBeGreaterThan(0);
    expect(reframed).toBeLessThan(20);
  });

  it('trimPadding: passes the model allows (preprocess.trim) run on the content only, as the manual pipeline gives', async () => {
    expect(DEFAULT_ESTIMATE_OPTIONS.trimPadding).toBeUndefined();
    expect(defaultTrimPadding('wasm')).toBe(true);
    expect(defaultTrimPadding('cpu')).toBe(true);
    expect(defaultTrimPadding('webgl')).toBe(false);
    const files = tinyModel({ seed: 11 });
    // the pass by hand: letterbox (square, or trimmed), every stage, decode
    const graph = buildCpmGraph(files.json.config, numMapsOf(files.json));
    const weights = decodeModelWeights(files);
    graph.setWeights(weights);
    tf.dispose(Object.values(weights));
    const manual = async (opts: Omit<LetterboxOptions, 'inputSize'>) => {
      const image = toImageTensor(photo);
      const lb = letterbox(image, files.json.preprocess, { inputSize: 32, ...opts });
      const outs = graph.runStages(lb.input);
      const last = outs[outs.length - 1]!;
      const [, height, width, channels] = last.shape;
      const maps = { data: (await last.data()) as Float32Array, height, width, channels };
      tf.dispose([...outs, lb.input, ...(image.owned ? [image.tensor] : [])]);
      return { ...decodeMaps(maps, { joints: files.json.joints, stride: 4, transform: lb.transform }), height, width };
    };
    // a crop past the photo's bottom and right edges, and a roi inside it, both wider than tall
    const crop = { x: photo.width * 0.5, y: photo.height * 0.4, width: photo.width * 0.8, height: photo.width * 0.8 };
    const roi = { x: 10, y: 20, width: photo.width * 0.6, height: photo.height * 0.3 };
    const models = await Promise.all((['none', 'crops', 'all'] as const).map(async (trim) =>
      createEstimator({ model: { json: { ...files.json, preprocess: { ...files.json.preprocess, trim } }, weightData: files.weightData }, backend: 'cpu' })));
    try {
      const [none, crops, all] = models as [PoseEstimator, PoseEstimator, PoseEstimator];
      const square = { crop: await manual({ roi: crop, padOutside: true }), roi: await manual({ roi }), image: await manual({}) };
      const trimmed = {
        crop: await manual({ roi: crop, padOutside: true, trimMultiple: 4 }), roi: await manual({ roi, trimMultiple: 4 }), image: await manual({ trimMultiple: 4 }),
      };
      for (const k of ['crop', 'roi', 'image'] as const) {
        expect(trimmed[k].width * trimmed[k].height, k).toBeLessThan(64);
        expect(trimmed[k].keypoints, `${k}: trimming changes the answer`).not.toEqual(square[k].keypoints);
      }
      const keypointsOf = (r: PoseResult) => r.keypoints;
      for (const [e, scope] of [[none, 'none'], [crops, 'crops'], [all, 'all']] as const) {
        for (const trimPadding of [undefined, true, false]) {
          const on = trimPadding ?? true; // cpu's default
          const want = (framing: 'crop' | 'roi' | 'image') =>
            (on && (scope === 'all' || (scope === 'crops' && framing !== 'image')) ? trimmed : square)[framing].keypoints;
          expect(keypointsOf(await estimateOnCrop(e, photo, crop, { trimPadding })), `${scope} ${trimPadding} crop`).toEqual(want('crop'));
          expect(keypointsOf(await e.estimatePose(photo, { roi, trimPadding })), `${scope} ${trimPadding} roi`).toEqual(want('roi'));
          expect(keypointsOf(await e.estimatePose(photo, { cropPass: false, trimPadding })), `${scope} ${trimPadding} image`).toEqual(want('image'));
        }
      }
      // belief maps come in the trimmed input's shape, cells mapping to the same frame pixels
      const r = await all.estimatePose(photo, { cropPass: false, returnBeliefMaps: true });
      const m = r.beliefMaps![2]!;
      expect([m.width, m.height]).toEqual([trimmed.image.width, trimmed.image.height]);
      expect(m.data.length).toBe(m.width * m.height * m.channels);
      const s = await none.estimatePose(photo, { cropPass: false, returnBeliefMaps: true });
      expect(m.cellWidth).toBeCloseTo(s.beliefMaps![2]!.cellWidth, 9);
      // no tensor leak with trimmed passes
      const before = tf.memory().numTensors;
      for (let i = 0; i < 20; i++) await all.estimatePose(photo, { flipTest: i % 2 === 0 });
      expect(tf.memory().numTensors).toBe(before);
    } finally {
      for (const e of models) e.dispose();
      graph.dispose();
    }
  });

  it('two-pass reads refine from model.json', async () => {
    const dir = await writeTempModel(createRandomModel({ config: TINY_CONFIG, name: 'tiny-refine', seed: 11, refine: { margin: 3, minSide: 0.9 } }), 'refine');
    const e = await createEstimator({ model: dir, backend: 'cpu' });
    try {
      expect(e.model.refine).toEqual({ margin: 3, minSide: 0.9, detectSize: TINY_CONFIG.inputSize, reframeBelow: 0 });
      const one = await e.estimatePose(photo, { cropPass: false });
      const two = await e.estimatePose(photo, { detectStages: e.model.stages });
      expect(two.region).toEqual(roundRoi(personCrop(one.keypoints, photo.width, photo.height, { margin: 3, minSide: 0.9 })));
      expect(two.region.width).toBeGreaterThanOrEqual(Math.round(0.9 * photo.width) - 1);
    } finally {
      e.dispose();
    }
  });

  it('accepts int32 and float32 tensors and leaves them alone', async () => {
    const img = syntheticImage(60, 40);
    const t32 = tf.tensor3d(Int32Array.from(img.data), [40, 60, 3], 'int32');
    const f32 = tf.cast(t32, 'float32') as tf.Tensor3D;
    const a = await est.estimatePose(t32);
    const b = await est.estimatePose(f32);
    const c = await est.estimatePose(img);
    expect(b.keypoints).toEqual(a.keypoints);
    expect(c.keypoints).toEqual(a.keypoints);
    expect(t32.isDisposed || f32.isDisposed).toBe(false);
    tf.dispose([t32, f32]);
  });

  it('a pixel buffer may be reused as soon as the call has started (its crop passes read a snapshot)', async () => {
    const img = syntheticImage(60, 40);
    const want = await est.estimatePose({ ...img, data: img.data.slice() });
    const pending = est.estimatePose(img);
    img.data.fill(0); // e.g. a decoder writing the next frame into the same buffer
    expect((await pending).keypoints).toEqual(want.keypoints);
  });

  describe('an element is read when the call is made, not when its turn in the queue comes', () => {
    beforeAll(() => {
      vi.stubGlobal('OffscreenCanvas', canvasStub.OffscreenCanvas);
    });
    afterAll(() => {
      vi.unstubAllGlobals();
    });
    it('calls queued behind each other each get the video frame of their own call', async () => {
      const frames = [syntheticImage(60, 40, 1), syntheticImage(60, 40, 2), syntheticImage(60, 40, 3)];
      const want = [];
      for (const f of frames) want.push((await est.estimatePose(f)).keypoints);
      expect(want[1]).not.toEqual(want[0]); // the frames give different poses
      const video = stubVideo(60, 40);
      const before = tf.memory().numTensors;
      const pending = frames.map((f) => {
        video.pixels = rgbaPixels(f); // the video shows the next frame
        return est.estimatePose(video as never);
      });
      video.pixels = stubVideo(60, 40).pixels; // and moves on while the calls wait
      expect((await Promise.all(pending)).map((r) => r.keypoints)).toEqual(want);
      expect(tf.memory().numTensors).toBe(before);
    });
  });

  it('no tensor leak: tf.memory().numTensors unchanged after 200 calls', async () => {
    const img = syntheticImage(90, 70);
    await est.estimatePose(img);
    const before = tf.memory().numTensors;
    const options = [{}, { stages: 1 }, { flipHorizontal: true, returnBeliefMaps: true }, { roi: { x: 5, y: 5, width: 50, height: 40 } }, { cropPass: false }, { flipTest: true, returnBeliefMaps: true }, { detectSize: 48 }, { refinePasses: 3, flipTest: true }];
    for (let i = 0; i < 200; i++) await est.estimatePose(img, options[i % options.length]);
    // failing calls do not leak either
    for (let i = 0; i < 5; i++) await codeOf(est.estimatePose({ data: new Uint8Array(7), width: 2, height: 2 }));
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('a pass-1 network (model.json "detector")', () => {
  const DETECTOR = { ...TINY_CONFIG, stages: 2 };
  let withDetector: PoseEstimator;
  let detectorAlone: PoseEstimator;
  let tensorsBefore: number;
  beforeAll(async () => {
    tensorsBefore = tf.memory().numTensors;
    // main weights = est's (seed 11); the detector's are createRandomModel's seed + 1000, i.e. detectorAlone's
    withDetector = await createEstimator({
      model: await writeTempModel(createRandomModel({ config: TINY_CONFIG, name: 'tiny-detector', seed: 11, detector: DETECTOR }), 'det'),
      backend: 'cpu',
    });
    detectorAlone = await createEstimator({
      model: await writeTempModel(createRandomModel({ config: DETECTOR, name: 'tiny-pass1', seed: 1011 }), 'det-alone'),
      backend: 'cpu',
    });
  });
  afterAll(() => {
    withDetector.dispose();
    detectorAlone.dispose();
  });

  it('model info names it', () => {
    expect(withDetector.model.detector).toEqual({ stages: 2, inputSize: 32, inputMultiple: 4, receptiveFields: [26, 50] });
    expect(est.model.detector).toBeUndefined();
  });

  it('pass 1 runs the detector, pass 2 the model on the crop around its keypoints', async () => {
    for (const detectStages of [2, 1]) {
      const pass1 = await detectorAlone.estimatePose(photo, { cropPass: false, stages: detectStages });
      const crop = personCrop(pass1.keypoints, photo.width, photo.height, withDetector.model.refine);
      const got = await withDetector.estimatePose(photo, { detectStages });
      expect(got.region).toEqual(roundRoi(crop));
      expect(got).toEqual(await estimateOnCrop(est, photo, crop));
    }
    // a different pass 1 than the model's own first stages
    expect((await withDetector.estimatePose(photo)).region).not.toEqual((await est.estimatePose(photo)).region);
  });

  it('one-pass calls (cropPass false, roi) and crop passes run the model, not the detector', async () => {
    const roi = { x: 5, y: 5, width: 60, height: 50 };
    expect(await withDetector.estimatePose(photo, { cropPass: false })).toEqual(await est.estimatePose(photo, { cropPass: false }));
    expect(await withDetector.estimatePose(photo, { roi })).toEqual(await est.estimatePose(photo, { roi }));
  });

  it('detectStages is checked against the detector\'s stages', async () => {
    await expect(withDetector.estimatePose(photo, { detectStages: 3 })).rejects.toThrow(/detectStages must be an integer from 1 to 2, got 3/);
    expect(await codeOf(est.estimatePose(photo, { detectStages: 3 }))).toBe('no error');
  });

  it('no tensor leak over 50 calls; dispose frees both networks', async () => {
    const before = tf.memory().numTensors;
    for (let i = 0; i < 50; i++) await withDetector.estimatePose(photo, { detectStages: 1 + (i % 2), refinePasses: 1 + (i % 3) });
    expect(tf.memory().numTensors).toBe(before);
    withDetector.dispose();
    detectorAlone.dispose();
    expect(tf.memory().numTensors).toBe(tensorsBefore);
  });
});

describe('concurrency', () => {
  it('concurrent calls with different inputs and options each get their own correct result', async () => {
    const inputs = [syntheticImage(80, 60, 1), syntheticImage(50, 90, 2), photo, syntheticImage(128, 128, 3)];
    const options = [{}, { stages: 1 }, { flipHorizontal: true }, { stages: 2, returnBeliefMaps: true }];
    const jobs = Array.from({ length: 16 }, (_, i) => [inputs[i % 4]!, options[Math.floor(i / 4)]!] as const);
    const expected: PoseResult[] = [];
    for (const [inp, opt] of jobs) expected.push(await est.estimatePose(inp, opt));
    const got = await Promise.all(jobs.map(([inp, opt]) => est.estimatePose(inp, opt)));
    expect(got).toEqual(expected);
  });

  it('two estimators on different backends, called concurrently, match their sequential results', async () => {
    const wasm = await createEstimator({ model: modelDir, backend: 'wasm' });
    try {
      const inputs = [syntheticImage(80, 60, 1), photo, syntheticImage(64, 64, 5)];
      const seq: PoseResult[] = [];
      for (const e of [est, wasm]) for (const inp of inputs) seq.push(await e.estimatePose(inp));
      const par = await Promise.all([est, wasm].flatMap((e) => inputs.map((inp) => e.estimatePose(inp))));
      expect(par).toEqual(seq);
    } finally {
      wasm.dispose();
    }
  });

  // the cpu backend's reads resolve at once, as wasm's do: without a turn for the host between queued
  // calls, a timer set after queuing them would fire only once all had settled
  it('queued calls give the host a turn between them (a timer set after queuing five fires before the last settles)', async () => {
    const settledAt: number[] = [];
    let events = 0;
    const calls = Array.from({ length: 5 }, () => est.estimatePose(photo).then(() => settledAt.push(events++)));
    let timerAt = -1;
    const timer = new Promise<void>((resolve) => setTimeout(() => {
      timerAt = events++;
      resolve();
    }, 0));
    await Promise.all([...calls, timer]);
    expect(settledAt).toEqual([...settledAt].sort((a, b) => a - b));
    expect(timerAt, `settled at ${settledAt.join(', ')}, timer at ${timerAt}`).toBeLessThan(5);
  });

  it('a loop awaiting one call after another gives the host a turn between them (a timer set before it fires before it ends)', async () => {
    let events = 0;
    let timerAt = -1;
    const timer = new Promise<void>((resolve) => setTimeout(() => {
      timerAt = events++;
      resolve();
    }, 0));
    for (let i = 0; i < 5; i++) {
      await est.estimatePose(photo);
      events++;
    }
    await timer;
    expect(timerAt, `the timer came after ${timerAt} of 5 calls`).toBeLessThan(5);
  });

  it('a lone call does not wait for a turn of the host', async () => {
    await new Promise((resolve) => setImmediate(resolve)); // the host has had its turn since the last call
    let immediate = false;
    setImmediate(() => { immediate = true; });
    await est.estimatePose(syntheticImage(40, 40, 9), { cropPass: false, stages: 1 });
    expect(immediate, 'a setImmediate queued before the call ran first').toBe(false);
  });
});

describe('tensor inputs on wasm', () => {
  it('an int32 frame\'s crops are read from the wasm heap (no crop kernel, no cast per pass), a float32 frame is not copied; the same results', async () => {
    // the shipped weights: their crop passes cut the person out (random weights' crops cover the frame)
    const wasm = await createEstimator({ backend: 'wasm' });
    const { data, width, height } = lspetImage(8503);
    const channels = data.length / (width * height);
    const rgb = Int32Array.from({ length: width * height * 3 }, (_, i) => data[Math.floor(i / 3) * channels + (i % 3)]!);
    const int = tf.tensor3d(rgb, [height, width, 3], 'int32');
    const float = tf.tensor3d(Float32Array.from(rgb), [height, width, 3], 'float32');
    try {
      // pass 1 on the whole frame, two crop passes (refinePasses 2): three reads of the frame
      const options: EstimateOptions = { refinePasses: 2 };
      const before = tf.memory().numTensors;
      const run = async (frame: tf.Tensor3D) => {
        let result: PoseResult | undefined;
        const profile = await tf.profile(async () => {
          result = await wasm.estimatePose(frame, options);
          return [];
        });
        const whole = (k: { inputShapes: unknown[] }) => `${k.inputShapes[0]}` === `${[height, width, 3]}`;
        return {
          result,
          casts: profile.kernels.filter((k) => k.name === 'Cast' && whole(k)).length,
          crops: profile.kernels.filter((k) => k.name === 'CropAndResize').length,
        };
      };
      const fromInt = await run(int);
      // pass 1 reads the whole (small, so unpooled) frame as one tensor: its one cast; the crops none
      expect(fromInt).toMatchObject({ casts: 1, crops: 0 });
      expect(tf.memory().numTensors).toBe(before);
      expect(int.isDisposed).toBe(false);
      // float32: crops by cropAndResize, and no same-dtype Cast (wasm's copies the whole frame)
      const fromFloat = await run(float);
      expect(fromFloat).toMatchObject({ casts: 0, crops: 2 });
      expect(fromInt.result).toEqual(fromFloat.result);
      // an int32 tensor made on another backend is moved into the heap first, then read the same way
      await tf.setBackend('cpu');
      const elsewhere = tf.tensor3d(rgb, [height, width, 3], 'int32');
      expect(await run(elsewhere)).toEqual(fromInt);
      elsewhere.dispose();
    } finally {
      tf.dispose([int, float]);
      wasm.dispose();
      await tf.setBackend('cpu');
    }
  });
});

describe('errors', () => {
  it('EMPTY_IMAGE, BAD_TENSOR, VIDEO_NOT_READY from estimatePose', async () => {
    expect(await codeOf(est.estimatePose({ data: new Uint8Array(0), width: 0, height: 10 }))).toBe('EMPTY_IMAGE');
    const empty = tf.zeros([0, 0, 3]) as tf.Tensor3D;
    expect(await codeOf(est.estimatePose(empty))).toBe('EMPTY_IMAGE');
    const rank2 = tf.zeros([4, 4]);
    const gray = tf.zeros([4, 4, 1]);
    const bool = tf.zeros([4, 4, 3], 'bool');
    expect(await codeOf(est.estimatePose(rank2 as never))).toBe('BAD_TENSOR');
    expect(await codeOf(est.estimatePose(gray as tf.Tensor3D))).toBe('BAD_TENSOR');
    expect(await codeOf(est.estimatePose(bool as tf.Tensor3D))).toBe('BAD_TENSOR');
    expect(await codeOf(est.estimatePose({ readyState: 1, videoWidth: 320, videoHeight: 240 } as never))).toBe('VIDEO_NOT_READY');
    tf.dispose([empty, rank2, gray, bool]);
  });

  it('INVALID_OPTION when the internal (video) functions get an estimator not made by createEstimator', async () => {
    const other = { ...est, estimatePose: est.estimatePose.bind(est) } as PoseEstimator; // another PoseEstimator
    await expect(estimateOnCrop(other, syntheticImage(20, 20), { x: 0, y: 0, width: 10, height: 10 })).rejects.toThrow(/made by createEstimator\(\)/);
    expect(() => new PoseTracker(other)).toThrow(/made by createEstimator\(\)/);
  });

  it('INVALID_OPTION for bad per-call options, with explicit messages', async () => {
    const img = syntheticImage(20, 20);
    await expect(est.estimatePose(img, { stages: 4 })).rejects.toThrow(/stages must be an integer from 1 to 3, got 4/);
    await expect(est.estimatePose(img, { detectSize: 34 })).rejects.toThrow(/detectSize must be a multiple of the model's input multiple \(4\) from 32 to 512, got 34/);
    await expect(est.estimatePose(img, { refinePasses: 4 })).rejects.toThrow(/refinePasses must be an integer from 1 to 3, got 4/);
    await expect(est.estimatePose(img, { stage: 2 } as never)).rejects.toThrow(/unknown estimatePose option "stage" \(did you mean "stages"\?\)/);
    for (const bad of [{ stages: 0 }, { stages: 1.5 }, { flipHorizontal: 'yes' }, { cropPass: 1 }, { reframe: 'no' }, { trimPadding: 'yes' }, { flipTest: 'yes' }, { detectStages: 0 }, { detectStages: 4 }, { detectStages: 2.5 }, { detectSize: 30 }, { detectSize: 16 }, { detectSize: 516 }, { detectSize: 34 }, { detectSize: '64' }, { refinePasses: 0 }, { refinePasses: 4 }, { refinePasses: 1.5 }, { refinePasses: '2' }, { roi: { x: 0, y: 0, width: -1, height: 5 } }, { roi: { x: 100, y: 100, width: 5, height: 5 } }, { returnBeliefMaps: 1 }]) {
      expect(await codeOf(est.estimatePose(img, bad as never))).toBe('INVALID_OPTION');
    }
  });

  it('INVALID_OPTION and UNKNOWN_BACKEND for bad estimator options', async () => {
    expect(await codeOf(createEstimator({ backend: 'gpu' } as never))).toBe('UNKNOWN_BACKEND');
    expect(await codeOf(createEstimator({ backnd: 'cpu' } as never))).toBe('INVALID_OPTION');
    expect(await codeOf(createEstimator({ model: modelDir, numThreads: 0 }))).toBe('INVALID_OPTION');
    expect(await codeOf(createEstimator({ model: 42 } as never))).toBe('INVALID_OPTION');
    expect(await codeOf(createEstimator({ model: modelDir, wasmPaths: 5 } as never))).toBe('INVALID_OPTION');
  });

  it('MODEL_NOT_FOUND and BAD_MODEL from createEstimator', async () => {
    expect(await codeOf(createEstimator({ model: path.join(tempDir('missing'), 'nope', 'model.json'), backend: 'cpu' }))).toBe('MODEL_NOT_FOUND');
    const dir = tempDir('trunc');
    const m = tinyModel();
    await writeModelFiles(dir, m);
    fs.truncateSync(path.join(dir, 'weights.bin'), 1000);
    expect(await codeOf(createEstimator({ model: dir, backend: 'cpu' }))).toBe('BAD_MODEL');
    fs.writeFileSync(path.join(dir, 'model.json'), '{ not json');
    expect(await codeOf(createEstimator({ model: dir, backend: 'cpu' }))).toBe('BAD_MODEL');
  });

  it('DISPOSED after dispose(), also for calls queued before it; weights are freed', async () => {
    const before = tf.memory().numTensors;
    const e = await createEstimator({ model: modelDir, backend: 'cpu' });
    expect(tf.memory().numTensors).toBeGreaterThan(before);
    const img = syntheticImage(40, 40);
    const first = e.estimatePose(img);
    const queued = e.estimatePose(img);
    e.dispose();
    e.dispose(); // idempotent
    expect(e.disposed).toBe(true);
    expect(await codeOf(first)).toBe('DISPOSED');
    expect(await codeOf(queued)).toBe('DISPOSED');
    expect(await codeOf(e.estimatePose(img))).toBe('DISPOSED');
    expect(tf.memory().numTensors).toBe(before);
  });
});
