/**
 * JSON output: JSON Lines (one record a line) or one JSON array, to a file or standard output.
 * The array is written as it goes and closed by close(), so it is valid after an interrupted run too.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { JsonFormat } from './args.js';

export interface OutStream {
  write(s: string, cb?: (err?: Error | null) => void): boolean;
  once(event: 'drain' | 'close' | 'error', cb: () => void): unknown;
  off(event: 'drain' | 'close' | 'error', cb: () => void): unknown;
}

export class JsonWriter {
  private count = 0;
  private closed = false;

  private constructor(
    private readonly stream: OutStream,
    private readonly format: JsonFormat,
    private readonly file: fs.WriteStream | undefined,
    private readonly guard: (write: () => void) => void,
  ) {
    if (format === 'array') guard(() => this.put('['));
  }

  /**
   * `target`: a file path, or '-' for `stdout`. `guard` wraps every write to stdout (the progress
   * bar steps aside when both are the same terminal). Throws (with a message) when the file cannot be opened.
   */
  static async open(target: string, format: JsonFormat, stdout: OutStream, guard: (write: () => void) => void): Promise<JsonWriter> {
    if (target === '-') return new JsonWriter(stdout, format, undefined, guard);
    fs.mkdirSync(path.dirname(path.resolve(target)), { recursive: true });
    const file = fs.createWriteStream(target);
    await new Promise<void>((resolve, reject) => {
      file.once('open', () => resolve());
      file.once('error', reject);
    });
    return new JsonWriter(file, format, file, (w) => w());
  }

  /** Writes one record; resolves when the stream can take more. */
  async write(record: object): Promise<void> {
    if (this.closed) return;
    const json = JSON.stringify(record);
    const text = this.format === 'array' ? `${this.count === 0 ? '\n' : ',\n'}${json}` : `${json}\n`;
    this.count++;
    let ok = true;
    this.guard(() => {
      ok = this.put(text);
    });
    // a closed pipe (`| head`) never drains: stop waiting when the stream closes or fails
    if (!ok) {
      await new Promise<void>((resolve) => {
        const done = () => {
          for (const ev of ['drain', 'close', 'error'] as const) this.stream.off(ev, done);
          resolve();
        };
        for (const ev of ['drain', 'close', 'error'] as const) this.stream.once(ev, done);
      });
    }
  }

  /** Ends the array (if any) and, for a file, waits until everything is on disk. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.format === 'array') this.guard(() => this.put(this.count === 0 ? ']\n' : '\n]\n'));
    if (this.file) {
      const file = this.file;
      await new Promise<void>((resolve, reject) => {
        file.once('error', reject);
        file.end(() => resolve());
      });
    }
  }

  private put(s: string): boolean {
    return this.stream.write(s);
  }
}
