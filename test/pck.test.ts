/** Known answers for the PCK module shared by npm run eval, npm run bench and the accuracy floor. */
import { describe, expect, it } from 'vitest';
import { errorTable, LIMB_JOINTS, pairedBootstrap, partnerOf, PckAccumulator, torsoDiameter, type AnnotatedJoint } from '../bench/pck.js';
import { selectSplit, type Lspet } from '../bench/lspet.js';

const JOINTS = ['right_ankle', 'right_knee', 'right_hip', 'left_hip', 'left_knee', 'left_ankle', 'right_wrist',
  'right_elbow', 'right_shoulder', 'left_shoulder', 'left_elbow', 'left_wrist', 'neck', 'head_top'];
const idx = (n: string) => JOINTS.indexOf(n);

/** All joints visible at (10 * i, 0), except left_shoulder at (0, 0) and right_hip at (30, 40): torso 50. */
function truth(): AnnotatedJoint[] {
  const t: AnnotatedJoint[] = JOINTS.map((_, i) => [10 * i, 0, 1]);
  t[idx('left_shoulder')] = [0, 0, 1];
  t[idx('right_hip')] = [30, 40, 1];
  return t;
}
const exact = (t: AnnotatedJoint[]) => Object.fromEntries(JOINTS.map((n, i) => [n, { x: t[i]![0], y: t[i]![1] }]));

describe('PCK', () => {
  it('torso diameter: left shoulder-right hip, else right shoulder-left hip, else none', () => {
    const t = truth();
    expect(torsoDiameter(JOINTS, t)).toBe(50);
    t[idx('right_hip')] = [30, 40, 0];
    t[idx('right_shoulder')] = [0, 0, 1];
    t[idx('left_hip')] = [6, 8, 1];
    expect(torsoDiameter(JOINTS, t)).toBe(10);
    t[idx('left_hip')] = [6, 8, 0];
    expect(torsoDiameter(JOINTS, t)).toBeUndefined();
  });

  it('counts a joint within threshold x torso (inclusive), visible joints only, skips images without a torso', () => {
    const acc = new PckAccumulator(JOINTS);
    const t = truth();
    const p = exact(t);
    p.right_wrist = { x: t[idx('right_wrist')]![0] + 10, y: 0 }; // 0.2 x 50: correct at 0.2, wrong at 0.1
    p.left_wrist = { x: t[idx('left_wrist')]![0] + 10.01, y: 0 }; // just outside 0.2
    p.neck = { x: 1000, y: 1000 }; // wrong but...
    t[idx('neck')] = [t[idx('neck')]![0], 0, 0]; // ...not visible: not counted
    expect(acc.add(p, t)).toBe(true);
    const noTorso = truth().map(([x, y]) => [x, y, 0] as AnnotatedJoint);
    expect(acc.add(exact(noTorso), noTorso)).toBe(false);
    const r = acc.result();
    expect(r.images).toBe(1);
    expect(r.skipped).toBe(1);
    expect(r.perJoint.right_wrist!.pck).toEqual([1, 0]);
    expect(r.perJoint.left_wrist!.pck).toEqual([0, 0]);
    expect(r.perJoint.neck).toEqual({ pck: [null, null], count: 0 });
    expect(r.perJoint.head_top!.pck).toEqual([1, 1]);
    expect(r.limbMean[0]).toBeCloseTo(11 / 12, 10);
    expect(r.limbMean[1]).toBeCloseTo(10 / 12, 10);
  });

  it('a joint the model does not predict has no score; the limb mean needs all 12 limb joints', () => {
    const acc = new PckAccumulator(JOINTS);
    const t = truth();
    const p = exact(t);
    delete p.head_top;
    acc.add(p, t);
    expect(acc.result().perJoint.head_top!.pck).toEqual([null, null]);
    expect(acc.result().limbMean).toEqual([1, 1]);
    const acc2 = new PckAccumulator(JOINTS);
    const p2 = exact(t);
    delete p2.left_ankle;
    acc2.add(p2, t);
    expect(acc2.result().limbMean).toEqual([null, null]);
    expect(LIMB_JOINTS).toHaveLength(12);
  });

  it('error breakdown: correct, left/right swap, near (0.5 torso), far; every visible joint once', () => {
    const acc = new PckAccumulator(JOINTS);
    const t = truth(); // torso 50: 0.2 -> 10 px, 0.5 -> 25 px
    const p = exact(t);
    const at = (n: string) => t[idx(n)]!;
    p.right_wrist = { x: at('left_wrist')[0] + 3, y: 4 }; // 5 px from the left wrist's annotation: swap
    p.left_ankle = { x: at('left_ankle')[0], y: 20 }; // 20 px off: near
    p.right_knee = { x: at('right_knee')[0], y: 26 }; // 26 px off: far
    p.left_knee = { x: at('left_knee')[0], y: 10 }; // exactly 0.2: correct
    delete p.right_elbow; // not predicted: far
    p.neck = { x: at('neck')[0], y: 100 }; // no partner: far, and not a limb joint
    acc.add(p, t);
    const r = acc.result();
    expect(r.errors.right_wrist).toEqual({ correct: 0, swap: 1, near: 0, far: 0 });
    expect(r.errors.left_ankle).toEqual({ correct: 0, swap: 0, near: 1, far: 0 });
    expect(r.errors.right_knee).toEqual({ correct: 0, swap: 0, near: 0, far: 1 });
    expect(r.errors.left_knee).toEqual({ correct: 1, swap: 0, near: 0, far: 0 });
    expect(r.errors.right_elbow).toEqual({ correct: 0, swap: 0, near: 0, far: 1 });
    expect(r.errors.neck).toEqual({ correct: 0, swap: 0, near: 0, far: 1 });
    expect(r.limbErrors).toEqual({ correct: 8, swap: 1, near: 1, far: 2 });
    // a swap needs the partner annotated: with the left wrist not visible it is a far miss
    const acc2 = new PckAccumulator(JOINTS);
    const t2 = truth();
    t2[idx('left_wrist')] = [t2[idx('left_wrist')]![0], 0, 0];
    acc2.add(p, t2);
    expect(acc2.result().errors.right_wrist).toEqual({ correct: 0, swap: 0, near: 0, far: 1 });
    expect(acc2.result().errors.left_wrist).toEqual({ correct: 0, swap: 0, near: 0, far: 0 });
    expect(partnerOf('left_hip')).toBe('right_hip');
    expect(partnerOf('right_hip')).toBe('left_hip');
    expect(partnerOf('neck')).toBeUndefined();
    const table = errorTable(r).split('\n');
    expect(table[0]).toBe('| joint | correct (≤0.2) | left/right swap | near (≤0.5) | far |');
    expect(table.at(-1)).toBe('| **12 limb joints** | **66.7** | **8.3** | **8.3** | **16.7** |');
  });

  it('the validation split is im08501..im09000 and train is the rest', () => {
    const images = Array.from({ length: 9000 }, (_, i) => ({ file: `im${String(i + 1).padStart(5, '0')}.jpg`, width: 1, height: 1, joints: [] }));
    const data: Lspet = { dir: '', jointNames: JOINTS, images: images.reverse() };
    const val = selectSplit(data, 'val');
    expect(val.map((r) => r.file)).toEqual(Array.from({ length: 500 }, (_, i) => `im${String(8501 + i).padStart(5, '0')}.jpg`));
    expect(selectSplit(data, 'train')).toHaveLength(8500);
    expect(selectSplit(data, 'val', 3).map((r) => r.file)).toEqual(['im08501.jpg', 'im08502.jpg', 'im08503.jpg']);
  });
});

describe('photoHits and pairedBootstrap (npm run eval --compare)', () => {
  it('photoHits: per counted photo and joint, 1 hit at PCK@0.2, 0 missed, -1 not visible', () => {
    const acc = new PckAccumulator(JOINTS);
    const t = truth();
    const p = exact(t);
    p.left_wrist = { x: t[idx('left_wrist')]![0] + 10.01, y: 0 }; // just outside 0.2 x 50
    t[idx('neck')] = [t[idx('neck')]![0], 0, 0];
    acc.add(p, t);
    acc.add(p, truth().map(([x, y]) => [x, y, 0] as AnnotatedJoint)); // skipped: no torso, no row
    const rows = acc.photoHits();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toEqual(JOINTS.map((n) => (n === 'left_wrist' ? 0 : n === 'neck' ? -1 : 1)));
  });

  // photos x joints: model A hits every visible joint; model B misses every limb joint of odd photos
  const photos = 40;
  const a = Array.from({ length: photos }, () => JOINTS.map(() => 1));
  const b = a.map((row, i) => row.map((v, j) => (i % 2 === 1 && (LIMB_JOINTS as readonly string[]).includes(JOINTS[j]!) ? 0 : v)));

  it('the same hits give a difference of exactly 0', () => {
    const r = pairedBootstrap(JOINTS, a, a, 200);
    expect([r.difference, r.low, r.high, r.shareNoGain]).toEqual([0, 0, 0, 1]);
  });

  it('a model better on half the photos: +50 points, an interval around it above 0, deterministic per seed', () => {
    const r = pairedBootstrap(JOINTS, a, b, 500, 7);
    expect(r.difference).toBeCloseTo(0.5, 12);
    expect(r.low).toBeGreaterThan(0.25);
    expect(r.high).toBeLessThan(0.75);
    expect(r.low).toBeLessThan(0.5);
    expect(r.high).toBeGreaterThan(0.5);
    expect(r.shareNoGain).toBe(0);
    expect(pairedBootstrap(JOINTS, a, b, 500, 7)).toEqual(r);
    expect(pairedBootstrap(JOINTS, b, a, 500, 7).difference).toBeCloseTo(-0.5, 12);
  });

  it('refuses photos that do not pair up', () => {
    expect(() => pairedBootstrap(JOINTS, a, b.slice(1))).toThrow(/same photos for both models, got 40 and 39/);
  });
});
