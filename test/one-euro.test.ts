import { describe, expect, it } from 'vitest';
import { validateTrackerOptions, DEFAULT_SMOOTHING, DEFAULT_TRACKER_OPTIONS } from '../src/options.js';
import { PoseError } from '../src/errors.js';
import { cumulativeStageMacs, detectionStageMacs, StageBudget } from '../src/video/budget.js';
import { KeypointSmoother, OneEuroFilter, poseSize, smoothingFactor } from '../src/video/one-euro.js';
import { CPM_LITE_CONFIG } from '../src/weights/random.js';
import { shippedModelJson, TINY_CONFIG } from './helpers.js';

/** deterministic standard normal noise */
function noise(seed: number): () => number {
  let s = seed;
  const u = () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return (s + 0.5) / 2147483648;
  };
  return () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
}

describe('OneEuroFilter', () => {
  it('passes the first value through, then low-passes with the known factor (beta 0)', () => {
    const f = new OneEuroFilter({ minCutoff: 2, beta: 0, dCutoff: 1 });
    expect(f.filter(10, 0)).toBe(10);
    const a = smoothingFactor(2, 0.05);
    expect(a).toBeCloseTo(1 / (1 + 1 / (2 * Math.PI * 2 * 0.05)), 12);
    expect(f.filter(20, 0.05)).toBeCloseTo(10 + a * 10, 12);
    expect(f.value).toBeCloseTo(10 + a * 10, 12);
  });

  it('a constant stays constant; a time that does not advance changes nothing', () => {
    const f = new OneEuroFilter({ ...DEFAULT_SMOOTHING });
    for (let i = 0; i < 10; i++) expect(f.filter(3.5, i / 30)).toBe(3.5);
    const g = new OneEuroFilter({ minCutoff: 1, beta: 0, dCutoff: 1 });
    g.filter(0, 1);
    const y = g.filter(10, 1.1);
    expect(g.filter(1000, 1.1)).toBe(y);
    expect(g.filter(1000, 1.0)).toBe(y);
  });

  it('reset(): the next value passes through', () => {
    const f = new OneEuroFilter({ minCutoff: 1, beta: 0, dCutoff: 1 });
    f.filter(0, 0);
    f.filter(100, 0.1);
    f.reset();
    expect(f.value).toBeUndefined();
    expect(f.filter(42, 0.2)).toBe(42);
  });

  it('steady-state lag on a ramp is speed x tau at beta 0 (tau = 1 / (2 pi minCutoff))', () => {
    const f = new OneEuroFilter({ minCutoff: 2, beta: 0, dCutoff: 1 });
    const v = 100; // units per second
    let y = 0;
    for (let i = 0; i <= 300; i++) y = f.filter(v * (i / 60), i / 60);
    expect(v * (300 / 60) - y).toBeCloseTo(v / (2 * Math.PI * 2), 6);
  });

  it('driven by timestamps: 30 and 60 frames per second give nearly the same output', () => {
    const signal = (t: number) => (t < 0.5 ? 0 : 50);
    const run = (fps: number) => {
      const f = new OneEuroFilter({ minCutoff: 1, beta: 0.5, dCutoff: 1 });
      let y = 0;
      for (let i = 0; i <= fps; i++) y = f.filter(signal(i / fps), i / fps);
      return y;
    };
    expect(Math.abs(run(30) - run(60))).toBeLessThan(2);
  });

  it('beta: a fast motion raises the cutoff, so it lags less than at beta 0', () => {
    const lagAt = (beta: number) => {
      const f = new OneEuroFilter({ minCutoff: 1, beta, dCutoff: 1 });
      let y = 0;
      for (let i = 0; i <= 60; i++) y = f.filter(300 * (i / 30), i / 30);
      return 300 * 2 - y;
    };
    expect(lagAt(0)).toBeGreaterThan(40);
    expect(lagAt(0.1)).toBeLessThan(lagAt(0) / 5);
  });
});

describe('KeypointSmoother', () => {
  const pose = (dx: number, dy = 0) => Array.from({ length: 14 }, (_, j) => ({ name: `j${j}`, x: 100 + 10 * (j % 4) + dx, y: 50 + 12 * j + dy, score: 0.5 }));

  it(`reduces jitter on a still pose (factor stated) and follows a real motion within a stated lag`, () => {
    const s = new KeypointSmoother({ ...DEFAULT_SMOOTHING });
    const n = noise(3);
    let rawMotion = 0;
    let smoothMotion = 0;
    let prevRaw = pose(0);
    let prevOut = s.smooth(prevRaw, 0);
    for (let i = 1; i < 90; i++) {
      const raw = pose(0).map((k) => ({ ...k, x: k.x + 2 * n(), y: k.y + 2 * n() }));
      const out = s.smooth(raw, (i * 1000) / 30);
      if (i >= 10) {
        raw.forEach((k, j) => {
          rawMotion += Math.hypot(k.x - prevRaw[j]!.x, k.y - prevRaw[j]!.y);
          smoothMotion += Math.hypot(out[j]!.x - prevOut[j]!.x, out[j]!.y - prevOut[j]!.y);
        });
      }
      prevRaw = raw;
      prevOut = out;
      expect(out[0]!.score).toBe(0.5);
      expect(out[0]!.name).toBe('j0');
    }
    // still pose, 2 px noise per axis on a 166 px pose, 30 fps: at least 2x less frame-to-frame motion
    expect(rawMotion / smoothMotion).toBeGreaterThan(2);

    // the same pose moving at 1 pose size (166 px) per second: lag under 10 ms after 0.5 s
    const m = new KeypointSmoother({ ...DEFAULT_SMOOTHING });
    const speed = 166; // px per second
    let out = m.smooth(pose(0), 0);
    for (let i = 1; i <= 30; i++) out = m.smooth(pose(speed * (i / 30)), (i * 1000) / 30);
    const lagMs = (1000 * (speed * 1 - (out[0]!.x - pose(0)[0]!.x))) / speed;
    expect(lagMs).toBeGreaterThanOrEqual(0);
    expect(lagMs).toBeLessThan(10);
  });

  it('speeds are in pose sizes per second: a scaled-up scene is smoothed the same way', () => {
    const run = (scale: number) => {
      const s = new KeypointSmoother({ ...DEFAULT_SMOOTHING });
      let out = s.smooth(pose(0).map((k) => ({ ...k, x: k.x * scale, y: k.y * scale })), 0);
      for (let i = 1; i <= 10; i++) out = s.smooth(pose(20 * i).map((k) => ({ ...k, x: k.x * scale, y: k.y * scale })), (i * 1000) / 30);
      return out[0]!.x / scale;
    };
    expect(run(3)).toBeCloseTo(run(1), 6);
    expect(poseSize([{ x: 0, y: 0 }, { x: 3, y: 10 }])).toBe(10);
    expect(poseSize([])).toBe(1);
  });

  it('reset() forgets the history', () => {
    const s = new KeypointSmoother({ ...DEFAULT_SMOOTHING });
    s.smooth(pose(0), 0);
    s.reset();
    expect(s.smooth(pose(500), 33)).toEqual(pose(500));
  });
});

describe('StageBudget', () => {
  it('multiply-adds grow with k (cpm-lite: all stages = the multiply-adds in the model file\'s provenance)', () => {
    const m = cumulativeStageMacs(CPM_LITE_CONFIG, 15);
    expect(m).toHaveLength(CPM_LITE_CONFIG.stages);
    for (let k = 1; k < m.length; k++) expect(m[k - 1]!).toBeLessThan(m[k]!);
    expect(m[m.length - 1]).toBe(shippedModelJson().provenance?.multiplyAdds);
    expect(cumulativeStageMacs(TINY_CONFIG, 15)).toHaveLength(3);
  });

  it('picks k = 1 before any timing, then the largest k whose predicted time fits', () => {
    const b = new StageBudget([100, 200, 300]);
    expect(b.predict(2)).toBeUndefined();
    expect(b.choose(1e9)).toBe(1);
    b.record(1, 10); // 0.1 ms per unit
    expect(b.predict(3)).toBeCloseTo(30, 9);
    expect(b.choose(25)).toBe(2);
    expect(b.choose(30)).toBe(3);
    expect(b.choose(5)).toBe(1);
    expect(b.choose(50, [200, 400, 600])).toBe(2); // a frame kind that costs twice as much
    b.record(3, 60, [200, 400, 600]); // consistent with 0.1 ms per unit: nothing changes
    expect(b.predict(3)).toBeCloseTo(30, 9);
    // the machine gets slower: the choice follows
    for (let i = 0; i < 20; i++) b.record(2, 40);
    expect(b.choose(30)).toBe(1);
  });
});

describe('detectionStageMacs', () => {
  it('adds pass 1 (at most detectStages stages, scaled by the area of detectSize) to pass 2', () => {
    // detectSize = inputSize / 2: pass 1 costs a quarter
    expect(detectionStageMacs([100, 200, 300, 400], 2, 64, 128)).toEqual([125, 250, 350, 450]);
    expect(detectionStageMacs([100, 200], 2, 128, 128)).toEqual([200, 400]);
    // a pass-1 network of its own (2 stages): its cost, not the model's first stages'
    expect(detectionStageMacs([100, 200, 300, 400], 2, 64, 128, [40, 80])).toEqual([110, 220, 320, 420]);
    expect(detectionStageMacs([100, 200, 300], 3, 128, 128, [40])).toEqual([140, 240, 340]);
  });
});

describe('tracker options', () => {
  const LIMITS = { stages: 3, inputMultiple: 4, detectSize: 128, detectStages: 3, detectMultiple: 4, minPoseScore: 0.13 };
  it('defaults in one place; bad options are INVALID_OPTION with a message', () => {
    const r = validateTrackerOptions({}, LIMITS);
    // detectSize and minPoseScore default to the model's own (model.json refine / tracker)
    expect(r).toMatchObject({ ...DEFAULT_TRACKER_OPTIONS, stages: 3, smoothing: DEFAULT_SMOOTHING, detectSize: 128, minPoseScore: 0.13 });
    expect(validateTrackerOptions({ minPoseScore: 0.05 }, LIMITS).minPoseScore).toBe(0.05);
    expect(validateTrackerOptions({ detectSize: 96 }, LIMITS).detectSize).toBe(96);
    expect(validateTrackerOptions({ smoothing: false }, LIMITS).smoothing).toBe(false);
    expect(validateTrackerOptions({ smoothing: { beta: 0 } }, LIMITS).smoothing).toEqual({ ...DEFAULT_SMOOTHING, beta: 0 });
    const code = (o: unknown) => {
      try {
        validateTrackerOptions(o, LIMITS);
      } catch (e) {
        return e instanceof PoseError ? `${e.code}: ${e.message.replace(/^\[\w+\] /, "")}` : String(e);
      }
      return 'ok';
    };
    expect(code({ stages: 2, budgetMs: 10 })).toMatch(/INVALID_OPTION: give either stages/);
    expect(code({ stages: 4 })).toMatch(/INVALID_OPTION: stages must be an integer from 1 to 3/);
    expect(code({ budgetMs: 0 })).toMatch(/INVALID_OPTION: budgetMs/);
    expect(code({ smoothing: { minCutoff: -1 } })).toMatch(/INVALID_OPTION: smoothing.minCutoff/);
    expect(code({ smoothing: { cutoff: 1 } })).toMatch(/INVALID_OPTION: unknown smoothing option "cutoff"/);
    expect(code({ minPoseScore: 2 })).toMatch(/INVALID_OPTION: minPoseScore/);
    expect(code({ detectSize: 98 })).toMatch(/INVALID_OPTION: detectSize must be a multiple of the model's input multiple \(4\) from 32 to 512, got 98/);
    expect(code({ detectSize: 516 })).toMatch(/INVALID_OPTION: detectSize must be/);
    expect(code({ tracking: 'yes' })).toMatch(/INVALID_OPTION: tracking must be true or false/);
    expect(code({ trimPadding: 1 })).toMatch(/INVALID_OPTION: trimPadding must be true or false/);
    expect(code({ trackin: true })).toMatch(/INVALID_OPTION: unknown tracker option "trackin" \(did you mean "tracking"\?\)/);
  });
});
