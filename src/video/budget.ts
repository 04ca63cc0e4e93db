import type { CpmConfig } from '../model/config.js';
import { convSpecs } from '../model/weight-specs.js';

/**
 * Multiply-adds of one pass through stages 1..k, for k = 1..T (index k - 1): the relative cost of
 * each early exit, used to predict the time of a stage count that has not been timed yet.
 */
export function cumulativeStageMacs(config: CpmConfig, numMaps: number): number[] {
  const perStage = new Array<number>(config.stages).fill(0);
  let side = config.inputSize;
  for (const s of convSpecs(config, numMaps)) {
    const m = /^(backbone|stage(\d+))\//.exec(s.prefix)!;
    const stage = m[2] ? Number(m[2]) : 1;
    perStage[stage - 1]! += side * side * s.kernel * s.kernel * s.inChannels * s.filters;
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
 * Chooses the number of stages for a per-frame time budget. The time of a pass is modelled as
 * proportional to its multiply-adds, with one scale (ms per multiply-add) kept as an exponential
 * moving average of the measured frames, whatever their k: so the choice follows the machine's
 * current speed (load, thermal state) in both directions. Part of the time (pre-processing,
 * decoding) does not depend on k, so a scale measured at a small k over-estimates larger k: a
 * safe guess. Before any timing it picks k = 1.
 */
export class StageBudget {
  private readonly macs: number[];
  private readonly maxStages: number;
  private msPerMac: number | undefined;

  constructor(macs: number[], maxStages = macs.length) {
    this.macs = macs;
    this.maxStages = maxStages;
  }

  /** Predicted time of one pass through k stages, ms (undefined before any timing). */
  predict(k: number): number | undefined {
    return this.msPerMac === undefined ? undefined : this.msPerMac * this.macs[k - 1]!;
  }

  /** The largest k whose predicted time for `passes` passes fits in `budgetMs` (at least 1). */
  choose(budgetMs: number, passes = 1): number {
    let k = 1;
    for (let j = 1; j <= this.maxStages; j++) {
      const t = this.predict(j);
      if (t !== undefined && t * passes <= budgetMs) k = j;
    }
    return k;
  }

  /** Records the measured time of a frame that ran `passes` passes through k stages. */
  record(k: number, ms: number, passes = 1): void {
    const scale = ms / (passes * this.macs[k - 1]!);
    if (!Number.isFinite(scale) || scale <= 0) return;
    this.msPerMac = this.msPerMac === undefined ? scale : this.msPerMac + 0.3 * (scale - this.msPerMac);
  }
}
