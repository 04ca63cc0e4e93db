import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import jpeg from 'jpeg-js';
import type { CpmConfig } from '../src/model/config.js';
import { createRandomModel, type RandomModelOptions } from '../src/weights/random.js';
import { writeModelFiles } from '../src/weights/save.js';
import { validateModelJson, type ModelFiles, type ModelJson } from '../src/weights/format.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** The shipped default model's model.json. */
export const SHIPPED_MODEL_JSON = path.join(ROOT, 'models', 'cpm-lite', 'model.json');

/** The shipped default model's model.json, read and checked as the library checks it. */
export function shippedModelJson(): ModelJson {
  return validateModelJson(JSON.parse(fs.readFileSync(SHIPPED_MODEL_JSON, 'utf8')));
}

/** The shared data sits beside the clone; never copied into the repo. */
export const LSPET = path.resolve(ROOT, '..', 'shared', 'data', 'lspet');

/** A small graph (32x32 input, stride 4, 3 stages) that runs in milliseconds on every backend. */
export const TINY_CONFIG: CpmConfig = {
  inputSize: 32,
  backbone: [
    { filters: 8, kernel: 3, dilation: 1, pool: 2 },
    { filters: 8, kernel: 3, dilation: 1, pool: 2 },
    { filters: 12, kernel: 3, dilation: 2, pool: 1 },
  ],
  stage1Hidden: 8,
  refineLayers: [
    { filters: 8, kernel: 3, dilation: 1 },
    { filters: 8, kernel: 3, dilation: 2 },
  ],
  refineHidden: 8,
  stages: 3,
};

export function tinyModel(opts: RandomModelOptions = {}): ModelFiles {
  return createRandomModel({ config: TINY_CONFIG, name: 'tiny-random', ...opts });
}

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `cpm-pose-${prefix}-`));
}

export async function writeTempModel(model: ModelFiles, prefix = 'model'): Promise<string> {
  const dir = tempDir(prefix);
  await writeModelFiles(dir, model);
  return dir;
}

/** Decodes JPEG bytes to an RGBA buffer {data, width, height}. */
export function decodeJpeg(bytes: Uint8Array): { data: Uint8Array; width: number; height: number } {
  const img = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true });
  return { data: img.data, width: img.width, height: img.height };
}

/** Decodes a JPEG file to an RGBA buffer {data, width, height}. */
export function loadJpeg(file: string): { data: Uint8Array; width: number; height: number } {
  return decodeJpeg(fs.readFileSync(file));
}

export function lspetImage(n: number): { data: Uint8Array; width: number; height: number } {
  return loadJpeg(path.join(LSPET, 'images', `im${String(n).padStart(5, '0')}.jpg`));
}

/** A synthetic RGB test image with a gradient and a few blobs (deterministic). */
export function syntheticImage(width: number, height: number, seed = 0): { data: Uint8Array; width: number; height: number; channels: 3 } {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      data[i] = (x * 255) / width;
      data[i + 1] = (y * 255) / height;
      data[i + 2] = 128 + 127 * Math.sin((x + 2 * y + seed * 7) / 9);
    }
  }
  return { data, width, height, channels: 3 };
}
