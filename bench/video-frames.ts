/** Video frames decoded with ffmpeg (Debian's `ffmpeg` package), for the video tests and `npm run eval:video`. */
import { execFileSync } from 'node:child_process';

export interface VideoFrame { data: Uint8Array; width: number; height: number; channels: 3; index: number }

/** Frames of a video decoded with ffmpeg (every `step`-th frame from 0), RGB. */
export function ffmpegFrames(file: string, step: number): { frames: VideoFrame[]; width: number; height: number } {
  const probe = execFileSync('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=width,height', '-of', 'csv=p=0', file], { encoding: 'utf8' });
  const [width, height] = probe.trim().split(',').map(Number) as [number, number];
  const raw = execFileSync('ffmpeg', ['-v', 'error', '-i', file, '-vf', `select=not(mod(n\\,${step}))`, '-vsync', '0', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'], { maxBuffer: 1 << 30 });
  const size = width * height * 3;
  const frames: VideoFrame[] = [];
  for (let i = 0; (i + 1) * size <= raw.length; i++) {
    frames.push({ data: new Uint8Array(raw.buffer, raw.byteOffset + i * size, size), width, height, channels: 3, index: i * step });
  }
  return { frames, width, height };
}
