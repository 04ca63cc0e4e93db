export { PoseTracker } from './tracker.js';
export type { TrackedPose, TrackFraming } from './tracker.js';
export { OneEuroFilter, KeypointSmoother, smoothingFactor, poseSize } from './one-euro.js';
export type { OneEuroParams } from './one-euro.js';
export { StageBudget, cumulativeStageMacs, detectionStageMacs } from './budget.js';
