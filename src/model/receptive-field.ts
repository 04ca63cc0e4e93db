import type { CpmConfig } from './config.js';

/**
 * Receptive field of each stage's belief maps, in input pixels (the side of the square window
 * of input pixels that can influence one map cell), ignoring padding at the image border.
 *
 * Standard recurrence: a layer with effective kernel k_eff = dilation * (kernel - 1) + 1 widens the
 * field by (k_eff - 1) * jump, where jump is the distance in input pixels between neighbouring cells
 * of its input; a pool of size p (stride p) widens it by (p - 1) * jump and multiplies jump by p.
 * Stage t >= 2 sees concat(features, maps of stage t-1), so its field starts from the larger of the two;
 * with a context branch its features are the branch's (pools before convolutions), which see further.
 */
export function receptiveFields(config: CpmConfig): number[] {
  let field = 1;
  let jump = 1;
  for (const layer of config.backbone) {
    field += ((layer.dilation ?? 1) * (layer.kernel - 1)) * jump;
    const pool = layer.pool ?? 1;
    if (pool > 1) {
      field += (pool - 1) * jump;
      jump *= pool;
    }
  }
  const featureField = field;
  // the context branch (added to the features of stages 2..T) sees at least as far as its coarsest cell
  let contextField = featureField;
  let contextJump = jump;
  for (const layer of config.context ?? []) {
    const pool = layer.pool ?? 1;
    if (pool > 1) {
      contextField += (pool - 1) * contextJump;
      contextJump *= pool;
    }
    contextField += ((layer.dilation ?? 1) * (layer.kernel - 1)) * contextJump;
  }
  // stage 1's two 1x1 convolutions add nothing
  const fields = [featureField];
  let previous = contextField;
  for (let t = 2; t <= config.stages; t++) {
    let f = Math.max(contextField, previous);
    for (const layer of config.refineLayers) f += ((layer.dilation ?? 1) * (layer.kernel - 1)) * jump;
    fields.push(f);
    previous = f;
  }
  return fields;
}
