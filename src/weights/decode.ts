import * as tf from '@tensorflow/tfjs';
import { DETECTOR_PREFIX, type ModelFiles } from './format.js';

/** Weight tensors (name -> tensor) on the current backend; float16 shards are decoded by tf.io.decodeWeights. */
export function decodeModelWeights(files: ModelFiles): tf.NamedTensorMap {
  const entries = files.json.weightsManifest.flatMap((g) => g.weights);
  return tf.io.decodeWeights(files.weightData, entries);
}

/** The pass-1 network's tensors out of decodeModelWeights' map, under their graph names (prefix dropped). */
export function detectorWeights(weights: tf.NamedTensorMap): tf.NamedTensorMap {
  const out: tf.NamedTensorMap = {};
  for (const [name, t] of Object.entries(weights)) {
    if (name.startsWith(DETECTOR_PREFIX)) out[name.slice(DETECTOR_PREFIX.length)] = t;
  }
  return out;
}
