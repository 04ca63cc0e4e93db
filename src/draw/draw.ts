/**
 * Drawing helpers: keypoints, skeleton and belief maps on a 2D canvas context.
 *
 * Coordinates in a PoseResult are frame pixels (the image given to estimatePose). The helpers map
 * them to the canvas: scaled by canvas size / frame size (so the canvas may have any resolution,
 * e.g. the displayed size times devicePixelRatio) and optionally mirrored.
 *
 * Mirroring, the two correct ways to draw a selfie view:
 * - estimate with `flipHorizontal: true`, draw the video mirrored and the pose as is (no `mirror`):
 *   the pose is already in the mirrored frame;
 * - or estimate on the raw frame and draw the pose with `mirror: true` over the mirrored video.
 * Setting both mirrors twice and puts every joint on the wrong side.
 */
import { PoseError } from '../errors.js';
import type { Keypoint } from '../decode/decode.js';
import type { BeliefMaps } from '../estimator/types.js';

/**
 * The part of CanvasRenderingContext2D the helpers use; OffscreenCanvasRenderingContext2D fits too
 * (and a small fake in tests).
 */
export interface DrawContext {
  readonly canvas: { width: number; height: number };
  fillStyle: string | CanvasGradient | CanvasPattern;
  strokeStyle: string | CanvasGradient | CanvasPattern;
  lineWidth: number;
  lineCap: CanvasLineCap;
  save(): void;
  restore(): void;
  beginPath(): void;
  moveTo(x: number, y: number): void;
  lineTo(x: number, y: number): void;
  arc(x: number, y: number, radius: number, startAngle: number, endAngle: number): void;
  fill(): void;
  stroke(): void;
  fillRect(x: number, y: number, w: number, h: number): void;
}

/** Where the pose's frame lies on the canvas. */
export interface DrawView {
  /**
   * Size of the frame the coordinates are in (the image given to estimatePose, e.g.
   * video.videoWidth x video.videoHeight). Default: the canvas size (no scaling).
   */
  frameWidth?: number;
  frameHeight?: number;
  /**
   * Mirror the drawing (x -> frameWidth - x), for a pose estimated on the raw frame and drawn over
   * a mirrored view. Not for poses estimated with flipHorizontal: true (already mirrored). Default false.
   */
  mirror?: boolean;
}

/** Joint colours by side: the person's own left, right, and joints on neither side. */
export interface SideColors {
  left: string;
  right: string;
  centre: string;
}

export interface KeypointDrawOptions extends DrawView {
  /** keypoints scoring below this are not drawn. Default 0.2 */
  minScore?: number;
  /** dot radius in canvas pixels. Default: 0.8% of the canvas's larger side, at least 2 */
  radius?: number;
  /** one colour for all, or colours by side. Default DEFAULT_SIDE_COLORS */
  color?: string | SideColors;
  /** outline colour ('' for none). Default 'rgba(0,0,0,0.6)' */
  outline?: string;
}

export interface SkeletonDrawOptions extends DrawView {
  /** an edge is drawn when both of its keypoints score at least this. Default 0.2 */
  minScore?: number;
  /** line width in canvas pixels. Default: 0.5% of the canvas's larger side, at least 1.5 */
  lineWidth?: number;
  /** one colour for all, or by side (an edge between two joints of one side takes that side's colour). Default DEFAULT_SIDE_COLORS */
  color?: string | SideColors;
}

export interface BeliefMapDrawOptions extends DrawView {
  /** opacity of the strongest cell, 0..1. Default 0.65 */
  alpha?: number;
  /**
   * Divide by the channel's maximum before colouring (default true): a soft, spread-out belief is
   * still visible. false: colour the raw value (probability of the cell, or background sigmoid).
   */
  normalise?: boolean;
  /** cells below this fraction of full scale are not drawn. Default 0.02 */
  cutoff?: number;
  /** colour of a value t in 0..1, as [r, g, b] bytes. Default: heatColor (dark red -> yellow -> white) */
  colormap?: (t: number) => [number, number, number];
}

export const DEFAULT_SIDE_COLORS: Readonly<SideColors> = Object.freeze({
  left: '#ffa630',   // orange: the person's own left
  right: '#2fbfde',  // cyan: the person's own right
  centre: '#f2f2f2', // neck, head
});

export const DEFAULT_DRAW_OPTIONS = Object.freeze({
  /**
   * A keypoint score is the probability mass in the 3x3 map cells around the peak: for the training
   * targets' width (sigma 1.5 cells) a perfectly sure joint scores about 0.47, so 0.2 is "fairly sure".
   */
  minScore: 0.2,
  outline: 'rgba(0,0,0,0.6)',
  alpha: 0.65,
  normalise: true,
  cutoff: 0.02,
});

/** Which side a joint name belongs to: the person's own left or right, or neither. */
export function jointSide(name: string): keyof SideColors {
  if (/(^|[_\-\s])left([_\-\s]|$)/i.test(name) || /^l_/i.test(name)) return 'left';
  if (/(^|[_\-\s])right([_\-\s]|$)/i.test(name) || /^r_/i.test(name)) return 'right';
  return 'centre';
}

function sideColor(color: string | SideColors | undefined, side: keyof SideColors): string {
  if (typeof color === 'string') return color;
  return (color ?? DEFAULT_SIDE_COLORS)[side];
}

function invalid(message: string): PoseError {
  return new PoseError('INVALID_OPTION', message);
}

/** Frame pixels -> canvas pixels for one context and view. */
export interface CanvasMapping {
  sx: number;
  sy: number;
  frameWidth: number;
  frameHeight: number;
  mirror: boolean;
  x(x: number): number;
  y(y: number): number;
}

/** The mapping the helpers use from frame pixels to the context's canvas pixels. */
export function canvasMapping(ctx: Pick<DrawContext, 'canvas'>, view: DrawView = {}): CanvasMapping {
  const cw = ctx.canvas.width;
  const ch = ctx.canvas.height;
  const fw = view.frameWidth ?? cw;
  const fh = view.frameHeight ?? ch;
  if (!(fw > 0) || !(fh > 0)) throw invalid(`frameWidth and frameHeight must be positive, got ${fw} x ${fh}`);
  const sx = cw / fw;
  const sy = ch / fh;
  const mirror = view.mirror === true;
  return {
    sx, sy, frameWidth: fw, frameHeight: fh, mirror,
    x: mirror ? (x: number) => (fw - x) * sx : (x: number) => x * sx,
    y: (y: number) => y * sy,
  };
}

function usable(k: Keypoint | undefined, minScore: number): k is Keypoint {
  return k !== undefined && Number.isFinite(k.x) && Number.isFinite(k.y) && k.score >= minScore;
}

function checkMinScore(v: number): number {
  if (typeof v !== 'number' || Number.isNaN(v)) throw invalid(`minScore must be a number, got ${JSON.stringify(v)}`);
  return v;
}

/**
 * Draws the keypoints scoring at least `minScore` as dots, coloured by side (the person's own
 * left / right). Returns how many were drawn.
 */
export function drawKeypoints(ctx: DrawContext, keypoints: readonly Keypoint[], options: KeypointDrawOptions = {}): number {
  const minScore = checkMinScore(options.minScore ?? DEFAULT_DRAW_OPTIONS.minScore);
  const m = canvasMapping(ctx, options);
  const radius = options.radius ?? Math.max(2, 0.008 * Math.max(ctx.canvas.width, ctx.canvas.height));
  const outline = options.outline ?? DEFAULT_DRAW_OPTIONS.outline;
  let drawn = 0;
  ctx.save();
  ctx.lineWidth = Math.max(1, radius / 3);
  for (const k of keypoints) {
    if (!usable(k, minScore)) continue;
    ctx.beginPath();
    ctx.arc(m.x(k.x), m.y(k.y), radius, 0, 2 * Math.PI);
    ctx.fillStyle = sideColor(options.color, jointSide(k.name));
    ctx.fill();
    if (outline) {
      ctx.strokeStyle = outline;
      ctx.stroke();
    }
    drawn++;
  }
  ctx.restore();
  return drawn;
}

/**
 * Draws the skeleton edges (pairs of keypoint indices, e.g. `estimator.model.skeleton`) whose two
 * keypoints both score at least `minScore`. Returns how many edges were drawn.
 */
export function drawSkeleton(
  ctx: DrawContext,
  keypoints: readonly Keypoint[],
  edges: ReadonlyArray<readonly [number, number]>,
  options: SkeletonDrawOptions = {},
): number {
  const minScore = checkMinScore(options.minScore ?? DEFAULT_DRAW_OPTIONS.minScore);
  const m = canvasMapping(ctx, options);
  let drawn = 0;
  ctx.save();
  ctx.lineWidth = options.lineWidth ?? Math.max(1.5, 0.005 * Math.max(ctx.canvas.width, ctx.canvas.height));
  ctx.lineCap = 'round';
  for (const [i, j] of edges) {
    const a = keypoints[i];
    const b = keypoints[j];
    if (!usable(a, minScore) || !usable(b, minScore)) continue;
    const sa = jointSide(a.name);
    const sb = jointSide(b.name);
    ctx.strokeStyle = sideColor(options.color, sa === sb ? sa : 'centre');
    ctx.beginPath();
    ctx.moveTo(m.x(a.x), m.y(a.y));
    ctx.lineTo(m.x(b.x), m.y(b.y));
    ctx.stroke();
    drawn++;
  }
  ctx.restore();
  return drawn;
}

/** Default colormap: black-body like, dark red -> red -> yellow -> white. */
export function heatColor(t: number): [number, number, number] {
  const v = Math.max(0, Math.min(1, t));
  const r = Math.round(255 * Math.min(1, 0.35 + 1.6 * v));
  const g = Math.round(255 * Math.max(0, Math.min(1, 2 * v - 0.45)));
  const b = Math.round(255 * Math.max(0, Math.min(1, 3 * v - 2)));
  return [r, g, b];
}

/**
 * Draws one channel of one stage's belief maps (from `estimatePose(..., { returnBeliefMaps: true })`)
 * as a translucent heat map over the frame, one rectangle per map cell, where that cell lies in the
 * frame. `channel` is a joint index or name (or 'background'). Returns the channel's maximum value.
 */
export function drawBeliefMap(
  ctx: DrawContext,
  maps: BeliefMaps,
  channel: number | string,
  options: BeliefMapDrawOptions = {},
): { max: number } {
  const ch = typeof channel === 'string' ? maps.names.indexOf(channel) : channel;
  if (!Number.isInteger(ch) || ch < 0 || ch >= maps.channels) {
    throw invalid(`belief map channel ${JSON.stringify(channel)} not found; channels: ${maps.names.join(', ')}`);
  }
  const { data, width: W, height: H, channels: C } = maps;
  let max = 0;
  for (let i = 0; i < W * H; i++) max = Math.max(max, data[i * C + ch]!);
  const normalise = options.normalise ?? DEFAULT_DRAW_OPTIONS.normalise;
  const scale = normalise ? (max > 0 ? 1 / max : 0) : 1;
  const alpha = options.alpha ?? DEFAULT_DRAW_OPTIONS.alpha;
  const cutoff = options.cutoff ?? DEFAULT_DRAW_OPTIONS.cutoff;
  const colormap = options.colormap ?? heatColor;
  const m = canvasMapping(ctx, options);
  // Cell edges snapped to whole canvas pixels, so that neighbouring cells neither overlap nor
  // leave anti-aliased seams.
  const xs = new Float64Array(W + 1);
  for (let c = 0; c <= W; c++) xs[c] = Math.round(m.x(maps.x0 + c * maps.cellWidth));
  const ys = new Float64Array(H + 1);
  for (let r = 0; r <= H; r++) ys[r] = Math.round(m.y(maps.y0 + r * maps.cellHeight));
  ctx.save();
  for (let r = 0; r < H; r++) {
    const y0 = ys[r]!;
    const h = ys[r + 1]! - y0;
    if (h <= 0) continue;
    for (let c = 0; c < W; c++) {
      const t = Math.min(1, data[(r * W + c) * C + ch]! * scale);
      if (!(t >= cutoff)) continue;
      const xa = xs[c]!;
      const xb = xs[c + 1]!;
      const w = Math.abs(xb - xa);
      if (w <= 0) continue;
      const [cr, cg, cb] = colormap(t);
      ctx.fillStyle = `rgba(${cr},${cg},${cb},${(alpha * t).toFixed(3)})`;
      ctx.fillRect(Math.min(xa, xb), y0, w, h);
    }
  }
  ctx.restore();
  return { max };
}
