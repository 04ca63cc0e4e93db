/**
 * The browser page of `npm run bench:sizes:browser` (bundled and driven by bench/sizes-browser.ts):
 * the same frames as the Node run (validation photos filling the height of 16:9 frames of each long
 * side), as canvas elements, the way a page hands over a video or canvas. Still photos (estimatePose)
 * and tracked frames (PoseTracker), interleaved round by round; the result is left in
 * window.__sizesResult (or window.__sizesError).
 */
import * as tf from '@tensorflow/tfjs';
import { createEstimator, PoseTracker } from '../../src/index.js';
import { quantile, timeInterleaved, type Timed } from '../timing.js';

export interface SizesConfig {
  model: string;
  images: string[];
  sides: number[];
  rounds: number;
}

export interface SizesRow { side: number; width: number; height: number; still: number; tracked: number }

export interface SizesResult {
  backend: string;
  userAgent: string;
  rows: SizesRow[];
  /** tf.memory().numTensors after the first and the last frame size: equal unless a call leaks */
  tensors: [number, number];
}

declare global {
  interface Window { __sizesResult?: SizesResult; __sizesError?: string }
}

/** The photo scaled to the frame's height, centred in a black 16:9 canvas of long side `side`. */
function frameOf(photo: ImageBitmap, side: number): HTMLCanvasElement {
  const canvas = document.createElement('canvas');
  canvas.width = side;
  canvas.height = Math.round((side * 9) / 16);
  const ctx = canvas.getContext('2d')!;
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  const w = Math.min(canvas.width, Math.round((photo.width * canvas.height) / photo.height));
  ctx.drawImage(photo, Math.floor((canvas.width - w) / 2), 0, w, canvas.height);
  return canvas;
}

async function main(): Promise<void> {
  const backend = new URLSearchParams(location.search).get('backend') ?? 'wasm';
  const cfg = (await (await fetch('/config.json')).json()) as SizesConfig;
  const estimator = await createEstimator({
    backend: backend as 'wasm' | 'webgl',
    wasmPaths: new URL('/wasm/', location.href).href,
    model: new URL(cfg.model, location.href).href,
  });
  const photos = await Promise.all(cfg.images.map(async (url) => createImageBitmap(await (await fetch(url)).blob())));
  const rows: SizesRow[] = [];
  const tensors: number[] = [];
  for (const side of cfg.sides) {
    const frames = photos.map((p) => frameOf(p, side));
    // one tracker per photo, so that every tracked frame follows its own photo's pose
    const trackers = frames.map(() => new PoseTracker(estimator, { smoothing: false }));
    let clock = 0;
    const configs: Array<Timed<number>> = [
      { id: 'still', run: (i) => estimator.estimatePose(frames[i]!) },
      { id: 'tracked', run: (i) => trackers[i]!.estimate(frames[i]!, (clock += 33)) },
    ];
    const order = frames.map((_, i) => i);
    const ms = await timeInterleaved(configs, order, { warmup: frames.length, rounds: cfg.rounds });
    rows.push({ side, width: frames[0]!.width, height: frames[0]!.height, still: quantile(ms.still!, 0.5), tracked: quantile(ms.tracked!, 0.5) });
    tensors.push(tf.memory().numTensors);
  }
  estimator.dispose();
  window.__sizesResult = { backend: tf.getBackend(), userAgent: navigator.userAgent, rows, tensors: [tensors[0]!, tensors[tensors.length - 1]!] };
}

main().catch((e: unknown) => {
  window.__sizesError = e instanceof Error ? `${e.message}\n${e.stack ?? ''}` : String(e);
});
