/**
 * Browser-test helpers: build and serve the demo, launch Debian's Chromium through playwright-core,
 * read the clip and the annotations from ../shared, compare poses.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { greyThumb } from './thumb.js';
import { decodeJpeg } from '../helpers.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SHARED = path.resolve(ROOT, '..', 'shared', 'data');
export const CLIP = path.join(SHARED, 'video', 'pose_1.mjpeg');
export const CLIP_REFERENCE = path.join(SHARED, 'video', 'pose_1.reference.json');
export const LSPET = path.join(SHARED, 'lspet');
export const ARTIFACTS = path.join(ROOT, 'test-artifacts', 'browser');
export const DEMO_OUT = path.join(ROOT, '.cache', 'demo-build');

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const BASE_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--no-first-run',
];
/** A fake camera playing `file`, with the permission prompt auto-accepted. */
export function fakeCameraArgs(file = CLIP, acceptPrompt = true): string[] {
  return [
    ...(acceptPrompt ? ['--use-fake-ui-for-media-stream'] : []),
    '--use-fake-device-for-media-stream',
    `--use-file-for-fake-video-capture=${file}`,
  ];
}

export async function launch(extraArgs: string[]): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`no Chromium at ${CHROMIUM}: apt-get install -y chromium (or set CHROMIUM_PATH)`);
  }
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: [...BASE_ARGS, ...extraArgs] });
}

/** Opens a page that forwards the page's errors and console errors to the test log. */
export async function openPage(browser: Browser, url: string): Promise<{ page: Page; errors: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  await page.goto(url);
  return { page, errors };
}

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.bin': 'application/octet-stream',
  '.wasm': 'application/wasm',
  '.map': 'application/json',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.svg': 'image/svg+xml',
};

/**
 * A static server for the built demo on 127.0.0.1 (a free port), with the cross-origin isolation
 * headers the demo's dev server also sends.
 */
export async function serveStatic(dir: string): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer((req, res) => {
    const rel = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    let file = path.join(dir, path.normalize(rel));
    if (!file.startsWith(dir)) {
      res.writeHead(403).end();
      return;
    }
    if (fs.existsSync(file) && fs.statSync(file).isDirectory()) file = path.join(file, 'index.html');
    if (!fs.existsSync(file)) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, {
      'Content-Type': MIME[path.extname(file)] ?? 'application/octet-stream',
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Cross-Origin-Embedder-Policy': 'require-corp',
      'Cross-Origin-Resource-Policy': 'same-origin',
      'Cache-Control': 'no-store',
    });
    fs.createReadStream(file).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export interface DemoPose {
  /** as shown (smoothed, on the webcam page) */
  keypoints: Array<{ name: string; x: number; y: number; score: number }>;
  /** webcam page: the network's keypoints of that very frame, before smoothing */
  rawKeypoints?: Array<{ name: string; x: number; y: number; score: number }>;
  score: number;
  stage: number;
  framing?: string;
  /** the frame rectangle the network saw (a tracked frame: the crop around the previous pose) */
  region?: { x: number; y: number; width: number; height: number };
}

/** Debug state the demo pages publish as window.cpmDemo (see examples/src/common.ts). */
export interface DemoState {
  page: string;
  state: string;
  /** the running model's name */
  model?: string;
  backend?: string;
  threads?: string;
  crossOriginIsolated: boolean;
  problems: string[];
  frames: number;
  image?: string;
  /** webcam: the last few frames' poses, oldest first */
  history?: Array<{ frame: number; pose: DemoPose; width: number; height: number; mirror: boolean }>;
  last?: {
    pose: DemoPose;
    width: number;
    height: number;
    mirror: boolean;
    ms: number;
    frame: number;
  };
}

export async function demoState(page: Page): Promise<DemoState> {
  return page.evaluate(() => {
    const d = (window as unknown as { cpmDemo?: Record<string, unknown> }).cpmDemo;
    if (!d) return { page: '', state: 'absent', crossOriginIsolated: false, problems: [], frames: 0 };
    // plain data only (functions dropped)
    return JSON.parse(JSON.stringify(d));
  }) as Promise<DemoState>;
}

/** Polls window.cpmDemo until `ok` holds; fails with the last state and the page's errors. */
export async function waitForDemo(page: Page, ok: (s: DemoState) => boolean, timeoutMs: number, errors: string[] = []): Promise<DemoState> {
  const end = Date.now() + timeoutMs;
  let s = await demoState(page);
  while (!ok(s)) {
    if (Date.now() > end) {
      throw new Error(`timed out after ${timeoutMs} ms; demo state ${JSON.stringify({ ...s, last: undefined })}; page errors: ${errors.join(' | ') || 'none'}`);
    }
    await page.waitForTimeout(250);
    s = await demoState(page);
  }
  return s;
}

// ---------------------------------------------------------------- the clip and its reference

/** Splits a Motion JPEG file into its JPEG frames. */
export function mjpegFrames(file = CLIP): Buffer[] {
  const buf = fs.readFileSync(file);
  const starts: number[] = [];
  for (let i = 0; i + 2 < buf.length; i++) {
    if (buf[i] === 0xff && buf[i + 1] === 0xd8 && buf[i + 2] === 0xff) starts.push(i);
  }
  return starts.map((s, k) => buf.subarray(s, k + 1 < starts.length ? starts[k + 1] : buf.length));
}


/** The clip's JPEG frames as grey thumbnails. */
export function clipThumbs(n: number, frames: readonly Buffer[] = mjpegFrames()): number[][] {
  return frames.map((f) => {
    const img = decodeJpeg(f);
    return greyThumb(img.data, img.width, img.height, n);
  });
}

/**
 * Residual of the least-squares fit b ~ s * a + o (mean squared): Chromium's fake camera decodes the
 * clip with a different grey scale (video vs full range), which a plain difference would mistake for
 * content.
 */
export function linearResidual(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i]!;
    mb += b[i]!;
  }
  ma /= n;
  mb /= n;
  let sab = 0;
  let saa = 0;
  for (let i = 0; i < n; i++) {
    sab += (a[i]! - ma) * (b[i]! - mb);
    saa += (a[i]! - ma) ** 2;
  }
  const s = saa > 0 ? sab / saa : 0;
  const o = mb - s * ma;
  let r = 0;
  for (let i = 0; i < n; i++) r += (b[i]! - s * a[i]! - o) ** 2;
  return r / n;
}

/**
 * The clip frame that `thumb` shows: the one with the smallest linearResidual; `runnerUp` is the
 * best residual among frames more than 3 frames away (for a sanity check that the match is clear).
 */
export function matchFrame(thumb: ArrayLike<number>, thumbs: ReadonlyArray<ArrayLike<number>>): { index: number; residual: number; runnerUp: number } {
  const scores = thumbs.map((t) => linearResidual(t, thumb));
  let index = 0;
  for (let i = 1; i < scores.length; i++) if (scores[i]! < scores[index]!) index = i;
  const n = scores.length;
  const far = scores.filter((_, i) => Math.min(Math.abs(i - index), n - Math.abs(i - index)) > 3);
  return { index, residual: scores[index]!, runnerUp: Math.min(...far) };
}

export type ReferenceFrame = Record<string, { x: number; y: number }>;

export function clipReference(): ReferenceFrame[] {
  return JSON.parse(fs.readFileSync(CLIP_REFERENCE, 'utf8')) as ReferenceFrame[];
}

// ---------------------------------------------------------------- LSPET

export interface LspetRecord {
  file: string;
  width: number;
  height: number;
  joints: Array<[number, number, number]>;
}

export function lspetRecord(file: string): { names: string[]; record: LspetRecord } {
  const ann = JSON.parse(fs.readFileSync(path.join(LSPET, 'annotations.json'), 'utf8')) as { joint_names: string[]; images: LspetRecord[] };
  const record = ann.images.find((r) => r.file === file);
  if (!record) throw new Error(`${file} is not in the LSPET annotations`);
  return { names: ann.joint_names, record };
}

/**
 * PCK@alpha over the annotated visible joints: a joint is correct within alpha x the torso diameter
 * (annotated left shoulder to right hip). Annotations are pixel indices; the library's coordinates
 * are continuous (pixel x covers [x, x + 1)), hence the + 0.5.
 */
export function pck(
  keypoints: Array<{ name: string; x: number; y: number }>,
  names: string[],
  joints: Array<[number, number, number]>,
  alpha: number,
): { pck: number; correct: number; total: number; perJoint: Record<string, number> } {
  const at = (n: string) => joints[names.indexOf(n)]!;
  const torso = Math.hypot(at('left_shoulder')[0] - at('right_hip')[0], at('left_shoulder')[1] - at('right_hip')[1]);
  let correct = 0;
  let total = 0;
  const perJoint: Record<string, number> = {};
  names.forEach((n, j) => {
    const [x, y, v] = joints[j]!;
    if (!v) return;
    const k = keypoints.find((p) => p.name === n);
    if (!k) throw new Error(`the pose has no keypoint ${n}`);
    const d = Math.hypot(k.x - (x + 0.5), k.y - (y + 0.5)) / torso;
    perJoint[n] = Number(d.toFixed(3));
    total++;
    if (d <= alpha) correct++;
  });
  return { pck: correct / total, correct, total, perJoint };
}

export function saveArtifact(name: string, data: Buffer | string): string {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, name);
  fs.writeFileSync(file, data);
  return file;
}
