import { featureChannelsOf, type CpmConfig } from './config.js';

/** One convolution of the graph: its weight-name prefix and shapes (TF.js layout). */
export interface ConvSpec {
  /** e.g. 'backbone/conv1', 'stage1/hidden', 'stage3/out' */
  prefix: string;
  kernel: number;
  dilation: number;
  inChannels: number;
  filters: number;
  /** true for each stage's last 1x1 convolution (the logits) */
  linear: boolean;
  /** backbone: pool size after the convolution; context branch: pool size before it */
  pool: number;
  /**
   * Depthwise-separable (refinement layers only): `kernel` and `dilation` are the depthwise convolution's
   * (weight `<prefix>/depthwise_kernel`, no bias), then a 1x1 convolution `inChannels` -> `filters`
   * (`<prefix>/kernel` and `<prefix>/bias`).
   */
  separable?: boolean;
}

/** A weight as listed in the manifest: name and shape, in manifest order. */
export interface WeightSpec {
  name: string;
  shape: number[];
}

/**
 * Every convolution of the graph in manifest order (docs/model-format.md, "Weight names and order").
 */
export function convSpecs(config: CpmConfig, numMaps: number): ConvSpec[] {
  const specs: ConvSpec[] = [];
  let c = 3;
  config.backbone.forEach((l, i) => {
    specs.push({
      prefix: `backbone/conv${i + 1}`, kernel: l.kernel, dilation: l.dilation ?? 1,
      inChannels: c, filters: l.filters, linear: false, pool: l.pool ?? 1,
    });
    c = l.filters;
  });
  const feat = featureChannelsOf(config);
  const head = (stage: number, cin: number, hidden: number) => {
    specs.push({ prefix: `stage${stage}/hidden`, kernel: 1, dilation: 1, inChannels: cin, filters: hidden, linear: false, pool: 1 });
    specs.push({ prefix: `stage${stage}/out`, kernel: 1, dilation: 1, inChannels: hidden, filters: numMaps, linear: true, pool: 1 });
  };
  head(1, feat, config.stage1Hidden);
  if (config.context) {
    let cin = feat;
    config.context.forEach((l, i) => {
      specs.push({
        prefix: `context/conv${i + 1}`, kernel: l.kernel, dilation: l.dilation ?? 1,
        inChannels: cin, filters: l.filters, linear: false, pool: l.pool ?? 1,
      });
      cin = l.filters;
    });
    // linear projection back to the feature channels: added to the features, not a new activation
    specs.push({ prefix: 'context/out', kernel: 1, dilation: 1, inChannels: cin, filters: feat, linear: true, pool: 1 });
  }
  for (let t = 2; t <= config.stages; t++) {
    let cin = feat + numMaps;
    config.refineLayers.forEach((l, i) => {
      specs.push({
        prefix: `stage${t}/conv${i + 1}`, kernel: l.kernel, dilation: l.dilation ?? 1,
        inChannels: cin, filters: l.filters, linear: false, pool: 1, ...(l.separable ? { separable: true } : {}),
      });
      cin = l.filters;
    });
    head(t, cin, config.refineHidden);
  }
  return specs;
}

/**
 * Every weight tensor the config calls for, in manifest order: kernel then bias per convolution (a
 * separable one: its depthwise kernel first).
 */
export function weightSpecs(config: CpmConfig, numMaps: number): WeightSpec[] {
  return convSpecs(config, numMaps).flatMap((s) => s.separable
    ? [
      { name: `${s.prefix}/depthwise_kernel`, shape: [s.kernel, s.kernel, s.inChannels, 1] },
      { name: `${s.prefix}/kernel`, shape: [1, 1, s.inChannels, s.filters] },
      { name: `${s.prefix}/bias`, shape: [s.filters] },
    ]
    : [
      { name: `${s.prefix}/kernel`, shape: [s.kernel, s.kernel, s.inChannels, s.filters] },
      { name: `${s.prefix}/bias`, shape: [s.filters] },
    ]);
}

/** Multiply-adds per output pixel of one convolution (a separable one: depthwise plus pointwise). */
export function macsPerPixel(spec: ConvSpec): number {
  return spec.separable
    ? spec.kernel * spec.kernel * spec.inChannels + spec.inChannels * spec.filters
    : spec.kernel * spec.kernel * spec.inChannels * spec.filters;
}
