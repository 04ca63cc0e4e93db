/**
 * Drawing helpers on a fake 2D context that records every call and the style in force at the time.
 */
import { describe, expect, it } from 'vitest';
import {
  drawBeliefMap, drawKeypoints, drawSkeleton, DEFAULT_SIDE_COLORS, heatColor,
  type BeliefMaps, type DrawContext, type Keypoint,
} from '../src/index.js';
import { canvasMapping, jointSide } from '../src/draw/index.js';

interface Call {
  op: string;
  args: number[];
  fillStyle: string;
  strokeStyle: string;
  lineWidth: number;
}

class FakeContext implements DrawContext {
  readonly canvas: { width: number; height: number };
  fillStyle: string | CanvasGradient | CanvasPattern = '#000';
  strokeStyle: string | CanvasGradient | CanvasPattern = '#000';
  lineWidth = 1;
  lineCap: CanvasLineCap = 'butt';
  calls: Call[] = [];
  private stack: Array<Pick<FakeContext, 'fillStyle' | 'strokeStyle' | 'lineWidth' | 'lineCap'>> = [];

  constructor(width: number, height: number) {
    this.canvas = { width, height };
  }

  private rec(op: string, ...args: number[]): void {
    this.calls.push({ op, args, fillStyle: String(this.fillStyle), strokeStyle: String(this.strokeStyle), lineWidth: this.lineWidth });
  }

  save(): void {
    this.stack.push({ fillStyle: this.fillStyle, strokeStyle: this.strokeStyle, lineWidth: this.lineWidth, lineCap: this.lineCap });
    this.rec('save');
  }
  restore(): void {
    Object.assign(this, this.stack.pop());
    this.rec('restore');
  }
  beginPath(): void { this.rec('beginPath'); }
  moveTo(x: number, y: number): void { this.rec('moveTo', x, y); }
  lineTo(x: number, y: number): void { this.rec('lineTo', x, y); }
  arc(x: number, y: number, r: number, a0: number, a1: number): void { this.rec('arc', x, y, r, a0, a1); }
  fill(): void { this.rec('fill'); }
  stroke(): void { this.rec('stroke'); }
  fillRect(x: number, y: number, w: number, h: number): void { this.rec('fillRect', x, y, w, h); }

  ops(name: string): Call[] {
    return this.calls.filter((c) => c.op === name);
  }
}

const kp = (name: string, x: number, y: number, score = 0.9): Keypoint => ({ name, x, y, score });

describe('drawKeypoints', () => {
  it('draws each keypoint at its frame position on a canvas of the frame size, coloured by side', () => {
    const ctx = new FakeContext(200, 100);
    const n = drawKeypoints(ctx, [kp('left_wrist', 10, 20), kp('right_wrist', 150, 60), kp('neck', 100, 30)], { radius: 5 });
    expect(n).toBe(3);
    const arcs = ctx.ops('arc');
    expect(arcs.map((c) => c.args.slice(0, 3))).toEqual([[10, 20, 5], [150, 60, 5], [100, 30, 5]]);
    const fills = ctx.ops('fill').map((c) => c.fillStyle);
    expect(fills).toEqual([DEFAULT_SIDE_COLORS.left, DEFAULT_SIDE_COLORS.right, DEFAULT_SIDE_COLORS.centre]);
  });

  it('skips keypoints below minScore and non-finite ones', () => {
    const ctx = new FakeContext(100, 100);
    const n = drawKeypoints(ctx, [kp('a', 1, 1, 0.1), kp('b', 2, 2, 0.5), kp('c', Number.NaN, 3, 0.9)], { minScore: 0.4 });
    expect(n).toBe(1);
    expect(ctx.ops('arc')).toHaveLength(1);
    expect(ctx.ops('arc')[0]!.args.slice(0, 2)).toEqual([2, 2]);
  });

  it('scales frame pixels to a canvas of another size (any displayed size)', () => {
    const ctx = new FakeContext(320, 240); // the canvas shows a 640x480 frame at half size
    drawKeypoints(ctx, [kp('x', 100, 200)], { frameWidth: 640, frameHeight: 480 });
    expect(ctx.ops('arc')[0]!.args.slice(0, 2)).toEqual([50, 100]);
  });

  it('mirror: x -> frameWidth - x, before scaling', () => {
    const ctx = new FakeContext(320, 240);
    drawKeypoints(ctx, [kp('left_wrist', 100, 200)], { frameWidth: 640, frameHeight: 480, mirror: true });
    expect(ctx.ops('arc')[0]!.args.slice(0, 2)).toEqual([(640 - 100) / 2, 100]);
    // side colours follow the person's own side, not the screen side
    expect(ctx.ops('fill')[0]!.fillStyle).toBe(DEFAULT_SIDE_COLORS.left);
  });

  it('leaves the context state as it found it', () => {
    const ctx = new FakeContext(10, 10);
    ctx.fillStyle = '#123456';
    ctx.lineWidth = 7;
    drawKeypoints(ctx, [kp('a', 1, 1)], { color: 'red' });
    expect(ctx.fillStyle).toBe('#123456');
    expect(ctx.lineWidth).toBe(7);
    expect(ctx.ops('save')).toHaveLength(1);
    expect(ctx.ops('restore')).toHaveLength(1);
  });

  it('rejects a bad minScore or frame size with INVALID_OPTION', () => {
    const ctx = new FakeContext(10, 10);
    expect(() => drawKeypoints(ctx, [], { minScore: Number.NaN })).toThrow(/INVALID_OPTION/);
    expect(() => drawKeypoints(ctx, [], { frameWidth: 0 })).toThrow(/INVALID_OPTION/);
  });
});

describe('drawSkeleton', () => {
  const pts = [kp('left_shoulder', 10, 10), kp('left_elbow', 20, 30), kp('neck', 30, 5), kp('right_shoulder', 50, 10, 0.05)];

  it('draws the edges whose two keypoints pass minScore, coloured by side', () => {
    const ctx = new FakeContext(100, 100);
    const n = drawSkeleton(ctx, pts, [[0, 1], [2, 0], [2, 3]], { lineWidth: 3 });
    expect(n).toBe(2); // [2, 3] has a low-score end
    const moves = ctx.ops('moveTo').map((c) => c.args);
    const lines = ctx.ops('lineTo').map((c) => c.args);
    expect(moves).toEqual([[10, 10], [30, 5]]);
    expect(lines).toEqual([[20, 30], [10, 10]]);
    const strokes = ctx.ops('stroke');
    expect(strokes.map((c) => c.strokeStyle)).toEqual([DEFAULT_SIDE_COLORS.left, DEFAULT_SIDE_COLORS.centre]);
    expect(strokes.every((c) => c.lineWidth === 3)).toBe(true);
  });

  it('mirrors and scales like drawKeypoints', () => {
    const ctx = new FakeContext(50, 50);
    drawSkeleton(ctx, pts, [[0, 1]], { frameWidth: 100, frameHeight: 100, mirror: true });
    expect(ctx.ops('moveTo')[0]!.args).toEqual([45, 5]);
    expect(ctx.ops('lineTo')[0]!.args).toEqual([40, 15]);
  });

  it('ignores edges that point past the keypoints', () => {
    const ctx = new FakeContext(10, 10);
    expect(drawSkeleton(ctx, pts, [[0, 9]])).toBe(0);
  });
});

function maps(W: number, H: number, C: number, fill: (r: number, c: number, ch: number) => number, geo: Partial<BeliefMaps> = {}): BeliefMaps {
  const data = new Float32Array(W * H * C);
  for (let r = 0; r < H; r++) for (let c = 0; c < W; c++) for (let ch = 0; ch < C; ch++) data[(r * W + c) * C + ch] = fill(r, c, ch);
  return {
    stage: 1, width: W, height: H, channels: C, data,
    names: [...Array.from({ length: C - 1 }, (_, i) => `joint${i}`), 'background'],
    x0: 0, y0: 0, cellWidth: 10, cellHeight: 10, ...geo,
  };
}

describe('drawBeliefMap', () => {
  it('fills one rectangle per cell above the cutoff, where the cell lies in the frame, opacity by value', () => {
    // 4x3 cells of 10 px from (5, 0); channel 1 has a single peak at row 1, col 2, a weaker cell at row 0, col 0
    const m = maps(4, 3, 3, (r, c, ch) => (ch !== 1 ? 0.5 : r === 1 && c === 2 ? 0.8 : r === 0 && c === 0 ? 0.2 : 0), { x0: 5 });
    const ctx = new FakeContext(100, 100);
    const { max } = drawBeliefMap(ctx, m, 1);
    expect(max).toBeCloseTo(0.8);
    const rects = ctx.ops('fillRect');
    expect(rects.map((c) => c.args)).toEqual([[5, 0, 10, 10], [25, 10, 10, 10]]);
    // normalised by the maximum: the peak gets full alpha (0.65), the weak cell a quarter of it
    expect(rects[1]!.fillStyle).toBe(`rgba(${heatColor(1).join(',')},0.650)`);
    expect(rects[0]!.fillStyle).toBe(`rgba(${heatColor(0.25).join(',')},0.163)`);
  });

  it('takes a channel by name and mirrors cells (x -> frameWidth - x)', () => {
    const m = maps(2, 1, 2, (_r, c, ch) => (ch === 0 && c === 0 ? 1 : 0), { x0: 0, cellWidth: 25, cellHeight: 50 });
    const ctx = new FakeContext(100, 50);
    drawBeliefMap(ctx, m, 'joint0', { mirror: true });
    // cell 0 covers frame x [0, 25): mirrored it is [75, 100)
    expect(ctx.ops('fillRect').map((c) => c.args)).toEqual([[75, 0, 25, 50]]);
  });

  it('snaps cell edges to whole canvas pixels with no gaps between neighbours', () => {
    const m = maps(3, 1, 2, () => 1, { x0: 0.3, cellWidth: 3.3, cellHeight: 4 });
    const ctx = new FakeContext(11, 4);
    drawBeliefMap(ctx, m, 0);
    const r = ctx.ops('fillRect').map((c) => c.args);
    expect(r).toHaveLength(3);
    for (let i = 1; i < r.length; i++) expect(r[i]![0]).toBe(r[i - 1]![0]! + r[i - 1]![2]!);
    expect(r.every((a) => Number.isInteger(a[0]) && Number.isInteger(a[2]))).toBe(true);
  });

  it('draws nothing for an all-zero channel, and rejects an unknown channel', () => {
    const m = maps(2, 2, 2, () => 0);
    const ctx = new FakeContext(20, 20);
    expect(drawBeliefMap(ctx, m, 0).max).toBe(0);
    expect(ctx.ops('fillRect')).toHaveLength(0);
    expect(() => drawBeliefMap(ctx, m, 'elbow')).toThrow(/INVALID_OPTION.*joint0, background/);
    expect(() => drawBeliefMap(ctx, m, 5)).toThrow(/INVALID_OPTION/);
  });
});

describe('helpers', () => {
  it('jointSide reads the person\'s side from the joint name', () => {
    expect(jointSide('left_wrist')).toBe('left');
    expect(jointSide('right_ankle')).toBe('right');
    expect(jointSide('neck')).toBe('centre');
    expect(jointSide('head_top')).toBe('centre');
    expect(jointSide('upright')).toBe('centre');
  });

  it('canvasMapping defaults to the canvas size (identity)', () => {
    const m = canvasMapping({ canvas: { width: 30, height: 20 } });
    expect([m.x(7), m.y(9), m.sx, m.sy]).toEqual([7, 9, 1, 1]);
  });

  it('heatColor runs from dark red to white', () => {
    expect(heatColor(0)[1]).toBe(0);
    expect(heatColor(1)).toEqual([255, 255, 255]);
    expect(heatColor(2)).toEqual(heatColor(1));
  });
});
