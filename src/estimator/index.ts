export { createEstimator, estimatePose } from './estimator.js';
export type { PoseEstimator, PoseResult, BeliefMaps, ModelInfo } from './types.js';
