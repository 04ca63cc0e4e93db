// cpm-pose public API. Keep it small: everything here is a promise to users.
export { createEstimator, estimatePose } from './estimator/index.js';
export type { PoseEstimator, PoseResult, BeliefMaps, ModelInfo, Framing } from './estimator/index.js';
export type { Keypoint } from './decode/decode.js';
export type { PoseInput, PixelBuffer } from './preprocess/input.js';
export type { Roi } from './preprocess/letterbox.js';
export type { EstimatorOptions, EstimateOptions } from './options.js';
export { DEFAULT_ESTIMATOR_OPTIONS, DEFAULT_ESTIMATE_OPTIONS } from './options.js';
export type { BackendChoice, BackendName } from './backend/backend.js';
export { PoseError, isPoseError } from './errors.js';
export type { PoseErrorCode } from './errors.js';
export { loadModel } from './weights/load.js';
export type { ModelSource, PreloadedModel } from './weights/load.js';
export type { ModelJson, ModelFiles } from './weights/format.js';
export { defaultModelUrl } from './default-model.js';
export { drawKeypoints, drawSkeleton, drawBeliefMap, heatColor, jointSide, DEFAULT_SIDE_COLORS } from './draw/index.js';
export type { DrawContext, DrawView, SideColors, KeypointDrawOptions, SkeletonDrawOptions, BeliefMapDrawOptions } from './draw/index.js';
