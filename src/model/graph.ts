import * as tf from '@tensorflow/tfjs';
import { PoseError } from '../errors.js';
import { DilatedDepthwiseConv } from './depthwise.js';
import { contextStrideOf, inputMultipleOf, mapSizeOf, strideOf, type CpmConfig } from './config.js';
import { convSpecs, weightSpecs, type ConvSpec, type WeightSpec } from './weight-specs.js';

/**
 * The CPM graph built from TF.js layers.
 *
 * All layers are created once. One tf.LayersModel per k = 1..T shares them and outputs the maps of
 * stages 1..k, so running k < T executes only the layers that stages 1..k need (early exit).
 */
export class CpmGraph {
  readonly config: CpmConfig;
  readonly numMaps: number;
  readonly stride: number;
  /** every input side must be a multiple of this (the stride, times the context branch's pooling) */
  readonly inputMultiple: number;
  /** map side at the model's inputSize */
  readonly mapSize: number;
  readonly weightSpecs: WeightSpec[];
  /** each convolution's layer; a separable one also has its depthwise layer */
  private readonly convs: Map<string, { spec: ConvSpec; layer: tf.layers.Layer; depthwise?: tf.layers.Layer }>;
  /** models[k - 1] outputs the maps of stages 1..k */
  private readonly models: tf.LayersModel[];
  private disposed = false;

  constructor(config: CpmConfig, numMaps: number) {
    this.config = config;
    this.numMaps = numMaps;
    this.stride = strideOf(config);
    this.inputMultiple = inputMultipleOf(config);
    this.mapSize = mapSizeOf(config);
    this.weightSpecs = weightSpecs(config, numMaps);
    this.convs = new Map();

    // any input side that is a multiple of the stride: the model's inputSize, and a smaller one
    // for the first pass of two-pass inference (model.json refine.detectSize)
    const input = tf.input({ shape: [null, null, 3], name: 'image' });
    const conv = (spec: ConvSpec, x: tf.SymbolicTensor): tf.SymbolicTensor => {
      const name = spec.prefix.replace(/\//g, '_');
      let depthwise: tf.layers.Layer | undefined;
      if (spec.separable) {
        // no bias or activation here: training's batch-norm after it is folded into the pointwise bias
        depthwise = new DilatedDepthwiseConv({ name: `${name}_depthwise`, kernelSize: spec.kernel, dilation: spec.dilation });
        x = depthwise.apply(x) as tf.SymbolicTensor;
      }
      const layer = tf.layers.conv2d({
        name,
        filters: spec.filters,
        kernelSize: spec.separable ? 1 : spec.kernel,
        dilationRate: spec.separable ? 1 : spec.dilation,
        strides: 1,
        padding: 'same',
        useBias: true,
        // conv2d + bias + relu run as one fused kernel on every backend
        activation: spec.linear ? 'linear' : 'relu',
        // real values are always set from the model file; zeros keep construction cheap
        kernelInitializer: 'zeros',
        biasInitializer: 'zeros',
      });
      this.convs.set(spec.prefix, { spec, layer, depthwise });
      return layer.apply(x) as tf.SymbolicTensor;
    };

    const specs = convSpecs(config, numMaps);
    const byPrefix = new Map(specs.map((s) => [s.prefix, s]));
    const get = (prefix: string) => byPrefix.get(prefix)!;

    let x: tf.SymbolicTensor = input;
    config.backbone.forEach((l, i) => {
      x = conv(get(`backbone/conv${i + 1}`), x);
      const pool = l.pool ?? 1;
      if (pool > 1) {
        x = tf.layers.maxPooling2d({
          name: `backbone_pool${i + 1}`, poolSize: pool, strides: pool, padding: 'valid',
        }).apply(x) as tf.SymbolicTensor;
      }
    });
    const features = x;
    const stageOutputs: tf.SymbolicTensor[] = [];
    let maps = conv(get('stage1/out'), conv(get('stage1/hidden'), features));
    stageOutputs.push(maps);
    // stage 1 reads the local features only; stages 2..T read them plus the context branch, if any
    let refineFeatures = features;
    if (config.context && config.stages > 1) {
      let c: tf.SymbolicTensor = features;
      config.context.forEach((l, i) => {
        const pool = l.pool ?? 1;
        if (pool > 1) {
          c = tf.layers.maxPooling2d({
            name: `context_pool${i + 1}`, poolSize: pool, strides: pool, padding: 'valid',
          }).apply(c) as tf.SymbolicTensor;
        }
        c = conv(get(`context/conv${i + 1}`), c);
      });
      c = conv(get('context/out'), c);
      const up = contextStrideOf(config);
      if (up > 1) {
        // nearest: each coarse cell covers exactly up x up map cells, as in training (PyTorch 'nearest')
        c = tf.layers.upSampling2d({ name: 'context_upsample', size: [up, up], interpolation: 'nearest' })
          .apply(c) as tf.SymbolicTensor;
      }
      refineFeatures = tf.layers.add({ name: 'context_add' }).apply([features, c]) as tf.SymbolicTensor;
    }
    for (let t = 2; t <= config.stages; t++) {
      let y = tf.layers.concatenate({ name: `stage${t}_concat`, axis: -1 }).apply([refineFeatures, maps]) as tf.SymbolicTensor;
      config.refineLayers.forEach((_, i) => {
        y = conv(get(`stage${t}/conv${i + 1}`), y);
      });
      maps = conv(get(`stage${t}/out`), conv(get(`stage${t}/hidden`), y));
      stageOutputs.push(maps);
    }
    this.models = stageOutputs.map((_, k) =>
      tf.model({ inputs: input, outputs: stageOutputs.slice(0, k + 1), name: `cpm_stages_1_to_${k + 1}` }));
  }

  get stages(): number {
    return this.config.stages;
  }

  /** The tf.LayersModel that outputs the maps of stages 1..k. */
  modelForStages(k: number): tf.LayersModel {
    this.checkStages(k);
    return this.models[k - 1]!;
  }

  /**
   * Runs stages 1..k on a normalised NHWC input batch (height and width multiples of the stride);
   * returns k tensors [N, height / stride, width / stride, numMaps] of logits.
   * The caller owns (and disposes) the returned tensors.
   */
  runStages(input: tf.Tensor4D, k: number = this.config.stages): tf.Tensor4D[] {
    if (this.disposed) throw new PoseError('DISPOSED', 'the graph has been disposed');
    const [, h, w] = input.shape;
    if (h % this.inputMultiple !== 0 || w % this.inputMultiple !== 0) {
      throw new PoseError('BAD_TENSOR', `the network input must be a multiple of ${this.inputMultiple} on each side, got ${h} x ${w}`);
    }
    const model = this.modelForStages(k);
    return tf.tidy(() => {
      const out = model.apply(input, { training: false }) as tf.Tensor | tf.Tensor[];
      return (Array.isArray(out) ? out : [out]) as tf.Tensor4D[];
    });
  }

  /**
   * Sets every convolution's kernel and bias from a name -> tensor map (names as in the manifest).
   * Shapes must already have been validated; a missing name throws BAD_MODEL.
   */
  setWeights(weights: Record<string, tf.Tensor>): void {
    for (const { spec, layer, depthwise } of this.convs.values()) {
      const kernel = weights[`${spec.prefix}/kernel`];
      const bias = weights[`${spec.prefix}/bias`];
      if (!kernel || !bias) throw new PoseError('BAD_MODEL', `missing weight ${spec.prefix}/${kernel ? 'bias' : 'kernel'}`);
      if (depthwise) {
        const dw = weights[`${spec.prefix}/depthwise_kernel`];
        if (!dw) throw new PoseError('BAD_MODEL', `missing weight ${spec.prefix}/depthwise_kernel`);
        depthwise.setWeights([dw]);
      }
      layer.setWeights([kernel, bias]);
    }
  }

  /** Number of layers (of any kind) each per-k model contains. */
  layerCounts(): number[] {
    return this.models.map((m) => m.layers.length);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const { layer, depthwise } of this.convs.values()) {
      for (const w of [...layer.weights, ...(depthwise?.weights ?? [])]) w.dispose();
    }
  }

  private checkStages(k: number): void {
    if (!Number.isInteger(k) || k < 1 || k > this.config.stages) {
      throw new PoseError('INVALID_OPTION', `stages must be an integer from 1 to ${this.config.stages}, got ${String(k)}`);
    }
  }
}

export function buildCpmGraph(config: CpmConfig, numMaps: number): CpmGraph {
  return new CpmGraph(config, numMaps);
}
