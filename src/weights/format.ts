import type * as tf from '@tensorflow/tfjs';
import { PoseError } from '../errors.js';
import { inputMultipleOf, validateConfig, type CpmConfig } from '../model/config.js';
import { weightSpecs, type WeightSpec } from '../model/weight-specs.js';

export const MODEL_FORMAT = 'cpm-pose/1';

export interface PreprocessSpec {
  /** per RGB channel, 0..255 units */
  mean: [number, number, number];
  std: [number, number, number];
  /** letterbox padding, 0..255 units: one value for all channels or one per RGB channel */
  padValue: number | [number, number, number];
  /**
   * Which passes may run on a trimmed letterbox (the scaled content only, without its padding;
   * estimatePose's `trimPadding`): 'none'; 'crops', the person crops (two-pass inference's crop passes,
   * video tracking) and `roi` calls; 'all', also the whole-image pass, for weights trained on trimmed
   * inputs. Default 'none'.
   */
  trim?: TrimScope;
}

export const TRIM_SCOPES = ['none', 'crops', 'all'] as const;
export type TrimScope = (typeof TRIM_SCOPES)[number];

/** The person crop of two-pass inference (docs/model-format.md, "Two-pass inference"). */
export interface RefineSpec {
  /** crop side = max(keypoint box width, height) * margin */
  margin: number;
  /** ... and at least minSide * max(image width, height) */
  minSide: number;
  /**
   * input side of pass 1, which only frames the person: smaller is faster (a multiple of the model's input multiple;
   * best at sizes the model was trained at, training's train.multires). Default: config.inputSize
   */
  detectSize?: number;
  /**
   * 0 to 1 (0: off). When the crop pass's keypoints call for a crop smaller than reframeBelow times the
   * crop it ran on (pass 1 framed the person too loosely, so the person came out small), one more crop
   * pass runs on that tighter crop (estimatePose's `reframe`). Default 0
   */
  reframeBelow?: number;
}

/**
 * An optional pass-1 network (model.json "detector"): two-pass inference frames the person with it
 * instead of the model's own first stages. Same joints and maps; its weights follow the model's in
 * the manifest, named with DETECTOR_PREFIX (docs/model-format.md, "Pass-1 network").
 */
export interface DetectorSpec {
  config: CpmConfig;
  provenance?: Record<string, unknown>;
}

/** Manifest name prefix of the pass-1 network's weights. */
export const DETECTOR_PREFIX = 'detector/';

/** Every tensor of a model file in manifest order: the model's, then its pass-1 network's, prefixed. */
export function manifestWeightSpecs(config: CpmConfig, numMaps: number, detector?: { config: CpmConfig }): WeightSpec[] {
  return [
    ...weightSpecs(config, numMaps),
    ...(detector ? weightSpecs(detector.config, numMaps).map((w) => ({ ...w, name: DETECTOR_PREFIX + w.name })) : []),
  ];
}

/** Used when model.json has no "refine" (detectSize: the model's inputSize). */
export const DEFAULT_REFINE: Readonly<RefineSpec> = Object.freeze({ margin: 1.5, minSide: 0.2, reframeBelow: 0 });

/** The model's own score scale, which PoseTracker's defaults follow (docs/model-format.md, `tracker.minPoseScore`). */
export interface TrackerSpec {
  /**
   * a pose scoring below this is taken for nobody in view: the default of PoseTracker's
   * minPoseScore, measured per model by `npm run bench:scores -- --model <folder> --write`
   */
  minPoseScore: number;
}

/** Used when model.json has no "tracker". */
export const DEFAULT_TRACKER_SPEC: Readonly<TrackerSpec> = Object.freeze({ minPoseScore: 0.1 });

export interface OutputSpec {
  kind: 'spatial-softmax';
  /** a background map follows the joint maps */
  background: boolean;
  /** the training targets' Gaussian width in map cells (DEFAULT_TARGET_SIGMA when model.json has none) */
  sigma: number;
}

/** Used when model.json's output has no "sigma": the target width of every training config (train.sigma). */
export const DEFAULT_TARGET_SIGMA = 1.5;

/** The content of model.json (docs/model-format.md). */
export interface ModelJson {
  format: typeof MODEL_FORMAT;
  name: string;
  config: CpmConfig;
  joints: string[];
  flipPairs: Array<[number, number]>;
  skeleton: Array<[number, number]>;
  preprocess: PreprocessSpec;
  output: OutputSpec;
  /** two-pass parameters; filled in with DEFAULT_REFINE (detectSize: config.inputSize) when absent */
  refine: Required<RefineSpec>;
  /** filled in with DEFAULT_TRACKER_SPEC when absent */
  tracker: TrackerSpec;
  /** optional pass-1 network of two-pass inference */
  detector?: DetectorSpec;
  provenance?: Record<string, unknown>;
  weightsManifest: tf.io.WeightsManifestConfig;
}

/** A model in memory: model.json content plus its weight bytes (the shards concatenated in manifest order). */
export interface ModelFiles {
  json: ModelJson;
  weightData: ArrayBuffer;
}

function bad(message: string): PoseError {
  return new PoseError('BAD_MODEL', message);
}

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isTriple = (v: unknown): v is [number, number, number] => Array.isArray(v) && v.length === 3 && v.every(isNum);

function checkPairs(v: unknown, field: string, numJoints: number): Array<[number, number]> {
  if (!Array.isArray(v)) throw bad(`model.json: "${field}" must be an array of [i, j] joint index pairs`);
  v.forEach((p, i) => {
    if (!Array.isArray(p) || p.length !== 2
      || !p.every((x) => Number.isInteger(x) && x >= 0 && x < numJoints)) {
      throw bad(`model.json: ${field}[${i}] = ${JSON.stringify(p)} is not a pair of joint indices 0..${numJoints - 1}`);
    }
  });
  return v as Array<[number, number]>;
}

/**
 * flipPairs plus every left/right name pair it lacks (`left_wrist` / `right_wrist`, `leftEye` /
 * `rightEye`, ...): mirroring must swap such joints, so a model file that omits them is completed
 * rather than silently giving wrong sides with flipHorizontal.
 */
export function completeFlipPairs(joints: readonly string[], pairs: Array<[number, number]>): Array<[number, number]> {
  const out = pairs.map(([a, b]) => [a, b] as [number, number]);
  const paired = new Set(out.flat());
  joints.forEach((name, i) => {
    for (const [l, r] of [['left', 'right'], ['Left', 'Right'], ['LEFT', 'RIGHT']] as const) {
      if (!name.includes(l)) continue;
      const j = joints.indexOf(name.replace(l, r));
      if (j >= 0 && !paired.has(i) && !paired.has(j)) {
        out.push(i < j ? [i, j] : [j, i]);
        paired.add(i);
        paired.add(j);
      }
    }
  });
  return out;
}

/** Number of maps each stage outputs. */
export function numMapsOf(json: Pick<ModelJson, 'joints' | 'output'>): number {
  return json.joints.length + (json.output.background ? 1 : 0);
}

/** Checks the structure of parsed model.json; throws BAD_MODEL naming the first bad field. */
export function validateModelJson(value: unknown): ModelJson {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw bad('model.json is not a JSON object');
  const j = value as Record<string, unknown>;
  if (j.format !== MODEL_FORMAT) {
    throw bad(`model.json: "format" must be "${MODEL_FORMAT}", got ${JSON.stringify(j.format)}`);
  }
  if (typeof j.name !== 'string') throw bad('model.json: "name" must be a string');
  validateConfig(j.config);
  if (!Array.isArray(j.joints) || j.joints.length === 0 || !j.joints.every((n) => typeof n === 'string' && n.length > 0)) {
    throw bad('model.json: "joints" must be a non-empty array of names');
  }
  if (new Set(j.joints).size !== j.joints.length) throw bad('model.json: "joints" has duplicate names');
  const J = j.joints.length;
  j.flipPairs = completeFlipPairs(j.joints as string[], checkPairs(j.flipPairs ?? [], 'flipPairs', J));
  j.skeleton = checkPairs(j.skeleton ?? [], 'skeleton', J);
  const pre = j.preprocess as Record<string, unknown> | undefined;
  if (!pre || !isTriple(pre.mean) || !isTriple(pre.std) || (pre.std as number[]).some((s) => s === 0)) {
    throw bad('model.json: "preprocess" needs "mean" and non-zero "std", each 3 numbers');
  }
  if (pre.padValue === undefined) pre.padValue = 0;
  if (!isNum(pre.padValue) && !isTriple(pre.padValue)) throw bad('model.json: preprocess.padValue must be a number or 3 numbers');
  if (pre.trim === undefined) pre.trim = 'none';
  if (!TRIM_SCOPES.includes(pre.trim as TrimScope)) {
    throw bad(`model.json: preprocess.trim must be one of ${TRIM_SCOPES.map((v) => `"${v}"`).join(', ')}, got ${JSON.stringify(pre.trim)}`);
  }
  const out = j.output as Record<string, unknown> | undefined;
  if (!out || out.kind !== 'spatial-softmax') {
    throw bad(`model.json: output.kind must be "spatial-softmax", got ${JSON.stringify(out?.kind)}`);
  }
  if (typeof out.background !== 'boolean') throw bad('model.json: output.background must be true or false');
  if (out.sigma === undefined) out.sigma = DEFAULT_TARGET_SIGMA;
  if (!isNum(out.sigma) || !(out.sigma > 0)) throw bad(`model.json: output.sigma must be a positive number (map cells), got ${JSON.stringify(out.sigma)}`);
  const refine = (j.refine ?? {}) as Record<string, unknown>;
  if (typeof refine !== 'object' || Array.isArray(refine)) throw bad('model.json: "refine" must be an object {margin, minSide}');
  if (refine.reframeBelow !== undefined && (!isNum(refine.reframeBelow) || refine.reframeBelow < 0 || refine.reframeBelow >= 1)) {
    throw bad(`model.json: refine.reframeBelow must be a number from 0 (off) to below 1, got ${JSON.stringify(refine.reframeBelow)}`);
  }
  for (const key of ['margin', 'minSide'] as const) {
    if (refine[key] === undefined) continue;
    if (!isNum(refine[key]) || (refine[key] as number) <= 0) throw bad(`model.json: refine.${key} must be a positive number, got ${JSON.stringify(refine[key])}`);
  }
  const cfg = j.config as CpmConfig;
  if (j.detector !== undefined) {
    const d = j.detector as Record<string, unknown> | null;
    if (d === null || typeof d !== 'object' || Array.isArray(d)) throw bad('model.json: "detector" must be an object {config}');
    validateConfig(d.config, 'detector.config');
    if (d.provenance !== undefined && (d.provenance === null || typeof d.provenance !== 'object')) {
      throw bad('model.json: detector.provenance must be an object');
    }
  }
  // pass 1 runs on the detector when there is one: detectSize must suit its graph
  const passOne = j.detector ? (j.detector as DetectorSpec).config : cfg;
  const multiple = inputMultipleOf(passOne);
  const detectSize = refine.detectSize ?? passOne.inputSize;
  if (!Number.isInteger(detectSize) || (detectSize as number) < multiple || (detectSize as number) % multiple !== 0) {
    throw bad(`model.json: refine.detectSize must be a positive multiple of ${multiple} (the stride${j.detector ? ' of the detector' : ''}, times the context branch's pooling), got ${JSON.stringify(refine.detectSize)}`);
  }
  j.refine = {
    margin: (refine.margin as number | undefined) ?? DEFAULT_REFINE.margin,
    minSide: (refine.minSide as number | undefined) ?? DEFAULT_REFINE.minSide,
    detectSize: detectSize as number,
    reframeBelow: (refine.reframeBelow as number | undefined) ?? DEFAULT_REFINE.reframeBelow!,
  };
  const tracker = (j.tracker ?? {}) as Record<string, unknown>;
  if (typeof tracker !== 'object' || Array.isArray(tracker)) throw bad('model.json: "tracker" must be an object {minPoseScore}');
  const minPoseScore = tracker.minPoseScore ?? DEFAULT_TRACKER_SPEC.minPoseScore;
  if (!isNum(minPoseScore) || minPoseScore < 0 || minPoseScore > 1) {
    throw bad(`model.json: tracker.minPoseScore must be a number from 0 to 1, got ${JSON.stringify(tracker.minPoseScore)}`);
  }
  j.tracker = { minPoseScore };
  if (!Array.isArray(j.weightsManifest) || j.weightsManifest.length === 0) {
    throw bad('model.json: "weightsManifest" must be a non-empty array of weight groups');
  }
  j.weightsManifest.forEach((g: unknown, gi: number) => {
    const group = g as Record<string, unknown>;
    if (!group || !Array.isArray(group.paths) || group.paths.length === 0 || !group.paths.every((p) => typeof p === 'string')) {
      throw bad(`model.json: weightsManifest[${gi}].paths must be a non-empty array of file names`);
    }
    if (!Array.isArray(group.weights)) throw bad(`model.json: weightsManifest[${gi}].weights must be an array`);
  });
  return j as unknown as ModelJson;
}
