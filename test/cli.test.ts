/**
 * The `cpm-pose` command line, end to end: the BUILT bin (dist/cli.js; `npm run build` first, npm test
 * does it) run as a child process on LSPET photos and on made-up folders.
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { createEstimator } from '../src/index.js';
import { LSPET, ROOT, tempDir, tinyModel, writeTempModel } from './helpers.js';

const CLI = path.join(ROOT, 'dist', 'cli.js');

/**
 * The accuracy check, in one place: PCK@alpha (a joint is correct within alpha x the annotated torso
 * diameter, left shoulder to right hip; visible joints only) over the photos below must reach `floor`.
 * Loose on purpose: the shipped models/cpm-lite gets 0.45 on these 40 photos, a guess at the image
 * centre about 0.07, keypoints left in model coordinates about 0.02. It checks that the command reports
 * keypoints in the photo's pixels, not the model's accuracy (test/accuracy-floor.test.ts does that).
 */
const PCK = { alpha: 0.2, floor: 0.3 };
/** validation photos (im08501..im09000 are held out from training) */
const PHOTOS = Array.from({ length: 40 }, (_, i) => path.join(LSPET, 'images', `im0${8501 + i}.jpg`));

interface Annotations {
  joint_names: string[];
  images: Array<{ file: string; width: number; height: number; joints: Array<[number, number, number]> }>;
}
interface Keypoint { name: string; x: number; y: number; score: number }
interface PoseRecord { file: string; width: number; height: number; keypoints: Keypoint[]; score: number; ms: number; drawn?: string; error?: string }

interface Run { status: number | null; stdout: string; stderr: string }

/** Runs the built bin with piped stdio (not a terminal). `env` entries set to undefined are removed. */
function cli(args: string[], opts: { cwd?: string; env?: Record<string, string | undefined> } = {}): Run {
  const env = { ...process.env, ...opts.env };
  for (const k of Object.keys(env)) if (env[k] === undefined) delete env[k];
  const r: SpawnSyncReturns<string> = spawnSync(process.execPath, [CLI, ...args], {
    cwd: opts.cwd ?? ROOT, encoding: 'utf8', env, stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000,
  });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const jsonLines = (s: string): PoseRecord[] => s.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as PoseRecord);
const lines = (s: string) => s.split('\n').filter(Boolean);

function pck(records: PoseRecord[], ann: Annotations, alpha: number): number {
  const byFile = new Map(ann.images.map((r) => [r.file, r]));
  const rhip = ann.joint_names.indexOf('right_hip');
  const lsho = ann.joint_names.indexOf('left_shoulder');
  let correct = 0;
  let total = 0;
  for (const rec of records) {
    const a = byFile.get(path.basename(rec.file))!;
    const torso = Math.hypot(a.joints[lsho]![0] - a.joints[rhip]![0], a.joints[lsho]![1] - a.joints[rhip]![1]);
    ann.joint_names.forEach((name, j) => {
      const [x, y, visible] = a.joints[j]!;
      if (!visible) return;
      total++;
      const k = rec.keypoints.find((p) => p.name === name)!;
      if (Math.hypot(k.x - x, k.y - y) <= alpha * torso) correct++;
    });
  }
  return correct / total;
}

beforeAll(() => {
  if (!fs.existsSync(CLI)) throw new Error('dist/cli.js is missing: run npm run build first (npm test does)');
});

describe('cpm-pose on LSPET photos', () => {
  let ann: Annotations;
  let run: Run;
  let records: PoseRecord[];
  beforeAll(() => {
    ann = JSON.parse(fs.readFileSync(path.join(LSPET, 'annotations.json'), 'utf8')) as Annotations;
    run = cli([...PHOTOS, '--json', '-']);
    records = run.status === 0 ? jsonLines(run.stdout) : [];
  });

  it('exits 0 with one JSON record per photo, in order, in the photo\'s size and joint names', () => {
    expect(run.stderr).not.toMatch(/error/i);
    expect(run.status).toBe(0);
    expect(records.map((r) => r.file)).toEqual(PHOTOS);
    const byFile = new Map(ann.images.map((r) => [r.file, r]));
    for (const r of records) {
      const a = byFile.get(path.basename(r.file))!;
      expect([r.width, r.height]).toEqual([a.width, a.height]);
      expect(r.keypoints.map((k) => k.name)).toEqual(ann.joint_names);
      for (const k of r.keypoints) {
        expect(Number.isFinite(k.x) && Number.isFinite(k.y)).toBe(true);
        expect(k.score).toBeGreaterThanOrEqual(0);
        expect(k.score).toBeLessThanOrEqual(1);
      }
      expect(r.score).toBeGreaterThanOrEqual(0);
      expect(r.score).toBeLessThanOrEqual(1);
      expect(r.ms).toBeGreaterThan(0);
    }
  });

  it(`keypoints match the annotations: PCK@${PCK.alpha} >= ${PCK.floor}`, () => {
    const value = pck(records, ann, PCK.alpha);
    console.log(`cpm-pose CLI: PCK@${PCK.alpha} on ${records.length} LSPET validation photos = ${value.toFixed(3)}`);
    expect(value).toBeGreaterThanOrEqual(PCK.floor);
  });

  it('prints a one-line summary on stderr and no progress bar when stderr is not a terminal', () => {
    expect(lines(run.stderr)).toEqual([expect.stringMatching(/^cpm-pose: 40 files: 40 ok, 0 failed in [\d.]+ s \([\d.]+ img\/s\)$/)]);
    expect(run.stderr).not.toMatch(/\r|\x1b\[|ETA|\[#*-*\]/);
  });
});

describe('piped runs', () => {
  it('--json - --format array: valid JSON on stdout, nothing but the summary on stderr', () => {
    const r = cli([PHOTOS[0]!, PHOTOS[1]!, '--json', '-', '--format', 'array']);
    expect(r.status).toBe(0);
    const arr = JSON.parse(r.stdout) as PoseRecord[];
    expect(arr.map((x) => x.file)).toEqual([PHOTOS[0], PHOTOS[1]]);
    expect(lines(r.stderr)).toHaveLength(1);
    expect(r.stderr).not.toMatch(/\r|\x1b\[|ETA/);
  });

  it('without --json or --draw, JSON Lines go to stdout; --quiet drops the summary', () => {
    const r = cli([PHOTOS[2]!, '--quiet']);
    expect(r.status).toBe(0);
    expect(jsonLines(r.stdout)).toHaveLength(1);
    expect(r.stderr).toBe('');
  });

  it('--json FILE.json writes an array, FILE.jsonl JSON Lines; stdout stays empty', () => {
    const dir = tempDir('cli-json');
    const a = path.join(dir, 'nested', 'poses.json');
    const b = path.join(dir, 'poses.jsonl');
    const ra = cli([PHOTOS[0]!, PHOTOS[1]!, '--json', a]);
    const rb = cli([PHOTOS[0]!, PHOTOS[1]!, '--json', b]);
    expect([ra.status, rb.status]).toEqual([0, 0]);
    expect(ra.stdout + rb.stdout).toBe('');
    const arr = JSON.parse(fs.readFileSync(a, 'utf8')) as PoseRecord[];
    const noMs = (recs: PoseRecord[]) => recs.map(({ ms: _ms, ...rest }) => rest);
    expect(noMs(jsonLines(fs.readFileSync(b, 'utf8')))).toEqual(noMs(arr));
    expect(ra.stderr).toContain(`JSON: ${a}`);
  });
});

describe('bad files in a folder', () => {
  let dir: string;
  let run: Run;
  beforeAll(() => {
    dir = tempDir('cli-folder');
    fs.copyFileSync(PHOTOS[0]!, path.join(dir, 'a.jpg'));
    const bytes = fs.readFileSync(PHOTOS[1]!);
    fs.writeFileSync(path.join(dir, 'b-corrupt.jpg'), bytes.subarray(0, Math.floor(bytes.length / 2))); // truncated
    fs.writeFileSync(path.join(dir, 'c-notes.txt'), 'not a photo\n');
    fs.writeFileSync(path.join(dir, 'd-empty.jpg'), '');
    fs.copyFileSync(PHOTOS[2]!, path.join(dir, 'e.jpg'));
    fs.writeFileSync(path.join(dir, '.hidden'), 'ignored');
    run = cli([dir, path.join(dir, 'missing.jpg')]);
  });

  it('exits 1, processes every good photo and keeps going after a bad one', () => {
    expect(run.status).toBe(1);
    const recs = jsonLines(run.stdout);
    expect(recs.map((r) => path.basename(r.file))).toEqual(['a.jpg', 'b-corrupt.jpg', 'c-notes.txt', 'd-empty.jpg', 'e.jpg', 'missing.jpg']);
    for (const r of recs) {
      if (['a.jpg', 'e.jpg'].includes(path.basename(r.file))) expect(r.keypoints).toHaveLength(14);
      else expect(r.error).toEqual(expect.any(String));
    }
  });

  it('gives each bad file one stderr line naming it and the reason, then the summary', () => {
    const errs = lines(run.stderr);
    const file = (n: string) => path.join(dir, n);
    expect(errs).toEqual([
      // libvips' message ("premature end of JPEG image") sometimes arrives empty; the reason does not
      expect.stringMatching(new RegExp(`^cpm-pose: ${file('b-corrupt.jpg').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: truncated or corrupt image \\((premature end of JPEG image|the decoder gave no detail)\\)$`)),
      `cpm-pose: ${file('c-notes.txt')}: not an image (unknown or unsupported format)`,
      `cpm-pose: ${file('d-empty.jpg')}: empty file (0 bytes)`,
      `cpm-pose: ${file('missing.jpg')}: no such file`,
      expect.stringMatching(/^cpm-pose: 6 files: 2 ok, 4 failed in /),
    ]);
  });

  it('a glob is expanded by cpm-pose; a pattern matching nothing is an error line and exit 1', () => {
    const r = cli([path.join(dir, '*.jpg'), path.join(dir, '*.png')]);
    expect(r.status).toBe(1);
    expect(jsonLines(r.stdout).map((x) => path.basename(x.file))).toEqual(['a.jpg', 'b-corrupt.jpg', 'd-empty.jpg', 'e.jpg']);
    expect(lines(r.stderr)[0]).toBe(`cpm-pose: ${path.join(dir, '*.png')}: no file matches this pattern`);
  });
});

describe('orientation, size and drawing', () => {
  it('honours EXIF orientation and reports keypoints in the full-size photo\'s pixels', async () => {
    const dir = tempDir('cli-orient');
    const src = PHOTOS[2]!;
    const meta = await sharp(src).metadata();
    const W = meta.width! * 4;
    const H = meta.height! * 4; // larger than the 1024 px decode size: decoded shrunk
    const big = await sharp(src).resize(W, H, { kernel: 'nearest' }).png().toBuffer();
    // stored turned 90 degrees anticlockwise, tagged "rotate 90 clockwise to display": upright W x H when honoured
    const rotated = path.join(dir, 'rotated.webp');
    await sharp(big).rotate(270).withMetadata({ orientation: 6 }).webp({ lossless: true }).toFile(rotated);
    // the same picture upright, already at the decode size
    const small = path.join(dir, 'small.png');
    await sharp(big).resize({ width: 1024, height: 1024, fit: 'inside' }).png().toFile(small);
    const r = cli([rotated, small, '--draw', '--out', path.join(dir, 'drawn'), '--json', '-']);
    expect(r.status).toBe(0);
    const [rot, ref] = jsonLines(r.stdout) as [PoseRecord, PoseRecord];
    expect([rot.width, rot.height]).toEqual([W, H]);
    const drawn = await sharp(rot.drawn!).metadata(); // written upright, full size, as a WebP like its photo
    expect([drawn.format, drawn.width, drawn.height, drawn.orientation ?? 1]).toEqual(['webp', W, H, 1]);
    const s = W / ref.width;
    expect(ref.height * s).toBeCloseTo(H, 0);
    // resampling differs slightly (shrink after rotating vs before), and a trained model may flip an
    // ambiguous joint (a knee's side, a wrist) on so small a change: measured 9 of 14 joints within
    // 2.5% of the photo's size, the others 7-12%. Keypoints reported in the wrong frame (orientation
    // ignored or mis-mapped) would move nearly all of them far.
    const d = rot.keypoints.map((k, j) => Math.hypot(k.x - ref.keypoints[j]!.x * s, k.y - ref.keypoints[j]!.y * s));
    console.log('[cli] EXIF: distances / photo size', d.map((v) => (v / Math.max(W, H)).toFixed(3)).join(' '));
    const near = d.filter((v) => v < 0.025 * Math.max(W, H)).length;
    expect(near).toBeGreaterThanOrEqual(7);
  });

  it('--draw writes the upright photo with the skeleton into --out, never over an input', async () => {
    const dir = tempDir('cli-draw');
    const input = path.join(dir, 'photo.jpg');
    fs.copyFileSync(PHOTOS[0]!, input);
    const r = cli([input, '--draw', '--out', dir, '--json', '-']);
    expect(r.status).toBe(0);
    const [rec] = jsonLines(r.stdout) as [PoseRecord];
    expect(rec.drawn).toBe(path.join(dir, 'photo-2.jpg')); // photo.jpg is the input itself
    expect(fs.readFileSync(input)).toEqual(fs.readFileSync(PHOTOS[0]!));
    const [a, b] = await Promise.all([input, rec.drawn!].map((f) => sharp(f).raw().toBuffer({ resolveWithObject: true })));
    expect([b!.info.width, b!.info.height]).toEqual([a!.info.width, a!.info.height]);
    let changed = 0;
    for (let i = 0; i < a!.data.length; i += 3) if (Math.abs(a!.data[i]! - b!.data[i]!) > 60) changed++;
    expect(changed).toBeGreaterThan(200); // limbs and joints drawn
    expect(r.stderr).toContain(`drawings: ${dir}${path.sep}`);
  });

  it('--min-score leaves out exactly the keypoints scoring below it', () => {
    const all = jsonLines(cli([PHOTOS[3]!, PHOTOS[4]!, '-q']).stdout);
    const scores = all.flatMap((r) => r.keypoints.map((k) => k.score)).sort((x, y) => x - y);
    const s = scores[Math.floor(scores.length / 2)]!;
    const some = jsonLines(cli([PHOTOS[3]!, PHOTOS[4]!, '-q', '--min-score', String(s)]).stdout);
    expect(some.map((r) => r.keypoints)).toEqual(all.map((r) => r.keypoints.filter((k) => k.score >= s)));
    expect(some.map((r) => r.score)).toEqual(all.map((r) => r.score));
  });
});

describe('options', () => {
  // PHOTOS[5] as RGB bytes, decoded once for the tests that compare the CLI with the library
  let decoded: Promise<{ data: Buffer; width: number; height: number; channels: 3 }> | undefined;
  const photo5 = () => (decoded ??= sharp(PHOTOS[5]!).removeAlpha().raw().toBuffer({ resolveWithObject: true })
    .then(({ data, info }) => ({ data, width: info.width, height: info.height, channels: 3 as const })));
  it('--help documents every option and exits 0', () => {
    const r = cli(['--help']);
    expect(r.status).toBe(0);
    for (const o of ['--out', '--json', '--format', '--draw', '--model', '--backend', '--stages', '--detect-size', '--refine-passes', '--flip-test', '--min-score', '--recursive', '--quiet', '--help', 'Exit codes']) {
      expect(r.stdout).toContain(o);
    }
  });

  it.each([
    [['--nope', 'x.jpg'], /Unknown option '--nope'/],
    [[], /no input/],
    [['x.jpg', '--stages', '0'], /--stages must be a whole number/],
    [['x.jpg', '--backend', 'webgl'], /--backend must be wasm or cpu/],
    [['x.jpg', '--min-score', '2'], /--min-score must be a number from 0 to 1/],
    [['x.jpg', '--out', 'o'], /add --draw/],
    [['x.jpg', '--model', 'no-such-model'], /bundled: cpm-lite/],
    [[PHOTOS[0]!, '--stages', '9'], /--stages 9: the model "cpm-lite" has \d stages/],
    [['x.jpg', '--detect-size', '9.5'], /--detect-size must be a whole number of pixels, got "9.5"/],
    [['x.jpg', '--refine-passes', '4'], /--refine-passes must be a whole number from 1 to 3, got "4"/],
    [[PHOTOS[0]!, '--detect-size', '98'], /--detect-size for the model "cpm-lite" must be a multiple of the model's input multiple \(4\) from 32 to 512, got 98/],
  ])('usage error %j: exit 2, one message and a pointer to --help', (args, message) => {
    const r = cli(args as string[]);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    const errs = lines(r.stderr);
    expect(errs).toHaveLength(2);
    expect(errs[0]).toMatch(message as RegExp);
    expect(errs[1]).toBe('Run cpm-pose --help for usage.');
  });

  it('--refine-passes gives the library\'s refinePasses result', async () => {
    const once = jsonLines(cli([PHOTOS[5]!, '-q', '--stages', '1']).stdout)[0]!;
    const refined = jsonLines(cli([PHOTOS[5]!, '-q', '--stages', '1', '--refine-passes', '2']).stdout)[0]!;
    const photo = await photo5();
    const e = await createEstimator({ backend: 'wasm' });
    try {
      const want = await e.estimatePose(photo, { stages: 1, refinePasses: 2 });
      for (let j = 0; j < 14; j++) expect(Math.abs(refined.keypoints[j]!.x - want.keypoints[j]!.x)).toBeLessThan(0.05);
      expect(refined.keypoints.map((k) => k.x)).not.toEqual(once.keypoints.map((k) => k.x));
    } finally {
      e.dispose();
    }
  });

  it('--model takes a bundled name or a model folder; --backend cpu, --stages, --flip-test and --detect-size run', async () => {
    const byName = jsonLines(cli([PHOTOS[5]!, '-q', '--model', 'cpm-lite', '--stages', '1']).stdout)[0]!;
    const cpu = jsonLines(cli([PHOTOS[5]!, '-q', '--backend', 'cpu', '--stages', '1']).stdout)[0]!;
    for (let j = 0; j < 14; j++) {
      expect(Math.abs(cpu.keypoints[j]!.x - byName.keypoints[j]!.x)).toBeLessThan(0.5);
      expect(Math.abs(cpu.keypoints[j]!.y - byName.keypoints[j]!.y)).toBeLessThan(0.5);
    }
    // --flip-test: the library's flipTest result
    const flip = jsonLines(cli([PHOTOS[5]!, '-q', '--backend', 'cpu', '--stages', '1', '--flip-test']).stdout)[0]!;
    const photo = await photo5();
    const e = await createEstimator({ backend: 'cpu' });
    try {
      const want = await e.estimatePose(photo, { stages: 1, flipTest: true });
      for (let j = 0; j < 14; j++) expect(Math.abs(flip.keypoints[j]!.x - want.keypoints[j]!.x)).toBeLessThan(0.05);
      expect(flip.keypoints.map((k) => k.x)).not.toEqual(cpu.keypoints.map((k) => k.x));
      // --detect-size: the library's detectSize result (pass 1 at 96 px frames the person differently)
      const small = jsonLines(cli([PHOTOS[5]!, '-q', '--backend', 'cpu', '--stages', '1', '--detect-size', '96']).stdout)[0]!;
      const wantSmall = await e.estimatePose(photo, { stages: 1, detectSize: 96 });
      for (let j = 0; j < 14; j++) expect(Math.abs(small.keypoints[j]!.x - wantSmall.keypoints[j]!.x)).toBeLessThan(0.05);
      expect(small.keypoints.map((k) => k.x)).not.toEqual(cpu.keypoints.map((k) => k.x));
    } finally {
      e.dispose();
    }
    // another bundled name reaches the library's model of that name
    const fast = jsonLines(cli([PHOTOS[5]!, '-q', '--backend', 'cpu', '--stages', '1', '--model', 'cpm-lite-fast']).stdout)[0]!;
    const ef = await createEstimator({ backend: 'cpu', model: 'cpm-lite-fast' });
    try {
      const want = await ef.estimatePose(photo, { stages: 1 });
      for (let j = 0; j < 14; j++) expect(Math.abs(fast.keypoints[j]!.x - want.keypoints[j]!.x)).toBeLessThan(0.05);
      expect(fast.keypoints.map((k) => k.x)).not.toEqual(cpu.keypoints.map((k) => k.x));
    } finally {
      ef.dispose();
    }
    const dir = await writeTempModel(tinyModel({ seed: 3 }), 'cli-model');
    const tiny = cli([PHOTOS[5]!, '-q', '--model', dir]);
    expect(tiny.status).toBe(0);
    expect(jsonLines(tiny.stdout)[0]!.keypoints).toHaveLength(14);
  });
});

describe('README', () => {
  it('the "Command line" section names only options that --help documents', () => {
    const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const section = readme.split(/^## Command line/m)[1]!.split(/^## /m)[0]!;
    const named = [...new Set(section.match(/--[a-z][a-z-]+/g))];
    expect(named.length).toBeGreaterThan(8);
    const help = cli(['--help']).stdout;
    for (const o of named) expect(help, o).toContain(o);
  });
});

describe('on a terminal', () => {
  const hasScript = spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0;

  it.skipIf(!hasScript)('shows a progress bar with count, rate and ETA, then the summary', () => {
    // util-linux `script` runs the command on a pseudo-terminal; CI=... would switch the bar off
    const cmd = [process.execPath, CLI, ...PHOTOS.slice(0, 6), '--json', '/dev/null'].map((a) => `'${a}'`).join(' ');
    const env = { ...process.env };
    delete env.CI;
    const r = spawnSync('script', ['-qfec', cmd, '/dev/null'], { encoding: 'utf8', env, stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/\[#+-*\] +\d\/6 +[\d.]+ img\/s +ETA \d+:\d\d/);
    expect(r.stdout).toMatch(/\[#{30}\] 6\/6/);
    expect(r.stdout).toMatch(/\r\x1b\[Kcpm-pose: 6 files: 6 ok, 0 failed/); // the bar is cleared before the summary
  });
});
