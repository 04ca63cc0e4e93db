/**
 * Where the bundled default model (models/cpm-lite, shipped in the npm package) lives.
 *
 * This file sits one folder below the package root, like the built dist/index.js and dist/index.cjs,
 * so '../models/...' means the same from the sources and from the build. The ESM form is the literal
 * `new URL('../models/...', import.meta.url)` that Vite, webpack and Parcel recognise and copy as
 * assets (model.json and the weight shard, each referenced explicitly). CommonJS has no
 * import.meta: there the URL is built from __dirname.
 */
export const DEFAULT_MODEL_NAME = 'cpm-lite';

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

/** URL of the bundled default model's model.json (file: URL in Node, http(s) URL in a bundled web app). */
export function defaultModelUrl(): string {
  return resolve(() => new URL('../models/cpm-lite/model.json', import.meta.url), '../models/cpm-lite/model.json');
}

/** Shard URLs given to the loader so that bundlers that rename assets still find the weights. */
export function defaultShardUrls(): Record<string, string> {
  return { 'weights.bin': resolve(() => new URL('../models/cpm-lite/weights.bin', import.meta.url), '../models/cpm-lite/weights.bin') };
}
