/**
 * npm run bench:stages -- [--data ../shared/data/lspet] [--model models/cpm-lite] [--backend wasm]
 *                         [--limit N] [--out docs/stages.md] [--json out.json]
 *
 * The anytime-stage dial, measured: for every k = 1..T, PCK@0.2 (mean of the 12 limb joints) on the
 * LSPET validation photos (im08501..im09000) and the median latency of one estimatePose call, for
 *   - two passes (the still-image default: whole photo, then the person crop),
 *   - one pass on the whole photo (cropPass: false),
 *   - two passes with flipHorizontal (truth mirrored: x' = width - x, names unchanged), a check that
 *     mirroring keeps the person's own sides.
 * Every photo runs every configuration in turn, so that load changes on the machine spread evenly.
 * The markdown table goes to --out (default docs/stages.md), generated from the measurements.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { createEstimator, DEFAULT_ESTIMATE_OPTIONS, type EstimateOptions } from '../src/index.js';
import type { BackendChoice } from '../src/backend/backend.js';
import { scriptArgs } from './args.js';
import { decodeImage, loadLspet, progress, selectSplit } from './lspet.js';
import { markdownTable, PckAccumulator, pct, type AnnotatedJoint, type Point } from './pck.js';
import { quantile } from './timing.js';

const USAGE = 'usage: npm run bench:stages -- [--data ../shared/data/lspet] [--model <folder or model.json>] [--backend wasm|cpu] [--limit N] [--out docs/stages.md] [--json out.json]';

const { values: a } = parseArgs({
  options: {
    data: { type: 'string', default: '../shared/data/lspet' },
    model: { type: 'string' },
    backend: { type: 'string', default: 'wasm' },
    limit: { type: 'string' },
    out: { type: 'string', default: 'docs/stages.md' },
    json: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
  strict: true,
});
const { help, positiveInt } = scriptArgs(USAGE);
help(a.help);
const limit = positiveInt(a.limit, 'limit');

const data = loadLspet(path.resolve(a.data!));
const records = selectSplit(data, 'val', limit);
const estimator = await createEstimator({
  backend: a.backend as BackendChoice,
  ...(a.model !== undefined ? { model: path.resolve(a.model) } : {}),
});
const T = estimator.model.stages;

interface Config { label: string; k: number; options: EstimateOptions; mirrored: boolean }
const configs: Config[] = [];
for (let k = 1; k <= T; k++) {
  configs.push({ label: `two-pass k=${k}`, k, options: { stages: k }, mirrored: false });
  configs.push({ label: `one-pass k=${k}`, k, options: { stages: k, cropPass: false }, mirrored: false });
  configs.push({ label: `two-pass flipped k=${k}`, k, options: { stages: k, flipHorizontal: true }, mirrored: true });
}
const stats = configs.map(() => ({ acc: new PckAccumulator(data.jointNames), ms: [] as number[] }));

// one untimed call per configuration first (first-use costs)
const warm = decodeImage(data, records[0]!);
for (const c of configs) await estimator.estimatePose(warm, c.options);

const tick = progress(`bench:stages ${estimator.model.name} (${configs.length} configurations per photo)`);
for (let i = 0; i < records.length; i++) {
  const rec = records[i]!;
  const image = decodeImage(data, rec);
  const mirroredTruth: AnnotatedJoint[] = rec.joints.map(([x, y, v]) => [image.width - x, y, v] as const);
  for (let c = 0; c < configs.length; c++) {
    const cfg = configs[c]!;
    const t0 = performance.now();
    const pose = await estimator.estimatePose(image, cfg.options);
    stats[c]!.ms.push(performance.now() - t0);
    const pred: Record<string, Point> = {};
    for (const kp of pose.keypoints) pred[kp.name] = { x: kp.x, y: kp.y };
    stats[c]!.acc.add(pred, cfg.mirrored ? mirroredTruth : rec.joints);
  }
  tick(i + 1, records.length);
}
const backend = estimator.backend;
const modelName = estimator.model.name;
const provenance = estimator.model.provenance ?? {};
estimator.dispose();

const results = configs.map((c, i) => ({
  ...c,
  pck: stats[i]!.acc.result(),
  medianMs: quantile(stats[i]!.ms, 0.5),
  p90Ms: quantile(stats[i]!.ms, 0.9),
}));
const find = (label: string) => results.find((r) => r.label === label)!;

const rows: string[][] = [];
for (let k = 1; k <= T; k++) {
  const two = find(`two-pass k=${k}`);
  const one = find(`one-pass k=${k}`);
  const flip = find(`two-pass flipped k=${k}`);
  rows.push([
    `${k}`,
    pct(two.pck.limbMean[0]), pct(one.pck.limbMean[0]), pct(flip.pck.limbMean[0]),
    two.medianMs.toFixed(1), one.medianMs.toFixed(1),
  ]);
}
const table = markdownTable(
  ['stages k', 'PCK@0.2 two-pass (%)', 'PCK@0.2 one pass (%)', 'PCK@0.2 two-pass, flipHorizontal (%)', 'median ms two-pass', 'median ms one pass'],
  rows, ['left', 'right', 'right', 'right', 'right', 'right']);

const cmd = `npm run bench:stages --${a.model ? ` --model ${a.model}` : ''} --backend ${a.backend}${limit ? ` --limit ${limit}` : ''}`;
const load = os.loadavg().map((l) => l.toFixed(1)).join(', ');
const md = `# Anytime stages: accuracy and latency of each k

Generated by \`${cmd}\` on ${new Date().toISOString().slice(0, 10)}; do not edit by hand.

- Model: \`${modelName}\`${(provenance as { note?: string }).note ? ` (${(provenance as { note?: string }).note})` : ''}, ${T} stages; backend \`${backend}\` in Node ${process.version}, ${os.cpus().length} CPU cores (${os.cpus()[0]?.model ?? 'unknown CPU'}); load average at the end ${load}.
- Photos: LSPET validation split im08501..im09000 (${records.length} photos, ${results[0]!.pck.images} with a torso diameter).
- PCK@0.2: mean over the 12 limb joints; torso diameter = left shoulder to right hip, else right shoulder to left hip; visible joints only.
- two-pass: the still-image default (whole photo, then the person crop around pass 1's keypoints; pass 1 runs min(k, detectStages = ${DEFAULT_ESTIMATE_OPTIONS.detectStages}) stages at detectSize = ${estimator.model.refine.detectSize} px, pass 2 runs k at ${estimator.model.inputSize} px).
  one pass: \`cropPass: false\` (whole photo only); a tracked video frame costs one pass on its crop.
  flipHorizontal: two-pass on the same photos with \`flipHorizontal: true\`, scored against the mirrored truth (\`x' = width - x\`, names unchanged).
- Latency: wall time of one \`estimatePose\` call (pre-processing, network, decoding), median over the photos. Every photo runs every configuration in turn.

${table}
`;
fs.mkdirSync(path.dirname(path.resolve(a.out!)), { recursive: true });
fs.writeFileSync(a.out!, md);
console.log(md);
console.log(`wrote ${a.out}`);
if (a.json) {
  fs.writeFileSync(a.json, JSON.stringify({ date: new Date().toISOString(), model: modelName, backend, photos: records.length, results: results.map(({ options: _o, ...r }) => r) }, null, 2));
  console.log(`wrote ${a.json}`);
}
