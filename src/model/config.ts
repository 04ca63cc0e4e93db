import { PoseError } from '../errors.js';

/** One backbone convolution (stage 1's image features). */
export interface BackboneLayer {
  filters: number;
  kernel: number;
  dilation?: number;
  /** Max-pool size (and stride) after the convolution; 1 = none. */
  pool?: number;
}

/** One convolution of a refinement stage (stages 2..T). */
export interface RefineLayer {
  filters: number;
  kernel: number;
  dilation?: number;
  /**
   * Depthwise-separable: a kernel x kernel depthwise convolution (no bias, no activation) then a 1x1
   * convolution to `filters` with bias and relu. Default false (one dense convolution).
   */
  separable?: boolean;
}

/**
 * One convolution of the optional context branch. Its pool (max-pool size and stride) runs before the
 * convolution, so the branch works on ever coarser grids.
 */
export interface ContextLayer {
  filters: number;
  kernel: number;
  dilation?: number;
  pool?: number;
}

/** The graph configuration stored in model.json under `config` (docs/model-format.md). */
export interface CpmConfig {
  inputSize: number;
  backbone: BackboneLayer[];
  stage1Hidden: number;
  /**
   * Optional context branch: the image features pooled and convolved at low resolution, projected back
   * (context/out), upsampled to the map grid and added to the features that stages 2..T read.
   */
  context?: ContextLayer[];
  refineLayers: RefineLayer[];
  refineHidden: number;
  stages: number;
}

function bad(message: string): PoseError {
  return new PoseError('BAD_MODEL', message);
}

function isPosInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v > 0;
}

/** Checks a config's structure; throws BAD_MODEL naming the first bad field. */
export function validateConfig(config: unknown, where = 'config'): CpmConfig {
  if (config === null || typeof config !== 'object') throw bad(`model.json: "${where}" is missing or not an object`);
  const c = config as Record<string, unknown>;
  for (const key of ['inputSize', 'stage1Hidden', 'refineHidden', 'stages'] as const) {
    if (!isPosInt(c[key])) throw bad(`model.json: ${where}.${key} must be a positive integer, got ${JSON.stringify(c[key])}`);
  }
  if (!Array.isArray(c.backbone) || c.backbone.length === 0) {
    throw bad(`model.json: ${where}.backbone must be a non-empty array`);
  }
  if (!Array.isArray(c.refineLayers)) throw bad(`model.json: ${where}.refineLayers must be an array`);
  if ((c.stages as number) > 1 && c.refineLayers.length === 0) {
    throw bad(`model.json: ${where}.refineLayers must not be empty when stages > 1`);
  }
  const checkLayer = (layer: unknown, where: string, allowPool: boolean) => {
    if (layer === null || typeof layer !== 'object') throw bad(`model.json: ${where} is not an object`);
    const l = layer as Record<string, unknown>;
    if (!isPosInt(l.filters)) throw bad(`model.json: ${where}.filters must be a positive integer`);
    if (!isPosInt(l.kernel)) throw bad(`model.json: ${where}.kernel must be a positive integer`);
    if (l.kernel % 2 !== 1) throw bad(`model.json: ${where}.kernel must be odd, got ${l.kernel}`);
    if (l.dilation !== undefined && !isPosInt(l.dilation)) throw bad(`model.json: ${where}.dilation must be a positive integer`);
    if (allowPool && l.pool !== undefined && !isPosInt(l.pool)) throw bad(`model.json: ${where}.pool must be a positive integer`);
  };
  c.backbone.forEach((l, i) => checkLayer(l, `${where}.backbone[${i}]`, true));
  c.refineLayers.forEach((l, i) => {
    checkLayer(l, `${where}.refineLayers[${i}]`, false);
    const separable = (l as Record<string, unknown>).separable;
    if (separable !== undefined && typeof separable !== 'boolean') {
      throw bad(`model.json: ${where}.refineLayers[${i}].separable must be true or false, got ${JSON.stringify(separable)}`);
    }
  });
  if (c.context !== undefined) {
    if (!Array.isArray(c.context) || c.context.length === 0) throw bad(`model.json: ${where}.context must be a non-empty array when present`);
    c.context.forEach((l, i) => checkLayer(l, `${where}.context[${i}]`, true));
  }
  const cfg = c as unknown as CpmConfig;
  const multiple = inputMultipleOf(cfg);
  if (cfg.inputSize % multiple !== 0) {
    throw bad(`model.json: ${where}.inputSize ${cfg.inputSize} is not a multiple of ${multiple} (the map stride times the context branch's pooling)`);
  }
  return cfg;
}

/** Stride of the belief maps in input pixels: the product of the backbone's pool sizes. */
export function strideOf(config: CpmConfig): number {
  return config.backbone.reduce((s, l) => s * (l.pool ?? 1), 1);
}

/** How much the context branch pools the map grid: 1 without a branch. */
export function contextStrideOf(config: CpmConfig): number {
  return (config.context ?? []).reduce((s, l) => s * (l.pool ?? 1), 1);
}

/**
 * Every network input side must be a multiple of this: the map stride, times the context branch's pooling
 * (its coarsest grid must tile the map grid exactly for the upsampled context to line up).
 */
export function inputMultipleOf(config: CpmConfig): number {
  return strideOf(config) * contextStrideOf(config);
}

/** Side of the (square) belief maps. */
export function mapSizeOf(config: CpmConfig): number {
  return config.inputSize / strideOf(config);
}

/** Channels of the shared image features (the last backbone convolution's filters). */
export function featureChannelsOf(config: CpmConfig): number {
  return config.backbone[config.backbone.length - 1]!.filters;
}
