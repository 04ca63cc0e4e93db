/**
 * All defaults live here, and every option is validated here, once, at the API boundary.
 */
import { BACKEND_CHOICES, type BackendChoice } from './backend/backend.js';
import { PoseError } from './errors.js';
import type { Framing } from './estimator/types.js';
import type { Roi } from './preprocess/letterbox.js';
import type { TrimScope } from './weights/format.js';
import type { ModelSource } from './weights/load.js';

export interface EstimatorOptions {
  /**
   * A bundled model's name ('cpm-lite', 'cpm-lite-fast', 'cpm-full'), a model.json URL or path (Node: also its
   * folder; write './cpm-lite' for a folder with a bundled model's name), a URL object, or
   * { json, weightData }. Default: the bundled cpm-lite.
   */
  model?: ModelSource;
  /** default 'auto': webgl in browsers (falls back to wasm), wasm in Node (falls back to cpu) */
  backend?: BackendChoice;
  /** where the wasm backend loads its .wasm files from (prefix URL/path, or file name -> URL map); Node default: the installed package */
  wasmPaths?: string | Record<string, string>;
  /** wasm backend threads (only where the runtime supports wasm threads) */
  numThreads?: number;
}

export interface EstimateOptions {
  /** run stages 1..k only (early exit); default: all T stages */
  stages?: number;
  /**
   * Treat the input as its mirror image (selfie view): keypoints and roi are in the mirrored frame
   * (x' = width - x) and names stay the person's own. Default false.
   */
  flipHorizontal?: boolean;
  /** region of interest in frame pixels; the region is letterboxed instead of the whole image. Default: whole image */
  roi?: Roi;
  /**
   * Two-pass inference when no roi is given: pass 1 on the whole image, pass 2 on a square crop
   * around pass 1's keypoints (model.json "refine"); pass 2's keypoints are the result. With a roi
   * there is one pass (the roi is the framing). Default true.
   */
  cropPass?: boolean;
  /**
   * Stages run by pass 1 of two-pass inference, which only has to find the person (capped at
   * `stages`): the model's own first stages, or its pass-1 network's when it has one
   * (`ModelInfo.detector`). Fewer is faster; pass 2 makes the keypoints. Default 2.
   */
  detectStages?: number;
  /**
   * Input side of pass 1 (a multiple of pass 1's inputMultiple, 32 to 512); pass 2 runs at inputSize.
   * Smaller is faster and frames the person less well (cpm-lite at 96: README, "The shipped model").
   * Default: the model's refine.detectSize, else its inputSize (cpm-lite: 128).
   */
  detectSize?: number;
  /**
   * Crop passes of two-pass inference (1 to 3): each after the first re-frames the person around the
   * previous crop pass's keypoints, which frame the person better than pass 1's. Only the last one
   * has flipTest and belief maps. More accurate for one more pass each (README, "The shipped
   * models"). Applies with cropPass and no roi. Default 1.
   */
  refinePasses?: number;
  /**
   * Re-frame a loosely framed person: after the last crop pass of two-pass inference, when its
   * keypoints call for a crop smaller than the model's `refine.reframeBelow` times the crop it ran on
   * (pass 1's keypoints spread past the person, so the person came out small), run one more crop pass
   * on that tighter crop; its keypoints are the result. A few percent of photos take the extra pass
   * (README, "The shipped models"). No effect on a model whose reframeBelow is 0. Default true.
   */
  reframe?: boolean;
  /**
   * Run each pass on the image content only, without the letterbox's padding (the input is a
   * rectangle, each side rounded up to the network's input multiple): the same person at the same
   * scale for less computation, where the model allows it (model.json preprocess.trim: its person
   * crops, or every pass). Default: true on the wasm and cpu backends; false on webgl, which compiles
   * its shaders for each input shape.
   */
  trimPadding?: boolean;
  /**
   * Test-time flip: the final pass also runs on the mirror image of its input (in the same batch)
   * and each stage's maps are averaged with the mirror's, flipped back with left and right swapped.
   * More accurate (docs/BENCHMARKS.md), at the cost of a second final pass. Default false.
   */
  flipTest?: boolean;
  /** also return every computed stage's normalised belief maps. Default false */
  returnBeliefMaps?: boolean;
}

export interface ResolvedEstimatorOptions {
  model: ModelSource | undefined;
  backend: BackendChoice;
  wasmPaths: string | Record<string, string> | undefined;
  numThreads: number | undefined;
}

export interface ResolvedEstimateOptions {
  stages: number;
  flipHorizontal: boolean;
  roi: Roi | undefined;
  cropPass: boolean;
  detectStages: number;
  detectSize: number;
  refinePasses: number;
  reframe: boolean;
  /** undefined: the backend's default (defaultTrimPadding) */
  trimPadding: boolean | undefined;
  flipTest: boolean;
  returnBeliefMaps: boolean;
}

export const DEFAULT_ESTIMATOR_OPTIONS: Readonly<ResolvedEstimatorOptions> = Object.freeze({
  model: undefined,
  backend: 'auto',
  wasmPaths: undefined,
  numThreads: undefined,
});

/** `undefined` means the model's: all of its stages, its refine.detectSize. */
export const DEFAULT_ESTIMATE_OPTIONS: Readonly<Omit<ResolvedEstimateOptions, 'stages' | 'detectSize'> & { stages: number | undefined; detectSize: number | undefined }> = Object.freeze({
  stages: undefined,
  flipHorizontal: false,
  roi: undefined,
  cropPass: true,
  detectStages: 2,
  detectSize: undefined,
  refinePasses: 1,
  reframe: true,
  trimPadding: undefined,
  flipTest: false,
  returnBeliefMaps: false,
});

/**
 * trimPadding's default on a backend: WebGL compiles its shaders for each input shape, so trimmed
 * inputs of varying shapes would recompile them; wasm and cpu run any shape at no extra cost.
 */
export function defaultTrimPadding(backend: string): boolean {
  return backend !== 'webgl';
}

/**
 * Whether a pass of this framing runs on a trimmed letterbox: trimPadding (undefined: the backend's
 * default) is on, and the model's preprocess.trim covers the framing ('all'; 'crops': every framing
 * but the whole image).
 */
export function trimsPass(scope: TrimScope, trimPadding: boolean | undefined, backend: string, framing: Framing): boolean {
  if (!(trimPadding ?? defaultTrimPadding(backend))) return false;
  return scope === 'all' || (scope === 'crops' && framing !== 'image');
}

/** Largest refinePasses accepted: a fourth crop pass measured no better than the third. */
export const MAX_REFINE_PASSES = 3;

const ESTIMATOR_KEYS = Object.keys(DEFAULT_ESTIMATOR_OPTIONS);
const ESTIMATE_KEYS = Object.keys(DEFAULT_ESTIMATE_OPTIONS);

function invalid(message: string): PoseError {
  return new PoseError('INVALID_OPTION', message);
}

function checkObject(value: unknown, what: string, known: string[]): Record<string, unknown> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw invalid(`${what} must be an object, got ${Array.isArray(value) ? 'an array' : typeof value}`);
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) {
      const hint = known.find((k) => k.toLowerCase().startsWith(key.toLowerCase().slice(0, 4)));
      throw invalid(`unknown ${what} "${key}"${hint ? ` (did you mean "${hint}"?)` : ''}; known: ${known.join(', ')}`);
    }
  }
  return value as Record<string, unknown>;
}

function isModelSource(v: unknown): v is ModelSource {
  if (typeof v === 'string') return v.length > 0;
  if (v instanceof URL) return true;
  return typeof v === 'object' && v !== null && 'json' in v && 'weightData' in v;
}

/** Validates createEstimator's options and fills in defaults. */
export function validateEstimatorOptions(options: unknown): ResolvedEstimatorOptions {
  const o = checkObject(options, 'estimator option', ESTIMATOR_KEYS);
  const r: ResolvedEstimatorOptions = { ...DEFAULT_ESTIMATOR_OPTIONS };
  if (o.model !== undefined) {
    if (!isModelSource(o.model)) throw invalid('model must be a model.json URL or path, a URL object, or { json, weightData }');
    r.model = o.model;
  }
  if (o.backend !== undefined) {
    if (!BACKEND_CHOICES.includes(o.backend as BackendChoice)) {
      throw new PoseError('UNKNOWN_BACKEND', `unknown backend ${JSON.stringify(o.backend)}; use one of ${BACKEND_CHOICES.join(', ')}`);
    }
    r.backend = o.backend as BackendChoice;
  }
  if (o.wasmPaths !== undefined) {
    const w = o.wasmPaths;
    const ok = typeof w === 'string' || (typeof w === 'object' && w !== null && !Array.isArray(w)
      && Object.values(w).every((v) => typeof v === 'string'));
    if (!ok) throw invalid('wasmPaths must be a URL/path prefix string or an object mapping .wasm file names to URLs');
    r.wasmPaths = w as string | Record<string, string>;
  }
  if (o.numThreads !== undefined) {
    if (!Number.isInteger(o.numThreads) || (o.numThreads as number) < 1) {
      throw invalid(`numThreads must be a positive integer, got ${JSON.stringify(o.numThreads)}`);
    }
    r.numThreads = o.numThreads as number;
  }
  return r;
}

function checkRoi(v: unknown): Roi {
  const r = v as Record<string, unknown>;
  if (typeof v !== 'object' || v === null) throw invalid('roi must be an object {x, y, width, height}');
  for (const k of ['x', 'y', 'width', 'height']) {
    if (typeof r[k] !== 'number' || !Number.isFinite(r[k])) throw invalid(`roi.${k} must be a finite number, got ${JSON.stringify(r[k])}`);
  }
  if ((r.width as number) <= 0 || (r.height as number) <= 0) {
    throw invalid(`roi width and height must be positive, got ${r.width} x ${r.height}`);
  }
  return { x: r.x as number, y: r.y as number, width: r.width as number, height: r.height as number };
}

/** What option validation needs to know of the model. */
export interface ModelLimits {
  stages: number;
  /** network input sides must be multiples of this (ModelInfo.inputMultiple) */
  inputMultiple: number;
  /** pass 1's default input side (model.json refine.detectSize) */
  detectSize: number;
  /** stages of pass 1's network: the model's own, or its pass-1 network's (ModelInfo.detector) */
  detectStages: number;
  /** pass 1's input sides must be multiples of this */
  detectMultiple: number;
  /** PoseTracker's default minPoseScore (model.json tracker.minPoseScore) */
  minPoseScore: number;
}

/** The limits of a loaded model (an estimator's ModelInfo, or anything shaped like it). */
export function modelLimits(model: {
  stages: number; inputMultiple: number; refine: { detectSize: number }; tracker: { minPoseScore: number };
  detector?: { stages: number; inputMultiple: number };
}): ModelLimits {
  return {
    stages: model.stages,
    inputMultiple: model.inputMultiple,
    detectSize: model.refine.detectSize,
    detectStages: model.detector?.stages ?? model.stages,
    detectMultiple: model.detector?.inputMultiple ?? model.inputMultiple,
    minPoseScore: model.tracker.minPoseScore,
  };
}

/** Smallest and largest detectSize accepted. */
export const DETECT_SIZE_RANGE: readonly [number, number] = [32, 512];

/** detectSize (estimatePose's, the tracker's): a multiple of pass 1's input multiple within DETECT_SIZE_RANGE. */
function checkDetectSize(v: unknown, model: ModelLimits): number {
  const [lo, hi] = DETECT_SIZE_RANGE;
  if (!Number.isInteger(v) || (v as number) < lo || (v as number) > hi || (v as number) % model.detectMultiple !== 0) {
    throw invalid(`detectSize must be a multiple of the model's input multiple (${model.detectMultiple}) from ${lo} to ${hi}, got ${JSON.stringify(v)}`);
  }
  return v as number;
}

/** Validates estimatePose's per-call options against the model and fills in defaults. */
export function validateEstimateOptions(options: unknown, model: ModelLimits): ResolvedEstimateOptions {
  const o = checkObject(options, 'estimatePose option', ESTIMATE_KEYS);
  const maxStages = model.stages;
  const r: ResolvedEstimateOptions = {
    ...DEFAULT_ESTIMATE_OPTIONS,
    stages: DEFAULT_ESTIMATE_OPTIONS.stages ?? maxStages,
    detectSize: DEFAULT_ESTIMATE_OPTIONS.detectSize ?? model.detectSize,
  };
  if (o.stages !== undefined) {
    if (!Number.isInteger(o.stages) || (o.stages as number) < 1 || (o.stages as number) > maxStages) {
      throw invalid(`stages must be an integer from 1 to ${maxStages}, got ${JSON.stringify(o.stages)}`);
    }
    r.stages = o.stages as number;
  }
  if (o.detectStages !== undefined) {
    if (!Number.isInteger(o.detectStages) || (o.detectStages as number) < 1 || (o.detectStages as number) > model.detectStages) {
      throw invalid(`detectStages must be an integer from 1 to ${model.detectStages}, got ${JSON.stringify(o.detectStages)}`);
    }
    r.detectStages = o.detectStages as number;
  }
  if (o.detectSize !== undefined) r.detectSize = checkDetectSize(o.detectSize, model);
  if (o.refinePasses !== undefined) {
    if (!Number.isInteger(o.refinePasses) || (o.refinePasses as number) < 1 || (o.refinePasses as number) > MAX_REFINE_PASSES) {
      throw invalid(`refinePasses must be an integer from 1 to ${MAX_REFINE_PASSES}, got ${JSON.stringify(o.refinePasses)}`);
    }
    r.refinePasses = o.refinePasses as number;
  }
  for (const key of ['flipHorizontal', 'cropPass', 'reframe', 'trimPadding', 'flipTest', 'returnBeliefMaps'] as const) {
    if (o[key] !== undefined) {
      if (typeof o[key] !== 'boolean') throw invalid(`${key} must be true or false, got ${JSON.stringify(o[key])}`);
      r[key] = o[key] as boolean;
    }
  }
  if (o.roi !== undefined) r.roi = checkRoi(o.roi);
  return r;
}

// ---------------------------------------------------------------- video: PoseTracker

/** One Euro filter parameters (src/video/one-euro.ts); speeds in pose sizes per second. */
export interface SmoothingOptions {
  /** cutoff at rest, Hz: lower = steadier, more lag when slow */
  minCutoff?: number;
  /** cutoff increase per pose size per second of speed, Hz: higher = less lag when moving */
  beta?: number;
  /** cutoff of the speed estimate, Hz */
  dCutoff?: number;
}

export interface TrackerOptions {
  /** crop each frame around the previous frame's pose (one pass); default true. false: every frame as a still image */
  tracking?: boolean;
  /** One Euro filter on the keypoints, driven by the timestamps: true (default parameters), false, or parameters */
  smoothing?: boolean | SmoothingOptions;
  /** run stages 1..k on every frame; default: all stages. Not with budgetMs */
  stages?: number;
  /** choose the number of stages per frame to fit this many milliseconds. Not with stages */
  budgetMs?: number;
  /** the frames are mirror images (selfie view): as estimatePose's flipHorizontal. Default false */
  flipHorizontal?: boolean;
  /** whole-frame detection (first frame, after a loss, or tracking off) in two passes; default true */
  cropPass?: boolean;
  /** input side of a detection's first pass, as estimatePose's detectSize; default the model's */
  detectSize?: number;
  /** run passes on the image content only, as estimatePose's trimPadding; default the backend's (on for wasm and cpu) */
  trimPadding?: boolean;
  /**
   * a pose scoring below this is lost (nobody in view): the next frame is detected on the whole frame.
   * Default: the model's (model.json tracker.minPoseScore, measured per model; 0.1 when absent)
   */
  minPoseScore?: number;
  /**
   * a tracked frame scoring below this fraction of the running mean score of the tracked frames is
   * re-detected on the whole frame at once (the person left the crop). Default 0.6
   */
  minScoreRatio?: number;
  /** return the belief maps of the pass the keypoints come from; default false */
  returnBeliefMaps?: boolean;
}

export interface ResolvedTrackerOptions {
  tracking: boolean;
  smoothing: Required<SmoothingOptions> | false;
  stages: number;
  budgetMs: number | undefined;
  flipHorizontal: boolean;
  cropPass: boolean;
  detectSize: number;
  /** undefined: the backend's default (defaultTrimPadding) */
  trimPadding: boolean | undefined;
  minPoseScore: number;
  minScoreRatio: number;
  returnBeliefMaps: boolean;
}

/** The One Euro parameters of `smoothing: true`. */
export const DEFAULT_SMOOTHING: Readonly<Required<SmoothingOptions>> = Object.freeze({
  minCutoff: 1,
  beta: 20,
  dCutoff: 1,
});

/**
 * `stages: undefined` means all of the model's stages; `detectSize: undefined` and
 * `minPoseScore: undefined` the model's own (model.json refine.detectSize, tracker.minPoseScore).
 */
export const DEFAULT_TRACKER_OPTIONS: Readonly<Omit<ResolvedTrackerOptions, 'stages' | 'smoothing' | 'detectSize' | 'minPoseScore'> & {
  stages: number | undefined; smoothing: boolean; detectSize: number | undefined; minPoseScore: number | undefined;
}> = Object.freeze({
  tracking: true,
  smoothing: true,
  stages: undefined,
  budgetMs: undefined,
  flipHorizontal: false,
  cropPass: true,
  detectSize: undefined,
  trimPadding: undefined,
  minPoseScore: undefined,
  minScoreRatio: 0.6,
  returnBeliefMaps: false,
});

/** Validates PoseTracker's options against the model (modelLimits of its estimator) and fills in defaults. */
export function validateTrackerOptions(options: unknown, model: ModelLimits): ResolvedTrackerOptions {
  const o = checkObject(options, 'tracker option', Object.keys(DEFAULT_TRACKER_OPTIONS));
  const maxStages = model.stages;
  const r: ResolvedTrackerOptions = {
    ...DEFAULT_TRACKER_OPTIONS,
    stages: maxStages,
    smoothing: { ...DEFAULT_SMOOTHING },
    detectSize: model.detectSize,
    minPoseScore: model.minPoseScore,
  };
  if (o.detectSize !== undefined) r.detectSize = checkDetectSize(o.detectSize, model);
  for (const key of ['tracking', 'flipHorizontal', 'cropPass', 'trimPadding', 'returnBeliefMaps'] as const) {
    if (o[key] !== undefined) {
      if (typeof o[key] !== 'boolean') throw invalid(`${key} must be true or false, got ${JSON.stringify(o[key])}`);
      r[key] = o[key] as boolean;
    }
  }
  if (o.smoothing === false) r.smoothing = false;
  else if (o.smoothing !== undefined && o.smoothing !== true) {
    const s = checkObject(o.smoothing, 'smoothing option', Object.keys(DEFAULT_SMOOTHING));
    const p = { ...DEFAULT_SMOOTHING };
    for (const key of Object.keys(DEFAULT_SMOOTHING) as Array<keyof SmoothingOptions>) {
      const v = s[key];
      if (v === undefined) continue;
      const ok = typeof v === 'number' && Number.isFinite(v) && (key === 'beta' ? v >= 0 : v > 0);
      if (!ok) throw invalid(`smoothing.${key} must be a ${key === 'beta' ? 'non-negative' : 'positive'} number, got ${JSON.stringify(v)}`);
      p[key] = v as number;
    }
    r.smoothing = p;
  }
  if (o.stages !== undefined && o.budgetMs !== undefined) throw invalid('give either stages (fixed) or budgetMs (chosen per frame), not both');
  if (o.stages !== undefined) {
    if (!Number.isInteger(o.stages) || (o.stages as number) < 1 || (o.stages as number) > maxStages) {
      throw invalid(`stages must be an integer from 1 to ${maxStages}, got ${JSON.stringify(o.stages)}`);
    }
    r.stages = o.stages as number;
  }
  if (o.budgetMs !== undefined) {
    if (typeof o.budgetMs !== 'number' || !Number.isFinite(o.budgetMs) || o.budgetMs <= 0) {
      throw invalid(`budgetMs must be a positive number of milliseconds, got ${JSON.stringify(o.budgetMs)}`);
    }
    r.budgetMs = o.budgetMs;
  }
  for (const key of ['minPoseScore', 'minScoreRatio'] as const) {
    const v = o[key];
    if (v === undefined) continue;
    if (typeof v !== 'number' || !(v >= 0 && v <= 1)) throw invalid(`${key} must be a number from 0 to 1, got ${JSON.stringify(v)}`);
    r[key] = v;
  }
  return r;
}
