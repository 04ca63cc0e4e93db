export { validateConfig, strideOf, mapSizeOf, featureChannelsOf } from './config.js';
export type { CpmConfig, BackboneLayer, RefineLayer } from './config.js';
export { receptiveFields } from './receptive-field.js';
export { convSpecs, macsPerPixel, weightSpecs } from './weight-specs.js';
export type { ConvSpec, WeightSpec } from './weight-specs.js';
export { CpmGraph, buildCpmGraph } from './graph.js';
