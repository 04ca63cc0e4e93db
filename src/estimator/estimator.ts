import * as tf from '@tensorflow/tfjs';
import { ensureBackend, selectBackend, type BackendName } from '../backend/backend.js';
import { decodeMaps, flipPermutation, normaliseMaps, type MapView } from '../decode/decode.js';
import { bundledModelUrl, bundledShardUrls, DEFAULT_MODEL_NAME, isBundledModelName } from '../default-model.js';
import { PoseError } from '../errors.js';
import type { CpmConfig } from '../model/config.js';
import { buildCpmGraph, type CpmGraph } from '../model/graph.js';
import { receptiveFields } from '../model/receptive-field.js';
import {
  DEFAULT_ESTIMATE_OPTIONS, modelLimits, trimsPass, validateEstimateOptions, validateEstimatorOptions,
  type EstimateOptions, type EstimatorOptions, type ModelLimits, type ResolvedEstimateOptions,
} from '../options.js';
import { isPixelBuffer, releaseImage, toImageTensor, uploadsElements, type ImageTensor, type PoseInput } from '../preprocess/input.js';
import { letterbox, roundRoi, type Roi } from '../preprocess/letterbox.js';
import { inputToFrame } from '../preprocess/transform.js';
import { decodeModelWeights, detectorWeights } from '../weights/decode.js';
import { numMapsOf, type ModelFiles } from '../weights/format.js';
import { loadModel } from '../weights/load.js';
import { personCrop } from './crop.js';
import { enqueue } from './queue.js';
import type { BeliefMaps, Framing, ModelInfo, PoseEstimator, PoseResult } from './types.js';

/** A crop in frame pixels, or a function of the frame's size that returns it. */
export type CropSpec = Roi | ((imageWidth: number, imageHeight: number) => Roi);

class Estimator implements PoseEstimator {
  readonly model: ModelInfo;
  readonly backend: BackendName;
  readonly backendFallbackReason?: string;
  private readonly graph: CpmGraph;
  /** pass 1's network: the model's pass-1 network (model.json "detector") if it has one, else `graph` */
  private readonly detectGraph: CpmGraph;
  private readonly files: ModelFiles;
  /** the map permutation of a mirror image: left and right joint maps swapped, the background in place */
  private readonly perm: number[];
  /** what option validation needs of the model */
  private readonly limits: ModelLimits;
  private pending = 0;
  private _disposed = false;
  private freed = false;

  constructor(
    graph: CpmGraph, detectGraph: CpmGraph | undefined, files: ModelFiles, backend: BackendName,
    fallbackReason: string | undefined, source: string | undefined,
  ) {
    this.graph = graph;
    this.detectGraph = detectGraph ?? graph;
    this.files = files;
    this.backend = backend;
    if (fallbackReason !== undefined) this.backendFallbackReason = fallbackReason;
    const j = files.json;
    this.model = {
      name: j.name,
      joints: [...j.joints],
      flipPairs: j.flipPairs.map(([a, b]) => [a, b] as [number, number]),
      skeleton: j.skeleton.map(([a, b]) => [a, b] as [number, number]),
      stages: graph.stages,
      inputSize: j.config.inputSize,
      stride: graph.stride,
      inputMultiple: graph.inputMultiple,
      mapSize: graph.mapSize,
      trim: j.preprocess.trim ?? 'none',
      receptiveFields: receptiveFields(j.config),
      refine: { ...j.refine },
      tracker: { ...j.tracker },
      ...(j.detector && detectGraph ? {
        detector: {
          stages: detectGraph.stages,
          inputSize: j.detector.config.inputSize,
          inputMultiple: detectGraph.inputMultiple,
          receptiveFields: receptiveFields(j.detector.config),
          ...(j.detector.provenance !== undefined ? { provenance: j.detector.provenance } : {}),
        },
      } : {}),
      ...(source !== undefined ? { source } : {}),
      ...(j.provenance !== undefined ? { provenance: j.provenance } : {}),
    };
    this.perm = flipPermutation(graph.numMaps, j.flipPairs);
    this.limits = modelLimits(this.model);
  }

  get disposed(): boolean {
    return this._disposed;
  }

  /** PoseEstimator's; the video tracker passes the Frame it holds (estimateOnFrame) */
  estimatePose(input: PoseInput | Frame, options?: EstimateOptions): Promise<PoseResult> {
    return this.queued(input, options, undefined);
  }

  /**
   * Internal (video tracking): one pass on a person crop in frame pixels, not clipped (the part
   * past the image is padding), like the second pass of two-pass inference. `options.roi` and
   * `options.cropPass` do not apply.
   */
  estimateOnCrop(input: PoseInput | Frame, crop: CropSpec, options?: EstimateOptions): Promise<PoseResult> {
    return this.queued(input, options, crop);
  }

  /**
   * The input as a Frame, its pixels read now: calls wait their turn in a queue, and by then a video has
   * moved on (or a caller has reused its pixel buffer). An upload to a GPU backend needs that backend
   * active, so there, while another estimator's backend is, an element is drawn now on a canvas of the
   * library's and read from that when the call runs. A tensor is the caller's and is used when the call runs.
   */
  frameOf(input: PoseInput): Frame {
    if (input instanceof tf.Tensor) return new Frame(input);
    const cannotUploadNow = uploadsElements(this.backend) && !isPixelBuffer(input) && tf.getBackend() !== this.backend;
    // 'cpu' reads an element as a CanvasImage: the element drawn now, its regions read at the call's run
    return new Frame(input, toImageTensor(input, cannotUploadNow ? 'cpu' : this.backend));
  }

  /** Internal: the graph's config and number of maps, and pass 1's network's config. */
  graphConfig(): { config: CpmConfig; numMaps: number; detectConfig: CpmConfig } {
    return { config: this.graph.config, numMaps: this.graph.numMaps, detectConfig: this.detectGraph.config };
  }

  /** A Frame given by the caller (the video tracker) stays the caller's to release; one made here is released after the call. */
  private queued(input: PoseInput | Frame, options: EstimateOptions | undefined, crop: CropSpec | undefined): Promise<PoseResult> {
    if (this._disposed) return Promise.reject(disposedError());
    let opts: ResolvedEstimateOptions;
    let frame: Frame;
    const given = input instanceof Frame;
    try {
      opts = validateEstimateOptions(options, this.limits);
      frame = given ? input : this.frameOf(input);
    } catch (e) {
      return Promise.reject(e);
    }
    this.pending++;
    return enqueue(async () => {
      try {
        if (this._disposed) throw disposedError();
        return await this.run(frame, opts, crop);
      } finally {
        if (!given) frame.release();
        this.pending--;
        if (this._disposed && this.pending === 0) this.free();
      }
    });
  }

  dispose(): void {
    if (this._disposed) return;
    this._disposed = true;
    if (this.pending === 0) this.free();
  }

  /**
   * Runs what a default call runs, on a zero image, once (shader compilation, wasm warm-up): every
   * stage at inputSize and, when pass 1 differs (its side, or its own network), pass 1's default stages.
   */
  async warmUp(): Promise<void> {
    const { inputSize, stages, refine } = this.model;
    const runs: Array<[CpmGraph, number, number]> = [[this.graph, inputSize, stages]];
    if (refine.detectSize !== inputSize || this.detectGraph !== this.graph) {
      runs.push([this.detectGraph, refine.detectSize, Math.min(DEFAULT_ESTIMATE_OPTIONS.detectStages, stages, this.detectGraph.stages)]);
    }
    await enqueue(async () => {
      await ensureBackend(this.backend);
      for (const [graph, S, k] of runs) {
        const x = tf.zeros([1, S, S, 3]) as tf.Tensor4D;
        const outs = graph.runStages(x, k);
        x.dispose();
        try {
          await outs[outs.length - 1]!.data();
        } finally {
          tf.dispose(outs);
        }
      }
    });
  }

  private free(): void {
    if (this.freed) return;
    this.freed = true;
    this.graph.dispose();
    if (this.detectGraph !== this.graph) this.detectGraph.dispose();
  }

  private async run(frame: Frame, opts: ResolvedEstimateOptions, givenCrop?: CropSpec): Promise<PoseResult> {
    await ensureBackend(this.backend);
    const image = frame.read(this.backend);
    if (givenCrop) {
      const c = typeof givenCrop === 'function' ? givenCrop(image.width, image.height) : givenCrop;
      return await this.pass(image, opts, 'crop', c, opts.returnBeliefMaps);
    }
    if (opts.roi) return await this.pass(image, opts, 'roi', opts.roi, opts.returnBeliefMaps);
    if (!opts.cropPass) return await this.pass(image, opts, 'image', undefined, opts.returnBeliefMaps);
    // pass 1 only frames the person (with the model's pass-1 network if it has one): no test-time flip there
    const detect = { ...opts, stages: Math.min(opts.detectStages, opts.stages, this.detectGraph.stages), flipTest: false };
    const first = await this.pass(image, detect, 'image', undefined, false, opts.detectSize, this.detectGraph);
    let crop = personCrop(first.keypoints, image.width, image.height, this.files.json.refine);
    // refinePasses > 1: re-frame around each crop pass's keypoints, which frame the person better
    for (let p = 1; p < opts.refinePasses; p++) {
      const mid = await this.pass(image, { ...opts, flipTest: false }, 'crop', crop, false);
      crop = personCrop(mid.keypoints, image.width, image.height, this.files.json.refine);
    }
    const result = await this.pass(image, opts, 'crop', crop, opts.returnBeliefMaps);
    // the person came out small in the crop (pass 1's box spread past them): once more, framed tighter
    const below = this.files.json.refine.reframeBelow;
    if (opts.reframe && below > 0) {
      const tighter = personCrop(result.keypoints, image.width, image.height, this.files.json.refine);
      if (tighter.width < below * crop.width) return await this.pass(image, opts, 'crop', tighter, opts.returnBeliefMaps);
    }
    return result;
  }

  /**
   * One network pass: letterboxes `roi` of the frame (the whole image without one; with framing
   * 'crop' the roi is not clipped, the part outside the image is padding), runs stages 1..k of
   * `graph` (default: the model's), decodes.
   */
  private async pass(
    image: ImageTensor, opts: ResolvedEstimateOptions, framing: Framing, roi: Roi | undefined, withMaps: boolean,
    inputSize: number = this.files.json.config.inputSize, graph: CpmGraph = this.graph,
  ): Promise<PoseResult> {
    const json = this.files.json;
    const trim = trimsPass(this.model.trim, opts.trimPadding, this.backend, framing);
    const lb = letterbox(image, json.preprocess, {
      inputSize,
      flipHorizontal: opts.flipHorizontal,
      ...(roi ? { roi, padOutside: framing === 'crop' } : {}),
      ...(trim ? { trimMultiple: graph.inputMultiple } : {}),
    });
    const k = opts.stages;
    let outputs: tf.Tensor4D[];
    try {
      outputs = opts.flipTest ? this.runWithFlipTest(graph, lb.input, k) : graph.runStages(lb.input, k);
    } finally {
      lb.input.dispose();
    }
    try {
      const C = graph.numMaps;
      // maps are inputHeight / stride x inputWidth / stride (a rectangle when the padding was trimmed)
      const view = async (t: tf.Tensor4D): Promise<MapView> =>
        ({ data: (await t.data()) as Float32Array, height: t.shape[1], width: t.shape[2], channels: C });
      const last = await view(outputs[k - 1]!);
      const { keypoints, score } = decodeMaps(last, {
        joints: json.joints,
        stride: graph.stride,
        transform: lb.transform,
        swapSides: opts.flipHorizontal,
        flipPairs: json.flipPairs,
        // joints closer than two target widths share one blob on the maps: a pose that small is no person
        minSpread: 2 * json.output.sigma,
      });
      const t = lb.transform;
      const region = framing === 'crop' && roi ? roundRoi(roi) : { x: t.cropX, y: t.cropY, width: t.cropWidth, height: t.cropHeight };
      const result: PoseResult = { keypoints, score, stage: k, framing, region };
      if (withMaps) {
        const origin = inputToFrame(lb.transform, 0, 0);
        const names = [...json.joints, ...(numMapsOf(json) > json.joints.length ? ['background'] : [])];
        const maps: BeliefMaps[] = [];
        for (let s = 0; s < k; s++) {
          const v = s === k - 1 ? last : await view(outputs[s]!);
          maps.push({
            stage: s + 1,
            height: v.height,
            width: v.width,
            channels: C,
            data: normaliseMaps(v, json.joints.length, opts.flipHorizontal ? this.perm : undefined),
            names,
            x0: origin.x,
            y0: origin.y,
            cellWidth: graph.stride / lb.transform.scaleX,
            cellHeight: graph.stride / lb.transform.scaleY,
          });
        }
        result.beliefMaps = maps;
      }
      return result;
    } finally {
      tf.dispose(outputs);
    }
  }

  /**
   * Stages 1..k on the input and its mirror image (one batch of two); each stage's maps are the
   * mean of the two, the mirror's flipped back with left and right maps swapped. Logits are
   * averaged, as the decoder normalises them after.
   */
  private runWithFlipTest(graph: CpmGraph, input: tf.Tensor4D, k: number): tf.Tensor4D[] {
    const both = tf.tidy(() => tf.concat([input, tf.reverse(input, 2)], 0) as tf.Tensor4D);
    let outs: tf.Tensor4D[];
    try {
      outs = graph.runStages(both, k);
    } finally {
      both.dispose();
    }
    try {
      return outs.map((o) => tf.tidy(() => {
        const [direct, mirrored] = tf.split(o, 2, 0) as [tf.Tensor4D, tf.Tensor4D];
        return tf.div(tf.add(direct, tf.gather(tf.reverse(mirrored, 2), this.perm, 3)), 2) as tf.Tensor4D;
      }));
    } finally {
      tf.dispose(outs);
    }
  }
}

/**
 * Internal (the video tracker): one pass of `estimator` on a person crop of `input` (frame pixels,
 * padded where it extends past the image). The estimator must come from createEstimator.
 */
export function estimateOnCrop(estimator: PoseEstimator, input: PoseInput | Frame, crop: CropSpec, options?: EstimateOptions): Promise<PoseResult> {
  try {
    return ours(estimator).estimateOnCrop(input, crop, options);
  } catch (e) {
    return Promise.reject(e);
  }
}

/** Internal (the video tracker): estimatePose on the frame it holds (holdFrame). */
export function estimateOnFrame(estimator: PoseEstimator, frame: Frame, options?: EstimateOptions): Promise<PoseResult> {
  try {
    return ours(estimator).estimatePose(frame, options);
  } catch (e) {
    return Promise.reject(e);
  }
}

/** Internal (the video tracker's stage budget): the graph configs and map count of an estimator from createEstimator. */
export function graphConfigOf(estimator: PoseEstimator): { config: CpmConfig; numMaps: number; detectConfig: CpmConfig } {
  return ours(estimator).graphConfig();
}

/** The internal functions need an estimator made by createEstimator (not another PoseEstimator implementation). */
function ours(estimator: PoseEstimator): Estimator {
  if (!(estimator instanceof Estimator)) throw new PoseError('INVALID_OPTION', 'the estimator must be one made by createEstimator()');
  return estimator;
}

/**
 * Internal: a call's input and, once read, its pixels (an ImageTensor). Made at the call (Estimator.frameOf);
 * the video tracker holds one per video frame for all that frame's calls (holdFrame).
 */
export class Frame {
  private image: ImageTensor | undefined;

  constructor(readonly input: PoseInput, image?: ImageTensor) {
    this.image = image;
  }

  /** The pixels, read now if they were not at the call. */
  read(backend: string): ImageTensor {
    this.image ??= toImageTensor(this.input, backend);
    return this.image;
  }

  release(): void {
    if (this.image) releaseImage(this.image);
    this.image = undefined;
  }
}

/** Internal (the video tracker): `input` read now for all the calls of one video frame; the caller releases it. */
export function holdFrame(estimator: PoseEstimator, input: PoseInput): Frame {
  return ours(estimator).frameOf(input);
}

function disposedError(): PoseError {
  return new PoseError('DISPOSED', 'this estimator has been disposed; create a new one with createEstimator()');
}

/**
 * Creates an estimator: validates the options, starts the backend, loads and checks the model
 * (default: the bundled cpm-lite), builds the graph and warms it up.
 */
export async function createEstimator(options: EstimatorOptions = {}): Promise<PoseEstimator> {
  const opts = validateEstimatorOptions(options);
  // in the queue: starting a backend makes it the active one, which must not happen in the middle of
  // another estimator's call, and TF.js honours only the last of two concurrent starts of one backend
  const { backend, fallbackReason } = await enqueue(() => selectBackend({
    backend: opts.backend,
    ...(opts.wasmPaths !== undefined ? { wasmPaths: opts.wasmPaths } : {}),
    ...(opts.numThreads !== undefined ? { numThreads: opts.numThreads } : {}),
  }));
  let files: ModelFiles;
  let source: string | undefined;
  const bundled = opts.model === undefined ? DEFAULT_MODEL_NAME : isBundledModelName(opts.model) ? opts.model : undefined;
  if (bundled !== undefined) {
    source = bundledModelUrl(bundled);
    try {
      files = await loadModel(source, { shardUrls: bundledShardUrls(bundled) });
    } catch (e) {
      if (e instanceof PoseError && e.code === 'MODEL_NOT_FOUND') {
        throw new PoseError('MODEL_NOT_FOUND',
          `the bundled model "${bundled}" could not be loaded (${e.message}); pass { model } with its URL to createEstimator`, { cause: e });
      }
      throw e;
    }
  } else {
    const model = opts.model!; // undefined took the bundled branch
    if (typeof model === 'string' || model instanceof URL) source = String(model);
    files = await loadModel(model);
  }
  const [graph, detectGraph] = await enqueue(async () => {
    await ensureBackend(backend);
    const numMaps = numMapsOf(files.json);
    const built: CpmGraph[] = [];
    const weights = decodeModelWeights(files);
    try {
      const g = buildCpmGraph(files.json.config, numMaps);
      built.push(g);
      g.setWeights(weights);
      if (!files.json.detector) return [g, undefined] as const;
      const d = buildCpmGraph(files.json.detector.config, numMaps);
      built.push(d);
      d.setWeights(detectorWeights(weights));
      return [g, d] as const;
    } catch (e) {
      for (const g of built) g.dispose();
      throw e instanceof PoseError ? e : new PoseError('BAD_MODEL', `could not set the weights: ${(e as Error).message}`, { cause: e });
    } finally {
      tf.dispose(Object.values(weights));
    }
  });
  const estimator = new Estimator(graph, detectGraph, files, backend, fallbackReason, source);
  try {
    await estimator.warmUp();
  } catch (e) {
    estimator.dispose();
    throw e;
  }
  return estimator;
}

let defaultEstimator: Promise<PoseEstimator> | undefined;

/**
 * Estimates a pose with a default estimator (bundled model, backend 'auto'), created on first use
 * and then reused.
 */
export async function estimatePose(input: PoseInput, options?: EstimateOptions): Promise<PoseResult> {
  defaultEstimator ??= createEstimator().catch((e: unknown) => {
    defaultEstimator = undefined;
    throw e;
  });
  const est = await defaultEstimator;
  if (est.disposed) {
    defaultEstimator = undefined;
    return estimatePose(input, options);
  }
  return est.estimatePose(input, options);
}
