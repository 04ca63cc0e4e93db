import * as tf from '@tensorflow/tfjs';
import type { ModelFiles } from './format.js';

/** Weight tensors (name -> tensor) on the current backend; float16 shards are decoded by tf.io.decodeWeights. */
export function decodeModelWeights(files: ModelFiles): tf.NamedTensorMap {
  const entries = files.json.weightsManifest.flatMap((g) => g.weights);
  return tf.io.decodeWeights(files.weightData, entries);
}
