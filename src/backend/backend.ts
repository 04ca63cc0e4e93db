import * as tf from '@tensorflow/tfjs';
import { PoseError } from '../errors.js';
import { isNode, nodeImport } from '../env.js';

export type BackendName = 'webgl' | 'wasm' | 'cpu';
export type BackendChoice = 'auto' | BackendName;
export const BACKEND_CHOICES: readonly BackendChoice[] = ['auto', 'webgl', 'wasm', 'cpu'];

export interface BackendOptions {
  backend: BackendChoice;
  /** where the wasm backend finds its .wasm files: a URL/path prefix or a file -> URL map */
  wasmPaths?: string | Record<string, string>;
  numThreads?: number;
}

export interface BackendResult {
  /** the backend now active */
  backend: BackendName;
  /** why the backend differs from the first choice (auto fell back), if it does */
  fallbackReason?: string;
}

type WasmModule = typeof import('@tensorflow/tfjs-backend-wasm');
let wasmModule: Promise<WasmModule> | undefined;

async function importWasm(): Promise<WasmModule> {
  wasmModule ??= import('@tensorflow/tfjs-backend-wasm');
  try {
    return await wasmModule;
  } catch (e) {
    wasmModule = undefined;
    throw e;
  }
}

/** Node: the directory holding the wasm backend's .wasm files, from the installed package. */
export async function nodeWasmDir(): Promise<string> {
  const { createRequire } = await nodeImport<typeof import('node:module')>('node:module');
  const path = await nodeImport<typeof import('node:path')>('node:path');
  const base = typeof __filename === 'string' ? __filename : import.meta.url;
  const req = createRequire(base);
  return path.join(path.dirname(req.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + path.sep;
}

async function prepareWasm(opts: BackendOptions): Promise<void> {
  const wasm = await importWasm();
  if (tf.findBackend('wasm')) return; // already initialised: paths and threads are fixed now
  if (opts.wasmPaths !== undefined) {
    wasm.setWasmPaths(opts.wasmPaths as string);
  } else if (isNode()) {
    wasm.setWasmPaths(await nodeWasmDir());
  }
  if (opts.numThreads !== undefined) wasm.setThreadsCount(opts.numThreads);
}

async function trySet(name: BackendName, opts: BackendOptions): Promise<string | undefined> {
  try {
    if (name === 'wasm') await prepareWasm(opts);
    if (tf.getBackend() === name && tf.findBackend(name)) return undefined;
    const ok = await tf.setBackend(name);
    if (!ok) return `tf.setBackend('${name}') failed to initialise the backend`;
    await tf.ready();
    return undefined;
  } catch (e) {
    return `${name} backend unavailable: ${(e as Error).message}`;
  }
}

/**
 * Activates a TF.js backend. 'auto' = webgl in browsers (falling back to wasm, then cpu) and wasm in
 * Node (falling back to cpu), with the reason for any fallback. An explicit backend that cannot start
 * throws UNKNOWN_BACKEND.
 */
export async function selectBackend(opts: BackendOptions): Promise<BackendResult> {
  const choice = opts.backend;
  if (!BACKEND_CHOICES.includes(choice)) {
    throw new PoseError('UNKNOWN_BACKEND', `unknown backend ${JSON.stringify(choice)}; use one of ${BACKEND_CHOICES.join(', ')}`);
  }
  if (choice !== 'auto') {
    const err = await trySet(choice, opts);
    if (err) throw new PoseError('UNKNOWN_BACKEND', err);
    return { backend: choice };
  }
  const order: BackendName[] = isNode() ? ['wasm', 'cpu'] : ['webgl', 'wasm', 'cpu'];
  const reasons: string[] = [];
  for (const name of order) {
    const err = await trySet(name, opts);
    if (!err) return reasons.length ? { backend: name, fallbackReason: reasons.join('; ') } : { backend: name };
    reasons.push(err);
  }
  throw new PoseError('UNKNOWN_BACKEND', `no TF.js backend could start: ${reasons.join('; ')}`);
}

/** Makes `name` the active backend again if another estimator switched away from it. */
export async function ensureBackend(name: BackendName): Promise<void> {
  if (tf.getBackend() !== name) {
    const ok = await tf.setBackend(name);
    if (!ok) throw new PoseError('UNKNOWN_BACKEND', `could not switch back to the ${name} backend`);
  }
}
