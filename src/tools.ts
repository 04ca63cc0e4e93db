// cpm-pose/tools: building blocks for tools, benchmarks and tests (model files, the raw graph,
// pre-processing and decoding). Less stable than the main entry point.
export * from './model/index.js';
export * from './weights/index.js';
export * from './preprocess/index.js';
export * from './decode/index.js';
export { selectBackend, nodeWasmDir } from './backend/index.js';
export type { BackendOptions, BackendResult } from './backend/index.js';
export { validateEstimatorOptions, validateEstimateOptions, validateTrackerOptions } from './options.js';
export { defaultModelUrl, defaultShardUrls, bundledShardUrls } from './default-model.js';
export { OneEuroFilter, KeypointSmoother, smoothingFactor, poseSize, StageBudget, cumulativeStageMacs, detectionStageMacs } from './video/index.js';
export type { OneEuroParams } from './video/index.js';
export { personCrop } from './estimator/crop.js';
