/**
 * PyTorch <-> TF.js parity: for every fixture written by the training code (`export.py
 * --parity-fixture DIR`, format in docs/model-format.md "Parity fixture"), build the TF.js graph
 * from the fixture's model.json and compare every stage's maps with PyTorch's.
 * Fixture folders: test/fixtures/*-parity/ (committed) and .cache/smoke-model/ (written by
 * `npm run test:training`).
 */
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { selectBackend } from '../src/backend/backend.js';
import { buildCpmGraph } from '../src/model/graph.js';
import { decodeModelWeights } from '../src/weights/decode.js';
import { numMapsOf } from '../src/weights/format.js';
import { loadModel } from '../src/weights/load.js';
import { ROOT } from './helpers.js';

/** max |TF.js - PyTorch| allowed on every logit of every stage (float32) */
const TOLERANCE = 1e-3;

const SMOKE = path.join(ROOT, '.cache', 'smoke-model');
const fixturesDir = path.join(ROOT, 'test', 'fixtures');
const committed = fs.existsSync(fixturesDir)
  ? fs.readdirSync(fixturesDir).filter((d) => d.endsWith('-parity')).map((d) => path.join(fixturesDir, d))
  : [];
const folders = [...committed, ...(fs.existsSync(SMOKE) ? [SMOKE] : [])];

interface ParityCase {
  inputShape: [number, number, number];
  stages: number;
  mapShape: [number, number, number];
}

/** parity.json: one case at the model's inputSize, then one at refine.detectSize when that differs */
interface Fixture {
  cases: ParityCase[];
}

describe('parity fixtures', () => {
  it('.cache/smoke-model exists (written by the training smoke run)', () => {
    if (!fs.existsSync(path.join(SMOKE, 'parity.json'))) {
      throw new Error(`${path.relative(ROOT, SMOKE)}/parity.json is missing: run npm run test:training first (npm test does)`);
    }
  });

  it('at least one fixture folder is present', () => {
    expect(folders.length, 'no parity fixtures found in test/fixtures/*-parity/ or .cache/smoke-model/').toBeGreaterThan(0);
  });

  for (const dir of folders) {
    for (const backend of ['cpu', 'wasm'] as const) {
      it(`${path.relative(ROOT, dir)} on ${backend}: every stage within ${TOLERANCE} of PyTorch, at every input size`, async () => {
        await selectBackend({ backend });
        const fx = JSON.parse(fs.readFileSync(path.join(dir, 'parity.json'), 'utf8')) as Fixture;
        const bin = fs.readFileSync(path.join(dir, 'parity.bin'));
        const floats = new Float32Array(bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength));
        const files = await loadModel(dir);
        const cfg = files.json.config;
        const sizes = fx.cases.map((c) => c.inputShape[0]);
        expect(sizes, 'parity cases: inputSize, then detectSize if different')
          .toEqual([...new Set([cfg.inputSize, files.json.refine.detectSize])]);
        const graph = buildCpmGraph(cfg, numMapsOf(files.json));
        const weights = decodeModelWeights(files);
        graph.setWeights(weights);
        tf.dispose(Object.values(weights));
        // each case's image is already its network input size: only the normalisation with model.json's
        // constants (letterbox would also resample it, as training's warp does, which PyTorch's side skipped)
        const pre = files.json.preprocess;
        const vec = (v: number | number[]) => tf.tensor1d(typeof v === 'number' ? [v, v, v] : v);
        let offset = 0;
        try {
          for (const c of fx.cases) {
            const [H, W, C] = c.inputShape;
            const [h, w, m] = c.mapShape;
            const imageLen = H * W * C;
            const mapLen = h * w * m;
            expect(H).toBe(W);
            expect(c.stages).toBe(cfg.stages);
            expect(m).toBe(numMapsOf(files.json));
            const image = tf.tensor3d(floats.subarray(offset, offset + imageLen), [H, W, C], 'float32');
            const input = tf.tidy(() => tf.div(tf.sub(image, vec(pre.mean)), vec(pre.std)).expandDims(0) as tf.Tensor4D);
            const outs = graph.runStages(input);
            try {
              for (let s = 0; s < c.stages; s++) {
                expect(outs[s]!.shape).toEqual([1, h, w, m]);
                const got = outs[s]!.dataSync();
                const start = offset + imageLen + s * mapLen;
                const want = floats.subarray(start, start + mapLen);
                let maxDiff = 0;
                let at = 0;
                for (let i = 0; i < mapLen; i++) {
                  const d = Math.abs(got[i]! - want[i]!);
                  if (!(d <= maxDiff)) [maxDiff, at] = [d, i];
                }
                const cell = `row ${Math.floor(at / (w * m))}, col ${Math.floor(at / m) % w}, map ${at % m}`;
                expect(maxDiff, `${H}-pixel input, stage ${s + 1}: max |diff| ${maxDiff} at ${cell}`).toBeLessThan(TOLERANCE);
              }
            } finally {
              tf.dispose([image, input, ...outs]);
            }
            offset += imageLen + c.stages * mapLen;
          }
          expect(offset, 'parity.bin size').toBe(floats.length);
        } finally {
          graph.dispose();
        }
      });
    }
  }
});
