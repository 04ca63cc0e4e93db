/**
 * The browser benchmark page (bundled by bench/browser.ts, served with COOP/COEP headers so that
 * the wasm backend may use threads). One page load measures one backend (?backend=wasm|webgl):
 * for each model, load (+ the library's warm-up) and the first frame, then interleaved timed rounds
 * over the same photos, and the peak tf.memory() bytes of one call. The result is left in
 * window.__benchResult (or window.__benchError) for the runner to read.
 */
import * as tf from '@tensorflow/tfjs';
import { getThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { createEstimator, type PoseEstimator } from '../../src/index.js';
import { selectBackend } from '../../src/tools.js';
import { loadMoveNet, type MoveNet, type MoveNetName } from '../movenet.js';
import { quantile, timeInterleaved, type Timed } from '../timing.js';

export interface BrowserConfig {
  models: Array<
    | { kind: 'cpm'; name: string; url: string; stages: number[] }
    | { kind: 'movenet'; name: MoveNetName; json: string; bin: string }
  >;
  images: string[];
  warmup: number;
  rounds: number;
}

export interface BrowserRow {
  id: string;
  model: string;
  stages: number | null;
  loadMs: number;
  firstFrameMs: number;
  medianMs: number;
  p90Ms: number;
  frames: number;
  /** tf.memory() bytes added by loading the model, plus the peak above the resident bytes during one call */
  peakBytes: number;
}

export interface BrowserResult {
  backend: string;
  /** the page's query: backend, threads, frames, rounds, warmup */
  query: string;
  crossOriginIsolated: boolean;
  wasmThreads: number | null;
  /** TF.js's verdict on wasm threads and SIMD here, and the page's logical cores */
  wasmThreadsSupported: boolean | null;
  wasmSimdSupported: boolean | null;
  hardwareConcurrency: number;
  webglRenderer: string | null;
  userAgent: string;
  rows: BrowserRow[];
}

declare global {
  interface Window { __benchResult?: BrowserResult; __benchError?: string; __benchLog?: string[] }
}

function log(msg: string): void {
  (window.__benchLog ??= []).push(msg);
  const el = document.getElementById('log');
  if (el) el.textContent += `${msg}\n`;
}

function webglRenderer(): string | null {
  const gl = document.createElement('canvas').getContext('webgl2') ?? document.createElement('canvas').getContext('webgl');
  if (!gl) return null;
  const ext = gl.getExtension('WEBGL_debug_renderer_info');
  return String(ext ? gl.getParameter(ext.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER));
}

async function main(): Promise<void> {
  const q = new URLSearchParams(location.search);
  const backend = q.get('backend') ?? 'wasm';
  if (backend !== 'wasm' && backend !== 'webgl') throw new Error(`unknown backend ${backend}`);
  const num = (k: string): number | undefined => (q.has(k) ? Number(q.get(k)) : undefined);
  const cfg = (await (await fetch('/config.json')).json()) as BrowserConfig;
  const frames = num('frames') ?? cfg.images.length;
  const warmup = num('warmup') ?? cfg.warmup;
  const rounds = num('rounds') ?? cfg.rounds;
  const numThreads = num('threads');
  const wasmPaths = new URL('/wasm/', location.href).href;
  const backendOpts = { backend, wasmPaths, ...(numThreads !== undefined ? { numThreads } : {}) } as const;
  await selectBackend(backendOpts);
  const images: ImageBitmap[] = [];
  for (const url of cfg.images.slice(0, frames)) images.push(await createImageBitmap(await (await fetch(url)).blob()));
  log(`backend ${tf.getBackend()}, ${images.length} photos`);

  const rows: BrowserRow[] = [];
  const timed: Array<Timed<ImageBitmap>> = [];
  const disposers: Array<() => void> = [];
  const weights: Record<string, number> = {};
  for (const m of cfg.models) {
    const t0 = performance.now();
    const bytes0 = tf.memory().numBytes;
    if (m.kind === 'cpm') {
      const est: PoseEstimator = await createEstimator({ model: new URL(m.url, location.href).href, ...backendOpts });
      const loadMs = performance.now() - t0;
      const weightBytes = tf.memory().numBytes - bytes0;
      disposers.push(() => est.dispose());
      for (const k of m.stages) {
        const f0 = performance.now();
        await est.estimatePose(images[0]!, { stages: k });
        const firstFrameMs = performance.now() - f0;
        const id = `${m.name}@${k}`;
        rows.push({ id, model: m.name, stages: k, loadMs, firstFrameMs, medianMs: NaN, p90Ms: NaN, frames: 0, peakBytes: 0 });
        weights[id] = weightBytes;
        timed.push({ id, run: (img) => est.estimatePose(img, { stages: k }) });
      }
    } else {
      const [json, bin] = await Promise.all([
        fetch(m.json).then((r) => r.json() as Promise<tf.io.ModelJSON>),
        fetch(m.bin).then((r) => r.arrayBuffer()),
      ]);
      await selectBackend(backendOpts);
      const net: MoveNet = await loadMoveNet(m.name, json, bin);
      const loadMs = performance.now() - t0;
      disposers.push(() => net.dispose());
      const f0 = performance.now();
      await net.estimatePose(images[0]!);
      const firstFrameMs = performance.now() - f0;
      rows.push({ id: m.name, model: m.name, stages: null, loadMs, firstFrameMs, medianMs: NaN, p90Ms: NaN, frames: 0, peakBytes: 0 });
      weights[m.name] = tf.memory().numBytes - bytes0;
      // MoveNet does not switch backends itself: make sure it runs on the one measured
      timed.push({ id: m.name, run: async (img) => { if (tf.getBackend() !== backend) await tf.setBackend(backend); return net.estimatePose(img); } });
    }
    log(`loaded ${m.name} in ${(performance.now() - t0).toFixed(0)} ms`);
  }
  const ms = await timeInterleaved(timed, images, { warmup, rounds }, (r) => log(`round ${r}/${rounds}`));
  for (const row of rows) {
    const v = ms[row.id]!;
    row.medianMs = quantile(v, 0.5);
    row.p90Ms = quantile(v, 0.9);
    row.frames = v.length;
    const t = timed.find((x) => x.id === row.id)!;
    const resident = tf.memory().numBytes;
    const peak = (await tf.profile(() => t.run(images[0]!) as never)).peakBytes;
    row.peakBytes = weights[row.id]! + Math.max(0, peak - resident);
  }
  const result: BrowserResult = {
    backend: tf.getBackend(),
    query: location.search,
    crossOriginIsolated: self.crossOriginIsolated,
    wasmThreads: backend === 'wasm' ? getThreadsCount() : null,
    wasmThreadsSupported: backend === 'wasm' ? Boolean(await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT')) : null,
    wasmSimdSupported: backend === 'wasm' ? Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) : null,
    hardwareConcurrency: navigator.hardwareConcurrency,
    webglRenderer: webglRenderer(),
    userAgent: navigator.userAgent,
    rows,
  };
  for (const d of disposers) d();
  window.__benchResult = result;
  log('done');
}

main().catch((e: unknown) => {
  window.__benchError = e instanceof Error ? `${e.message}\n${e.stack ?? ''}` : String(e);
  log(`error: ${window.__benchError}`);
});
