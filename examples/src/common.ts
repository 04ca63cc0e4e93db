/**
 * Shared by the webcam page and the image page: estimator start-up with the WebGL -> WASM fallback,
 * on-page messages, the status line, and the belief-map views. Everything from the library comes
 * through the package entry point, as in a user's app.
 */
import * as tf from '@tensorflow/tfjs';
import {
  BUNDLED_MODEL_NAMES, createEstimator, drawBeliefMap, drawKeypoints, drawSkeleton, isPoseError, jointSide, DEFAULT_SIDE_COLORS,
  type BackendName, type BeliefMaps, type Keypoint, type PoseEstimator, type PoseResult,
} from 'cpm-pose';
import { webglUnavailable, type Problem } from './messages';

/** The demo's defaults, in one place. URL parameters of the same names override them. */
export const DEMO_DEFAULTS = {
  backend: 'webgl' as BackendName,
  /**
   * keypoints and edges scoring below this are hidden. A score is the probability mass in the 3x3
   * map cells around the peak: about 0.45 at most for the training targets' width, so 0.1 is low.
   */
  threshold: 0.1,
  mirror: true,
  overlay: true,
  overlayJoint: 'right_wrist',
  region: true,
  /** image page: the library's test-time flip (more accurate, about one more pass of time) */
  flipTest: false,
  /** webcam: crop each frame around the previous pose, and smooth the keypoints (the library's video defaults) */
  tracking: true,
  smoothing: true,
  /** webcam, stages 'auto': the time budget per frame, ms */
  budgetMs: 100,
};

export const BACKENDS: BackendName[] = ['webgl', 'wasm', 'cpu'];

/** Reads ?backend=&threshold=&mirror=&overlay=&joint=&stages=&flip=&detect=&refine=&trim=&model= from the page URL. */
export function urlSettings(search = location.search) {
  const p = new URLSearchParams(search);
  const num = (k: string) => (p.has(k) && Number.isFinite(Number(p.get(k))) ? Number(p.get(k)) : undefined);
  const bool = (k: string) => (p.has(k) ? !['0', 'false', 'no', 'off'].includes(p.get(k)!.toLowerCase()) : undefined);
  const backend = p.get('backend');
  return {
    backend: BACKENDS.includes(backend as BackendName) ? (backend as BackendName) : DEMO_DEFAULTS.backend,
    threshold: num('threshold') ?? DEMO_DEFAULTS.threshold,
    mirror: bool('mirror') ?? DEMO_DEFAULTS.mirror,
    overlay: bool('overlay') ?? DEMO_DEFAULTS.overlay,
    region: bool('crop') ?? DEMO_DEFAULTS.region,
    flipTest: bool('flip') ?? DEMO_DEFAULTS.flipTest,
    /** pass 1's input side (estimatePose's and the tracker's detectSize); default the model's */
    detectSize: num('detect'),
    /** image page: estimatePose's refinePasses (crop passes) */
    refinePasses: num('refine'),
    /** the library's trimPadding (passes on the image content only); default the backend's */
    trimPadding: bool('trim'),
    overlayJoint: p.get('joint') ?? DEMO_DEFAULTS.overlayJoint,
    stages: p.get('stages') === 'auto' ? ('auto' as const) : num('stages'),
    tracking: bool('tracking') ?? DEMO_DEFAULTS.tracking,
    smoothing: bool('smoothing') ?? DEMO_DEFAULTS.smoothing,
    budgetMs: num('budget') ?? DEMO_DEFAULTS.budgetMs,
    /** a model.json URL to try instead of the bundled model */
    model: p.get('model') ?? undefined,
  };
}

/** Where the wasm backend's files are served (see vite.config.ts). */
export function wasmPaths(): string {
  return new URL('tfjs-wasm/', document.baseURI).href;
}

export function $<T extends HTMLElement = HTMLElement>(id: string): T {
  const e = document.getElementById(id);
  if (!e) throw new Error(`#${id} missing from the page`);
  return e as T;
}

/** A queue that runs async tasks one at a time, in order (a failed task does not stop the next). */
export function taskQueue(): <T>(task: () => Promise<T>) => Promise<T> {
  let chain: Promise<unknown> = Promise.resolve();
  return <T>(task: () => Promise<T>): Promise<T> => {
    const run = chain.then(task);
    chain = run.catch(() => undefined);
    return run;
  };
}

/**
 * The Model select: the bundled models, and the ?model= URL when it is another model; selects
 * `settings.model`. Choosing one stores it in `settings` and calls `reload` (the page restarts its estimator).
 */
export function wireModelSelect(select: HTMLSelectElement, settings: { model: string | undefined }, reload: () => void): void {
  const current = settings.model;
  const names: string[] = [...BUNDLED_MODEL_NAMES];
  if (current && !names.includes(current)) names.push(current);
  fillSelect(select, names.map((n) => [n, n]), current ?? BUNDLED_MODEL_NAMES[0]);
  select.addEventListener('change', () => {
    settings.model = select.value;
    reload();
  });
}

/** The controls and read-outs both pages have (same ids in index.html and image.html). */
export function sharedControls() {
  return {
    backend: $<HTMLSelectElement>('backend'),
    modelName: $<HTMLSelectElement>('model-name'),
    stages: $<HTMLSelectElement>('stages'),
    threshold: $<HTMLInputElement>('threshold'),
    thresholdValue: $<HTMLOutputElement>('threshold-value'),
    overlay: $<HTMLInputElement>('overlay'),
    region: $<HTMLInputElement>('region'),
    joint: $<HTMLSelectElement>('joint'),
    mapStage: $<HTMLSelectElement>('map-stage'),
    status: $('status'),
    view: $<HTMLCanvasElement>('view'),
    placeholder: $('placeholder'),
    ms: $('stat-ms'),
    score: $('stat-score'),
    size: $('stat-size'),
    backendStat: $('stat-backend'),
    threads: $('stat-threads'),
    model: $('model'),
  };
}

/** State the browser tests (and curious developers, in the console) read: window.cpmDemo. */
export interface DemoDebug {
  page: 'webcam' | 'image';
  /** 'loading' -> 'ready' (estimator warmed up) -> 'starting' -> 'running' -> 'stopped' (webcam) / 'done' (image) */
  state: string;
  backend?: BackendName;
  /** the running model's name */
  model?: string;
  threads?: string;
  crossOriginIsolated: boolean;
  /** problem codes shown on the page (see messages.ts) */
  problems: string[];
  /** frames with a pose since the camera started (webcam) */
  frames: number;
  /** the last few frames' poses, oldest first (webcam) */
  history: Array<{ frame: number; pose: ShownPose; width: number; height: number; mirror: boolean }>;
  last?: {
    pose: ShownPose;
    width: number;
    height: number;
    mirror: boolean;
    ms: number;
    frame: number;
  };
  [key: string]: unknown;
}

export function initDebug(page: DemoDebug['page']): DemoDebug {
  const d: DemoDebug = { page, state: 'loading', crossOriginIsolated: globalThis.crossOriginIsolated === true, problems: [], frames: 0, history: [] };
  (window as unknown as { cpmDemo: DemoDebug }).cpmDemo = d;
  return d;
}

/** The message list at the top of the page. */
export class Messages {
  constructor(private readonly box: HTMLElement, private readonly debug: DemoDebug) {}

  show(p: Problem): void {
    this.clear(p.code);
    const div = document.createElement('div');
    div.className = `msg msg-${p.level}`;
    div.dataset.code = p.code;
    div.setAttribute('role', p.level === 'error' ? 'alert' : 'status');
    div.textContent = p.message;
    this.box.append(div);
    this.debug.problems = this.codes();
  }

  clear(code?: string): void {
    for (const e of Array.from(this.box.querySelectorAll<HTMLElement>('.msg'))) {
      if (code === undefined || e.dataset.code === code) e.remove();
    }
    this.debug.problems = this.codes();
  }

  codes(): string[] {
    return Array.from(this.box.querySelectorAll<HTMLElement>('.msg')).map((e) => e.dataset.code ?? '');
  }
}

/**
 * Creates an estimator on the requested backend. WebGL that cannot start falls back to WASM (and
 * WASM to CPU), with a message saying so.
 */
export async function startEstimator(requested: BackendName, model?: string): Promise<{ estimator: PoseEstimator; problem?: Problem }> {
  const opts = { wasmPaths: wasmPaths(), ...(model ? { model } : {}) };
  try {
    return { estimator: await createEstimator({ ...opts, backend: requested }) };
  } catch (e) {
    if (!isPoseError(e, 'UNKNOWN_BACKEND') || requested === 'cpu') throw e;
    const reason = (e as Error).message.replace(/^\[UNKNOWN_BACKEND\]\s*/, '');
    const fallback: BackendName = requested === 'webgl' ? 'wasm' : 'cpu';
    let estimator: PoseEstimator;
    try {
      estimator = await createEstimator({ ...opts, backend: fallback });
    } catch {
      estimator = await createEstimator({ ...opts, backend: 'cpu' });
    }
    const problem: Problem = requested === 'webgl'
      ? webglUnavailable(reason, estimator.backend)
      : { code: 'backend-error', level: 'warning', message: `The ${requested.toUpperCase()} backend could not start (${reason}); running on ${estimator.backend.toUpperCase()} instead.` };
    return { estimator, problem };
  }
}

/** The page elements that show which backend and model run. */
export interface BackendView {
  backend: HTMLSelectElement;
  backendStat: HTMLElement;
  model: HTMLElement;
  threads: HTMLElement;
}

/**
 * Both pages' backend switch: disposes the old estimator, starts one on `requested` (with the
 * WebGL -> WASM fallback and its message), lets the page prepare it (`prepare`, e.g. warm-up at the
 * camera's size), then shows backend, model and threads. Returns undefined (and shows why) when no
 * model could be started.
 */
export async function switchEstimator(
  old: PoseEstimator | undefined, requested: BackendName, model: string | undefined,
  page: { messages: Messages; status: (text: string) => void; view: BackendView; debug: DemoDebug; prepare?: (est: PoseEstimator) => Promise<void> },
): Promise<PoseEstimator | undefined> {
  old?.dispose();
  for (const c of ['webgl-unavailable', 'backend-error', 'model-error']) page.messages.clear(c);
  page.status(`Starting the ${requested.toUpperCase()} backend, loading and warming up the model…`);
  let est: PoseEstimator | undefined;
  try {
    const started = await startEstimator(requested, model);
    est = started.estimator;
    if (started.problem) page.messages.show(started.problem);
    await page.prepare?.(est);
    page.view.backend.value = est.backend;
    page.view.backendStat.textContent = est.backend.toUpperCase();
    page.view.model.textContent = modelSummary(est);
    page.debug.backend = est.backend;
    page.debug.model = est.model.name;
    const threads = await threadsInfo(est.backend);
    page.view.threads.textContent = threads;
    page.debug.threads = threads;
    return est;
  } catch (e) {
    est?.dispose(); // started but its warm-up failed: free its weights
    page.messages.show({ code: 'model-error', level: 'error', message: `The model could not be started: ${(e as Error).message}` });
    page.status('No model: see the message above.');
    return undefined;
  }
}

/** Whether the wasm backend runs (or would run) multi-threaded here, in words. */
export async function threadsInfo(backend: BackendName): Promise<string> {
  if (globalThis.crossOriginIsolated !== true) return 'WASM threads: off (the page is not cross-origin isolated)';
  // the same module instance the library uses (a peer dependency, like @tensorflow/tfjs); importing it
  // also registers the flags read below
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  let supported = false;
  try {
    supported = Boolean(await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT')) && Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'));
  } catch {
    supported = false;
  }
  if (!supported) return 'WASM threads: off (this browser has no wasm threads + SIMD)';
  if (backend !== 'wasm') return 'WASM threads: available (cross-origin isolated)';
  let n = 0;
  try {
    n = wasm.getThreadsCount();
  } catch {
    n = 0;
  }
  return `WASM threads: on${n > 0 ? ` (${n} in the pool)` : ''}`;
}

/** Fills a <select> with options (value, label) and selects `value` if present. */
export function fillSelect(select: HTMLSelectElement, options: Array<[string, string]>, value?: string): void {
  select.replaceChildren(...options.map(([v, label]) => {
    const o = document.createElement('option');
    o.value = v;
    o.textContent = label;
    return o;
  }));
  if (value !== undefined && options.some(([v]) => v === value)) select.value = value;
}

/** Human-readable joint name: right_wrist -> right wrist. */
export function label(name: string): string {
  return name.replace(/_/g, ' ');
}

/** The colour the drawing helpers give a joint (by the person's own side). */
export function jointColor(name: string): string {
  return DEFAULT_SIDE_COLORS[jointSide(name)];
}

/** Draws `source` onto the canvas, mirrored or not, covering it. */
export function drawFrame(ctx: CanvasRenderingContext2D, source: CanvasImageSource, mirror: boolean): void {
  const { width, height } = ctx.canvas;
  ctx.save();
  if (mirror) {
    ctx.translate(width, 0);
    ctx.scale(-1, 1);
  }
  ctx.drawImage(source, 0, 0, width, height);
  ctx.restore();
}

/**
 * A belief-map thumbnail: the frame darkened by `dim` (0..1) under `joint`'s map of `maps` at
 * `alpha`. Returns drawBeliefMap's result (the peak cell's probability).
 */
export function drawMapThumbnail(
  ctx: CanvasRenderingContext2D, source: CanvasImageSource, mirror: boolean, maps: BeliefMaps, joint: string,
  frame: { frameWidth: number; frameHeight: number }, dim: number, alpha: number,
): ReturnType<typeof drawBeliefMap> {
  drawFrame(ctx, source, mirror);
  ctx.fillStyle = `rgba(0,0,0,${dim})`;
  ctx.fillRect(0, 0, ctx.canvas.width, ctx.canvas.height);
  return drawBeliefMap(ctx, maps, joint, { ...frame, alpha });
}

/** What the pages draw: a PoseResult, or a tracked pose from the video API. */
export interface ShownPose {
  keypoints: Keypoint[];
  score: number;
  stage: number;
  beliefMaps?: BeliefMaps[];
  /** the frame rectangle the network saw, and how it was chosen ('image', 'crop', 'roi', 'track') */
  region?: { x: number; y: number; width: number; height: number };
  framing?: string;
}

export interface OverlayOptions {
  threshold: number;
  /** the pose was estimated with flipHorizontal (frame drawn mirrored, pose already in the mirrored frame) */
  mirror: boolean;
  skeleton: Array<[number, number]>;
  /** belief map to overlay: joint name and stage (1-based), or none */
  map?: { joint: string; stage: number };
  /** outline the region the network saw (the person crop of the second pass, or the tracked crop) */
  showRegion: boolean;
  frameWidth: number;
  frameHeight: number;
}

/** Frame, belief map, crop box, skeleton and keypoints on one canvas. */
export function renderPose(ctx: CanvasRenderingContext2D, source: CanvasImageSource, pose: ShownPose, o: OverlayOptions): void {
  drawFrame(ctx, source, o.mirror);
  const view = { frameWidth: o.frameWidth, frameHeight: o.frameHeight };
  const maps = o.map && pose.beliefMaps?.find((m) => m.stage === o.map!.stage);
  if (o.map && maps) drawBeliefMap(ctx, maps, o.map.joint, view);
  if (o.showRegion && pose.region && pose.framing && pose.framing !== 'image') drawRegion(ctx, pose.region, pose.framing, view);
  drawSkeleton(ctx, pose.keypoints, o.skeleton, { ...view, minScore: o.threshold });
  drawKeypoints(ctx, pose.keypoints, { ...view, minScore: o.threshold });
}

function drawRegion(ctx: CanvasRenderingContext2D, r: NonNullable<ShownPose['region']>, framing: string, view: { frameWidth: number; frameHeight: number }): void {
  const sx = ctx.canvas.width / view.frameWidth;
  const sy = ctx.canvas.height / view.frameHeight;
  const unit = Math.max(1, Math.max(ctx.canvas.width, ctx.canvas.height) / 400);
  ctx.save();
  ctx.setLineDash([6 * unit, 4 * unit]);
  ctx.lineWidth = unit;
  ctx.strokeStyle = 'rgba(255,255,255,0.75)';
  ctx.strokeRect(r.x * sx, r.y * sy, r.width * sx, r.height * sy);
  ctx.font = `${Math.round(11 * unit)}px system-ui, sans-serif`;
  ctx.fillStyle = 'rgba(255,255,255,0.85)';
  ctx.fillText(framing, r.x * sx + 4 * unit, r.y * sy + 13 * unit);
  ctx.restore();
}

/**
 * One small view per computed stage: the frame with that stage's belief map of `joint`, so the
 * refinement from stage to stage is visible. `onPick(stage)` when one is clicked.
 */
export class StageStrip {
  private canvases: HTMLCanvasElement[] = [];

  constructor(private readonly box: HTMLElement, private readonly onPick: (stage: number) => void) {}

  render(source: CanvasImageSource, pose: ShownPose, joint: string, mirror: boolean, frameWidth: number, frameHeight: number, selected: number, receptiveFields: number[]): void {
    const maps = pose.beliefMaps ?? [];
    this.ensure(maps.length);
    const w = 200;
    const h = Math.max(1, Math.round((w * frameHeight) / frameWidth));
    maps.forEach((m, i) => {
      const c = this.canvases[i]!;
      if (c.width !== w || c.height !== h) {
        c.width = w;
        c.height = h;
      }
      const { max } = drawMapThumbnail(c.getContext('2d')!, source, mirror, m, joint, { frameWidth, frameHeight }, 0.35, 0.9);
      const fig = c.parentElement!;
      fig.classList.toggle('selected', m.stage === selected);
      const k = pose.keypoints.find((p) => p.name === joint);
      fig.querySelector('figcaption')!.textContent =
        `stage ${m.stage} · RF ${receptiveFields[i] ?? '?'} px · peak cell ${(100 * max).toFixed(1)}%${m.stage === pose.stage && k ? ` · score ${k.score.toFixed(2)}` : ''}`;
    });
  }

  private ensure(n: number): void {
    while (this.canvases.length > n) {
      this.canvases.pop()!.parentElement!.remove();
    }
    while (this.canvases.length < n) {
      const stage = this.canvases.length + 1;
      const fig = document.createElement('figure');
      fig.className = 'stage';
      const c = document.createElement('canvas');
      c.title = `Show stage ${stage}'s belief map on the main view`;
      c.addEventListener('click', () => this.onPick(stage));
      const cap = document.createElement('figcaption');
      fig.append(c, cap);
      this.box.append(fig);
      this.canvases.push(c);
    }
  }
}

/** Model facts for the status line. */
export function modelSummary(est: PoseEstimator): string {
  const m = est.model;
  return `${m.name}: ${m.stages} stages, ${m.inputSize}×${m.inputSize} input, receptive fields ${m.receptiveFields.join(' / ')} px`;
}
