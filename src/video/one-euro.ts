import { keypointBox } from '../estimator/crop.js';
/**
 * The One Euro filter (Casiez, Roussel and Vogel, "1 € Filter: A Simple Speed-based Low-pass Filter
 * for Noisy Input in Interactive Systems", CHI 2012): a first-order low-pass filter whose cutoff
 * frequency rises with the signal's speed, so that a still signal is smoothed strongly (little
 * jitter) and a fast one lightly (little lag). Driven by timestamps, so irregular frame rates work.
 */

export interface OneEuroParams {
  /** cutoff frequency at zero speed, Hz: lower = less jitter, more lag when slow */
  minCutoff: number;
  /** how fast the cutoff rises with speed (Hz per unit of speed): higher = less lag when fast */
  beta: number;
  /** cutoff frequency for the speed estimate, Hz */
  dCutoff: number;
}

/** Smoothing factor of an exponential low-pass with cutoff `cutoff` Hz for a step of `dt` seconds. */
export function smoothingFactor(cutoff: number, dt: number): number {
  const tau = 1 / (2 * Math.PI * cutoff);
  return 1 / (1 + tau / dt);
}

/** One scalar signal. */
export class OneEuroFilter {
  private params: OneEuroParams;
  private x: number | undefined;
  private dx = 0;
  private t: number | undefined;

  constructor(params: OneEuroParams) {
    this.params = { ...params };
  }

  /**
   * Filters `value` observed at time `t` (seconds). `speedScale` divides the speed before it
   * raises the cutoff (e.g. the object's size, for speeds in sizes per second). A time that does not
   * move forward returns the previous output unchanged.
   */
  filter(value: number, t: number, speedScale = 1): number {
    if (this.x === undefined || this.t === undefined) {
      this.x = value;
      this.dx = 0;
      this.t = t;
      return value;
    }
    const dt = t - this.t;
    if (!(dt > 0)) return this.x;
    const { minCutoff, beta, dCutoff } = this.params;
    const rawSpeed = (value - this.x) / dt;
    this.dx += smoothingFactor(dCutoff, dt) * (rawSpeed - this.dx);
    const cutoff = minCutoff + beta * Math.abs(this.dx) / (speedScale > 0 ? speedScale : 1);
    this.x += smoothingFactor(cutoff, dt) * (value - this.x);
    this.t = t;
    return this.x;
  }

  /** The last output, if any. */
  get value(): number | undefined {
    return this.x;
  }

  /** Forgets the signal: the next value passes through unchanged. */
  reset(): void {
    this.x = undefined;
    this.t = undefined;
    this.dx = 0;
  }
}

/**
 * One Euro filters for the x and y of every keypoint. Speeds are measured in pose sizes per second
 * (the size: the longer side of the keypoints' bounding box), so the same parameters work for a
 * small person far away and a large one nearby, at any resolution.
 */
export class KeypointSmoother {
  private readonly params: OneEuroParams;
  private filters: Array<[OneEuroFilter, OneEuroFilter]> = [];

  constructor(params: OneEuroParams) {
    this.params = { ...params };
  }

  /** Smooths keypoints observed at `timestampMs`; returns new keypoint objects (scores unchanged). */
  smooth<K extends { x: number; y: number }>(keypoints: readonly K[], timestampMs: number): K[] {
    if (this.filters.length !== keypoints.length) {
      this.filters = keypoints.map(() => [new OneEuroFilter(this.params), new OneEuroFilter(this.params)]);
    }
    const t = timestampMs / 1000;
    const size = poseSize(keypoints);
    return keypoints.map((k, i) => {
      const [fx, fy] = this.filters[i]!;
      return { ...k, x: fx.filter(k.x, t, size), y: fy.filter(k.y, t, size) };
    });
  }

  reset(): void {
    for (const [fx, fy] of this.filters) {
      fx.reset();
      fy.reset();
    }
  }
}

/** The longer side of the keypoints' bounding box (1 when it is empty or not finite). */
export function poseSize(keypoints: ReadonlyArray<{ x: number; y: number }>): number {
  const { x0, y0, x1, y1 } = keypointBox(keypoints);
  const s = Math.max(x1 - x0, y1 - y0);
  return Number.isFinite(s) && s > 0 ? s : 1;
}
