export { createEstimator, estimatePose } from './estimator.js';
export type { PoseEstimator, PoseResult, BeliefMaps, ModelInfo, DetectorInfo, Framing } from './types.js';
export { personCrop } from './crop.js';
