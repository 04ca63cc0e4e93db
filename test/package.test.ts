/**
 * The published package: what `npm pack` would ship, and the built ESM and CommonJS entry points
 * (through the package's own "exports", as users import it). Needs `npm run build` first (npm test does it).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT, tinyModel, writeTempModel } from './helpers.js';
import { BUNDLED_MODEL_NAMES } from '../src/default-model.js';

function requireBuild() {
  for (const f of ['dist/index.js', 'dist/index.cjs', 'dist/index.d.ts', 'dist/tools.js', 'dist/tools.cjs', 'dist/cli.js']) {
    if (!fs.existsSync(path.join(ROOT, f))) throw new Error(`${f} is missing: run npm run build first (npm test does)`);
  }
}

describe('npm pack', () => {
  let files: string[];
  beforeAll(() => {
    requireBuild();
    const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    files = (JSON.parse(out) as Array<{ files: Array<{ path: string }> }>)[0]!.files.map((f) => f.path);
  });

  it('ships the ESM, CJS and type builds', () => {
    for (const f of ['package.json', 'README.md', 'dist/index.js', 'dist/index.cjs', 'dist/index.d.ts', 'dist/index.d.cts', 'dist/tools.js', 'dist/tools.cjs']) {
      expect(files).toContain(f);
    }
  });

  it('ships the cpm-pose bin: package.json "bin" -> an executable dist/cli.js with a shebang', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    expect(pkg.bin).toEqual({ 'cpm-pose': './dist/cli.js' });
    expect(files).toContain('dist/cli.js');
    const cli = path.join(ROOT, 'dist', 'cli.js');
    expect(fs.readFileSync(cli, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
    expect(fs.statSync(cli).mode & 0o111).not.toBe(0);
    expect(pkg.dependencies).toHaveProperty('sharp'); // the CLI decodes and draws with it
  });

  it('ships every model folder\'s model.json and weight shards', () => {
    const models = files.filter((f) => /^models\/[^/]+\/model\.json$/.test(f));
    expect(models, 'no models/*/model.json in the package').not.toHaveLength(0);
    expect(models).toContain('models/cpm-lite/model.json');
    // every name createEstimator({ model: name }) accepts is in the package, and nothing else is
    expect(models.map((m) => m.split('/')[1]).sort()).toEqual([...BUNDLED_MODEL_NAMES].sort());
    for (const m of models) {
      const dir = path.dirname(m);
      const json = JSON.parse(fs.readFileSync(path.join(ROOT, m), 'utf8'));
      for (const group of json.weightsManifest) for (const p of group.paths) expect(files).toContain(`${dir}/${p}`);
    }
  });

  it('ships no sources of tests, training code, data or caches', () => {
    const bad = files.filter((f) => /^(test|training|src|docs|runs|\.cache|node_modules|test-artifacts)\//.test(f)
      || /\.(jpe?g|npy|npz|pt|pth|ckpt|csv|tgz|mp4|mjpeg)$/i.test(f) || /parity\.(json|bin)$/.test(f));
    expect(bad).toEqual([]);
  });
});

describe('built entry points', () => {
  let modelDir: string;
  beforeAll(async () => {
    requireBuild();
    modelDir = await writeTempModel(tinyModel({ seed: 4 }), 'dist');
  });

  const script = (mod: string) => `
    const { createEstimator, defaultModelUrl, PoseError } = ${mod};
    const tools = TOOLS;
    const est = await createEstimator({ model: ${JSON.stringify('MODEL')}, backend: 'wasm' });
    const data = new Uint8Array(40 * 30 * 3).map((_, i) => (i * 37) % 256);
    const r = await est.estimatePose({ data, width: 40, height: 30 });
    let code;
    try { await est.estimatePose({ data, width: 0, height: 0 }); } catch (e) { code = e instanceof PoseError && e.code; }
    console.log(JSON.stringify({ url: defaultModelUrl(), backend: est.backend, kp: r.keypoints[0], code, tools: typeof tools.receptiveFields }));
  `;

  function run(args: string[], code: string): { url: string; backend: string; kp: unknown; code: string; tools: string } {
    const out = execFileSync(process.execPath, [...args, code.replace('MODEL', modelDir)], { cwd: ROOT, encoding: 'utf8' });
    return JSON.parse(out.trim().split('\n').pop()!);
  }

  it('ESM (import "cpm-pose") and CommonJS (require("cpm-pose")) both run and agree', () => {
    const esm = run(['--input-type=module', '-e'],
      script(`await import('cpm-pose')`).replace('TOOLS', `await import('cpm-pose/tools')`));
    const cjs = run(['-e'],
      `(async () => {${script(`require('cpm-pose')`).replace('TOOLS', `require('cpm-pose/tools')`)}})().catch((e) => { console.error(e); process.exit(1); });`);
    const modelUrl = pathToFileURL(path.join(ROOT, 'models', 'cpm-lite', 'model.json')).href;
    for (const r of [esm, cjs]) {
      expect(r.url).toBe(modelUrl);
      expect(r.backend).toBe('wasm');
      expect(r.code).toBe('EMPTY_IMAGE');
      expect(r.tools).toBe('function');
    }
    expect(cjs.kp).toEqual(esm.kp);
  });
});
