/**
 * npm run bench:shapes -- [--data ../shared/data/lspet] [--candidates bench/shape-candidates.json]
 *                         [--frames 40] [--rounds 3] [--out docs/shapes.md] [--json out.json]
 *
 * What a network of another shape would cost, before anyone trains it. Each candidate in the
 * candidates file ({ name, description, config }: a model config as in model.json) is built with random
 * weights (a dense network's cost does not depend on its weights) and timed through `estimatePose` with
 * the default options (two passes on a still photo) on LSPET validation photos, interleaved with the
 * shipped cpm-lite (its real weights: a check that random weights time the same) and MoveNet Lightning,
 * in Node on the wasm backend. Prints multiply-adds of one full pass and of the whole two-pass call,
 * median and p90 ms, and the ratio to Lightning; writes the markdown table to --out.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { createEstimator, DEFAULT_ESTIMATE_OPTIONS, loadModel, type PoseEstimator } from '../src/index.js';
import { cumulativeStageMacs, detectionStageMacs } from '../src/video/budget.js';
import { validateConfig, type CpmConfig } from '../src/model/config.js';
import { createRandomModel, LSP_JOINTS } from '../src/weights/random.js';
import { scriptArgs } from './args.js';
import { decodeImage, loadLspet, selectSplit, type Rgba } from './lspet.js';
import { ensureMoveNetFiles, readMoveNetFiles } from './movenet-files.js';
import { loadMoveNet } from './movenet.js';
import { markdownTable } from './pck.js';
import { quantile, timeInterleaved, type Timed } from './timing.js';

const USAGE = 'usage: npm run bench:shapes -- [--data ../shared/data/lspet] [--candidates bench/shape-candidates.json] [--frames N] [--rounds N] [--out docs/shapes.md] [--json out.json]';
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const { values: a } = parseArgs({
  options: {
    data: { type: 'string', default: '../shared/data/lspet' },
    candidates: { type: 'string', default: 'bench/shape-candidates.json' },
    frames: { type: 'string', default: '40' },
    rounds: { type: 'string', default: '3' },
    out: { type: 'string', default: 'docs/shapes.md' },
    json: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
  strict: true,
});
const { fail, help, positiveInt } = scriptArgs(USAGE);
help(a.help);
const FRAMES = positiveInt(a.frames!, 'frames');
const ROUNDS = positiveInt(a.rounds!, 'rounds');

interface Candidate { name: string; description: string; config: CpmConfig }
let candidates: Candidate[] = [];
try {
  candidates = JSON.parse(fs.readFileSync(path.resolve(a.candidates!), 'utf8')) as Candidate[];
  if (!Array.isArray(candidates) || candidates.length === 0) throw new Error('expected a non-empty array of { name, description, config }');
  for (const c of candidates) {
    if (typeof c.name !== 'string' || typeof c.description !== 'string') throw new Error('every candidate needs a name and a description');
    validateConfig(c.config);
  }
} catch (e) {
  fail(`--candidates ${a.candidates}: ${(e as Error).message}`);
}

const numMaps = LSP_JOINTS.length + 1;
const { detectStages } = DEFAULT_ESTIMATE_OPTIONS;
/** Multiply-adds of one full pass, and of a still photo's two passes (pass 1: detectStages stages). */
function macs(config: CpmConfig): { pass: number; call: number } {
  const cum = cumulativeStageMacs(config, numMaps);
  const call = detectionStageMacs(cum, detectStages, config.inputSize, config.inputSize);
  return { pass: cum[cum.length - 1]!, call: call[call.length - 1]! };
}

const data = loadLspet(path.resolve(a.data!));
const frames: Rgba[] = selectSplit(data, 'val', FRAMES).map((r) => decodeImage(data, r));

const estimators: PoseEstimator[] = [];
const timed: Array<Timed<Rgba>> = [];
const rows: Array<{ id: string; description: string; config: CpmConfig | null }> = [];
// loaded once: the estimator and the MAC count read the same files
const shippedFiles = await loadModel(path.join(ROOT, 'models', 'cpm-lite'));
const shipped = await createEstimator({ model: shippedFiles, backend: 'wasm' });
const shippedConfig = shippedFiles.json.config;
estimators.push(shipped);
timed.push({ id: 'cpm-lite (shipped weights)', run: (f) => shipped.estimatePose(f) });
rows.push({ id: 'cpm-lite (shipped weights)', description: 'the default model as shipped', config: shippedConfig });
for (const c of candidates) {
  const est = await createEstimator({ model: createRandomModel({ config: c.config, name: c.name }), backend: 'wasm' });
  estimators.push(est);
  timed.push({ id: c.name, run: (f) => est.estimatePose(f) });
  rows.push({ id: c.name, description: c.description, config: c.config });
}
const movenetDir = ensureMoveNetFiles(ROOT);
const mf = readMoveNetFiles(movenetDir, 'movenet-lightning');
const lightning = await loadMoveNet('movenet-lightning', mf.json, mf.weightData);
timed.push({
  id: 'movenet-lightning',
  run: async (f) => {
    if (tf.getBackend() !== 'wasm') await tf.setBackend('wasm');
    return lightning.estimatePose(f);
  },
});
rows.push({ id: 'movenet-lightning', description: 'MoveNet single-pose Lightning, 192 x 192 (for scale)', config: null });

const loadStart = os.loadavg();
console.error(`[shapes] ${timed.length} networks x ${frames.length} photos x ${ROUNDS} rounds`);
const ms = await timeInterleaved(timed, frames, { warmup: 3, rounds: ROUNDS }, (r) => console.error(`[shapes] round ${r}/${ROUNDS}`));
const loadEnd = os.loadavg();
for (const e of estimators) e.dispose();
lightning.dispose();

const light = quantile(ms['movenet-lightning']!, 0.5);
const results = rows.map((r) => {
  const m = r.config ? macs(r.config) : null;
  return {
    ...r,
    stages: r.config?.stages ?? null,
    passMacs: m?.pass ?? null,
    callMacs: m?.call ?? null,
    medianMs: quantile(ms[r.id]!, 0.5),
    p90Ms: quantile(ms[r.id]!, 0.9),
    ratioToLightning: quantile(ms[r.id]!, 0.5) / light,
  };
});
const M = (x: number | null) => (x === null ? '' : `${(x / 1e6).toFixed(0)} M`);
const table = markdownTable(
  ['network', 'stages', 'multiply-adds, one pass', 'multiply-adds, still photo (two passes)', 'median ms', 'p90 ms', 'vs Lightning', 'what it is'],
  results.map((r) => [`\`${r.id}\``, r.stages === null ? '' : String(r.stages), M(r.passMacs), M(r.callMacs),
    r.medianMs.toFixed(1), r.p90Ms.toFixed(1), `${r.ratioToLightning.toFixed(2)}x`, r.description]),
  ['left', 'right', 'right', 'right', 'right', 'right', 'right', 'left']);
const load = (l: number[]) => l.map((x) => x.toFixed(2)).join(', ');
const cmd = ['npm run bench:shapes', ...(process.argv.length > 2 ? ['--', ...process.argv.slice(2)] : [])].join(' ');
const md = `# What other network shapes would cost

Generated by \`${cmd}\` on ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC; do not edit by hand.
Candidates from [${a.candidates}](../${a.candidates}), built with random weights (a dense network's time does not depend
on its weights: compare the shipped cpm-lite with its random-weight twin \`cpm-lite\`), so nothing here says how
accurate a shape would be, only whether it could meet the speed target before anyone spends CPU-hours training it.

- Node ${process.version}, TF.js ${tf.version.tfjs}, wasm backend, ${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'unknown CPU'});
  load average (1, 5, 15 min) at the start ${load(loadStart)}, at the end ${load(loadEnd)}.
- Each \`estimatePose\` call with the default options: pass 1 on the whole photo (${detectStages} stages), pass 2 on the
  person crop (all stages), both at the model's input size. ${frames.length} LSPET validation photos, ${ROUNDS} rounds,
  every network in turn on the same photos (interleaved), after 3 warm-up calls each.

${table}
`;
if (a.out) {
  fs.mkdirSync(path.dirname(path.resolve(a.out)), { recursive: true });
  fs.writeFileSync(a.out, md);
}
console.log(md);
if (a.out) console.log(`wrote ${a.out}`);
if (a.json) {
  fs.writeFileSync(a.json, JSON.stringify({ date: new Date().toISOString(), command: cmd, loadStart, loadEnd, results }, null, 2));
  console.log(`wrote ${a.json}`);
}
