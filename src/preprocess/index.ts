export { toImageTensor } from './input.js';
export type { PoseInput, PixelBuffer, ImageTensor } from './input.js';
export { letterbox, planLetterbox, roundRoi } from './letterbox.js';
export type { Roi, LetterboxOptions } from './letterbox.js';
export { inputToFrame, frameToInput, frameToImage } from './transform.js';
export type { LetterboxTransform, Point } from './transform.js';
