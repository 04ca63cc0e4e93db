import type { CpmConfig } from '../model/config.js';
import { weightSpecs } from '../model/weight-specs.js';
import { DETECTOR_PREFIX, type ModelFiles, type RefineSpec, type TrackerSpec } from './format.js';
import { serializeModel, type ModelDescription, type SerializeOptions } from './save.js';

/** The 14 LSP joints (the shipped models' joint set), person's own left/right. */
export const LSP_JOINTS = [
  'right_ankle', 'right_knee', 'right_hip', 'left_hip', 'left_knee', 'left_ankle',
  'right_wrist', 'right_elbow', 'right_shoulder', 'left_shoulder', 'left_elbow', 'left_wrist',
  'neck', 'head_top',
];
export const LSP_FLIP_PAIRS: Array<[number, number]> = [[0, 5], [1, 4], [2, 3], [6, 11], [7, 10], [8, 9]];
export const LSP_SKELETON: Array<[number, number]> = [
  [13, 12], [12, 8], [12, 9], [8, 7], [7, 6], [9, 10], [10, 11], [8, 2], [9, 3], [2, 3], [2, 1], [1, 0], [3, 4], [4, 5],
];

/** The default model's graph (docs/model-format.md). */
export const CPM_LITE_CONFIG: CpmConfig = {
  inputSize: 128,
  backbone: [
    { filters: 16, kernel: 3, dilation: 1, pool: 2 },
    { filters: 32, kernel: 3, dilation: 1, pool: 2 },
    { filters: 64, kernel: 3, dilation: 1, pool: 1 },
    { filters: 64, kernel: 3, dilation: 1, pool: 1 },
    { filters: 64, kernel: 3, dilation: 2, pool: 1 },
  ],
  stage1Hidden: 64,
  refineLayers: [
    { filters: 40, kernel: 3, dilation: 1 },
    { filters: 40, kernel: 3, dilation: 2 },
    { filters: 40, kernel: 3, dilation: 4 },
    { filters: 40, kernel: 3, dilation: 8 },
  ],
  refineHidden: 40,
  stages: 4,
};

/** Deterministic PRNG (mulberry32): uniform in [0, 1), the same sequence for the same seed. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** He-normal kernels and small biases, from a seed: name -> values for every weight of the config. */
export function randomWeights(config: CpmConfig, numMaps: number, seed = 1): Record<string, Float32Array> {
  const rand = rng(seed);
  const normal = () => {
    const u = Math.max(rand(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
  };
  const out: Record<string, Float32Array> = {};
  for (const spec of weightSpecs(config, numMaps)) {
    const n = spec.shape.reduce((a, b) => a * b, 1);
    const v = new Float32Array(n);
    if (spec.name.endsWith('/kernel')) {
      const fanIn = spec.shape[0]! * spec.shape[1]! * spec.shape[2]!;
      const std = Math.sqrt(2 / fanIn);
      for (let i = 0; i < n; i++) v[i] = normal() * std;
    } else {
      for (let i = 0; i < n; i++) v[i] = normal() * 0.05;
    }
    out[spec.name] = v;
  }
  return out;
}

export interface RandomModelOptions {
  config?: CpmConfig;
  joints?: string[];
  flipPairs?: Array<[number, number]>;
  skeleton?: Array<[number, number]>;
  seed?: number;
  name?: string;
  /** two-pass crop parameters written to model.json; default: none (DEFAULT_REFINE applies) */
  refine?: RefineSpec;
  /** written to model.json; default: none (DEFAULT_TRACKER_SPEC applies) */
  tracker?: TrackerSpec;
  /** a pass-1 network of this config (model.json "detector", random weights too); default: none */
  detector?: CpmConfig;
  serialize?: SerializeOptions;
}

/**
 * A randomly initialised model in the cpm-pose/1 format, for tests and tools only.
 * Its provenance says so; it is never a default model.
 */
export function createRandomModel(opts: RandomModelOptions = {}): ModelFiles {
  const config = opts.config ?? CPM_LITE_CONFIG;
  const joints = opts.joints ?? LSP_JOINTS;
  const description: ModelDescription = {
    name: opts.name ?? 'random',
    config,
    joints,
    flipPairs: opts.flipPairs ?? (opts.joints ? [] : LSP_FLIP_PAIRS),
    skeleton: opts.skeleton ?? (opts.joints ? [] : LSP_SKELETON),
    preprocess: { mean: [127.5, 127.5, 127.5], std: [127.5, 127.5, 127.5], padValue: 0 },
    output: { kind: 'spatial-softmax', background: true, sigma: 1.5 },
    provenance: { trainingData: 'none: random weights for tests', seed: opts.seed ?? 1 },
    ...(opts.refine ? { refine: opts.refine } : {}),
    ...(opts.tracker ? { tracker: opts.tracker } : {}),
    ...(opts.detector ? { detector: { config: opts.detector } } : {}),
  };
  const weights = randomWeights(config, joints.length + 1, opts.seed ?? 1);
  if (opts.detector) {
    for (const [name, v] of Object.entries(randomWeights(opts.detector, joints.length + 1, (opts.seed ?? 1) + 1000))) {
      weights[DETECTOR_PREFIX + name] = v;
    }
  }
  return serializeModel(description, weights, opts.serialize);
}
