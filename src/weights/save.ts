import * as tf from '@tensorflow/tfjs';
import { PoseError } from '../errors.js';
import { isNode, nodeImport } from '../env.js';
import { manifestWeightSpecs, MODEL_FORMAT, validateModelJson, type ModelFiles, type ModelJson, type RefineSpec, type TrackerSpec } from './format.js';

/**
 * model.json without the manifest: what serializeModel needs besides the weights (refine: default
 * DEFAULT_REFINE; tracker: default DEFAULT_TRACKER_SPEC).
 */
export type ModelDescription = Omit<ModelJson, 'weightsManifest' | 'format' | 'refine' | 'tracker'> & {
  format?: typeof MODEL_FORMAT; refine?: RefineSpec; tracker?: TrackerSpec;
};

export interface SerializeOptions {
  /** store weights as float16 (TF.js quantization convention); default false */
  float16?: boolean;
  /** shard file name written into the manifest; default 'weights.bin' */
  shardName?: string;
}

/** float32 -> IEEE 754 half (round to nearest even), as TF.js decodes with quantization dtype float16. */
export function toFloat16Bits(values: Float32Array): Uint16Array {
  const out = new Uint16Array(values.length);
  const f = new Float32Array(1);
  const u = new Uint32Array(f.buffer);
  for (let i = 0; i < values.length; i++) {
    f[0] = values[i]!;
    const x = u[0]!;
    const sign = (x >>> 16) & 0x8000;
    const exp = (x >>> 23) & 0xff;
    let mant = x & 0x7fffff;
    if (exp === 0xff) {
      out[i] = sign | 0x7c00 | (mant ? 0x200 : 0);
      continue;
    }
    const e = exp - 127 + 15;
    if (e >= 0x1f) {
      out[i] = sign | 0x7c00;
      continue;
    }
    if (e <= 0) {
      if (e < -10) {
        out[i] = sign;
        continue;
      }
      mant |= 0x800000;
      const shift = 14 - e;
      let half = mant >>> shift;
      const rem = mant & ((1 << shift) - 1);
      const mid = 1 << (shift - 1);
      if (rem > mid || (rem === mid && (half & 1))) half++;
      out[i] = sign | half;
      continue;
    }
    let half = (e << 10) | (mant >>> 13);
    const rem = mant & 0x1fff;
    if (rem > 0x1000 || (rem === 0x1000 && (half & 1))) half++;
    out[i] = sign | half; // a carry into the exponent is the correct rounding
  }
  return out;
}

/**
 * Builds model.json + weight bytes in the cpm-pose/1 format from a description and a
 * name -> values map holding every weight the config calls for (manifest order is taken from the config),
 * and with a `detector`, its weights too, named with DETECTOR_PREFIX.
 */
export function serializeModel(
  description: ModelDescription,
  weights: Record<string, Float32Array | number[] | tf.Tensor>,
  opts: SerializeOptions = {},
): ModelFiles {
  const numMaps = description.joints.length + (description.output.background ? 1 : 0);
  const specs = manifestWeightSpecs(description.config, numMaps, description.detector);
  const chunks: Uint8Array[] = [];
  const entries: tf.io.WeightsManifestEntry[] = [];
  for (const spec of specs) {
    const w = weights[spec.name];
    if (w === undefined) throw new PoseError('BAD_MODEL', `serializeModel: missing weight ${spec.name}`);
    const values = w instanceof tf.Tensor ? (w.dataSync() as Float32Array) : Float32Array.from(w);
    const n = spec.shape.reduce((a, b) => a * b, 1);
    if (values.length !== n) {
      throw new PoseError('BAD_MODEL', `serializeModel: ${spec.name} has ${values.length} values, shape [${spec.shape}] needs ${n}`);
    }
    if (opts.float16) {
      const bits = toFloat16Bits(values);
      chunks.push(new Uint8Array(bits.buffer, bits.byteOffset, bits.byteLength));
      entries.push({ name: spec.name, shape: spec.shape, dtype: 'float32', quantization: { dtype: 'float16' } });
    } else {
      const copy = Float32Array.from(values);
      chunks.push(new Uint8Array(copy.buffer));
      entries.push({ name: spec.name, shape: spec.shape, dtype: 'float32' });
    }
  }
  const total = chunks.reduce((s, c) => s + c.byteLength, 0);
  const data = new Uint8Array(total);
  let o = 0;
  for (const c of chunks) {
    data.set(c, o);
    o += c.byteLength;
  }
  const json = validateModelJson({
    ...JSON.parse(JSON.stringify(description)),
    format: MODEL_FORMAT,
    weightsManifest: [{ paths: [opts.shardName ?? 'weights.bin'], weights: entries }],
  });
  return { json, weightData: data.buffer };
}

/**
 * Node only: writes a model folder (model.json + one shard named as in its manifest).
 * Returns the path of model.json.
 */
export async function writeModelFiles(dir: string, model: ModelFiles): Promise<string> {
  if (!isNode()) throw new PoseError('INVALID_OPTION', 'writeModelFiles runs in Node only');
  const fs = await nodeImport<typeof import('node:fs/promises')>('node:fs/promises');
  const path = await nodeImport<typeof import('node:path')>('node:path');
  const groups = model.json.weightsManifest;
  if (groups.length !== 1 || groups[0]!.paths.length !== 1) {
    throw new PoseError('INVALID_OPTION', 'writeModelFiles writes single-shard models only');
  }
  await fs.mkdir(dir, { recursive: true });
  const jsonPath = path.join(dir, 'model.json');
  await fs.writeFile(jsonPath, JSON.stringify(model.json, null, 2) + '\n');
  await fs.writeFile(path.join(dir, groups[0]!.paths[0]!), new Uint8Array(model.weightData));
  return jsonPath;
}
