import type * as tf from '@tensorflow/tfjs';
import { PoseError } from '../errors.js';
import { manifestWeightSpecs, numMapsOf, type ModelJson } from './format.js';

const BYTES: Record<string, number> = { float32: 4, int32: 4, float16: 2, uint16: 2, uint8: 1 };

/** Bytes a manifest entry occupies in its shard(s). */
export function entryByteLength(entry: tf.io.WeightsManifestEntry): number {
  const n = entry.shape.reduce((a, b) => a * b, 1);
  const stored = entry.quantization?.dtype ?? entry.dtype;
  const size = BYTES[stored];
  if (size === undefined) throw new PoseError('BAD_MODEL', `weight ${entry.name}: unsupported stored dtype ${stored}`);
  return n * size;
}

const shapeStr = (s: readonly number[]) => `[${s.join(', ')}]`;

/**
 * Checks the manifest against what the config (then the detector's config) calls for, in order: every tensor's name, shape and
 * dtype, and that each weight group's bytes hold exactly its tensors. Throws BAD_MODEL naming the
 * first mismatch. `groupByteLengths[g]` is the byte length of group g's shards, concatenated.
 * Returns the manifest entries flattened in order.
 */
export function validateWeights(json: ModelJson, groupByteLengths: number[]): tf.io.WeightsManifestEntry[] {
  const expected = manifestWeightSpecs(json.config, numMapsOf(json), json.detector);
  const entries = json.weightsManifest.flatMap((g) => g.weights);
  for (let i = 0; i < Math.max(expected.length, entries.length); i++) {
    const want = expected[i];
    const got = entries[i];
    if (!want) {
      throw new PoseError('BAD_MODEL', `weights manifest has an unexpected extra tensor "${got!.name}" at position ${i}; the config calls for ${expected.length} tensors`);
    }
    if (!got) {
      throw new PoseError('BAD_MODEL', `weights manifest is missing tensor "${want.name}" (position ${i}, shape ${shapeStr(want.shape)})`);
    }
    if (got.name !== want.name) {
      throw new PoseError('BAD_MODEL', `weights manifest position ${i}: expected tensor "${want.name}", found "${got.name}"`);
    }
    if (!Array.isArray(got.shape) || got.shape.length !== want.shape.length || got.shape.some((d, k) => d !== want.shape[k])) {
      throw new PoseError('BAD_MODEL', `tensor "${got.name}" has shape ${shapeStr(got.shape ?? [])}, the config calls for ${shapeStr(want.shape)}`);
    }
    if (got.dtype !== 'float32') {
      throw new PoseError('BAD_MODEL', `tensor "${got.name}" has dtype ${got.dtype}, expected float32`);
    }
    const q = got.quantization?.dtype;
    if (q !== undefined && q !== 'float16' && q !== 'uint8' && q !== 'uint16') {
      throw new PoseError('BAD_MODEL', `tensor "${got.name}" has unsupported quantization ${q}`);
    }
  }
  json.weightsManifest.forEach((group, g) => {
    let offset = 0;
    for (const entry of group.weights) {
      const size = entryByteLength(entry);
      if (offset + size > groupByteLengths[g]!) {
        throw new PoseError('BAD_MODEL', `weights are truncated: tensor "${entry.name}" needs bytes ${offset}..${offset + size} of ${group.paths.join(' + ')}, which has only ${groupByteLengths[g]} bytes`);
      }
      offset += size;
    }
    if (offset !== groupByteLengths[g]) {
      throw new PoseError('BAD_MODEL', `${group.paths.join(' + ')} has ${groupByteLengths[g]! - offset} bytes more than its tensors need (${offset} bytes)`);
    }
  });
  return entries;
}
