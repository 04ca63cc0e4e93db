export {
  drawKeypoints, drawSkeleton, drawBeliefMap, heatColor, jointSide, canvasMapping,
  DEFAULT_SIDE_COLORS, DEFAULT_DRAW_OPTIONS,
} from './draw.js';
export type {
  DrawContext, DrawView, SideColors, KeypointDrawOptions, SkeletonDrawOptions, BeliefMapDrawOptions, CanvasMapping,
} from './draw.js';
