/**
 * npm run bench:sizes -- [--data ../shared/data/lspet] [--model models/cpm-lite] [--backend wasm]
 *                        [--sides 480,1280,1920,4032] [--photos 6] [--rounds 3] [--out docs/sizes.md]
 *
 * How the time of a call grows with the input's size. A few validation photos, each scaled into a
 * 16:9 frame of every --sides long side (the photo filling the frame's height, black at the sides),
 * are given to estimatePose (still photo: two passes) and to a PoseTracker (tracked frames: one crop
 * pass), both as an int32 tensor and as an RGB pixel buffer. Median ms per call, every configuration
 * interleaved round by round. The network sees the same 128-px inputs whatever the frame's size, so
 * what grows is pre-processing: converting, cropping and shrinking the frame.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { createEstimator, PoseTracker, type PixelBuffer, type PoseInput } from '../src/index.js';
import type { BackendChoice } from '../src/backend/backend.js';
import { scriptArgs } from './args.js';
import { decodeImage, loadLspet, selectSplit } from './lspet.js';
import { markdownTable } from './pck.js';
import { quantile, timeInterleaved, type Timed } from './timing.js';

const USAGE = 'usage: npm run bench:sizes -- [--data ../shared/data/lspet] [--model <folder or model.json>] [--backend wasm|cpu] [--sides 480,1280,1920,4032] [--photos N] [--rounds N] [--out docs/sizes.md]';

const { values: a } = parseArgs({
  options: {
    data: { type: 'string', default: '../shared/data/lspet' },
    model: { type: 'string' },
    backend: { type: 'string', default: 'wasm' },
    sides: { type: 'string', default: '480,1280,1920,4032' },
    photos: { type: 'string', default: '6' },
    rounds: { type: 'string', default: '3' },
    out: { type: 'string', default: 'docs/sizes.md' },
    help: { type: 'boolean', short: 'h' },
  },
  strict: true,
});
const { fail, help, positiveInt } = scriptArgs(USAGE);
help(a.help);
const sides = a.sides!.split(',').map((s) => positiveInt(s.trim(), 'sides'));
if (sides.some((s) => s < 64)) fail('--sides must each be at least 64');
const photos = positiveInt(a.photos!, 'photos');
const rounds = positiveInt(a.rounds!, 'rounds');

const data = loadLspet(path.resolve(a.data!));
const records = selectSplit(data, 'val', photos);
const estimator = await createEstimator({
  backend: a.backend as BackendChoice,
  ...(a.model !== undefined ? { model: path.resolve(a.model) } : {}),
});

/** The photo scaled to the frame's height and centred in a 16:9 frame of long side `side`. */
function frameOf(photo: ReturnType<typeof decodeImage>, side: number): tf.Tensor3D {
  const W = side;
  const H = Math.round((side * 9) / 16);
  return tf.tidy(() => {
    const rgba = tf.tensor3d(photo.data, [photo.height, photo.width, 4], 'int32');
    const rgb = tf.slice(rgba, [0, 0, 0], [photo.height, photo.width, 3]);
    const w = Math.min(W, Math.round((photo.width * H) / photo.height));
    const scaled = tf.image.resizeBilinear(rgb, [H, w]);
    const left = Math.floor((W - w) / 2);
    return tf.cast(tf.round(tf.pad(scaled, [[0, 0], [left, W - w - left], [0, 0]])), 'int32') as tf.Tensor3D;
  });
}

interface Row { side: number; width: number; height: number; ms: Record<string, number> }
const rows: Row[] = [];
const KINDS = ['still, tensor', 'still, pixel buffer', 'tracked, tensor', 'tracked, pixel buffer'] as const;
for (const side of sides) {
  const tensors = records.map((r) => frameOf(decodeImage(data, r), side));
  const buffers: PixelBuffer[] = tensors.map((t) => ({ data: Uint8Array.from(t.dataSync()), width: t.shape[1], height: t.shape[0], channels: 3 }));
  // one tracker per photo and input kind, so that every tracked frame follows its own photo's pose
  const trackers = () => tensors.map(() => new PoseTracker(estimator, { smoothing: false }));
  const trackT = trackers();
  const trackB = trackers();
  let clock = 0;
  const configs: Array<Timed<number>> = [
    { id: KINDS[0], run: (i) => estimator.estimatePose(tensors[i]!) },
    { id: KINDS[1], run: (i) => estimator.estimatePose(buffers[i]! as PoseInput) },
    { id: KINDS[2], run: (i) => trackT[i]!.estimate(tensors[i]!, (clock += 33)) },
    { id: KINDS[3], run: (i) => trackB[i]!.estimate(buffers[i]!, (clock += 33)) },
  ];
  const frames = tensors.map((_, i) => i);
  const ms = await timeInterleaved(configs, frames, { warmup: frames.length, rounds });
  rows.push({ side, width: tensors[0]!.shape[1], height: tensors[0]!.shape[0], ms: Object.fromEntries(KINDS.map((k) => [k, quantile(ms[k]!, 0.5)])) });
  tf.dispose(tensors);
  console.error(`bench:sizes ${side} px done`);
}
const modelName = estimator.model.name;
const backend = estimator.backend;
estimator.dispose();

const table = markdownTable(
  ['frame', ...KINDS.map((k) => `${k} (median ms)`)],
  rows.map((r) => [`${r.width} x ${r.height}`, ...KINDS.map((k) => r.ms[k]!.toFixed(1))]),
  ['left', 'right', 'right', 'right', 'right']);
const cmd = `npm run bench:sizes --${a.model ? ` --model ${a.model}` : ''} --backend ${a.backend} --sides ${a.sides} --photos ${photos} --rounds ${rounds}`;
const md = `# Time per call against the input's size

Generated by \`${cmd}\` on ${new Date().toISOString().slice(0, 10)}; do not edit by hand.

- Model \`${modelName}\`, backend \`${backend}\` in Node ${process.version}, ${os.cpus().length} CPU cores; load average at the end ${os.loadavg().map((l) => l.toFixed(1)).join(', ')}.
- Frames: ${records.length} LSPET validation photos, each scaled to fill the height of a 16:9 frame (black at the sides), as an int32 tensor and as RGB bytes (\`{ data, width, height, channels: 3 }\`).
- still: \`estimatePose\` (two passes, the defaults). tracked: \`PoseTracker.estimate\` on the same photo frame after frame (one crop pass), smoothing off.
- Median wall time of one call over ${rounds} rounds of every frame, all configurations interleaved round by round.

${table}
`;
fs.mkdirSync(path.dirname(path.resolve(a.out!)), { recursive: true });
fs.writeFileSync(a.out!, md);
console.log(md);
console.log(`wrote ${a.out}`);
