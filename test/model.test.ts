import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCpmGraph, type CpmGraph } from '../src/model/graph.js';
import { receptiveFields } from '../src/model/receptive-field.js';
import { validateConfig, strideOf, mapSizeOf, type CpmConfig } from '../src/model/config.js';
import { weightSpecs } from '../src/model/weight-specs.js';
import { cumulativeStageMacs } from '../src/video/budget.js';
import { CPM_LITE_CONFIG, randomWeights } from '../src/weights/random.js';
import { shippedModelJson, TINY_CONFIG } from './helpers.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('graph', () => {
  let graph: CpmGraph;
  const numMaps = 15;
  beforeAll(() => {
    graph = buildCpmGraph(CPM_LITE_CONFIG, numMaps);
    const w = randomWeights(CPM_LITE_CONFIG, numMaps, 7);
    const tensors: Record<string, tf.Tensor> = {};
    for (const s of weightSpecs(CPM_LITE_CONFIG, numMaps)) tensors[s.name] = tf.tensor(w[s.name]!, s.shape);
    graph.setWeights(tensors);
    tf.dispose(Object.values(tensors));
  });
  afterAll(() => graph.dispose());

  it('CPM_LITE_CONFIG (the random-weight stand-in of the tests) is the shipped model\'s architecture', () => {
    expect(CPM_LITE_CONFIG).toEqual(shippedModelJson().config);
  });

  it('outputs every stage\'s maps, [1, 32, 32, 15] for the 128 px cpm-lite config', () => {
    expect(strideOf(CPM_LITE_CONFIG)).toBe(4);
    expect(mapSizeOf(CPM_LITE_CONFIG)).toBe(32);
    const x = tf.randomUniform([1, 128, 128, 3], -1, 1) as tf.Tensor4D;
    const outs = graph.runStages(x);
    expect(outs).toHaveLength(CPM_LITE_CONFIG.stages);
    for (const o of outs) expect(o.shape).toEqual([1, 32, 32, 15]);
    tf.dispose([x, ...outs]);
  });

  it('early exit: stage k alone equals stage k of the full graph and runs fewer layers', async () => {
    const x = tf.randomUniform([1, 128, 128, 3], -1, 1, 'float32', 3) as tf.Tensor4D;
    const full = graph.runStages(x, 3);
    for (const k of [1, 2]) {
      const part = graph.runStages(x, k);
      expect(part).toHaveLength(k);
      for (let s = 0; s < k; s++) {
        const diff = tf.max(tf.abs(tf.sub(part[s]!, full[s]!))).dataSync()[0]!;
        expect(diff).toBe(0);
      }
      tf.dispose(part);
    }
    // stage maps differ from each other (the refinement stages do something)
    expect(tf.max(tf.abs(tf.sub(full[0]!, full[2]!))).dataSync()[0]).toBeGreaterThan(1e-3);
    tf.dispose([x, ...full]);
    const counts = graph.layerCounts();
    expect(counts[0]).toBeLessThan(counts[1]!);
    expect(counts[1]).toBeLessThan(counts[2]!);
  });

  it('rejects stages outside 1..T', () => {
    const x = tf.zeros([1, 128, 128, 3]) as tf.Tensor4D;
    expect(() => graph.runStages(x, 0)).toThrow(/stages must be an integer from 1 to 4/);
    expect(() => graph.runStages(x, 5)).toThrow(/stages/);
    x.dispose();
  });

  it('batch of 2 and the tiny config build and run', () => {
    const g = buildCpmGraph(TINY_CONFIG, 15);
    const x = tf.zeros([2, 32, 32, 3]) as tf.Tensor4D;
    const outs = g.runStages(x);
    expect(outs.map((o) => o.shape)).toEqual([[2, 8, 8, 15], [2, 8, 8, 15], [2, 8, 8, 15]]);
    tf.dispose([x, ...outs]);
    g.dispose();
  });

  it('disposes all of its weights', () => {
    const before = tf.memory().numTensors;
    const g = buildCpmGraph(TINY_CONFIG, 15);
    expect(tf.memory().numTensors).toBeGreaterThan(before);
    g.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('weight specs', () => {
  it('lists kernels and biases in manifest order with TF.js layouts', () => {
    const specs = weightSpecs(CPM_LITE_CONFIG, 15);
    const names = specs.map((s) => s.name);
    expect(names.slice(0, 4)).toEqual(['backbone/conv1/kernel', 'backbone/conv1/bias', 'backbone/conv2/kernel', 'backbone/conv2/bias']);
    expect(names.slice(10, 14)).toEqual(['stage1/hidden/kernel', 'stage1/hidden/bias', 'stage1/out/kernel', 'stage1/out/bias']);
    expect(names[14]).toBe('stage2/conv1/kernel');
    expect(specs[14]!.shape).toEqual([3, 3, 64 + 15, 40]);
    expect(names[names.length - 1]).toBe('stage4/out/bias');
    expect(specs.find((s) => s.name === 'stage4/out/kernel')!.shape).toEqual([1, 1, 40, 15]);
    expect(specs).toHaveLength(2 * (5 + 2 + 3 * (4 + 2)));
  });
});

describe('receptive fields', () => {
  it('cpm-lite: stage 1 sees local evidence, later stages most of the 128 px input and beyond', () => {
    // backbone: 3 -> pool 4 -> 8 -> pool 10 -> 18 -> 26 -> (dilated 2: +16) 42
    // stage 2: 42 + 2*4 + 4*4 + 8*4 + 16*4 = 162; stages 3 and 4: +120 each
    expect(receptiveFields(CPM_LITE_CONFIG)).toEqual([42, 162, 282, 402]);
  });

  it('grows with every stage, and far faster than stage 1', () => {
    const rf = receptiveFields(TINY_CONFIG);
    expect(rf).toHaveLength(3);
    expect(rf[1]!).toBeGreaterThan(rf[0]!);
    expect(rf[2]!).toBeGreaterThan(rf[1]!);
    // tiny: 3, pool 4, 8, pool 10, dilated 2 (k_eff 5): +16 -> 26; refine: +4*1*2... = 26 + 8 + 16 = 50, 74
    expect(rf).toEqual([26, 50, 74]);
  });

  it('single-stage and no-pool configs', () => {
    const cfg = { ...TINY_CONFIG, stages: 1, backbone: [{ filters: 4, kernel: 5 }] };
    expect(receptiveFields(cfg)).toEqual([5]);
  });
});

describe('config validation', () => {
  it('accepts cpm-lite and names the first bad field', () => {
    expect(validateConfig(CPM_LITE_CONFIG)).toBe(CPM_LITE_CONFIG);
    expect(() => validateConfig({ ...CPM_LITE_CONFIG, inputSize: 130 })).toThrow(/not a multiple of 4 \(the map stride/);
    expect(() => validateConfig({ ...CPM_LITE_CONFIG, stages: 0 })).toThrow(/config.stages/);
    expect(() => validateConfig({ ...CPM_LITE_CONFIG, backbone: [{ filters: 8, kernel: 2 }] })).toThrow(/kernel must be odd/);
  });
});

describe('context branch', () => {
  // TINY_CONFIG (stride 4) plus a branch that pools the 8 x 8 maps to 4 x 4, then 2 x 2
  const CTX: CpmConfig = {
    ...TINY_CONFIG,
    context: [{ filters: 6, kernel: 3, pool: 2 }, { filters: 10, kernel: 3, dilation: 1, pool: 2 }],
  };
  const numMaps = 15;

  /**
   * A graph with random weights from a seed: every weight the plain tiny config has is the same with or
   * without the branch; context/out optionally zeroed.
   */
  function graphOf(config: CpmConfig, seed: number, silentContext = false): CpmGraph {
    const g = buildCpmGraph(config, numMaps);
    const w = { ...randomWeights(config, numMaps, seed), ...randomWeights(TINY_CONFIG, numMaps, seed) };
    const tensors: Record<string, tf.Tensor> = {};
    for (const s of weightSpecs(config, numMaps)) {
      const values = silentContext && s.name.startsWith('context/out/') ? new Float32Array(w[s.name]!.length) : w[s.name]!;
      tensors[s.name] = tf.tensor(values, s.shape);
    }
    g.setWeights(tensors);
    tf.dispose(Object.values(tensors));
    return g;
  }

  it('lists its weights after stage 1 and before stage 2, projecting back to the feature channels', () => {
    const names = weightSpecs(CTX, numMaps).map((s) => s.name);
    const plain = weightSpecs(TINY_CONFIG, numMaps).map((s) => s.name);
    const at = names.indexOf('context/conv1/kernel');
    expect(names[at - 1]).toBe('stage1/out/bias');
    expect(names.slice(at, at + 6)).toEqual([
      'context/conv1/kernel', 'context/conv1/bias', 'context/conv2/kernel', 'context/conv2/bias', 'context/out/kernel', 'context/out/bias',
    ]);
    expect(names[at + 6]).toBe('stage2/conv1/kernel');
    expect(names.filter((n) => !n.startsWith('context/'))).toEqual(plain);
    const spec = (n: string) => weightSpecs(CTX, numMaps).find((s) => s.name === n)!.shape;
    expect(spec('context/conv1/kernel')).toEqual([3, 3, 12, 6]);
    expect(spec('context/out/kernel')).toEqual([1, 1, 10, 12]);
  });

  it('input sides must be multiples of stride x context pooling (16); maps keep the stride-4 grid', () => {
    const g = graphOf(CTX, 3);
    expect(g.inputMultiple).toBe(16);
    for (const side of [32, 48, 64]) {
      const x = tf.randomUniform([1, side, side, 3], -1, 1) as tf.Tensor4D;
      const outs = g.runStages(x);
      expect(outs.map((o) => o.shape)).toEqual(Array(3).fill([1, side / 4, side / 4, numMaps]));
      tf.dispose([x, ...outs]);
    }
    const x = tf.zeros([1, 40, 40, 3]) as tf.Tensor4D;
    expect(() => g.runStages(x)).toThrow(/multiple of 16 on each side, got 40 x 40/);
    x.dispose();
    g.dispose();
  });

  it('stage 1 never reads it; a silent branch (context/out = 0) leaves every stage as without it', () => {
    const plain = graphOf(TINY_CONFIG, 5);
    const silent = graphOf(CTX, 5, true);
    const live = graphOf(CTX, 5);
    const x = tf.randomUniform([1, 32, 32, 3], -1, 1, 'float32', 9) as tf.Tensor4D;
    const [a, b, c] = [plain, silent, live].map((g) => g.runStages(x));
    const maxDiff = (p: tf.Tensor, q: tf.Tensor) => tf.tidy(() => p.sub(q).abs().max().dataSync()[0]!);
    for (let t = 0; t < 3; t++) expect(maxDiff(a![t]!, b![t]!)).toBeLessThan(1e-5);
    expect(maxDiff(a![0]!, c![0]!)).toBeLessThan(1e-5);
    expect(maxDiff(a![1]!, c![1]!)).toBeGreaterThan(1e-3);
    tf.dispose([x, ...a!, ...b!, ...c!]);
    for (const g of [plain, silent, live]) g.dispose();
  });

  it('widens the receptive field of stages 2..T only', () => {
    // tiny features see 26 px at jump 4; pool 2 (+4) and conv (+16) at jump 8, pool 2 (+8) and conv (+32) at jump 16
    const rf = receptiveFields(CTX);
    expect(rf[0]).toBe(26);
    expect(rf[1]).toBe(26 + 4 + 16 + 8 + 32 + 8 + 16);
  });

  it('its multiply-adds count towards stage 2 (the stage budget of video tracking), as training counts them', () => {
    const plain = cumulativeStageMacs(TINY_CONFIG, numMaps);
    const ctx = cumulativeStageMacs(CTX, numMaps);
    expect(ctx[0]).toBe(plain[0]);
    // 8 x 8 maps: pool to 4 x 4, 3x3 12 -> 6; pool to 2 x 2, 3x3 6 -> 10; 1x1 10 -> 12 at 2 x 2
    const branch = 16 * 9 * 12 * 6 + 4 * 9 * 6 * 10 + 4 * 10 * 12;
    expect(ctx[1]! - plain[1]!).toBe(branch);
    expect(ctx[2]! - plain[2]!).toBe(branch);
  });

  it('validation names the bad context field', () => {
    expect(validateConfig(CTX)).toBe(CTX);
    expect(() => validateConfig({ ...CTX, context: [] })).toThrow(/config.context must be a non-empty array/);
    expect(() => validateConfig({ ...CTX, context: [{ filters: 4, kernel: 2 }] })).toThrow(/config.context\[0\].kernel must be odd/);
    expect(() => validateConfig({ ...CTX, context: [{ filters: 0, kernel: 3 }] })).toThrow(/config.context\[0\].filters/);
    // 40 is a multiple of the stride (4) but not of 16
    expect(() => validateConfig({ ...CTX, inputSize: 40 })).toThrow(/inputSize 40 is not a multiple of 16/);
  });
});

describe('separable refinement layers', () => {
  const numMaps = 15;
  // TINY_CONFIG with its second refinement layer depthwise-separable (dilation 2)
  const SEP: CpmConfig = {
    ...TINY_CONFIG,
    refineLayers: [TINY_CONFIG.refineLayers[0]!, { ...TINY_CONFIG.refineLayers[1]!, separable: true }],
  };

  it('list a depthwise kernel [k, k, in, 1], then a 1x1 kernel and a bias; the other layers as in the dense config', () => {
    const specs = weightSpecs(SEP, numMaps);
    const names = specs.map((s) => s.name);
    const at = names.indexOf('stage2/conv2/depthwise_kernel');
    expect(names.slice(at, at + 3)).toEqual(['stage2/conv2/depthwise_kernel', 'stage2/conv2/kernel', 'stage2/conv2/bias']);
    expect(specs[at]!.shape).toEqual([3, 3, 8, 1]);
    expect(specs[at + 1]!.shape).toEqual([1, 1, 8, 8]);
    expect(names.filter((n) => !n.endsWith('/depthwise_kernel'))).toEqual(weightSpecs(TINY_CONFIG, numMaps).map((s) => s.name));
  });

  // no activation between the depthwise and the 1x1 convolution, so the pair is one dense convolution
  // whose kernel is their product: K[kh, kw, i, o] = D[kh, kw, i] * P[i, o] (a known answer)
  it('compute what the dense convolution with the product kernel computes, at every stage', () => {
    const w = randomWeights(SEP, numMaps, 11);
    const sep = buildCpmGraph(SEP, numMaps);
    const dense = buildCpmGraph(TINY_CONFIG, numMaps);
    const tensorsOf = (config: CpmConfig, values: Record<string, Float32Array>) =>
      Object.fromEntries(weightSpecs(config, numMaps).map((s) => [s.name, tf.tensor(values[s.name]!, s.shape)]));
    const denseValues = { ...w };
    for (const t of [2, 3]) {
      // [3, 3, 8, 1] x [1, 1, 8, 8] broadcasts to [3, 3, 8, 8]
      denseValues[`stage${t}/conv2/kernel`] = tf.tidy(() => tf.tensor(w[`stage${t}/conv2/depthwise_kernel`]!, [3, 3, 8, 1])
        .mul(tf.tensor(w[`stage${t}/conv2/kernel`]!, [1, 1, 8, 8])).dataSync() as Float32Array);
    }
    const sepTensors = tensorsOf(SEP, w);
    const denseTensors = tensorsOf(TINY_CONFIG, denseValues);
    sep.setWeights(sepTensors);
    dense.setWeights(denseTensors);
    tf.dispose([...Object.values(sepTensors), ...Object.values(denseTensors)]);
    const x = tf.randomUniform([2, 32, 32, 3], -1, 1, 'float32', 4) as tf.Tensor4D;
    const a = sep.runStages(x);
    const b = dense.runStages(x);
    for (let t = 0; t < 3; t++) {
      const diff = tf.tidy(() => a[t]!.sub(b[t]!).abs().max().dataSync()[0]!);
      const scale = tf.tidy(() => b[t]!.abs().max().dataSync()[0]!);
      expect(diff, `stage ${t + 1}`).toBeLessThan(1e-4 * Math.max(1, scale));
    }
    expect(tf.tidy(() => a[2]!.sub(a[0]!).abs().max().dataSync()[0]!)).toBeGreaterThan(1e-3); // not trivially equal
    tf.dispose([x, ...a, ...b]);
    const before = tf.memory().numTensors;
    sep.dispose();
    dense.dispose();
    expect(tf.memory().numTensors).toBeLessThan(before);
  });

  it('count kernel^2 x in + in x out multiply-adds per cell, as training counts them', () => {
    const dense = cumulativeStageMacs(TINY_CONFIG, numMaps);
    const sep = cumulativeStageMacs(SEP, numMaps);
    expect(sep[0]).toBe(dense[0]);
    // 8 x 8 maps, 8 -> 8 channels: 9 x 8 x 8 dense against 9 x 8 + 8 x 8 separable, per stage
    expect(dense[1]! - sep[1]!).toBe(64 * (9 * 8 * 8 - (9 * 8 + 8 * 8)));
    expect(dense[2]! - sep[2]!).toBe(2 * 64 * (9 * 8 * 8 - (9 * 8 + 8 * 8)));
  });

  it('validation rejects a separable flag that is not a boolean', () => {
    expect(validateConfig(SEP)).toBe(SEP);
    expect(() => validateConfig({ ...SEP, refineLayers: [{ filters: 8, kernel: 3, separable: 'yes' }] }))
      .toThrow(/config.refineLayers\[0\].separable must be true or false, got "yes"/);
  });
});
