import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { createEstimator } from '../src/index.js';
import { selectBackend } from '../src/backend/backend.js';
import { PoseError } from '../src/errors.js';
import { createRandomModel } from '../src/weights/random.js';
import { lspetImage } from './helpers.js';

/**
 * Backend parity, with the full-size cpm-lite graph (random weights) on a real photo.
 * Tolerances: belief-map probabilities within 1e-4 (absolute), keypoints within 0.05 image pixels,
 * scores within 1e-4. float32 kernels differ only in summation order, so differences are ~1e-6.
 */
const MAP_TOL = 1e-4;
const XY_TOL = 0.05;
const SCORE_TOL = 1e-4;

describe('backends', () => {
  // first in this file, so the wasm backend has not started yet: TF.js honours only the last of two
  // concurrent starts of a backend, and the first estimator used to fail with UNKNOWN_BACKEND
  it('two estimators created at once on a backend that has not started yet both start', async () => {
    expect(tf.findBackend('wasm')).toBeNull();
    const model = createRandomModel({ seed: 3 });
    const both = await Promise.all([createEstimator({ model, backend: 'wasm' }), createEstimator({ model, backend: 'wasm' })]);
    expect(both.map((e) => e.backend)).toEqual(['wasm', 'wasm']);
    const photo = lspetImage(8502);
    const [a, b] = await Promise.all(both.map((e) => e.estimatePose(photo)));
    expect(a).toEqual(b);
    for (const e of both) e.dispose();
  });

  it('auto picks wasm in Node, with no fallback', async () => {
    const r = await selectBackend({ backend: 'auto' });
    expect(r).toEqual({ backend: 'wasm' });
    expect(tf.getBackend()).toBe('wasm');
  });

  it('unknown backend -> UNKNOWN_BACKEND', async () => {
    await expect(selectBackend({ backend: 'webgpu' as never })).rejects.toBeInstanceOf(PoseError);
    await expect(selectBackend({ backend: 'webgpu' as never })).rejects.toMatchObject({ code: 'UNKNOWN_BACKEND' });
  });

  it('an explicit backend that cannot start in Node (webgl) -> UNKNOWN_BACKEND', async () => {
    await expect(selectBackend({ backend: 'webgl' })).rejects.toMatchObject({ code: 'UNKNOWN_BACKEND' });
    await tf.setBackend('cpu');
  });

  it(`cpu and wasm give the same keypoints (xy within ${XY_TOL} px, maps within ${MAP_TOL})`, async () => {
    const model = createRandomModel({ seed: 21 });
    const photo = lspetImage(8502);
    const cpu = await createEstimator({ model, backend: 'cpu' });
    const wasm = await createEstimator({ model, backend: 'wasm' });
    try {
      for (const opts of [{ returnBeliefMaps: true }, { flipHorizontal: true, stages: 2, returnBeliefMaps: true }]) {
        const a = await cpu.estimatePose(photo, opts);
        const b = await wasm.estimatePose(photo, opts);
        let maxMap = 0;
        a.beliefMaps!.forEach((m, s) => {
          const n = b.beliefMaps![s]!.data;
          for (let i = 0; i < m.data.length; i++) maxMap = Math.max(maxMap, Math.abs(m.data[i]! - n[i]!));
        });
        expect(maxMap).toBeLessThan(MAP_TOL);
        a.keypoints.forEach((k, i) => {
          const l = b.keypoints[i]!;
          expect(l.name).toBe(k.name);
          expect(Math.abs(k.x - l.x)).toBeLessThan(XY_TOL);
          expect(Math.abs(k.y - l.y)).toBeLessThan(XY_TOL);
          expect(Math.abs(k.score - l.score)).toBeLessThan(SCORE_TOL);
        });
      }
    } finally {
      cpu.dispose();
      wasm.dispose();
    }
  });
});
