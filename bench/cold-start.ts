/**
 * One cold start, in a fresh process started by bench.ts:
 *   node --import tsx bench/cold-start.ts cpm <model folder> <estimatePose options as JSON> <photo.jpg>
 *   node --import tsx bench/cold-start.ts movenet <movenet-lightning|movenet-thunder> <files folder> <photo.jpg>
 * Times import (TF.js, the wasm backend and the library; cpm-pose is imported as users do, from the
 * built package), model load (backend start, model files, graph; for cpm-pose: createEstimator,
 * which also warms up), and the first
 * frame; then measures the peak tf.memory() bytes (weights included) during one more call.
 * Prints one JSON line.
 */
import { performance } from 'node:perf_hooks';

const t0 = performance.now();
const LIB = 'cpm-pose';
const [kind, a1, a2, photo] = process.argv.slice(2);
if (!kind || !a1 || !a2 || !photo) throw new Error('usage: cold-start.ts cpm <model> <options JSON> <photo> | movenet <name> <dir> <photo>');

const fs = await import('node:fs');
const jpeg = (await import('jpeg-js')).default;
const img = jpeg.decode(fs.readFileSync(photo), { useTArray: true, formatAsRGBA: true });
const image = { data: img.data, width: img.width, height: img.height };
const tDecode = performance.now() - t0; // excluded from the figures below

let tImport: number;
let tLoad: number;
let tFirst: number;
let peakBytes: number;
if (kind === 'cpm') {
  const s = performance.now();
  const tf = await import('@tensorflow/tfjs');
  // the built package, as users import it (resolved through package.json "exports"); typed from the sources
  const lib = (await import(LIB)) as typeof import('../src/index.js');
  tImport = performance.now() - s;
  const l = performance.now();
  const est = await lib.createEstimator({ model: a1, backend: 'wasm' });
  tLoad = performance.now() - l;
  const opts = JSON.parse(a2) as import('../src/index.js').EstimateOptions;
  const f = performance.now();
  await est.estimatePose(image, opts);
  tFirst = performance.now() - f;
  peakBytes = (await tf.profile(() => est.estimatePose(image, opts) as never)).peakBytes;
} else {
  const s = performance.now();
  const tf = await import('@tensorflow/tfjs');
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  const { loadMoveNet } = await import('./movenet.js');
  const { readMoveNetFiles } = await import('./movenet-files.js');
  tImport = performance.now() - s;
  const l = performance.now();
  const { createRequire } = await import('node:module');
  const path = await import('node:path');
  const wasmPkg = createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/package.json');
  wasm.setWasmPaths(path.join(path.dirname(wasmPkg), 'dist') + path.sep);
  await tf.setBackend('wasm');
  await tf.ready();
  const name = a1 as 'movenet-lightning' | 'movenet-thunder';
  const files = readMoveNetFiles(a2, name);
  const net = await loadMoveNet(name, files.json, files.weightData);
  tLoad = performance.now() - l;
  const f = performance.now();
  await net.estimatePose(image);
  tFirst = performance.now() - f;
  peakBytes = (await tf.profile(() => net.estimatePose(image) as never)).peakBytes;
}
console.log(JSON.stringify({ importMs: tImport, loadMs: tLoad, firstFrameMs: tFirst, totalMs: tImport + tLoad + tFirst, peakBytes, decodeMs: tDecode }));
