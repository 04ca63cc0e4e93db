/**
 * npm run bench:scores -- [--data ../shared/data/lspet] [--model <folder or model.json>] [--write]
 *
 * Pose scores of the model on real photos and on frames with nobody in them, which is what
 * PoseTracker's minPoseScore has to tell apart (docs/VIDEO.md, "Losing and finding the person"):
 * the score distribution of estimatePose (defaults: two passes) on the LSPET validation photos, the
 * share below candidate thresholds, and the scores of plain, patterned and noise frames (640x480).
 * It then derives the model's minPoseScore by a fixed rule (the highest blank-frame score plus 0.01,
 * rounded up to 0.01, and never below the library's 0.1); --write stores it in the model's
 * model.json ("tracker"), where PoseTracker takes its default from.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createEstimator } from '../src/index.js';
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
const photos: number[] = [];
for (const [i, r] of records.entries()) {
  photos.push((await est.estimatePose(decodeImage(data, r))).score);
  tick(i + 1, records.length);
}
const f = (v: number) => v.toFixed(3);
console.log(`model ${est.model.name}; ${records.length} LSPET validation photos, estimatePose defaults (two passes)`);
console.log(`photo scores: min ${f(Math.min(...photos))}, 1% ${f(quantile(photos, 0.01))}, 5% ${f(quantile(photos, 0.05))}, median ${f(quantile(photos, 0.5))}`);
const current = est.model.tracker.minPoseScore;
const belowShare = (th: number) => {
  const n = photos.filter((s) => s < th).length;
  return `${n} photos (${(100 * n / photos.length).toFixed(1)}%)`;
};
for (const th of [...new Set([0.05, 0.08, current, 0.1, 0.12, 0.15])].sort((x, y) => x - y)) {
  console.log(`  below ${th}${th === current ? " (the model's minPoseScore now)" : ''}: ${belowShare(th)}`);
}

const empty = blankFrames(640, 480);
console.log('\nframes with nobody in them (two passes / one pass):');
let highest = 0;
for (const [name, img] of Object.entries(empty)) {
  const two = (await est.estimatePose(img)).score;
  const one = (await est.estimatePose(img, { cropPass: false })).score;
  highest = Math.max(highest, two, one);
  console.log(`  ${name}: ${f(two)} / ${f(one)}`);
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
