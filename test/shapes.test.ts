/**
 * npm run bench:shapes: its candidates file and its check of a bad one (the timing itself is a
 * benchmark, not a test).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateConfig } from '../src/model/config.js';
import { ROOT, shippedModelJson, tempDir } from './helpers.js';

const CANDIDATES = path.join(ROOT, 'bench', 'shape-candidates.json');

function runShapes(candidates: string) {
  return spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'bench', 'shapes.ts'), '--candidates', candidates],
    { cwd: ROOT, encoding: 'utf8' });
}

describe('bench:shapes candidates', () => {
  const candidates = JSON.parse(fs.readFileSync(CANDIDATES, 'utf8')) as Array<{ name: string; description: string; config: unknown }>;

  it('are valid model configs with distinct names, the first the shipped default shape', () => {
    for (const c of candidates) expect(() => validateConfig(c.config), c.name).not.toThrow();
    expect(new Set(candidates.map((c) => c.name)).size).toBe(candidates.length);
    expect(candidates[0]!.config).toEqual(shippedModelJson().config);
  });

  it.each([
    ['not an array', '{"name": "x"}', 'non-empty array'],
    ['a config the library cannot build', JSON.stringify([{ name: 'x', description: 'y', config: { inputSize: 128 } }]), 'config'],
    ['a candidate without a description', JSON.stringify([{ name: 'x', config: shippedModelJson().config }]), 'description'],
  ])('refuses a candidates file with %s (exit code 2, names the file)', (_what, text, message) => {
    const file = path.join(tempDir('shapes'), 'candidates.json');
    fs.writeFileSync(file, text);
    const r = runShapes(file);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(file);
    expect(r.stderr).toContain(message);
  });
});
