/**
 * npm run bench:scores -- [--data ../shared/data/lspet] [--model <folder or model.json>] [--write]
 *
 * Pose scores of the model on real photos and on frames with nobody in them, which is what
 * PoseTracker's minPoseScore has to tell apart (docs/VIDEO.md, "Losing and finding the person"):
 * the score distribution of estimatePose (defaults: two passes) on the LSPET validation photos, the
 * share below candidate thresholds, and the scores of plain, patterned and noise frames (640x480),
 * with each pose's spread in map cells (a pose spread over less than two target widths scores lower).
 * It then derives the model's minPoseScore by a fixed rule (the highest blank-frame score plus 0.01,
 * rounded up to 0.01, and never below the library's 0.1); --write stores it in the model's
 * model.json ("tracker"), where PoseTracker takes its default from.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createEstimator, type PoseResult } from '../src/index.js';
import { keypointBox } from '../src/estimator/crop.js';
import { DEFAULT_TRACKER_SPEC } from '../src/weights/format.js';
import { scriptArgs } from './args.js';
import { decodeImage, loadLspet, progress, selectSplit } from './lspet.js';
import { quantile } from './timing.js';
import { blankFrames } from '../test/video-helpers.js';

const USAGE = 'usage: npm run bench:scores -- [--data ../shared/data/lspet] [--model <folder or model.json>] [--write]';
const { help } = scriptArgs(USAGE);
const { values: a } = parseArgs({
  options: {
    data: { type: 'string', default: '../shared/data/lspet' },
    model: { type: 'string' },
    write: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h' },
  },
  strict: true,
});
help(a.help);

const est = await createEstimator({ backend: 'wasm', ...(a.model !== undefined ? { model: path.resolve(a.model) } : {}) });
const data = loadLspet(path.resolve(a.data!));
const records = selectSplit(data, 'val');
const tick = progress('scores');
/**
 * The keypoints' spread in map cells of the pass that gave them (the pose score is scaled down below
 * two target widths): the longer side of their box, at the scale at which `region` filled the input.
 */
const spreadCells = (pose: PoseResult): number => {
  const { x0, y0, x1, y1 } = keypointBox(pose.keypoints);
  return (Math.max(x1 - x0, y1 - y0) * est.model.mapSize) / Math.max(pose.region.width, pose.region.height);
};
const photos: number[] = [];
const spreads: number[] = [];
for (const [i, r] of records.entries()) {
  const pose = await est.estimatePose(decodeImage(data, r));
  photos.push(pose.score);
  spreads.push(spreadCells(pose));
  tick(i + 1, records.length);
}
const f = (v: number) => v.toFixed(3);
const c = (v: number) => v.toFixed(1);
console.log(`model ${est.model.name}; ${records.length} LSPET validation photos, estimatePose defaults (two passes)`);
console.log(`photo scores: min ${f(Math.min(...photos))}, 1% ${f(quantile(photos, 0.01))}, 5% ${f(quantile(photos, 0.05))}, median ${f(quantile(photos, 0.5))}`);
console.log(`photo poses' spread in map cells: min ${c(Math.min(...spreads))}, 1% ${c(quantile(spreads, 0.01))}, median ${c(quantile(spreads, 0.5))}`);
const current = est.model.tracker.minPoseScore;
const belowShare = (th: number) => {
  const n = photos.filter((s) => s < th).length;
  return `${n} photos (${(100 * n / photos.length).toFixed(1)}%)`;
};
for (const th of [...new Set([0.05, 0.08, current, 0.1, 0.12, 0.15])].sort((x, y) => x - y)) {
  console.log(`  below ${th}${th === current ? " (the model's minPoseScore now)" : ''}: ${belowShare(th)}`);
}

const empty = blankFrames(640, 480);
console.log('\nframes with nobody in them (two passes / one pass; the poses\' spread in map cells):');
let highest = 0;
for (const [name, img] of Object.entries(empty)) {
  const two = await est.estimatePose(img);
  const one = await est.estimatePose(img, { cropPass: false });
  highest = Math.max(highest, two.score, one.score);
  console.log(`  ${name}: ${f(two.score)} / ${f(one.score)} (${c(spreadCells(two))} / ${c(spreadCells(one))} cells)`);
}
const src = est.model.source!;
const srcPath = src.startsWith('file:') ? fileURLToPath(src) : path.resolve(src);
const modelJsonPath = fs.statSync(srcPath).isDirectory() ? path.join(srcPath, 'model.json') : srcPath;
est.dispose();

// the rule, fixed in advance: clear of every blank frame by at least 0.01, never below the library's default
const derived = Math.max(DEFAULT_TRACKER_SPEC.minPoseScore, Math.ceil((highest + 0.01) * 100 - 1e-9) / 100);
console.log(`\nminPoseScore by the rule (highest blank frame ${f(highest)} + 0.01, rounded up, at least ${DEFAULT_TRACKER_SPEC.minPoseScore}): ${derived}; photos below it: ${belowShare(derived)}`);
console.log(`model.json (${path.relative(process.cwd(), modelJsonPath)}) has ${current}`);
if (a.write) {
  // edit only this field; the rest of model.json (written by training/cpm/export.py, indent 1) stays byte for byte
  const doc = JSON.parse(fs.readFileSync(modelJsonPath, 'utf8')) as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(doc)) {
    if (k === 'tracker') continue;
    out[k] = v;
    if (k === 'refine') out.tracker = { minPoseScore: derived };
  }
  if (!('tracker' in out)) out.tracker = { minPoseScore: derived };
  fs.writeFileSync(modelJsonPath, JSON.stringify(out, null, 1));
  console.log(`wrote tracker.minPoseScore = ${derived} to ${modelJsonPath}`);
}
