import type { Keypoint } from '../decode/decode.js';
import { personCrop } from '../estimator/crop.js';
import { estimateOnCrop, estimateOnFrame, graphConfigOf, holdFrame, type Frame } from '../estimator/estimator.js';
import { SerialQueue } from '../estimator/queue.js';
import type { BeliefMaps, PoseEstimator, PoseResult } from '../estimator/types.js';
import { DEFAULT_ESTIMATE_OPTIONS, modelLimits, trimsPass, validateTrackerOptions, type ResolvedTrackerOptions, type TrackerOptions } from '../options.js';
import type { PoseInput } from '../preprocess/input.js';
import { planLetterbox, type Roi } from '../preprocess/letterbox.js';
import { cumulativeStageMacs, detectionStageMacs, StageBudget } from './budget.js';
import { KeypointSmoother } from './one-euro.js';

/**
 * Where a frame's keypoints come from:
 * - 'track': one pass on the person crop around the previous frame's pose
 * - 'crop': a whole-frame detection in two passes (whole frame, then the person crop)
 * - 'image': a whole-frame detection in one pass (cropPass: false)
 */
export type TrackFraming = 'track' | 'crop' | 'image';

export interface TrackedPose {
  /** the keypoints, smoothed when smoothing is on (model's joint order, frame pixels) */
  keypoints: Keypoint[];
  /** the network's keypoints of this frame, before smoothing */
  rawKeypoints: Keypoint[];
  /** the pose score, 0..1: the mean keypoint score (PoseResult.score) */
  score: number;
  /** the stage the keypoints come from (with budgetMs: the one chosen for this frame) */
  stage: number;
  framing: TrackFraming;
  /** the frame rectangle the network saw for these keypoints (a crop may extend past the frame) */
  region: Roi;
  /** the pose scored below minPoseScore (e.g. nobody in view): the next frame is detected on the whole frame */
  lost: boolean;
  /** tracking lost the person on this frame and the keypoints come from a whole-frame detection of the same frame */
  redetected: boolean;
  /** this frame's timestamp, ms */
  timestamp: number;
  /** wall time spent on this frame (all passes), ms */
  timeMs: number;
  /** with returnBeliefMaps: the maps of the pass the keypoints come from */
  beliefMaps?: BeliefMaps[];
}

const now = (): number => globalThis.performance.now();

interface Centre { x: number; y: number; t: number }

/**
 * Pose estimation on a video, frame after frame: crops each frame around the previous pose (one
 * network pass, the person at full model resolution), falls back to a whole-frame detection when the
 * pose is lost, smooths the keypoints with a One Euro filter driven by the timestamps, and can pick
 * the number of stages per frame to fit a time budget.
 *
 * Frames must come in time order; calls are processed one after the other, in call order.
 */
export class PoseTracker {
  readonly estimator: PoseEstimator;
  readonly options: Readonly<ResolvedTrackerOptions>;
  private readonly smoother: KeypointSmoother | undefined;
  private readonly budget: StageBudget | undefined;
  /** multiply-adds per stage count k of a tracked frame (one pass on the crop) and of a detection */
  private readonly trackMacs: readonly number[] = [];
  private readonly detectMacs: readonly number[] = [];
  /** share of the full input square the last tracked frame's (trimmed) input covered: its cost relative to trackMacs */
  private trackArea = 1;
  /** the last frame's raw keypoints while the person is tracked */
  private last: Keypoint[] | undefined;
  /** box centres of the last two accepted poses, for the motion prediction */
  private centres: Centre[] = [];
  /** running mean of the scores of the accepted tracked frames (exponential, since the last loss or reset) */
  private meanScore: number | undefined;
  private generation = 0;
  /** frames run one after the other, in call order (each one's estimator calls then queue with everyone's) */
  private readonly frames = new SerialQueue();

  constructor(estimator: PoseEstimator, options: TrackerOptions = {}) {
    // also checks that the estimator is one made by createEstimator (the tracker runs its internal passes)
    const { config, numMaps, detectConfig } = graphConfigOf(estimator);
    this.estimator = estimator;
    this.options = Object.freeze(validateTrackerOptions(options, modelLimits(estimator.model)));
    this.smoother = this.options.smoothing ? new KeypointSmoother(this.options.smoothing) : undefined;
    if (this.options.budgetMs !== undefined) {
      this.trackMacs = cumulativeStageMacs(config, numMaps);
      // a detection: pass 1 (estimatePose's default detectStages, at detectSize, on the pass-1 network), then the crop
      this.detectMacs = this.options.cropPass
        ? detectionStageMacs(this.trackMacs, DEFAULT_ESTIMATE_OPTIONS.detectStages, this.options.detectSize, detectConfig.inputSize,
          detectConfig === config ? this.trackMacs : cumulativeStageMacs(detectConfig, numMaps))
        : this.trackMacs;
      this.budget = new StageBudget(this.trackMacs);
    }
  }

  /**
   * Estimates the pose in `frame`, taken at `timestamp` ms (default: now; used by the smoothing, so
   * pass the video's own time, e.g. `video.currentTime * 1000` or requestVideoFrameCallback's
   * `mediaTime`, when frames are not processed in real time).
   */
  estimate(frame: PoseInput, timestamp: number = now()): Promise<TrackedPose> {
    if (typeof timestamp !== 'number' || !Number.isFinite(timestamp)) {
      return Promise.reject(new TypeError(`timestamp must be a finite number of milliseconds, got ${String(timestamp)}`));
    }
    // read now, not when the frames before it are done: by then a video shows a later frame than `timestamp`
    let held: Frame;
    try {
      held = holdFrame(this.estimator, frame);
    } catch (e) {
      return Promise.reject(e);
    }
    return this.frames.run(() => this.step(held, timestamp)).finally(() => held.release());
  }

  /** Forgets the tracked pose and the smoothing state: the next frame starts afresh (e.g. on a scene cut or seek). */
  reset(): void {
    this.generation++;
    this.forget();
  }

  private forget(): void {
    this.last = undefined;
    this.centres = [];
    this.meanScore = undefined;
    this.smoother?.reset();
  }

  /**
   * Where the previous pose is expected in a frame at time t: its keypoints shifted by the motion of
   * their box centre over the last two accepted frames (constant velocity), so that a crop keeps up
   * with a moving person (or camera pan).
   */
  private predicted(kps: readonly Keypoint[], t: number): Array<{ x: number; y: number }> {
    if (this.centres.length < 2) return [...kps];
    const [a, b] = this.centres as [Centre, Centre];
    if (!(b.t > a.t) || !(t > b.t)) return [...kps];
    const f = (t - b.t) / (b.t - a.t);
    const dx = (b.x - a.x) * f;
    const dy = (b.y - a.y) * f;
    return kps.map((k) => ({ x: k.x + dx, y: k.y + dy }));
  }

  private remember(kps: readonly Keypoint[], t: number): void {
    let x0 = Infinity;
    let y0 = Infinity;
    let x1 = -Infinity;
    let y1 = -Infinity;
    for (const k of kps) {
      x0 = Math.min(x0, k.x);
      y0 = Math.min(y0, k.y);
      x1 = Math.max(x1, k.x);
      y1 = Math.max(y1, k.y);
    }
    this.last = [...kps];
    this.centres = [...this.centres.slice(-1), { x: (x0 + x1) / 2, y: (y0 + y1) / 2, t }];
  }

  /**
   * Runs `call` with the configured stages, or (budgetMs) the most that fit, and times it. `costs`
   * chooses the stages; `spent` (default: costs), read after the call, is what the frame cost.
   */
  private async timed(costs: readonly number[], call: (stages: number) => Promise<PoseResult>, spent: () => readonly number[] = () => costs): Promise<PoseResult> {
    const k = this.budget ? this.budget.choose(this.options.budgetMs!, costs) : this.options.stages;
    const t0 = now();
    const r = await call(k);
    this.budget?.record(k, now() - t0, spent());
    return r;
  }

  /**
   * The share of the inputSize square that a tracked frame's input covers: 1, or less when the crop
   * pass drops the padding past the frame (trimPadding on a model whose preprocess.trim allows it).
   */
  private inputArea(width: number, height: number, crop: Roi): number {
    const m = this.estimator.model;
    if (!trimsPass(m.trim, this.options.trimPadding, this.estimator.backend, 'crop')) return 1;
    const p = planLetterbox(width, height, { inputSize: m.inputSize, roi: crop, padOutside: true, trimMultiple: m.inputMultiple });
    return (p.inputWidth * p.inputHeight) / (m.inputSize * m.inputSize);
  }

  /** `frame`: read once for the tracked pass and a re-detection after it alike */
  private async step(frame: Frame, timestamp: number): Promise<TrackedPose> {
    const o = this.options;
    const gen = this.generation;
    const t0 = now();
    const common = { flipHorizontal: o.flipHorizontal, returnBeliefMaps: o.returnBeliefMaps, trimPadding: o.trimPadding };
    const detect = () => this.timed(this.detectMacs, (stages) =>
      estimateOnFrame(this.estimator, frame, { ...common, stages, cropPass: o.cropPass, detectSize: o.detectSize }));

    let result: PoseResult;
    let framing: TrackFraming;
    let redetected = false;
    const previous = o.tracking ? this.last : undefined;
    if (previous) {
      const refine = this.estimator.model.refine;
      // a trimmed crop costs its share of the square: chosen by the last tracked frame's, recorded with its own
      const scaled = () => this.trackMacs.map((m) => m * this.trackArea);
      const crop = (w: number, h: number) => {
        const c = personCrop(this.predicted(previous, timestamp), w, h, refine);
        this.trackArea = this.inputArea(w, h, c);
        return c;
      };
      result = await this.timed(scaled(), (stages) => estimateOnCrop(this.estimator, frame, crop, { ...common, stages }), scaled);
      framing = 'track';
      const floor = Math.max(o.minPoseScore, o.minScoreRatio * (this.meanScore ?? 0));
      if (result.score < floor) {
        result = await detect();
        framing = result.framing === 'image' ? 'image' : 'crop';
        redetected = true;
      }
    } else {
      result = await detect();
      framing = result.framing === 'image' ? 'image' : 'crop';
    }

    const lost = result.score < o.minPoseScore;
    let keypoints = result.keypoints;
    if (gen === this.generation) {
      if (lost) {
        this.forget();
      } else {
        if (redetected) {
          // a fresh detection: no motion history, no smoothing towards where tracking had drifted
          this.centres = [];
          this.smoother?.reset();
        }
        this.remember(result.keypoints, timestamp);
        // tracked frames only: a detection's score (another framing, often a larger crop) is not comparable
        if (framing === 'track') this.meanScore = this.meanScore === undefined ? result.score : this.meanScore + 0.1 * (result.score - this.meanScore);
        if (this.smoother) keypoints = this.smoother.smooth(result.keypoints, timestamp);
      }
    }
    const out: TrackedPose = {
      keypoints,
      rawKeypoints: result.keypoints,
      score: result.score,
      stage: result.stage,
      framing,
      region: result.region,
      lost,
      redetected,
      timestamp,
      timeMs: now() - t0,
    };
    if (result.beliefMaps) out.beliefMaps = result.beliefMaps;
    return out;
  }
}
