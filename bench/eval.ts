/**
 * npm run eval -- --data ../shared/data/lspet --split val [--model models/cpm-lite] [--stages k] [--detect-stages k]
 *                 [--detect-size px] [--refine-passes n] [--flip-test] [--backend wasm] [--limit N] [--jitter N] [--compare <model>] [--json out.json]
 *
 * Runs the library's estimatePose (Node, whole photos, default per-call options) on an LSPET split
 * and prints PCK@0.2 and @0.1 per joint, the mean over the 12 limb joints, the median ms per call, and
 * what became of the joints that missed PCK@0.2 (left/right swaps, near misses, far misses).
 * With --jitter N (2..10) it evaluates N framings of each photo (a few pixels trimmed off its top and
 * left edges, bench/lspet.ts JITTER_TRIMS) and prints their mean and spread: differences between two
 * models or options smaller than that spread are noise. The tables are the untrimmed photos'.
 * With --compare <model> it also runs that model (same options, same framings) and prints its spread
 * over the framings, the difference in limb-mean PCK@0.2 and @0.1 per framing, and a paired bootstrap over the photos (2,000
 * resamples of the untrimmed framing): how much of the difference the choice of photos could explain.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createEstimator, type EstimateOptions, type PoseEstimator } from '../src/index.js';
import type { BackendChoice } from '../src/backend/backend.js';
import { scriptArgs } from './args.js';
import { evaluate, JITTER_TRIMS, loadLspet, progress, selectSplit, trimImage, type EvalResult, type Split } from './lspet.js';
import { errorTable, pairedBootstrap, pckTable, pct } from './pck.js';
import { mean, quantile } from './timing.js';

const USAGE = 'usage: npm run eval -- --data ../shared/data/lspet --split val|train [--model <folder or model.json>] [--stages k] [--detect-stages k] [--detect-size px] [--refine-passes n] [--flip-test] [--backend wasm|cpu|webgl|auto] [--limit N] [--jitter N] [--compare <model folder>] [--json out.json]';

const { fail, help, positiveInt } = scriptArgs(USAGE);

const { values: a } = parseArgs({
  options: {
    data: { type: 'string', default: '../shared/data/lspet' },
    split: { type: 'string', default: 'val' },
    model: { type: 'string' },
    stages: { type: 'string' },
    'detect-stages': { type: 'string' },
    'detect-size': { type: 'string' },
    'refine-passes': { type: 'string' },
    'flip-test': { type: 'boolean', default: false },
    backend: { type: 'string', default: 'wasm' },
    limit: { type: 'string' },
    jitter: { type: 'string' },
    compare: { type: 'string' },
    json: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
  strict: true,
});
help(a.help);
if (a.split !== 'val' && a.split !== 'train') fail(`--split must be val or train, got ${a.split}`);
const limit = positiveInt(a.limit, 'limit');
const stages = positiveInt(a.stages, 'stages');
const detectStages = positiveInt(a['detect-stages'], 'detect-stages');
const detectSize = positiveInt(a['detect-size'], 'detect-size');
const refinePasses = positiveInt(a['refine-passes'], 'refine-passes');
const jitter = positiveInt(a.jitter, 'jitter') ?? 1;
if (jitter > JITTER_TRIMS.length) fail(`--jitter must be from 1 to ${JITTER_TRIMS.length}, got ${jitter}`);

const data = loadLspet(path.resolve(a.data!));
const records = selectSplit(data, a.split as Split, limit);
const load = (model: string | undefined) => createEstimator({
  backend: a.backend as BackendChoice,
  ...(model !== undefined ? { model: path.resolve(model) } : {}),
});
const estimator = await load(a.model);
const options: EstimateOptions = {
  ...(stages !== undefined ? { stages } : {}),
  ...(detectStages !== undefined ? { detectStages } : {}),
  ...(detectSize !== undefined ? { detectSize } : {}),
  ...(refinePasses !== undefined ? { refinePasses } : {}),
  ...(a['flip-test'] ? { flipTest: true } : {}),
};
const resolvedDetectSize = options.detectSize ?? estimator.model.refine.detectSize;
/** The model on each framing (the untrimmed photos first). */
async function runFramings(est: PoseEstimator): Promise<EvalResult[]> {
  const out: EvalResult[] = [];
  for (const [left, top] of JITTER_TRIMS.slice(0, jitter)) {
    const label = `${est.model.name}${jitter > 1 ? ` (trim ${left}, ${top})` : ''}`;
    out.push(await evaluate(data, records, async (img) => {
      const pose = await est.estimatePose(trimImage(img, left, top), options);
      return { keypoints: pose.keypoints.map((k) => ({ name: k.name, x: k.x + left, y: k.y + top })) };
    }, progress(label)));
  }
  return out;
}
const runs = await runFramings(estimator);
estimator.dispose();
let compared: { name: string; source: string; runs: EvalResult[] } | undefined;
if (a.compare !== undefined) {
  const other = await load(a.compare);
  compared = { name: other.model.name, source: other.model.source ?? 'bundled', runs: await runFramings(other) };
  other.dispose();
}

const { pck, ms } = runs[0]!;
const stageText = `${options.stages ?? estimator.model.stages} of ${estimator.model.stages} stages`
  + (detectStages !== undefined ? `, detectStages ${detectStages}` : '')
  + `, detectSize ${resolvedDetectSize}`
  + (refinePasses !== undefined ? `, refinePasses ${refinePasses}` : '')
  + (options.flipTest ? ', flipTest' : '');
console.log(`model ${estimator.model.name} (${estimator.model.source ?? 'bundled'}), ${stageText}, backend ${estimator.backend}`);
console.log(`${a.split} split of ${data.dir}: ${records.length} photos, ${pck.images} with a torso diameter (${pck.skipped} skipped)\n`);
console.log(pckTable([{ label: estimator.model.name, result: pck }]));
const median = quantile(ms, 0.5);
console.log(`\nWhere the joints went (share of visible joints, PCK@${pck.thresholds[0]}):\n`);
console.log(errorTable(pck));
const spread = jitter > 1 ? jitterSummary(runs) : undefined;
if (spread) console.log(`\n${spread.text}`);
const comparison = compared ? compare(compared) : undefined;
if (comparison) console.log(`\n${comparison.text}`);
console.log(`\nPCK@0.2 limb mean ${pct(pck.limbMean[0])}%, PCK@0.1 limb mean ${pct(pck.limbMean[1])}%; median ${median.toFixed(1)} ms per estimatePose call (mean ${mean(ms).toFixed(1)}, p90 ${quantile(ms, 0.9).toFixed(1)} ms)`);

if (a.json) {
  const out = {
    date: new Date().toISOString(),
    model: estimator.model.name,
    source: estimator.model.source ?? null,
    stages: options.stages ?? estimator.model.stages,
    ...(detectStages !== undefined ? { detectStages } : {}),
    detectSize: resolvedDetectSize,
    refinePasses: options.refinePasses ?? 1,
    flipTest: options.flipTest === true,
    backend: estimator.backend,
    split: a.split,
    data: data.dir,
    photos: records.length,
    pck,
    ...(spread ? { jitter: spread.json } : {}),
    ...(comparison ? { compare: comparison.json } : {}),
    medianMs: median,
    p90Ms: quantile(ms, 0.9),
  };
  fs.writeFileSync(a.json, JSON.stringify(out, null, 2));
  console.log(`wrote ${a.json}`);
}

/** Mean, standard deviation and range of the limb-mean PCK over the jittered runs, per threshold. */
function jitterSummary(all: readonly EvalResult[]) {
  const thresholds = all[0]!.pck.thresholds;
  const stats = thresholds.map((t, k) => {
    const v = all.map((r) => r.pck.limbMean[k] ?? NaN);
    const mean = v.reduce((s, x) => s + x, 0) / v.length;
    const sd = Math.sqrt(v.reduce((s, x) => s + (x - mean) ** 2, 0) / (v.length - 1));
    return { threshold: t, runs: v, mean, sd, min: Math.min(...v), max: Math.max(...v) };
  });
  const lines = stats.map((s) => `PCK@${s.threshold} limb mean over ${all.length} framings: ${pct(s.mean)}% (SD ${pct(s.sd)}, `
    + `range ${pct(s.min)} to ${pct(s.max)}; runs ${s.runs.map((x) => pct(x)).join(' ')})`);
  return { text: lines.join('\n'), json: { trims: JITTER_TRIMS.slice(0, all.length), stats } };
}

/** This model minus the --compare model: limb-mean PCK per framing (both thresholds), the other model's
 * spread over the framings, and a paired bootstrap over the photos (PCK@0.2). */
function compare(other: { name: string; source: string; runs: readonly EvalResult[] }) {
  const thresholds = runs[0]!.pck.thresholds;
  const perFraming = thresholds.map((_, k) => runs.map((r, i) => (r.pck.limbMean[k] ?? NaN) - (other.runs[i]!.pck.limbMean[k] ?? NaN)));
  const boot = pairedBootstrap(data.jointNames, runs[0]!.photoHits, other.runs[0]!.photoHits);
  const signed = (v: number) => `${v >= 0 ? '+' : ''}${pct(v)}`;
  const otherSpread = other.runs.length > 1 ? jitterSummary(other.runs) : undefined;
  const text = (otherSpread ? `${other.name} (${other.source}):\n${otherSpread.text}\n` : '')
    + `${estimator.model.name} (${estimator.model.source ?? 'bundled'}) minus ${other.name} (${other.source}), limb mean:\n`
    + thresholds.map((t, k) => `  PCK@${t} per framing: ${perFraming[k]!.map(signed).join(' ')} points\n`).join('')
    + `  paired bootstrap over the ${runs[0]!.photoHits.length} photos (PCK@${thresholds[0]}, untrimmed, ${boot.resamples} resamples): ${signed(boot.difference)} points, `
    + `95% interval ${signed(boot.low)} to ${signed(boot.high)}; no gain in ${(100 * boot.shareNoGain).toFixed(1)}% of resamples`;
  return {
    text,
    json: { model: other.name, source: other.source, perFraming: perFraming[0], perFramingByThreshold: perFraming, ...(otherSpread ? { jitter: otherSpread.json } : {}), bootstrap: boot },
  };
}
