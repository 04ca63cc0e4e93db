/**
 * npm run eval -- --data ../shared/data/lspet --split val [--model models/cpm-lite] [--stages k] [--detect-stages k]
 *                 [--detect-size px] [--refine-passes n] [--flip-test] [--backend wasm] [--limit N] [--json out.json]
 *
 * Runs the library's estimatePose (Node, whole photos, default per-call options) on an LSPET split
 * and prints PCK@0.2 and @0.1 per joint, the mean over the 12 limb joints, the median ms per call, and
 * what became of the joints that missed PCK@0.2 (left/right swaps, near misses, far misses).
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createEstimator, type EstimateOptions } from '../src/index.js';
import type { BackendChoice } from '../src/backend/backend.js';
import { scriptArgs } from './args.js';
import { evaluate, loadLspet, progress, selectSplit, type Split } from './lspet.js';
import { errorTable, pckTable, pct } from './pck.js';
import { quantile } from './timing.js';

const USAGE = 'usage: npm run eval -- --data ../shared/data/lspet --split val|train [--model <folder or model.json>] [--stages k] [--detect-stages k] [--detect-size px] [--refine-passes n] [--flip-test] [--backend wasm|cpu|webgl|auto] [--limit N] [--json out.json]';

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

const data = loadLspet(path.resolve(a.data!));
const records = selectSplit(data, a.split as Split, limit);
const estimator = await createEstimator({
  backend: a.backend as BackendChoice,
  ...(a.model !== undefined ? { model: path.resolve(a.model) } : {}),
});
const options: EstimateOptions = {
  ...(stages !== undefined ? { stages } : {}),
  ...(detectStages !== undefined ? { detectStages } : {}),
  ...(detectSize !== undefined ? { detectSize } : {}),
  ...(refinePasses !== undefined ? { refinePasses } : {}),
  ...(a['flip-test'] ? { flipTest: true } : {}),
};
const resolvedDetectSize = options.detectSize ?? estimator.model.refine.detectSize;
const run = await evaluate(data, records, (img) => estimator.estimatePose(img, options), progress(`${estimator.model.name}`));
estimator.dispose();

const { pck, ms } = run;
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
console.log(`\nPCK@0.2 limb mean ${pct(pck.limbMean[0])}%, PCK@0.1 limb mean ${pct(pck.limbMean[1])}%; median ${median.toFixed(1)} ms per estimatePose call (p90 ${quantile(ms, 0.9).toFixed(1)} ms)`);

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
    medianMs: median,
    p90Ms: quantile(ms, 0.9),
  };
  fs.writeFileSync(a.json, JSON.stringify(out, null, 2));
  console.log(`wrote ${a.json}`);
}
