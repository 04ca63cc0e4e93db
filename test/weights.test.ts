import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PoseError } from '../src/errors.js';
import { decodeModelWeights } from '../src/weights/decode.js';
import type { ModelFiles } from '../src/weights/format.js';
import { loadModel } from '../src/weights/load.js';
import { createRandomModel, randomWeights } from '../src/weights/random.js';
import { toFloat16Bits, writeModelFiles } from '../src/weights/save.js';
import { TINY_CONFIG, tempDir, tinyModel } from './helpers.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    if (e instanceof PoseError) return `${e.code}: ${e.message.replace(`[${e.code}] `, "")}`;
    return `not a PoseError: ${String(e)}`;
  }
  return 'no error';
}

function expectSameWeights(a: ModelFiles, b: ModelFiles, tol = 0) {
  const wa = decodeModelWeights(a);
  const wb = decodeModelWeights(b);
  expect(Object.keys(wb)).toEqual(Object.keys(wa));
  for (const k of Object.keys(wa)) {
    expect(wb[k]!.shape).toEqual(wa[k]!.shape);
    const d = tf.max(tf.abs(tf.sub(wa[k]!, wb[k]!))).dataSync()[0]!;
    expect(d).toBeLessThanOrEqual(tol);
  }
  tf.dispose([...Object.values(wa), ...Object.values(wb)]);
}

describe('save / load round trip', () => {
  const model = tinyModel({ seed: 5 });
  let dir: string;
  beforeAll(async () => {
    dir = tempDir('weights');
    await writeModelFiles(dir, model);
  });

  it('writes model.json + weights.bin in the cpm-pose/1 format', () => {
    const json = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8'));
    expect(json.format).toBe('cpm-pose/1');
    expect(json.weightsManifest[0].paths).toEqual(['weights.bin']);
    expect(json.weightsManifest[0].weights[0]).toEqual({ name: 'backbone/conv1/kernel', shape: [3, 3, 3, 8], dtype: 'float32' });
    expect(fs.statSync(path.join(dir, 'weights.bin')).size).toBe(model.weightData.byteLength);
  });

  it('loads from a path, a folder, a file: URL and memory, bit-exact', async () => {
    for (const src of [path.join(dir, 'model.json'), dir, pathToFileURL(path.join(dir, 'model.json')), pathToFileURL(path.join(dir, 'model.json')).href]) {
      const loaded = await loadModel(src);
      expect(loaded.json).toEqual(model.json);
      expect(new Uint8Array(loaded.weightData)).toEqual(new Uint8Array(model.weightData));
    }
    const mem = await loadModel({ json: JSON.stringify(model.json), weightData: new Uint8Array(model.weightData) });
    expectSameWeights(model, mem);
  });

  it('decoded tensors equal the values that were saved', () => {
    const values = randomWeights(TINY_CONFIG, 15, 5);
    const w = decodeModelWeights(model);
    for (const [name, v] of Object.entries(values)) expect(w[name]!.dataSync()).toEqual(v);
    tf.dispose(Object.values(w));
  });

  it('float16 weights decode to within half-precision rounding', async () => {
    const half = tinyModel({ seed: 5, serialize: { float16: true } });
    expect(half.weightData.byteLength).toBe(model.weightData.byteLength / 2);
    expect(half.json.weightsManifest[0]!.weights[0]!.quantization).toEqual({ dtype: 'float16' });
    const d = tempDir('half');
    await writeModelFiles(d, half);
    const loaded = await loadModel(d);
    // |w| < 4 here: half precision keeps 11 significant bits -> error < 4 * 2^-11
    expectSameWeights(model, loaded, 4 * 2 ** -11);
  });

  it('float16 encoder: exact values, rounding, subnormals, infinities', () => {
    const bits = toFloat16Bits(new Float32Array([0, -0, 1, -2, 0.5, 65504, 1e6, -1e6, 2 ** -24, 2 ** -15, 1 + 2 ** -11, Infinity, NaN]));
    expect(Array.from(bits.slice(0, 12))).toEqual([0, 0x8000, 0x3c00, 0xc000, 0x3800, 0x7bff, 0x7c00, 0xfc00, 0x0001, 0x0200, 0x3c00, 0x7c00]);
    expect(bits[12]! & 0x7c00).toBe(0x7c00);
    expect(bits[12]! & 0x3ff).not.toBe(0);
  });
});

describe('load errors name the first problem', () => {
  const model = tinyModel({ seed: 2 });
  const write = (json: unknown, bin: Uint8Array | null, name = 'bad'): string => {
    const d = tempDir(name);
    fs.writeFileSync(path.join(d, 'model.json'), typeof json === 'string' ? json : JSON.stringify(json));
    if (bin) fs.writeFileSync(path.join(d, 'weights.bin'), bin);
    return path.join(d, 'model.json');
  };
  const bin = new Uint8Array(model.weightData);
  const clone = () => JSON.parse(JSON.stringify(model.json));

  it('missing model.json -> MODEL_NOT_FOUND', async () => {
    expect(await codeOf(loadModel(path.join(tempDir('none'), 'model.json')))).toMatch(/^MODEL_NOT_FOUND: .*model.json not found/);
  });
  it('missing shard -> MODEL_NOT_FOUND naming it', async () => {
    expect(await codeOf(loadModel(write(model.json, null)))).toMatch(/^MODEL_NOT_FOUND: .*weight shard weights.bin not found/);
  });
  it('corrupt JSON -> BAD_MODEL', async () => {
    expect(await codeOf(loadModel(write('{"format": "cpm-pose/1", "config": {', bin)))).toMatch(/^BAD_MODEL: .*not valid JSON/);
  });
  it('wrong format tag -> BAD_MODEL', async () => {
    expect(await codeOf(loadModel(write({ ...clone(), format: 'other' }, bin)))).toMatch(/^BAD_MODEL: .*"format" must be "cpm-pose\/1"/);
  });
  it('truncated weights -> BAD_MODEL naming the first tensor that does not fit', async () => {
    const msg = await codeOf(loadModel(write(model.json, bin.slice(0, bin.length - 100))));
    expect(msg).toMatch(/^BAD_MODEL: weights are truncated: tensor "stage3\/out\/(kernel|bias)"/);
  });
  it('extra bytes -> BAD_MODEL', async () => {
    const longer = new Uint8Array(bin.length + 8);
    longer.set(bin);
    expect(await codeOf(loadModel(write(model.json, longer)))).toMatch(/^BAD_MODEL: .*8 bytes more than its tensors need/);
  });
  it('renamed tensor -> BAD_MODEL naming it', async () => {
    const j = clone();
    j.weightsManifest[0].weights[2].name = 'backbone/conv2/weights';
    expect(await codeOf(loadModel(write(j, bin)))).toMatch(/^BAD_MODEL: .*position 2: expected tensor "backbone\/conv2\/kernel", found "backbone\/conv2\/weights"/);
  });
  it('wrong shape -> BAD_MODEL naming the tensor and both shapes', async () => {
    const j = clone();
    j.weightsManifest[0].weights[0].shape = [3, 3, 3, 9];
    expect(await codeOf(loadModel(write(j, bin)))).toMatch(/^BAD_MODEL: tensor "backbone\/conv1\/kernel" has shape \[3, 3, 3, 9\], the config calls for \[3, 3, 3, 8\]/);
  });
  it('config that does not match the weights -> BAD_MODEL', async () => {
    const j = clone();
    j.config.stage1Hidden = 9;
    expect(await codeOf(loadModel(write(j, bin)))).toMatch(/^BAD_MODEL: tensor "stage1\/hidden\/kernel" has shape/);
  });
  it('missing tensor -> BAD_MODEL', async () => {
    const j = clone();
    j.weightsManifest[0].weights.pop();
    expect(await codeOf(loadModel(write(j, bin)))).toMatch(/^BAD_MODEL: weights manifest is missing tensor "stage3\/out\/bias"/);
  });
  it('refine.detectSize that is not a positive multiple of the stride -> BAD_MODEL', async () => {
    for (const detectSize of [30, 0, -4, '32']) {
      const j = clone();
      j.refine = { margin: 1.5, minSide: 0.2, detectSize };
      expect(await codeOf(loadModel(write(j, bin)))).toMatch(/^BAD_MODEL: model.json: refine.detectSize must be a positive multiple of 4 \(the stride/);
    }
  });
  it('refine.reframeBelow outside [0, 1) -> BAD_MODEL; absent -> 0', async () => {
    for (const reframeBelow of [-0.1, 1, '0.8']) {
      const j = clone();
      j.refine = { margin: 1.5, minSide: 0.2, reframeBelow };
      expect(await codeOf(loadModel(write(j, bin)))).toMatch(/^BAD_MODEL: model.json: refine.reframeBelow must be a number from 0 \(off\) to below 1/);
    }
    expect((await loadModel(write(clone(), bin))).json.refine.reframeBelow).toBe(0);
  });
  it('preprocess.trim other than "none", "crops", "all" -> BAD_MODEL; absent -> "none"', async () => {
    for (const trim of ['some', true, 1]) {
      const j = clone();
      j.preprocess = { ...j.preprocess, trim };
      expect(await codeOf(loadModel(write(j, bin)))).toMatch(/^BAD_MODEL: model.json: preprocess.trim must be one of "none", "crops", "all", got /);
    }
    expect((await loadModel(write(clone(), bin))).json.preprocess.trim).toBe('none');
    for (const trim of ['none', 'crops', 'all']) {
      const j = clone();
      j.preprocess = { ...j.preprocess, trim };
      expect((await loadModel(write(j, bin))).json.preprocess.trim).toBe(trim);
    }
  });
  it('tracker.minPoseScore outside 0..1 -> BAD_MODEL; absent -> 0.1', async () => {
    for (const minPoseScore of [-0.1, 1.5, '0.2']) {
      const j = clone();
      j.tracker = { minPoseScore };
      expect(await codeOf(loadModel(write(j, bin)))).toMatch(/^BAD_MODEL: model.json: tracker.minPoseScore must be a number from 0 to 1/);
    }
    const j = clone();
    delete j.tracker;
    expect((await loadModel(write(j, bin))).json.tracker).toEqual({ minPoseScore: 0.1 });
    j.tracker = { minPoseScore: 0.13 };
    expect((await loadModel(write(j, bin))).json.tracker).toEqual({ minPoseScore: 0.13 });
  });
  it('output.sigma not a positive number -> BAD_MODEL; absent -> 1.5', async () => {
    for (const sigma of [0, -1, '1.5', null]) {
      const j = clone();
      j.output = { ...j.output, sigma };
      expect(await codeOf(loadModel(write(j, bin)))).toMatch(/^BAD_MODEL: model.json: output.sigma must be a positive number/);
    }
    const j = clone();
    delete j.output.sigma;
    expect((await loadModel(write(j, bin))).json.output.sigma).toBe(1.5);
    j.output.sigma = 2;
    expect((await loadModel(write(j, bin))).json.output.sigma).toBe(2);
  });
  it('in-memory model with too few bytes -> BAD_MODEL', async () => {
    expect(await codeOf(loadModel({ json: model.json, weightData: bin.slice(8) }))).toMatch(/^BAD_MODEL: weights are truncated/);
  });
});

describe('a pass-1 network ("detector") in the model file', () => {
  const DETECTOR = { ...TINY_CONFIG, stages: 2 };
  const model = createRandomModel({ config: TINY_CONFIG, name: 'tiny-det', seed: 3, detector: DETECTOR });
  const bin = new Uint8Array(model.weightData);
  const clone = () => JSON.parse(JSON.stringify(model.json));
  const write = (json: unknown, data: Uint8Array = bin): string => {
    const d = tempDir('det');
    fs.writeFileSync(path.join(d, 'model.json'), JSON.stringify(json));
    fs.writeFileSync(path.join(d, 'weights.bin'), data);
    return path.join(d, 'model.json');
  };

  it('its weights follow the model\'s, prefixed "detector/", and round-trip', async () => {
    const names = model.json.weightsManifest[0]!.weights.map((w) => w.name);
    const own = names.filter((n) => !n.startsWith('detector/'));
    expect(names.slice(0, own.length)).toEqual(own);
    expect(names.slice(own.length)[0]).toBe('detector/backbone/conv1/kernel');
    expect(names.slice(own.length).at(-1)).toBe('detector/stage2/out/bias');
    const loaded = await loadModel(write(model.json));
    expect(loaded.json.detector).toEqual({ config: DETECTOR });
    expectSameWeights(model, loaded);
  });

  it('errors name the detector', async () => {
    const bad = clone();
    bad.detector.config.stages = 0;
    expect(await codeOf(loadModel(write(bad)))).toMatch(/^BAD_MODEL: model.json: detector.config.stages must be a positive integer/);
    const notObject = clone();
    notObject.detector = [1];
    expect(await codeOf(loadModel(write(notObject)))).toMatch(/^BAD_MODEL: model.json: "detector" must be an object/);
    const missing = clone();
    missing.weightsManifest[0].weights.pop();
    expect(await codeOf(loadModel(write(missing)))).toMatch(/^BAD_MODEL: weights manifest is missing tensor "detector\/stage2\/out\/bias"/);
    const noDetector = clone();
    delete noDetector.detector;
    expect(await codeOf(loadModel(write(noDetector)))).toMatch(/^BAD_MODEL: weights manifest has an unexpected extra tensor "detector\/backbone\/conv1\/kernel"/);
    const wider = clone();
    wider.detector.config.stage1Hidden = 9;
    expect(await codeOf(loadModel(write(wider)))).toMatch(/^BAD_MODEL: tensor "detector\/stage1\/hidden\/kernel" has shape/);
  });

  it('refine.detectSize must suit the detector\'s stride', async () => {
    const j = clone();
    j.detector.config.backbone[2].pool = 2; // detector stride 8, the model's 4
    j.refine = { margin: 1.5, minSide: 0.2, detectSize: 36 };
    expect(await codeOf(loadModel(write(j)))).toMatch(/^BAD_MODEL: model.json: refine.detectSize must be a positive multiple of 8 \(the stride of the detector/);
  });
});

describe('loading over HTTP (the browser path, with fetch)', () => {
  let server: http.Server;
  let base: string;
  const model = tinyModel({ seed: 9 });
  beforeAll(async () => {
    const dir = tempDir('http');
    await writeModelFiles(path.join(dir, 'm'), model);
    fs.mkdirSync(path.join(dir, 'noshard'));
    fs.writeFileSync(path.join(dir, 'noshard', 'model.json'), JSON.stringify(model.json));
    server = http.createServer((req, res) => {
      const file = path.join(dir, decodeURIComponent(req.url!.split('?')[0]!));
      if (!file.startsWith(dir) || !fs.existsSync(file) || fs.statSync(file).isDirectory()) {
        res.writeHead(404).end('not found');
        return;
      }
      res.writeHead(200).end(fs.readFileSync(file));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const addr = server.address() as { port: number };
    base = `http://127.0.0.1:${addr.port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('loads model.json and resolves shards relative to it', async () => {
    const loaded = await loadModel(`${base}/m/model.json`);
    expect(new Uint8Array(loaded.weightData)).toEqual(new Uint8Array(model.weightData));
    const viaUrl = await loadModel(new URL(`${base}/m/model.json`));
    expect(viaUrl.json.name).toBe('tiny-random');
  });

  it('404 -> MODEL_NOT_FOUND with the status', async () => {
    expect(await codeOf(loadModel(`${base}/nothing/model.json`))).toMatch(/^MODEL_NOT_FOUND: .*HTTP 404/);
    expect(await codeOf(loadModel(`${base}/noshard/model.json`))).toMatch(/^MODEL_NOT_FOUND: .*weight shard weights.bin .*HTTP 404/);
  });
});

describe('flipPairs', () => {
  it('left/right name pairs missing from flipPairs are added; listed pairs and other names are kept', async () => {
    const { completeFlipPairs } = await import('../src/weights/format.js');
    const lsp = ['right_ankle', 'right_knee', 'right_hip', 'left_hip', 'left_knee', 'left_ankle', 'neck'];
    expect(completeFlipPairs(lsp, [])).toEqual([[2, 3], [1, 4], [0, 5]]);
    expect(completeFlipPairs(lsp, [[5, 0]])).toEqual([[5, 0], [2, 3], [1, 4]]);
    expect(completeFlipPairs(['leftEye', 'rightEye', 'nose'], [])).toEqual([[0, 1]]);
    expect(completeFlipPairs(['a', 'b', 'left_only'], [])).toEqual([]);
    const model = tinyModel();
    const loaded = await loadModel({ json: { ...model.json, flipPairs: [] }, weightData: model.weightData });
    expect(loaded.json.flipPairs).toHaveLength(6);
  });
});
