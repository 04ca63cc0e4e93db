/**
 * A one-line progress bar (count, rate, ETA) on a terminal. Anything else printed to the same
 * terminal goes through `print`, which clears the bar first and draws it again after.
 */

export interface ProgressStream {
  write(s: string): boolean;
  isTTY?: boolean;
  columns?: number;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--:--';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

export function formatRate(perSecond: number): string {
  if (!Number.isFinite(perSecond) || perSecond <= 0) return '- img/s';
  return perSecond >= 10 ? `${perSecond.toFixed(0)} img/s` : `${perSecond.toFixed(1)} img/s`;
}

/** The bar's text for done of total after elapsed seconds, fitted to `columns`. */
export function progressLine(done: number, total: number, elapsedSeconds: number, columns: number, current = ''): string {
  const rate = elapsedSeconds > 0 ? done / elapsedSeconds : 0;
  const eta = done > 0 && rate > 0 ? (total - done) / rate : NaN;
  const count = `${String(done).padStart(String(total).length)}/${total}`;
  const info = ` ${count}  ${formatRate(rate)}  ETA ${formatDuration(eta)}`;
  const barWidth = Math.max(10, Math.min(30, columns - info.length - 4));
  const filled = total > 0 ? Math.round((barWidth * done) / total) : 0;
  let line = `[${'#'.repeat(filled)}${'-'.repeat(barWidth - filled)}]${info}`;
  const room = columns - 1 - line.length - 2;
  if (current && room > 8) line += `  ${current.length > room ? '…' + current.slice(current.length - room + 1) : current}`;
  return line.slice(0, Math.max(1, columns - 1));
}

export class Progress {
  private readonly stream: ProgressStream;
  private readonly enabled: boolean;
  private readonly start = Date.now();
  private shown = false;
  private lastDraw = 0;
  private done = 0;
  private current = '';
  private finished = false;

  constructor(stream: ProgressStream, private readonly total: number, enabled: boolean) {
    this.stream = stream;
    this.enabled = enabled && stream.isTTY === true && total > 0;
  }

  /** Prints a line (with its newline) above the bar. */
  print(line: string): void {
    this.clear();
    this.stream.write(line.endsWith('\n') ? line : line + '\n');
    this.draw(true);
  }

  /** Runs `write` (output to the same terminal) with the bar out of the way. */
  around(write: () => void): void {
    this.clear();
    write();
    this.draw(true);
  }

  setCurrent(name: string): void {
    this.current = name;
    this.draw(false);
  }

  tick(): void {
    this.done++;
    this.draw(this.done === this.total);
  }

  /** Removes the bar for good. */
  finish(): void {
    this.clear();
    this.finished = true;
  }

  private clear(): void {
    if (this.shown) {
      this.stream.write('\r\x1b[K');
      this.shown = false;
    }
  }

  private draw(force: boolean): void {
    if (!this.enabled || this.finished) return;
    const now = Date.now();
    if (!force && this.shown && now - this.lastDraw < 100) return;
    this.lastDraw = now;
    const columns = this.stream.columns && this.stream.columns > 20 ? this.stream.columns : 80;
    this.stream.write(`\r${progressLine(this.done, this.total, (now - this.start) / 1000, columns, this.current)}\x1b[K`);
    this.shown = true;
  }
}
