/**
 * Image files with sharp: decode (EXIF orientation applied, shrunk on load to what the model needs)
 * and draw a skeleton on the full-size photo (an SVG overlay composited by sharp: no canvas).
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Sharp, SharpOptions } from 'sharp';

type SharpFactory = (input?: Buffer, options?: SharpOptions) => Sharp;
let sharpModule: Promise<SharpFactory> | undefined;

/** Loads sharp on first use, with a message that says what to do when it is not installed. */
export function loadSharp(): Promise<SharpFactory> {
  sharpModule ??= import('sharp').then(
    (m) => ((m as { default?: SharpFactory }).default ?? (m as unknown as SharpFactory)),
    (e: Error) => {
      throw new Error(`the image library sharp could not be loaded (${e.message.split('\n')[0]}); reinstall cpm-pose, or run npm install sharp`);
    },
  );
  return sharpModule;
}

/** A file that could not be turned into pixels; the message is the one-line reason. */
export class ImageError extends Error {
  override readonly name = 'ImageError';
}

export interface DecodedImage {
  /** the file's bytes, kept for drawing */
  bytes: Buffer;
  /** e.g. 'jpeg', 'png', 'webp' */
  format: string;
  /** the photo as displayed (after EXIF orientation), full size */
  width: number;
  height: number;
  /** the pixels the model gets: RGB, at most maxSide on the longest side */
  pixels: { data: Uint8Array; width: number; height: number; channels: 3 };
}

/**
 * sharp/libvips messages -> short reasons a user can act on. `knownImage`: the header was read (a
 * known format), so a failure while decoding the pixels means broken image data, whatever libvips
 * says (its error text is process-global and sometimes arrives empty, as "Unknown error").
 */
function reasonOf(e: unknown, knownImage = false): string {
  const err = e as NodeJS.ErrnoException;
  if (err.code === 'ENOENT') return 'no such file';
  if (err.code === 'EACCES' || err.code === 'EPERM') return 'permission denied';
  if (err.code === 'EISDIR') return 'is a folder';
  const m = String(err.message ?? e).split('\n')[0]!.trim();
  const detail = m.replace(/^Vips\w*:\s*/, '');
  if (/unsupported image format/i.test(m)) return 'not an image (unknown or unsupported format)';
  if (/premature end|truncated|unexpected end|end of (file|stream|data)|not enough data|read error/i.test(m)) {
    return `truncated or corrupt image (${detail})`;
  }
  if (/pixel limit/i.test(m)) return 'image too large (over the pixel limit)';
  if (knownImage) return `truncated or corrupt image (${/^(unknown error)?$/i.test(detail) ? 'the decoder gave no detail' : detail})`;
  return `cannot decode: ${detail}`;
}

export async function decodeImage(file: string, maxSide: number): Promise<DecodedImage> {
  const sharp = await loadSharp();
  let bytes: Buffer;
  try {
    const st = await fs.stat(file);
    if (st.isDirectory()) throw new ImageError('is a folder');
    if (st.size === 0) throw new ImageError('empty file (0 bytes)');
    bytes = await fs.readFile(file);
  } catch (e) {
    throw e instanceof ImageError ? e : new ImageError(reasonOf(e));
  }
  let knownImage = false;
  try {
    // failOn 'error': truncated or broken pixel data fails; mere warnings (odd markers) do not
    const meta = await sharp(bytes, { failOn: 'error' }).metadata();
    knownImage = meta.format !== undefined;
    const width = meta.autoOrient?.width ?? meta.width;
    const height = meta.autoOrient?.height ?? meta.height;
    if (!width || !height) throw new ImageError('image has no pixels');
    const { data, info } = await sharp(bytes, { failOn: 'error' })
      .autoOrient()
      // JPEG and WebP shrink on load: a 24 MP photo is never decoded at full size
      .resize({ width: maxSide, height: maxSide, fit: 'inside', withoutEnlargement: true })
      .flatten({ background: '#ffffff' })
      .toColourspace('srgb')
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new ImageError(`cannot decode: got ${info.channels} channels`);
    return {
      bytes,
      format: meta.format ?? 'unknown',
      width,
      height,
      pixels: { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height, channels: 3 },
    };
  } catch (e) {
    throw e instanceof ImageError ? e : new ImageError(reasonOf(e, knownImage));
  }
}

export interface DrawKeypoint {
  name: string;
  x: number;
  y: number;
  score: number;
}

const COLOURS = { left: '#2f9bff', right: '#ff5a36', centre: '#ffd23f' };

function sideOf(name: string): keyof typeof COLOURS {
  if (/^left[_-]|[_-]left$/i.test(name)) return 'left';
  if (/^right[_-]|[_-]right$/i.test(name)) return 'right';
  return 'centre';
}

const f1 = (v: number) => (Math.round(v * 10) / 10).toString();

export interface Overlay {
  /** an SVG covering only the drawn part of the photo, at (left, top) */
  svg: string;
  left: number;
  top: number;
}

/**
 * The skeleton over a width x height photo, as an SVG of just the region it covers (rasterising a
 * photo-sized SVG is slow for big photos): limbs between keypoints that are both present, coloured
 * by side (the person's left blue, right red, centre yellow) with a dark outline, and the joints.
 * Undefined when nothing falls inside the photo.
 */
export function skeletonOverlay(width: number, height: number, keypoints: ReadonlyArray<DrawKeypoint | undefined>, skeleton: ReadonlyArray<readonly [number, number]>): Overlay | undefined {
  const w = Math.max(2, Math.round(Math.max(width, height) / 160));
  const parts: string[] = [];
  for (const [a, b] of skeleton) {
    const p = keypoints[a];
    const q = keypoints[b];
    if (!p || !q) continue;
    const side = sideOf(p.name) === sideOf(q.name) ? sideOf(p.name) : 'centre';
    const d = `x1="${f1(p.x)}" y1="${f1(p.y)}" x2="${f1(q.x)}" y2="${f1(q.y)}"`;
    parts.push(`<line ${d} stroke="#000" stroke-opacity="0.55" stroke-width="${w + 2}"/>`);
    parts.push(`<line ${d} stroke="${COLOURS[side]}" stroke-width="${w}"/>`);
  }
  const present = keypoints.filter((k): k is DrawKeypoint => k !== undefined);
  for (const k of present) {
    parts.push(`<circle cx="${f1(k.x)}" cy="${f1(k.y)}" r="${f1(w * 1.4)}" fill="${COLOURS[sideOf(k.name)]}" stroke="#000" stroke-width="1"/>`);
  }
  if (present.length === 0) return undefined;
  const pad = 2 * w + 2;
  const left = Math.max(0, Math.floor(Math.min(...present.map((k) => k.x)) - pad));
  const top = Math.max(0, Math.floor(Math.min(...present.map((k) => k.y)) - pad));
  const right = Math.min(width, Math.ceil(Math.max(...present.map((k) => k.x)) + pad));
  const bottom = Math.min(height, Math.ceil(Math.max(...present.map((k) => k.y)) + pad));
  if (right - left < 1 || bottom - top < 1) return undefined;
  const rw = right - left;
  const rh = bottom - top;
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${rw}" height="${rh}" viewBox="${left} ${top} ${rw} ${rh}" stroke-linecap="round">${parts.join('')}</svg>`;
  return { svg, left, top };
}

const OWN_EXT: Record<string, RegExp> = { jpeg: /^\.jpe?g$/i, png: /^\.png$/i, webp: /^\.webp$/i };
const FORMAT_EXT: Record<string, string> = { jpeg: '.jpg', png: '.png', webp: '.webp' };

/** Extension of the drawing of a `format` photo: the photo's own for JPEG, PNG and WebP; .png for the rest. */
export function drawnExtension(file: string, format: string): string {
  const own = path.extname(file);
  if (OWN_EXT[format]?.test(own)) return own;
  return FORMAT_EXT[format] ?? '.png';
}

/** Writes the full-size, upright photo with the skeleton on it to `outFile`. */
export async function drawPose(image: DecodedImage, outFile: string, keypoints: ReadonlyArray<DrawKeypoint | undefined>, skeleton: ReadonlyArray<readonly [number, number]>): Promise<void> {
  const sharp = await loadSharp();
  const overlay = skeletonOverlay(image.width, image.height, keypoints, skeleton);
  let img = sharp(image.bytes, { failOn: 'error' }).autoOrient();
  if (overlay) img = img.composite([{ input: Buffer.from(overlay.svg), left: overlay.left, top: overlay.top }]);
  const ext = path.extname(outFile).toLowerCase();
  img = ext === '.png' ? img.png() : ext === '.webp' ? img.webp({ quality: 90 }) : img.jpeg({ quality: 90 });
  await img.toFile(outFile);
}
