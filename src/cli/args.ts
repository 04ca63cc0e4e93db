/**
 * Command-line arguments: parsed and checked here, once. Anything wrong is a UsageError (exit code 2).
 */
import { parseArgs } from 'node:util';
import { MAX_REFINE_PASSES } from '../options.js';

export type JsonFormat = 'jsonl' | 'array';

export interface CliOptions {
  /** images, folders and glob patterns, as given */
  inputs: string[];
  /** folder for --draw images */
  out: string;
  /** JSON destination: a file path, '-' for stdout, or undefined for none */
  json: string | undefined;
  jsonFormat: JsonFormat;
  draw: boolean;
  /** bundled model name or path to a model.json / model folder; undefined: the bundled default */
  model: string | undefined;
  backend: 'auto' | 'wasm' | 'cpu';
  /** undefined: all of the model's stages */
  stages: number | undefined;
  /** pass 1's input side (estimatePose's detectSize); undefined: the model's */
  detectSize: number | undefined;
  /** estimatePose's refinePasses: crop passes after the first pass; undefined: 1 */
  refinePasses: number | undefined;
  /** estimatePose's flipTest: also run the final pass on the mirror image and average */
  flipTest: boolean;
  minScore: number;
  recursive: boolean;
  quiet: boolean;
  help: boolean;
  version: boolean;
}

/** Every CLI default, in one place. */
export const CLI_DEFAULTS = Object.freeze({
  out: 'cpm-pose-out',
  backend: 'auto' as const,
  minScore: 0,
  /** longest side an image is decoded to (shrink-on-load): the model sees 128 px, the crop pass a region of it */
  maxDecodeSide: 1024,
  /** images decoded ahead of the one being estimated */
  lookahead: 2,
});

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

const SPEC = {
  out: { type: 'string', short: 'o' },
  json: { type: 'string', short: 'j' },
  format: { type: 'string' },
  draw: { type: 'boolean', short: 'd' },
  model: { type: 'string', short: 'm' },
  backend: { type: 'string', short: 'b' },
  stages: { type: 'string', short: 'k' },
  'detect-size': { type: 'string' },
  'refine-passes': { type: 'string' },
  'flip-test': { type: 'boolean', short: 'f' },
  'min-score': { type: 'string', short: 's' },
  recursive: { type: 'boolean', short: 'r' },
  quiet: { type: 'boolean', short: 'q' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
} as const;

function formatOf(json: string): JsonFormat {
  return /\.json$/i.test(json) ? 'array' : 'jsonl';
}

/** A flag's value as a whole number in [min, max] (digits only: no sign, point or exponent), else UsageError(message). */
function wholeNumber(value: string, min: number, max: number, message: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < min || n > max) throw new UsageError(message);
  return n;
}

/** Parses argv (without node and the script). Throws UsageError. */
export function parseCliArgs(argv: string[]): CliOptions {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: SPEC, allowPositionals: true, strict: true });
  } catch (e) {
    // node's messages are long ("... To specify a positional argument starting with a '-' ..."): keep the first sentence
    const msg = (e as Error).message.split(/\. /)[0]!.replace(/\.$/, '');
    throw new UsageError(msg);
  }
  const v = parsed.values as { [K in keyof typeof SPEC]?: (typeof SPEC)[K]['type'] extends 'string' ? string : boolean };
  const opts: CliOptions = {
    inputs: parsed.positionals,
    out: CLI_DEFAULTS.out,
    json: undefined,
    jsonFormat: 'jsonl',
    draw: v.draw ?? false,
    model: undefined,
    backend: CLI_DEFAULTS.backend,
    stages: undefined,
    detectSize: undefined,
    refinePasses: undefined,
    flipTest: v['flip-test'] ?? false,
    minScore: CLI_DEFAULTS.minScore,
    recursive: v.recursive ?? false,
    quiet: v.quiet ?? false,
    help: v.help ?? false,
    version: v.version ?? false,
  };
  if (opts.help || opts.version) return opts;

  if (opts.inputs.length === 0) throw new UsageError('no input: give one or more images, folders or glob patterns');
  if (v.out !== undefined) {
    if (v.out === '') throw new UsageError('--out needs a folder');
    if (!opts.draw) throw new UsageError('--out is the folder --draw writes its images to: add --draw');
    opts.out = v.out;
  }
  if (v.json !== undefined) {
    if (v.json === '') throw new UsageError('--json needs a file name, or - for standard output');
    opts.json = v.json;
    opts.jsonFormat = formatOf(v.json);
  } else if (!opts.draw) {
    opts.json = '-'; // nothing else asked for: JSON Lines on stdout
  }
  if (v.format !== undefined) {
    if (v.format !== 'jsonl' && v.format !== 'array') throw new UsageError(`--format must be jsonl or array, got "${v.format}"`);
    if (opts.json === undefined) throw new UsageError('--format applies to --json output: add --json FILE or --json -');
    opts.jsonFormat = v.format;
  }
  if (v.model !== undefined) {
    if (v.model === '') throw new UsageError('--model needs a name or a path');
    opts.model = v.model;
  }
  if (v.backend !== undefined) {
    if (v.backend !== 'wasm' && v.backend !== 'cpu') throw new UsageError(`--backend must be wasm or cpu, got "${v.backend}"`);
    opts.backend = v.backend;
  }
  if (v.stages !== undefined) opts.stages = wholeNumber(v.stages, 1, Infinity, `--stages must be a whole number from 1, got "${v.stages}"`);
  // whole number here; the model's input multiple and range are checked once the model is loaded
  if (v['detect-size'] !== undefined) opts.detectSize = wholeNumber(v['detect-size'], 1, Infinity, `--detect-size must be a whole number of pixels, got "${v['detect-size']}"`);
  if (v['refine-passes'] !== undefined) {
    opts.refinePasses = wholeNumber(v['refine-passes'], 1, MAX_REFINE_PASSES,
      `--refine-passes must be a whole number from 1 to ${MAX_REFINE_PASSES}, got "${v['refine-passes']}"`);
  }
  if (v['min-score'] !== undefined) {
    const s = Number(v['min-score']);
    if (v['min-score'].trim() === '' || !Number.isFinite(s) || s < 0 || s > 1) {
      throw new UsageError(`--min-score must be a number from 0 to 1, got "${v['min-score']}"`);
    }
    opts.minScore = s;
  }
  return opts;
}

export const HELP = `Usage: cpm-pose <image|folder|glob>... [options]

Estimates one person's pose (14 keypoints) in each photo with a Convolutional Pose Machine.
JPEG, PNG, WebP, AVIF, GIF and TIFF; EXIF orientation is applied; big photos are decoded
at most ${CLI_DEFAULTS.maxDecodeSide} px on their longest side. Keypoints are in the original photo's pixels
(as displayed, after EXIF rotation).

Inputs:
  image             a photo
  folder            every file in it (not hidden ones; subfolders with --recursive)
  glob              a pattern such as 'photos/**/*.jpg' (quote it to let cpm-pose expand it)

Options:
  -j, --json FILE   write one record per image to FILE, or to standard output with -.
                    FILE ending in .json: a JSON array; otherwise JSON Lines (one object a line).
                    Default: JSON Lines on standard output, unless --draw is given.
      --format F    jsonl or array: overrides the format chosen from the file name
  -d, --draw        write each photo with the skeleton drawn on it, into --out
  -o, --out DIR     folder for --draw (default: ./${CLI_DEFAULTS.out}); file names are kept
  -m, --model M     a bundled model's name (default: cpm-lite), or a path to a model.json or its folder
  -b, --backend B   wasm or cpu (default: wasm, falling back to cpu if wasm cannot start)
  -k, --stages K    run stages 1..K only: faster, less accurate (default: all)
      --detect-size N
                    input side of the first pass, which only finds the person: smaller is
                    faster and frames the person less well; a multiple of the model's input multiple
                    (cpm-lite: 4) from 32 to 512 (default: the model's, cpm-lite 128)
      --refine-passes N
                    crop passes, 1 to ${MAX_REFINE_PASSES}: each after the first re-frames the person around
                    the last one's keypoints; more accurate, one more pass each (default: 1)
  -f, --flip-test   also run the final pass on the mirror image and average the two:
                    more accurate, slower (default: off)
  -s, --min-score S leave out keypoints scoring below S, 0..1, from the JSON and the drawing (default: ${CLI_DEFAULTS.minScore})
  -r, --recursive   look into subfolders of folder inputs
  -q, --quiet       no progress bar and no summary (errors are still printed)
  -h, --help        this help
  -v, --version     the version

JSON record (one per input file, in input order):
  {"file": "photos/a.jpg", "width": 4032, "height": 3024,
   "keypoints": [{"name": "right_ankle", "x": 1520.3, "y": 2702.9, "score": 0.41}, ...],
   "score": 0.37, "ms": 41.2, "drawn": "out/a.jpg"}
  width, height: the photo as displayed (after EXIF rotation); x, y: pixels of that photo, continuous
  (pixel x covers [x, x + 1)); score: the keypoint's confidence 0..1; pose score: mean of all
  keypoint scores; ms: pose estimation time (decoding and drawing excluded); drawn: with --draw.
  A file that failed gives {"file": ..., "error": "reason"}.

Output:
  A progress bar (count, rate, ETA) on standard error when it is a terminal; a summary at the end.
  A file that cannot be read or decoded gets one line on standard error naming it and the reason,
  and the run goes on with the others.

Exit codes:
  0  every image was processed
  1  some inputs failed (unreadable, not an image, truncated, no match for a pattern)
  2  usage error: bad option or value, no input, a model that cannot be loaded
  130 interrupted (Ctrl-C): the JSON written so far is complete and valid

Examples:
  cpm-pose photo.jpg
  cpm-pose photos/ --draw --out drawn/ --json poses.json
  cpm-pose 'shoot/**/*.{jpg,png}' --stages 2 --min-score 0.2 --json - | jq .score
`;
