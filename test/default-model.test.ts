/**
 * The shipped default model (models/cpm-lite) through the public API, and the README's quick start
 * run as written. Fails until the training lead ships models/cpm-lite.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { BUNDLED_MODEL_NAMES, bundledModelUrl, createEstimator, estimatePose } from '../src/index.js';
import { LSP_JOINTS } from '../src/weights/random.js';
import { lspetImage, ROOT, SHIPPED_MODEL_JSON as MODEL } from './helpers.js';
import { blankFrames } from './video-helpers.js';

function requireModel() {
  if (!fs.existsSync(MODEL)) throw new Error('models/cpm-lite/model.json is missing: the default model is shipped by the training pipeline');
}

describe('default model', () => {
  beforeAll(requireModel);

  it('is not random weights and records its provenance', () => {
    const json = JSON.parse(fs.readFileSync(MODEL, 'utf8'));
    expect(json.format).toBe('cpm-pose/1');
    expect(json.name).toBe('cpm-lite');
    expect(JSON.stringify(json.provenance ?? {})).not.toMatch(/random weights/);
  });

  it('createEstimator() without a model loads it; top-level estimatePose uses it', async () => {
    const est = await createEstimator();
    try {
      expect(est.backend).toBe('wasm');
      expect(est.model.name).toBe('cpm-lite');
      expect(est.model.joints).toEqual(LSP_JOINTS);
      const photo = lspetImage(8501);
      const a = await est.estimatePose(photo);
      expect(a.keypoints).toHaveLength(14);
      for (const k of a.keypoints) expect(Number.isFinite(k.x) && Number.isFinite(k.y) && k.score >= 0 && k.score <= 1).toBe(true);
      const b = await estimatePose(photo);
      expect(b).toEqual(a);
    } finally {
      est.dispose();
    }
  });
});

describe('bundled models by name', () => {
  it.each(BUNDLED_MODEL_NAMES.map((n) => [n, n]))('createEstimator({ model: %j }) loads models/%s', async (name) => {
    const est = await createEstimator({ model: name });
    try {
      expect(est.model.name).toBe(name);
      expect(est.model.source).toBe(bundledModelUrl(name));
      expect(fileURLToPath(est.model.source!)).toBe(path.join(ROOT, 'models', name, 'model.json'));
      const pose = await est.estimatePose(lspetImage(8501));
      expect(pose.keypoints).toHaveLength(est.model.joints.length);
    } finally {
      est.dispose();
    }
  });

  // PoseTracker's default minPoseScore is the model's own: bench:scores --write must have been run on
  // every bundled model, and its value must still call blank frames empty (a new export can break it)
  it.each(BUNDLED_MODEL_NAMES.map((n) => [n]))('models/%s carries its minPoseScore, and blank frames score below it', async (name) => {
    const raw = JSON.parse(fs.readFileSync(path.join(ROOT, 'models', name, 'model.json'), 'utf8'));
    expect(raw.tracker?.minPoseScore, 'run npm run bench:scores -- --model models/<name> --write').toBeTypeOf('number');
    const est = await createEstimator({ model: name });
    try {
      expect(est.model.tracker.minPoseScore).toBe(raw.tracker.minPoseScore);
      // bench:scores' frames: plain, gradient, the test background and uniform noise, two passes and one
      for (const [what, frame] of Object.entries(blankFrames(640, 480))) {
        for (const cropPass of [true, false]) {
          const { score } = await est.estimatePose(frame, { cropPass });
          expect(score, `${what}, cropPass ${cropPass}`).toBeLessThan(est.model.tracker.minPoseScore);
        }
      }
    } finally {
      est.dispose();
    }
  });

  it('a name that is not bundled is a path, and a missing one is MODEL_NOT_FOUND', async () => {
    await expect(createEstimator({ model: 'cpm-lite-nope' })).rejects.toMatchObject({ code: 'MODEL_NOT_FOUND' });
  });
});

describe('README quick start', () => {
  beforeAll(requireModel);

  it('runs as written (Node, built package, an LSPET photo) and prints 14 keypoints', () => {
    if (!fs.existsSync(path.join(ROOT, 'dist', 'index.js'))) throw new Error('dist/ is missing: run npm run build first (npm test does)');
    const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const section = readme.split(/^## Quick start/m)[1]!.split(/^## /m)[0]!;
    const code = /```js\n([\s\S]*?)```/.exec(section)![1]!;
    expect(code).toMatch(/from 'cpm-pose'/);
    // inside the package folder, 'cpm-pose' resolves to this package (self-reference through "exports")
    const dir = path.join(ROOT, 'test-artifacts');
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, 'quickstart.mjs');
    fs.writeFileSync(file, code);
    const photo = path.relative(ROOT, path.join(ROOT, '..', 'shared', 'data', 'lspet', 'images', 'im08501.jpg'));
    const out = execFileSync(process.execPath, [file, photo], { cwd: ROOT, encoding: 'utf8' });
    const lines = out.trim().split('\n');
    for (const name of LSP_JOINTS) expect(lines.some((l) => l.startsWith(name))).toBe(true);
    expect(lines[lines.length - 1]).toMatch(/^pose score \d\.\d\d$/);
  });
});
