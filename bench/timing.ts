/**
 * Interleaved timing, shared by the Node benchmark and the browser page: every configuration is
 * warmed up, then `rounds` rounds each time every configuration on the same frames in turn, so that
 * background load (training jobs on this machine) spreads over all of them alike and their ratios
 * stay meaningful.
 */
export interface Timed<F> {
  id: string;
  run: (frame: F) => Promise<unknown>;
}

export interface TimingOptions {
  warmup: number;
  rounds: number;
}

export async function timeInterleaved<F>(configs: ReadonlyArray<Timed<F>>, frames: readonly F[], opts: TimingOptions,
  onRound?: (round: number) => void): Promise<Record<string, number[]>> {
  const ms: Record<string, number[]> = {};
  for (const c of configs) {
    ms[c.id] = [];
    for (let i = 0; i < opts.warmup; i++) await c.run(frames[i % frames.length]!);
  }
  for (let r = 0; r < opts.rounds; r++) {
    for (const c of configs) {
      for (const f of frames) {
        const t0 = performance.now();
        await c.run(f);
        ms[c.id]!.push(performance.now() - t0);
      }
    }
    onRound?.(r + 1);
  }
  return ms;
}

export function mean(values: readonly number[]): number {
  return values.length === 0 ? NaN : values.reduce((a, b) => a + b, 0) / values.length;
}

export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo]! + (s[hi]! - s[lo]!) * (pos - lo);
}
