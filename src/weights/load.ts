import { PoseError } from '../errors.js';
import { isNode, nodeImport } from '../env.js';
import { validateModelJson, type ModelFiles, type ModelJson } from './format.js';
import { validateWeights } from './validate.js';

/** Where a model comes from: a URL or file path of model.json (or, in Node, its folder), or files already in memory. */
export type ModelSource = string | URL | PreloadedModel;

/** A model already in memory: model.json (object or JSON text) and the weight bytes, shards in manifest order. */
export interface PreloadedModel {
  json: ModelJson | string | Record<string, unknown>;
  weightData: ArrayBuffer | ArrayBufferView | Array<ArrayBuffer | ArrayBufferView>;
}

export interface LoadModelOptions {
  /** Override where named shards are fetched from (used for the bundled default model). */
  shardUrls?: Record<string, string | URL>;
}

function toArrayBuffer(v: ArrayBuffer | ArrayBufferView): ArrayBuffer {
  if (v instanceof ArrayBuffer) return v;
  const bytes = new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  return bytes.slice().buffer as ArrayBuffer;
}

function concat(buffers: ArrayBuffer[]): ArrayBuffer {
  if (buffers.length === 1) return buffers[0]!;
  const total = buffers.reduce((s, b) => s + b.byteLength, 0);
  const out = new Uint8Array(total);
  let o = 0;
  for (const b of buffers) {
    out.set(new Uint8Array(b), o);
    o += b.byteLength;
  }
  return out.buffer;
}

function parseJson(text: string, where: string): ModelJson {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new PoseError('BAD_MODEL', `${where} is not valid JSON: ${(e as Error).message}`, { cause: e });
  }
  return validateModelJson(parsed);
}

function isPreloaded(source: unknown): source is PreloadedModel {
  return typeof source === 'object' && source !== null && !(source instanceof URL)
    && 'json' in source && 'weightData' in source;
}

/** Validates a model given in memory. Shard boundaries are unknown, so groups are checked as one blob. */
export function modelFromMemory(source: PreloadedModel): ModelFiles {
  const json = typeof source.json === 'string'
    ? parseJson(source.json, 'model json')
    : validateModelJson(structuredCloneJson(source.json));
  const parts = Array.isArray(source.weightData) ? source.weightData : [source.weightData];
  const weightData = concat(parts.map(toArrayBuffer));
  const merged: ModelJson = {
    ...json,
    weightsManifest: [{ paths: ['weightData'], weights: json.weightsManifest.flatMap((g) => g.weights) }],
  };
  validateWeights(merged, [weightData.byteLength]);
  return { json, weightData };
}

function structuredCloneJson<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}

// ---------------------------------------------------------------- reading bytes

interface Reader {
  /** absolute location of model.json, for messages */
  location: string;
  readText(): Promise<string>;
  readShard(path: string): Promise<ArrayBuffer>;
}

function notFound(what: string, cause?: unknown): PoseError {
  return new PoseError('MODEL_NOT_FOUND', what, { cause });
}

async function fetchBytes(url: string, what: string): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(url);
  } catch (e) {
    throw notFound(`could not fetch ${what} from ${url}: ${(e as Error).message}`, e);
  }
  if (!res.ok) throw notFound(`could not fetch ${what} from ${url}: HTTP ${res.status} ${res.statusText}`.trim());
  return res;
}

function urlReader(url: string, shardUrls: Record<string, string | URL> = {}): Reader {
  return {
    location: url,
    readText: async () => (await fetchBytes(url, 'model.json')).text(),
    readShard: async (path) => {
      const override = shardUrls[path];
      const shardUrl = override !== undefined ? String(override) : new URL(path, url).href;
      if (shardUrl.startsWith('file:') && isNode()) return fileReader(shardUrl).readShard(shardUrl);
      return (await fetchBytes(shardUrl, `weight shard ${path}`)).arrayBuffer();
    },
  };
}

function fileReader(pathOrFileUrl: string): Reader {
  let modelPath: string | undefined;
  const fs = () => nodeImport<typeof import('node:fs/promises')>('node:fs/promises');
  const path = () => nodeImport<typeof import('node:path')>('node:path');
  const resolveModelPath = async (): Promise<string> => {
    if (modelPath) return modelPath;
    const [{ fileURLToPath }, p, f] = await Promise.all([
      nodeImport<typeof import('node:url')>('node:url'), path(), fs()]);
    let file = pathOrFileUrl.startsWith('file:') ? fileURLToPath(pathOrFileUrl) : p.resolve(pathOrFileUrl);
    try {
      if ((await f.stat(file)).isDirectory()) file = p.join(file, 'model.json');
    } catch {
      // reported by readText
    }
    modelPath = file;
    return file;
  };
  const read = async (file: string, what: string): Promise<Buffer> => {
    try {
      return await (await fs()).readFile(file);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR') throw notFound(`${what} not found: ${file}`, e);
      throw notFound(`could not read ${what} ${file}: ${(e as Error).message}`, e);
    }
  };
  return {
    get location() {
      return modelPath ?? pathOrFileUrl;
    },
    readText: async () => (await read(await resolveModelPath(), 'model.json')).toString('utf8'),
    readShard: async (shard) => {
      const p = await path();
      const { fileURLToPath } = await nodeImport<typeof import('node:url')>('node:url');
      const file = shard.startsWith('file:') ? fileURLToPath(shard) : p.resolve(p.dirname(await resolveModelPath()), shard);
      return toArrayBuffer(await read(file, `weight shard ${shard}`));
    },
  };
}

function readerFor(source: string | URL, opts: LoadModelOptions): Reader {
  const s = source instanceof URL ? source.href : source;
  if (/^file:/i.test(s)) {
    if (!isNode()) throw new PoseError('INVALID_OPTION', `file: URLs can only be read in Node: ${s}`);
    return fileReader(s);
  }
  if (/^(https?|blob|data):/i.test(s)) return urlReader(s, opts.shardUrls);
  if (isNode()) return fileReader(s);
  const base = (globalThis as { location?: { href?: string } }).location?.href;
  return urlReader(base ? new URL(s, base).href : s, opts.shardUrls);
}

/**
 * Loads and validates a model: model.json (from a URL with fetch, or from the file system in Node:
 * a path, a file: URL, or a folder holding model.json) and its weight shards. Every tensor's name,
 * shape and byte length is checked against the config (BAD_MODEL naming the first mismatch);
 * missing files give MODEL_NOT_FOUND.
 */
export async function loadModel(source: ModelSource, opts: LoadModelOptions = {}): Promise<ModelFiles> {
  if (isPreloaded(source)) return modelFromMemory(source);
  if (typeof source !== 'string' && !(source instanceof URL)) {
    throw new PoseError('INVALID_OPTION', 'model must be a URL, a file path, or { json, weightData }');
  }
  const reader = readerFor(source, opts);
  const json = parseJson(await reader.readText(), reader.location);
  const groups: ArrayBuffer[] = [];
  for (const group of json.weightsManifest) {
    const shards = await Promise.all(group.paths.map((p) => reader.readShard(p)));
    groups.push(concat(shards));
  }
  validateWeights(json, groups.map((g) => g.byteLength));
  return { json, weightData: concat(groups) };
}
