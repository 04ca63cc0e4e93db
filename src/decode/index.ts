export { decodeMaps, findPeak, quadraticOffset, flipPermutation, normaliseMaps } from './decode.js';
export type { Keypoint, Peak, MapView, DecodeOptions } from './decode.js';
