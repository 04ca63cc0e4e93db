import type { BackendName } from '../backend/backend.js';
import type { Keypoint } from '../decode/decode.js';
import type { PoseInput } from '../preprocess/input.js';
import type { EstimateOptions } from '../options.js';
import type { Roi } from '../preprocess/letterbox.js';
import type { RefineSpec, TrackerSpec, TrimScope } from '../weights/format.js';

/**
 * How the frame was framed for the network:
 * - 'image': one pass on the whole image (cropPass: false)
 * - 'crop': two passes, the result comes from the person crop around pass 1's keypoints
 * - 'roi': one pass on the caller's roi
 */
export type Framing = 'image' | 'crop' | 'roi';

/** One stage's belief maps, normalised for display, and where they lie in the caller's frame. */
export interface BeliefMaps {
  /** 1..T */
  stage: number;
  height: number;
  width: number;
  channels: number;
  /**
   * HWC, row-major: value of channel c at cell (row, col) is data[(row * width + col) * channels + c].
   * Joint channels: spatial softmax (each sums to 1 over the cells); last channel: background, sigmoid.
   * Channel j is keypoint j (the person's own joint, also when flipped).
   */
  data: Float32Array;
  /** channel names: the joints, then 'background' */
  names: string[];
  /** cell (row, col) covers frame pixels [x0 + col * cellWidth, + cellWidth) x [y0 + row * cellHeight, + cellHeight) */
  x0: number;
  y0: number;
  cellWidth: number;
  cellHeight: number;
}

export interface PoseResult {
  /** one per joint, in the model's joint order, in frame pixels (the input image; mirrored when flipHorizontal) */
  keypoints: Keypoint[];
  /**
   * mean of the keypoint scores, 0..1; scaled down when the keypoints span less than two target
   * widths on the belief maps (2 x model.json output.sigma cells): all joints in one spot are no person
   */
  score: number;
  /** the stage the keypoints come from (the number of stages run) */
  stage: number;
  /** which framing the keypoints come from */
  framing: Framing;
  /**
   * the frame rectangle that was letterboxed into the network input for these keypoints: the whole
   * image, the roi clipped to the image (integer pixels), or the person crop (integer pixels; may
   * extend past the image, that part was padding)
   */
  region: Roi;
  /** stages 1..stage, when returnBeliefMaps was set */
  beliefMaps?: BeliefMaps[];
}

/** A pass-1 network: the network that only frames the person for two-pass inference's crop pass. */
export interface DetectorInfo {
  stages: number;
  /** the input side it was trained at */
  inputSize: number;
  /** its input sides (detectSize) are multiples of this */
  inputMultiple: number;
  /** each stage's receptive field in input pixels */
  receptiveFields: number[];
  provenance?: Record<string, unknown>;
}

export interface ModelInfo {
  name: string;
  /** joint names, person's own left/right */
  joints: string[];
  /** left/right joint index pairs */
  flipPairs: Array<[number, number]>;
  /** edges between joint indices, for drawing */
  skeleton: Array<[number, number]>;
  /** T, the number of stages */
  stages: number;
  inputSize: number;
  /** map stride in input pixels */
  stride: number;
  /** network input sides (inputSize, detectSize) are multiples of this: the stride, times the context branch's pooling */
  inputMultiple: number;
  /** belief maps are mapSize x mapSize (smaller on a side where a pass ran on a trimmed letterbox: `trim`) */
  mapSize: number;
  /** which passes may run without the letterbox's padding (model.json preprocess.trim; estimatePose's trimPadding) */
  trim: TrimScope;
  /** each stage's receptive field in input pixels */
  receptiveFields: number[];
  /** two-pass inference: pass 1's input side and the person crop of pass 2 (model.json "refine") */
  refine: Required<RefineSpec>;
  /** the model's score scale: PoseTracker's default minPoseScore (model.json "tracker") */
  tracker: TrackerSpec;
  /**
   * The model's pass-1 network (model.json "detector"), when it has one: two-pass inference frames
   * the person with it instead of the model's own first stages.
   */
  detector?: DetectorInfo;
  /** where model.json was loaded from, if from a URL or file */
  source?: string;
  provenance?: Record<string, unknown>;
}

export interface PoseEstimator {
  readonly model: ModelInfo;
  /** the TF.js backend this estimator runs on */
  readonly backend: BackendName;
  /** set when backend 'auto' could not use its first choice, with the reason */
  readonly backendFallbackReason?: string;
  /** Estimates one person's pose. Concurrent calls are queued and each gets its own correct result. */
  estimatePose(input: PoseInput, options?: EstimateOptions): Promise<PoseResult>;
  /** Frees the weights; later calls reject with DISPOSED. Idempotent. */
  dispose(): void;
  readonly disposed: boolean;
}
