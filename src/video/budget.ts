import type { CpmConfig } from '../model/config.js';
import { convSpecs, macsPerPixel } from '../model/weight-specs.js';

/**
 * Multiply-adds of one pass through stages 1..k, for k = 1..T (index k - 1): the relative cost of
 * each early exit, used to predict the time of a stage count that has not been timed yet.
 */
export function cumulativeStageMacs(config: CpmConfig, numMaps: number): number[] {
  const perStage = new Array<number>(config.stages).fill(0);
  let side = config.inputSize;
  let contextSide = 0;
  for (const s of convSpecs(config, numMaps)) {
    const m = /^(backbone|context|stage(\d+))\//.exec(s.prefix)!;
    const conv = macsPerPixel(s);
    if (m[1] === 'context') {
      // the branch pools before each convolution and runs only with stage 2 (graph.ts)
      if (contextSide === 0) contextSide = side;
      contextSide = Math.floor(contextSide / s.pool);
      if (config.stages > 1) perStage[1]! += contextSide * contextSide * conv;
      continue;
    }
    const stage = m[2] ? Number(m[2]) : 1;
    perStage[stage - 1]! += side * side * conv;
    if (m[1] === 'backbone' && s.pool > 1) side = Math.floor(side / s.pool);
  }
  const out: number[] = [];
  perStage.reduce((acc, v) => {
    out.push(acc + v);
    return acc + v;
  }, 0);
  return out;
}

/**
 * Multiply-adds of a two-pass detection for k = 1..T: pass 1 runs min(k, detectStages) stages on a
 * detectSize input, pass 2 runs k stages on the model's input. Pass 1's network is the model's own
 * (`passOneMacs` = `macs`) or its pass-1 network (cumulativeStageMacs of that network's config);
 * `inputSize` is the side `passOneMacs` were counted at. Every layer is a convolution over the whole
 * map, so pass 1 costs its stages' multiply-adds times (detectSize / inputSize)^2.
 */
export function detectionStageMacs(
  macs: readonly number[], detectStages: number, detectSize: number, inputSize: number, passOneMacs: readonly number[] = macs,
): number[] {
  const area = (detectSize / inputSize) ** 2;
  return macs.map((m, i) => passOneMacs[Math.min(i + 1, detectStages, passOneMacs.length) - 1]! * area + m);
}

/**
 * Chooses the number of stages for a per-frame time budget. The time of a frame is modelled as
 * proportional to its multiply-adds, with one scale (ms per multiply-add) kept as an exponential
 * moving average of the measured frames, whatever their k or kind: so the choice follows the
 * machine's current speed (load, thermal state) in both directions. A frame kind is a table of its
 * multiply-adds for k = 1..T (one pass: the constructor's; a two-pass detection: detectionStageMacs).
 * Part of the time (pre-processing, decoding) does not depend on k, so a scale measured at a small k
 * over-estimates larger k: a safe guess. Before any timing it picks k = 1.
 */
export class StageBudget {
  private readonly macs: readonly number[];
  private readonly maxStages: number;
  private msPerMac: number | undefined;

  /** `macs`: multiply-adds of one pass through stages 1..k, for k = 1..T (cumulativeStageMacs). */
  constructor(macs: readonly number[], maxStages = macs.length) {
    this.macs = macs;
    this.maxStages = maxStages;
  }

  /** Predicted time of a frame through k stages, ms (undefined before any timing); `costs` as in choose. */
  predict(k: number, costs: readonly number[] = this.macs): number | undefined {
    return this.msPerMac === undefined ? undefined : this.msPerMac * costs[k - 1]!;
  }

  /** The largest k whose predicted time fits in `budgetMs` (at least 1); `costs`: the frame kind's multiply-adds per k. */
  choose(budgetMs: number, costs: readonly number[] = this.macs): number {
    let k = 1;
    for (let j = 1; j <= this.maxStages; j++) {
      const t = this.predict(j, costs);
      if (t !== undefined && t <= budgetMs) k = j;
    }
    return k;
  }

  /** Records the measured time of a frame through k stages, of the kind whose multiply-adds per k are `costs`. */
  record(k: number, ms: number, costs: readonly number[] = this.macs): void {
    const scale = ms / costs[k - 1]!;
    if (!Number.isFinite(scale) || scale <= 0) return;
    this.msPerMac = this.msPerMac === undefined ? scale : this.msPerMac + 0.3 * (scale - this.msPerMac);
  }
}
