/**
 * Where the bundled models (models/cpm-lite, the default; models/cpm-lite-fast, faster; models/cpm-full, more
 * accurate; all shipped in the npm package) live.
 *
 * This file sits one folder below the package root, like the built dist/index.js and dist/index.cjs,
 * so '../models/...' means the same from the sources and from the build. The ESM form is the literal
 * `new URL('../models/...', import.meta.url)` that Vite, webpack and Parcel recognise and copy as
 * assets (model.json and the weight shard, each referenced explicitly). CommonJS has no
 * import.meta: there the URL is built from __dirname.
 */
export const DEFAULT_MODEL_NAME = 'cpm-lite' as const;

function cjsDirUrl(): string | undefined {
  if (typeof __dirname !== 'string') return undefined;
  const p = __dirname.replace(/\\/g, '/');
  return 'file://' + (p.startsWith('/') ? '' : '/') + encodeURI(p).replace(/[?#]/g, encodeURIComponent) + '/';
}

function resolve(esm: () => URL, relative: string): string {
  try {
    return esm().href;
  } catch {
    const base = cjsDirUrl();
    if (!base) throw new Error(`cannot locate the bundled model ${relative}`);
    return new URL(relative, base).href;
  }
}

/** Every model shipped in the package (models/<name>/), the default first. */
export const BUNDLED_MODEL_NAMES = ['cpm-lite', 'cpm-lite-fast', 'cpm-full'] as const;
export type BundledModelName = (typeof BUNDLED_MODEL_NAMES)[number];

export function isBundledModelName(v: unknown): v is BundledModelName {
  return typeof v === 'string' && (BUNDLED_MODEL_NAMES as readonly string[]).includes(v);
}

// Bundlers copy a file only for a literal `new URL('../models/...', import.meta.url)`: one per file.
const BUNDLED: Record<BundledModelName, { json: [() => URL, string]; shard: [() => URL, string] }> = {
  'cpm-lite': {
    json: [() => new URL('../models/cpm-lite/model.json', import.meta.url), '../models/cpm-lite/model.json'],
    shard: [() => new URL('../models/cpm-lite/weights.bin', import.meta.url), '../models/cpm-lite/weights.bin'],
  },
  'cpm-lite-fast': {
    json: [() => new URL('../models/cpm-lite-fast/model.json', import.meta.url), '../models/cpm-lite-fast/model.json'],
    shard: [() => new URL('../models/cpm-lite-fast/weights.bin', import.meta.url), '../models/cpm-lite-fast/weights.bin'],
  },
  'cpm-full': {
    json: [() => new URL('../models/cpm-full/model.json', import.meta.url), '../models/cpm-full/model.json'],
    shard: [() => new URL('../models/cpm-full/weights.bin', import.meta.url), '../models/cpm-full/weights.bin'],
  },
};

/** URL of a bundled model's model.json (file: URL in Node, http(s) URL in a bundled web app). */
export function bundledModelUrl(name: BundledModelName = DEFAULT_MODEL_NAME): string {
  return resolve(...BUNDLED[name].json);
}

/** Shard URLs of a bundled model, given to the loader so that bundlers that rename assets still find the weights. */
export function bundledShardUrls(name: BundledModelName = DEFAULT_MODEL_NAME): Record<string, string> {
  return { 'weights.bin': resolve(...BUNDLED[name].shard) };
}

/** URL of the bundled default model's model.json. */
export function defaultModelUrl(): string {
  return bundledModelUrl(DEFAULT_MODEL_NAME);
}

/** Shard URLs of the bundled default model. */
export function defaultShardUrls(): Record<string, string> {
  return bundledShardUrls(DEFAULT_MODEL_NAME);
}
