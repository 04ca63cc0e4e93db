/**
 * PCK (percentage of correct keypoints), the one implementation used by `npm run eval`,
 * `npm run bench` and test/accuracy-floor.test.ts.
 *
 * A predicted joint is correct when it lies within `threshold x torso diameter` of the annotation.
 * Torso diameter: the distance between the annotated left shoulder and right hip, or, when that
 * pair is not annotated (both visible = 1), between the right shoulder and the left hip; images
 * with neither pair are skipped. Only visible joints (visible = 1) are counted. A joint that a
 * model does not predict at all (MoveNet has no neck or head top) has no score.
 *
 * The limb mean is the mean of the per-joint PCKs over the 12 limb joints.
 */
import { rng } from '../src/weights/random.js';
import { quantile } from './timing.js';

export const THRESHOLDS = [0.2, 0.1] as const;

/** The 12 limb joints that LSP and COCO skeletons share. */
export const LIMB_JOINTS = [
  'right_shoulder', 'left_shoulder', 'right_elbow', 'left_elbow', 'right_wrist', 'left_wrist',
  'right_hip', 'left_hip', 'right_knee', 'left_knee', 'right_ankle', 'left_ankle',
] as const;

export const TORSO_PAIRS: ReadonlyArray<readonly [string, string]> = [
  ['left_shoulder', 'right_hip'],
  ['right_shoulder', 'left_hip'],
];

/** One annotated joint: [x, y, visible] in image pixels (visible 1 = annotated and visible). */
export type AnnotatedJoint = readonly [number, number, number];
export interface Point { x: number; y: number }
/** Predictions by joint name; a missing name means the model does not predict that joint. */
export type Prediction = Readonly<Record<string, Point | undefined>>;

export interface JointPck {
  /** correct predictions per threshold, in THRESHOLDS order */
  hits: number[];
  /** visible annotated joints counted (in images with a torso diameter) */
  count: number;
}

/**
 * Why the joints missed PCK@thresholds[0]: each visible annotated joint is exactly one of
 * - correct: within the threshold of its own annotation;
 * - swap: not, but within it of its left/right partner's annotation (the model put it on the other
 *   side's limb, or the annotation's left and right are the viewer's);
 * - near: within 0.5 torso of its own annotation (right limb, imprecise);
 * - far: anything else, or not predicted.
 */
export interface ErrorCounts {
  correct: number;
  swap: number;
  near: number;
  far: number;
}

export const NEAR_TORSO = 0.5;

/** The left/right partner of a joint name ('left_wrist' <-> 'right_wrist'), or undefined. */
export function partnerOf(name: string): string | undefined {
  if (name.startsWith('left_')) return `right_${name.slice(5)}`;
  if (name.startsWith('right_')) return `left_${name.slice(6)}`;
  return undefined;
}

export interface PckResult {
  thresholds: number[];
  joints: string[];
  /** images counted / skipped (no torso diameter) */
  images: number;
  skipped: number;
  /** per joint: PCK (0..1) per threshold, or null when the model does not predict it or nothing was counted */
  perJoint: Record<string, { pck: Array<number | null>; count: number }>;
  /** mean over the 12 limb joints per threshold (null when one of them has no score) */
  limbMean: Array<number | null>;
  /** per joint, and summed over the 12 limb joints: what became of each visible joint at thresholds[0] */
  errors: Record<string, ErrorCounts>;
  limbErrors: ErrorCounts;
}

/** The torso diameter of one annotation, or undefined when neither pair is annotated. */
export function torsoDiameter(joints: readonly string[], truth: readonly AnnotatedJoint[]): number | undefined {
  for (const [a, b] of TORSO_PAIRS) {
    const ta = truth[joints.indexOf(a)];
    const tb = truth[joints.indexOf(b)];
    if (ta && tb && ta[2] === 1 && tb[2] === 1) {
      const d = Math.hypot(ta[0] - tb[0], ta[1] - tb[1]);
      if (d > 0) return d;
    }
  }
  return undefined;
}

export class PckAccumulator {
  readonly joints: string[];
  readonly thresholds: number[];
  private readonly stats = new Map<string, JointPck>();
  private readonly errors = new Map<string, ErrorCounts>();
  /** per joint (annotation order): the index of its left/right partner, or -1 */
  private readonly partners: number[];
  private predicted = new Set<string>();
  /** per counted image, per joint: 1 within thresholds[0], 0 not, -1 not visible (for pairedBootstrap) */
  private readonly hitsPerImage: number[][] = [];
  private images = 0;
  private skipped = 0;

  /** `joints`: the annotation's joint names, in the order of its triples. */
  constructor(joints: readonly string[], thresholds: readonly number[] = THRESHOLDS) {
    this.joints = [...joints];
    this.thresholds = [...thresholds];
    for (const j of joints) {
      this.stats.set(j, { hits: thresholds.map(() => 0), count: 0 });
      this.errors.set(j, { correct: 0, swap: 0, near: 0, far: 0 });
    }
    this.partners = this.joints.map((j) => {
      const partner = partnerOf(j);
      return partner === undefined ? -1 : this.joints.indexOf(partner);
    });
  }

  /** Adds one image; returns false when it was skipped (no torso diameter). */
  add(prediction: Prediction, truth: readonly AnnotatedJoint[]): boolean {
    const torso = torsoDiameter(this.joints, truth);
    if (torso === undefined) {
      this.skipped++;
      return false;
    }
    this.images++;
    const row = this.joints.map(() => -1);
    this.hitsPerImage.push(row);
    this.joints.forEach((name, i) => {
      const t = truth[i];
      const p = prediction[name];
      if (p) this.predicted.add(name);
      if (!t || t[2] !== 1) return;
      row[i] = 0;
      const s = this.stats.get(name)!;
      s.count++;
      const e = this.errors.get(name)!;
      if (!p) {
        e.far++;
        return;
      }
      const d = Math.hypot(p.x - t[0], p.y - t[1]);
      this.thresholds.forEach((thr, k) => {
        if (d <= thr * torso) s.hits[k]!++;
      });
      const tp = truth[this.partners[i]!];
      const limit = this.thresholds[0]! * torso;
      if (d <= limit) {
        e.correct++;
        row[i] = 1;
      }
      else if (tp && tp[2] === 1 && Math.hypot(p.x - tp[0], p.y - tp[1]) <= limit) e.swap++;
      else if (d <= NEAR_TORSO * torso) e.near++;
      else e.far++;
    });
    return true;
  }

  /** Per counted image (in the order added), per joint: 1 hit at thresholds[0], 0 missed, -1 not visible. */
  photoHits(): number[][] {
    return this.hitsPerImage.map((r) => [...r]);
  }

  result(): PckResult {
    const perJoint: PckResult['perJoint'] = {};
    for (const name of this.joints) {
      const s = this.stats.get(name)!;
      const known = this.predicted.has(name) && s.count > 0;
      perJoint[name] = { pck: s.hits.map((h) => (known ? h / s.count : null)), count: s.count };
    }
    const limbMean = this.thresholds.map((_, k) => {
      const v = LIMB_JOINTS.map((j) => perJoint[j]?.pck[k] ?? null);
      return v.some((x) => x === null) ? null : (v as number[]).reduce((a, b) => a + b, 0) / v.length;
    });
    const errors = Object.fromEntries(this.joints.map((j) => [j, { ...this.errors.get(j)! }]));
    const limbErrors: ErrorCounts = { correct: 0, swap: 0, near: 0, far: 0 };
    for (const j of LIMB_JOINTS) {
      const e = errors[j];
      if (!e) continue;
      for (const k of Object.keys(limbErrors) as Array<keyof ErrorCounts>) limbErrors[k] += e[k];
    }
    return { thresholds: [...this.thresholds], joints: [...this.joints], images: this.images, skipped: this.skipped, perJoint, limbMean, errors, limbErrors };
  }
}

export const pct = (v: number | null | undefined, digits = 1): string => (v === null || v === undefined ? '—' : (100 * v).toFixed(digits));

/**
 * A markdown table: one row per joint (14), then the limb mean; for each result a PCK@0.2 and a
 * PCK@0.1 column.
 */
export function pckTable(columns: ReadonlyArray<{ label: string; result: PckResult }>): string {
  if (columns.length === 0) return '';
  const joints = columns[0]!.result.joints;
  const thr = columns[0]!.result.thresholds;
  const head = ['joint', ...columns.flatMap((c) => thr.map((t) => (columns.length > 1 ? `${c.label} @${t}` : `PCK@${t}`)))];
  const rows: string[][] = [];
  for (const j of joints) {
    rows.push([j, ...columns.flatMap((c) => c.result.perJoint[j]!.pck.map((v) => pct(v)))]);
  }
  rows.push([`**mean, ${LIMB_JOINTS.length} limb joints**`, ...columns.flatMap((c) => c.result.limbMean.map((v) => `**${pct(v)}**`))]);
  return markdownTable(head, rows, head.map((_, i) => (i === 0 ? 'left' : 'right')));
}

/** correct, swap, near and far as % of the counted joints (table cells; '—' when none was counted). */
export function errorShares(e: ErrorCounts): string[] {
  const n = e.correct + e.swap + e.near + e.far;
  return [e.correct, e.swap, e.near, e.far].map((v) => pct(n > 0 ? v / n : null));
}

/**
 * A markdown table of the error breakdown at PCK@thresholds[0]: per joint, then the 12 limb joints
 * together, the share of visible joints that are correct, swapped, near and far.
 */
export function errorTable(result: PckResult): string {
  const rows = result.joints.map((j) => [j, ...errorShares(result.errors[j]!)]);
  rows.push([`**${LIMB_JOINTS.length} limb joints**`, ...errorShares(result.limbErrors).map((v) => `**${v}**`)]);
  const thr = result.thresholds[0];
  const head = ['joint', `correct (≤${thr})`, `left/right swap`, `near (≤${NEAR_TORSO})`, 'far'];
  return markdownTable(head, rows, head.map((_, i) => (i === 0 ? 'left' : 'right')));
}

export function markdownTable(head: string[], rows: string[][], align: Array<'left' | 'right'> = []): string {
  const sep = head.map((_, i) => (align[i] === 'right' ? '---:' : '---'));
  return [head, sep, ...rows].map((r) => `| ${r.join(' | ')} |`).join('\n');
}

export interface PairedDifference {
  /** limb-mean PCK of A minus B on all the photos */
  difference: number;
  /** 2.5% and 97.5% quantiles of the difference over the resamples */
  low: number;
  high: number;
  /** share of resamples in which A does not beat B */
  shareNoGain: number;
  resamples: number;
}

/**
 * Paired bootstrap of the limb-mean PCK difference between two models scored on the same photos
 * (PckAccumulator.photoHits of each, same photo order): resamples the photos with replacement and
 * recomputes both means on each resample, so it says how much of a difference the choice of photos
 * alone could make. Deterministic for a seed.
 */
export function pairedBootstrap(joints: readonly string[], a: readonly number[][], b: readonly number[][], resamples = 2000, seed = 1): PairedDifference {
  if (a.length !== b.length || a.length === 0) throw new Error(`pairedBootstrap needs the same photos for both models, got ${a.length} and ${b.length}`);
  const limbs = LIMB_JOINTS.map((j) => joints.indexOf(j));
  if (limbs.some((i) => i < 0)) throw new Error('pairedBootstrap: the joints must include the 12 limb joints');
  const limbMean = (rows: readonly number[][], pick: readonly number[]): number => {
    let sum = 0;
    for (const j of limbs) {
      let hits = 0;
      let count = 0;
      for (const r of pick) {
        const v = rows[r]![j]!;
        if (v < 0) continue;
        hits += v;
        count++;
      }
      sum += count > 0 ? hits / count : 0;
    }
    return sum / limbs.length;
  };
  const all = a.map((_, i) => i);
  const difference = limbMean(a, all) - limbMean(b, all);
  const random = rng(seed);
  const diffs: number[] = [];
  for (let s = 0; s < resamples; s++) {
    const pick = all.map(() => Math.floor(random() * all.length));
    diffs.push(limbMean(a, pick) - limbMean(b, pick));
  }
  return { difference, low: quantile(diffs, 0.025), high: quantile(diffs, 0.975), shareNoGain: diffs.filter((d) => d <= 0).length / diffs.length, resamples };
}
