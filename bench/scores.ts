/**
 * npm run bench:scores -- [--data ../shared/data/lspet] [--model <folder or model.json>]
 *
 * Pose scores of the model on real photos and on frames with nobody in them, which is what
 * PoseTracker's minPoseScore has to tell apart (docs/VIDEO.md, "Losing and finding the person"):
 * the score distribution of estimatePose (defaults: two passes) on the LSPET validation photos, the
 * share below candidate thresholds, and the scores of plain, patterned and noise frames (640x480).
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createEstimator, DEFAULT_TRACKER_OPTIONS } from '../src/index.js';
import { scriptArgs } from './args.js';
import { decodeImage, loadLspet, progress, selectSplit, type Rgba } from './lspet.js';
import { quantile } from './timing.js';
import { backgroundPixel } from '../test/video-helpers.js';

const USAGE = 'usage: npm run bench:scores -- [--data ../shared/data/lspet] [--model <folder or model.json>]';
const { help } = scriptArgs(USAGE);
const { values: a } = parseArgs({
  options: {
    data: { type: 'string', default: '../shared/data/lspet' },
    model: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
  strict: true,
});
help(a.help);

const est = await createEstimator({ backend: 'wasm', ...(a.model !== undefined ? { model: path.resolve(a.model) } : {}) });
const data = loadLspet(path.resolve(a.data!));
const records = selectSplit(data, 'val');
const tick = progress('scores');
const photos: number[] = [];
for (const [i, r] of records.entries()) {
  photos.push((await est.estimatePose(decodeImage(data, r))).score);
  tick(i + 1, records.length);
}
const f = (v: number) => v.toFixed(3);
console.log(`model ${est.model.name}; ${records.length} LSPET validation photos, estimatePose defaults (two passes)`);
console.log(`photo scores: min ${f(Math.min(...photos))}, 1% ${f(quantile(photos, 0.01))}, 5% ${f(quantile(photos, 0.05))}, median ${f(quantile(photos, 0.5))}`);
const current = DEFAULT_TRACKER_OPTIONS.minPoseScore;
for (const th of [...new Set([0.05, 0.08, current, 0.1, 0.12, 0.15])].sort((x, y) => x - y)) {
  const n = photos.filter((s) => s < th).length;
  console.log(`  below ${th}${th === current ? ' (minPoseScore default)' : ''}: ${n} photos (${(100 * n / photos.length).toFixed(1)}%)`);
}

const W = 640;
const H = 480;
function frame(pixel: (x: number, y: number) => [number, number, number]): Rgba {
  const d = new Uint8Array(W * H * 4);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      d.set([...pixel(x, y), 255], (y * W + x) * 4);
    }
  }
  return { data: d, width: W, height: H };
}
let seed = 1;
const random = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
const empty: Record<string, Rgba> = {
  black: frame(() => [0, 0, 0]),
  grey: frame(() => [128, 128, 128]),
  white: frame(() => [255, 255, 255]),
  gradient: frame((x, y) => [(x * 255) / W, (y * 255) / H, 128]),
  // the background of test/video.test.ts's blank frames
  'test background': frame(backgroundPixel),
  'uniform noise': frame(() => [256 * random(), 256 * random(), 256 * random()].map(Math.floor) as [number, number, number]),
};
console.log('\nframes with nobody in them (two passes / one pass):');
for (const [name, img] of Object.entries(empty)) {
  const two = (await est.estimatePose(img)).score;
  const one = (await est.estimatePose(img, { cropPass: false })).score;
  console.log(`  ${name}: ${f(two)} / ${f(one)}`);
}
est.dispose();
