/**
 * The cpm-pose command: inputs -> decoded photos -> poses -> JSON records and drawings.
 * runCli returns the exit code (0 all ok, 1 some inputs failed, 2 usage error, 130 interrupted).
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BUNDLED_MODEL_NAMES, isBundledModelName } from '../default-model.js';
import { createEstimator } from '../estimator/index.js';
import type { PoseEstimator } from '../estimator/index.js';
import { modelLimits, validateEstimateOptions } from '../options.js';
import { CLI_DEFAULTS, HELP, parseCliArgs, UsageError, type CliOptions } from './args.js';
import { decodeImage, drawnExtension, drawPose, ImageError, loadSharp, type DecodedImage, type DrawKeypoint } from './image.js';
import { expandInputs } from './inputs.js';
import { JsonWriter, type OutStream } from './output.js';
import { formatDuration, formatRate, Progress } from './progress.js';

export interface CliStream extends OutStream {
  isTTY?: boolean;
  columns?: number;
  on?(event: 'error', cb: (e: NodeJS.ErrnoException) => void): unknown;
}

export interface CliIo {
  stdout: CliStream;
  stderr: CliStream;
  /** called with a function to run on Ctrl-C; returns an unsubscribe function */
  onInterrupt?: (handler: () => void) => () => void;
}

export interface PoseRecord {
  file: string;
  width: number;
  height: number;
  keypoints: DrawKeypoint[];
  score: number;
  ms: number;
  drawn?: string;
}

/** The package root (the folder with cpm-pose's package.json), from this file or the built bin. */
export function packageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pj = path.join(dir, 'package.json');
    try {
      if (JSON.parse(fs.readFileSync(pj, 'utf8')).name === 'cpm-pose') return dir;
    } catch {
      // not here
    }
    const up = path.dirname(dir);
    if (up === dir) throw new Error('cannot find the cpm-pose package folder');
    dir = up;
  }
}

/**
 * --model: an existing path (file or folder) first, else a bundled model's name, handed to
 * createEstimator as is (the library knows where its bundled models live).
 */
export function resolveModel(model: string | undefined): string | undefined {
  if (model === undefined) return undefined;
  if (fs.existsSync(model)) return path.resolve(model);
  if (isBundledModelName(model)) return model;
  throw new UsageError(`--model "${model}" is neither a model.json or model folder nor a bundled model (bundled: ${BUNDLED_MODEL_NAMES.join(', ')})`);
}

const r2 = (v: number) => Math.round(v * 100) / 100;
const r3 = (v: number) => Math.round(v * 1000) / 1000;

/** Drawing file names: the photo's own name in --out, never an input file, never twice in a run. */
class DrawNames {
  private readonly used = new Set<string>();
  constructor(private readonly dir: string, private readonly inputs: Set<string>) {}

  take(file: string, format: string): string {
    const ext = drawnExtension(file, format);
    const base = path.basename(file, path.extname(file)) || 'image';
    for (let i = 1; ; i++) {
      const name = path.join(this.dir, `${base}${i === 1 ? '' : `-${i}`}${ext}`);
      const key = path.resolve(name);
      if (!this.used.has(key) && !this.inputs.has(key)) {
        this.used.add(key);
        return name;
      }
    }
  }
}

function firstLine(e: unknown): string {
  return String((e as Error)?.message ?? e).split('\n')[0]!;
}

export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const err = (line: string) => io.stderr.write(line + '\n');
  let opts: CliOptions;
  try {
    opts = parseCliArgs(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    err(`cpm-pose: ${e.message}\nRun cpm-pose --help for usage.`);
    return 2;
  }
  if (opts.help) {
    io.stdout.write(HELP);
    return 0;
  }
  if (opts.version) {
    io.stdout.write(JSON.parse(fs.readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')).version + '\n');
    return 0;
  }
  const usage = (msg: string) => {
    err(`cpm-pose: ${msg}\nRun cpm-pose --help for usage.`);
    return 2;
  };

  let modelPath: string | undefined;
  try {
    modelPath = resolveModel(opts.model);
    await loadSharp();
  } catch (e) {
    return usage(firstLine(e));
  }

  const startedAt = Date.now();
  const { files, failures: inputFailures } = await expandInputs(opts.inputs, opts.recursive);
  const progress = new Progress(io.stderr, files.length, !opts.quiet && !process.env.CI && process.env.TERM !== 'dumb');
  const report = (file: string, reason: string) => progress.print(`cpm-pose: ${file}: ${reason}`);
  for (const f of inputFailures) report(f.file, f.reason);

  let estimator: PoseEstimator | undefined;
  let json: JsonWriter | undefined;
  let interrupted = false;
  let stdoutClosed = false;
  const offInterrupt = io.onInterrupt?.(() => {
    interrupted = true;
  });
  io.stdout.on?.('error', (e) => {
    if (e.code === 'EPIPE') stdoutClosed = true; // e.g. `| head`: stop quietly
  });
  let ok = 0;
  let failed = 0; // files that failed
  let outputFailed = false;
  try {
    if (files.length > 0) {
      try {
        estimator = await createEstimator({ ...(modelPath !== undefined ? { model: modelPath } : {}), backend: opts.backend });
      } catch (e) {
        return usage(`cannot load the model${opts.model ? ` "${opts.model}"` : ''}: ${firstLine(e)}`);
      }
      if (estimator.backendFallbackReason && !opts.quiet) err(`cpm-pose: note: running on ${estimator.backend} (${estimator.backendFallbackReason})`);
      if (opts.stages !== undefined && opts.stages > estimator.model.stages) {
        return usage(`--stages ${opts.stages}: the model "${estimator.model.name}" has ${estimator.model.stages} stages`);
      }
      if (opts.detectSize !== undefined) {
        const m = estimator.model;
        try {
          validateEstimateOptions({ detectSize: opts.detectSize }, modelLimits(m));
        } catch (e) {
          return usage(`--detect-size for the model "${m.name}" ${firstLine(e).replace(/^\[\w+\] detectSize /, '')}`);
        }
      }
    }
    let names: DrawNames | undefined;
    if (opts.draw) {
      try {
        fs.mkdirSync(opts.out, { recursive: true });
      } catch (e) {
        return usage(`cannot create the --out folder ${opts.out}: ${firstLine(e)}`);
      }
      names = new DrawNames(opts.out, new Set(files.map((f) => path.resolve(f))));
    }
    if (opts.json !== undefined) {
      try {
        json = await JsonWriter.open(opts.json, opts.jsonFormat, io.stdout, (w) => progress.around(w));
      } catch (e) {
        return usage(`cannot write --json ${opts.json}: ${firstLine(e)}`);
      }
    }

    // decode a few images ahead (sharp works on its own threads) while the model runs
    const decodes = new Map<number, Promise<DecodedImage>>();
    const startDecode = (i: number) => {
      if (i < files.length && !decodes.has(i)) {
        const p = decodeImage(files[i]!, CLI_DEFAULTS.maxDecodeSide);
        p.catch(() => undefined); // handled when awaited
        decodes.set(i, p);
      }
    };
    for (let i = 0; i < files.length; i++) {
      if (interrupted || stdoutClosed) break;
      const file = files[i]!;
      for (let j = i; j <= i + CLI_DEFAULTS.lookahead; j++) startDecode(j);
      progress.setCurrent(path.basename(file));
      const decoding = decodes.get(i)!;
      decodes.delete(i);
      const outcome = await processImage(file, decoding, estimator!, opts, names);
      if ('error' in outcome) {
        failed++;
        report(file, outcome.error);
        await json?.write({ file, error: outcome.error });
      } else {
        ok++;
        await json?.write(outcome.record);
      }
      progress.tick();
    }
  } finally {
    progress.finish();
    offInterrupt?.();
    if (json) {
      try {
        await json.close();
      } catch (e) {
        err(`cpm-pose: cannot write --json ${opts.json}: ${firstLine(e)}`);
        outputFailed = true;
      }
    }
    estimator?.dispose();
  }

  const seconds = (Date.now() - startedAt) / 1000;
  if (!opts.quiet) {
    const done = ok + failed;
    const took = seconds < 60 ? `${seconds.toFixed(1)} s` : formatDuration(seconds);
    const parts = [`${done} ${done === 1 ? 'file' : 'files'}: ${ok} ok, ${done - ok} failed in ${took} (${formatRate(ok / Math.max(seconds, 1e-3))})`];
    if (inputFailures.length > 0) parts.push(`${inputFailures.length} ${inputFailures.length === 1 ? 'input' : 'inputs'} gave no file`);
    if (interrupted) parts.push(`interrupted after ${done} of ${files.length}`);
    else if (stdoutClosed) parts.push(`stopped after ${done} of ${files.length}: standard output was closed`);
    if (opts.json !== undefined && opts.json !== '-') parts.push(`JSON: ${opts.json}`);
    if (opts.draw) parts.push(`drawings: ${opts.out.endsWith(path.sep) || opts.out.endsWith('/') ? opts.out : opts.out + path.sep}`);
    err(`cpm-pose: ${parts.join(', ')}`);
  }
  if (interrupted) return 130;
  return failed > 0 || inputFailures.length > 0 || outputFailed ? 1 : 0;
}

/** One photo: decoded pixels -> pose in the photo's pixels -> record (and drawing), or the one-line reason it failed. */
async function processImage(
  file: string,
  decoding: Promise<DecodedImage>,
  estimator: PoseEstimator,
  opts: CliOptions,
  names: DrawNames | undefined,
): Promise<{ record: PoseRecord } | { error: string }> {
  let image: DecodedImage;
  try {
    image = await decoding;
  } catch (e) {
    return { error: e instanceof ImageError ? e.message : `cannot decode: ${firstLine(e)}` };
  }
  let pose;
  const t0 = performance.now();
  try {
    pose = await estimator.estimatePose(image.pixels, {
      ...(opts.stages !== undefined ? { stages: opts.stages } : {}),
      ...(opts.detectSize !== undefined ? { detectSize: opts.detectSize } : {}),
      ...(opts.refinePasses !== undefined ? { refinePasses: opts.refinePasses } : {}),
      ...(opts.flipTest ? { flipTest: true } : {}),
    });
  } catch (e) {
    return { error: `pose estimation failed: ${firstLine(e)}` };
  }
  const ms = performance.now() - t0;
  // model pixels -> the original photo's pixels (continuous coordinates scale exactly)
  const sx = image.width / image.pixels.width;
  const sy = image.height / image.pixels.height;
  const all = pose.keypoints.map((k) => ({ name: k.name, x: r2(k.x * sx), y: r2(k.y * sy), score: r3(k.score) }));
  const record: PoseRecord = {
    file,
    width: image.width,
    height: image.height,
    keypoints: all.filter((k) => k.score >= opts.minScore),
    score: r3(pose.score),
    ms: Math.round(ms * 10) / 10,
  };
  if (names) {
    const out = names.take(file, image.format);
    try {
      await drawPose(image, out, all.map((k) => (k.score >= opts.minScore ? k : undefined)), estimator.model.skeleton);
    } catch (e) {
      return { error: `cannot write the drawing ${out}: ${firstLine(e)}` };
    }
    record.drawn = out;
  }
  return { record };
}
