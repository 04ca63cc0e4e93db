/**
 * Images whose pixels the library can read in JS rather than through TF.js kernels: a pixel buffer's
 * bytes, an element drawn onto a canvas of the library's, or (wasm) an int32 tensor's values in the wasm
 * heap. Each pass reads only the region it needs, at full size or pooled, so no whole-frame tensor is
 * made unless a pass needs the whole frame at full size.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { PoseError } from '../errors.js';
import type { ImageTensor } from './input.js';

/** Pixels held in JS: `bytes` (RGB or RGBA, `stride` pixels a row), the region asked for starting at (x, y). */
interface Pixels {
  bytes: ArrayLike<number>;
  channels: 3 | 4;
  stride: number;
  x: number;
  y: number;
}

/** The w x h region of `p` as an int32 RGB tensor. */
function rgbTensor(p: Pixels, w: number, h: number): tf.Tensor3D {
  const { bytes, channels: c, stride } = p;
  const rgb = new Int32Array(w * h * 3);
  for (let r = 0, o = 0; r < h; r++) {
    for (let i = ((p.y + r) * stride + p.x) * c, end = i + w * c; i < end; i += c, o += 3) {
      rgb[o] = bytes[i]!;
      rgb[o + 1] = bytes[i + 1]!;
      rgb[o + 2] = bytes[i + 2]!;
    }
  }
  return tf.tensor3d(rgb, [h, w, 3], 'int32');
}

/**
 * The w x h region of `p` averaged over px x py blocks as a float32 RGB tensor: what tf.avgPool
 * 'valid' makes of rgbTensor's, without a tensor of the whole region (a still photo's pass 1 pools a
 * 1920 x 1080 frame 7 x 7 on its way to a 128-px input).
 */
function pooledTensor(p: Pixels, w: number, h: number, px: number, py: number): tf.Tensor3D {
  const { bytes, channels: c, stride } = p;
  const ow = Math.floor(w / px);
  const oh = Math.floor(h / py);
  const out = new Float32Array(ow * oh * 3);
  const sums = new Float64Array(ow * 3);
  const n = px * py;
  for (let oy = 0; oy < oh; oy++) {
    sums.fill(0);
    for (let r = 0; r < py; r++) {
      let i = ((p.y + oy * py + r) * stride + p.x) * c;
      for (let ox = 0, o = 0; ox < ow; ox++, o += 3) {
        // one block's row in local sums: pass 1 of a 4032 x 2268 frame 1.7x as fast as adding into the array per pixel
        let s0 = 0;
        let s1 = 0;
        let s2 = 0;
        for (let k = 0; k < px; k++, i += c) {
          s0 += bytes[i]!;
          s1 += bytes[i + 1]!;
          s2 += bytes[i + 2]!;
        }
        sums[o] += s0;
        sums[o + 1] += s1;
        sums[o + 2] += s2;
      }
    }
    for (let j = 0, o = oy * ow * 3; j < sums.length; j++) out[o + j] = sums[j]! / n;
  }
  return tf.tensor3d(out, [oh, ow, 3], 'float32');
}

/**
 * An image whose pixels the library reads in JS, turned into the whole-image tensor only when a pass
 * needs the whole image at full size (a tensor read in place already is one). Passes read their region
 * straight from those pixels (pooled, when the letterbox shrinks it 4x or more): on wasm, slicing a crop out of a big tensor
 * copies the whole tensor out of the wasm heap first (tfjs-backend-wasm's Slice), tens of ms for a
 * 1280 x 720 frame, which is most of a tracked frame's time.
 */
export abstract class HeldImage implements ImageTensor {
  readonly owned = true;
  private whole: tf.Tensor3D | undefined;

  constructor(readonly width: number, readonly height: number) {}

  get tensor(): tf.Tensor3D {
    // kept: the first use may be inside a caller's tf.tidy, and the tensor lives until release
    this.whole ??= tf.keep(this.crop(0, 0, this.width, this.height));
    return this.whole;
  }

  /** The pixels of the region [x, x + w) x [y, y + h). */
  protected abstract pixels(x: number, y: number, w: number, h: number): Pixels;

  crop(x: number, y: number, w: number, h: number): tf.Tensor3D {
    return rgbTensor(this.pixels(x, y, w, h), w, h);
  }

  cropPooled(x: number, y: number, w: number, h: number, poolX: number, poolY: number): tf.Tensor3D {
    return pooledTensor(this.pixels(x, y, w, h), w, h, poolX, poolY);
  }

  release(): void {
    this.whole?.dispose();
    this.whole = undefined;
  }
}

/** A pixel buffer as an image: a snapshot of its bytes (the caller may reuse the buffer once the call has started). */
export class BufferImage extends HeldImage {
  constructor(private readonly bytes: Uint8Array, private readonly channels: 3 | 4, width: number, height: number) {
    super(width, height);
  }

  protected pixels(x: number, y: number): Pixels {
    return { bytes: this.bytes, channels: this.channels, stride: this.width, x, y };
  }
}

/**
 * A caller's int32 tensor on the wasm backend, read in place: its values sit in the wasm heap, and a
 * view of them (BackendWasm.typedArrayFromHeap, no copy) lets each pass read only its region, pooled
 * while read, as for a pixel buffer. On wasm every kernel that cuts a region (Slice, cropAndResize on
 * int32) copies or casts the whole frame first: 13-20 ms a pass at 4032 x 2268. The whole-frame tensor
 * is the caller's own.
 */
export class WasmHeapImage extends HeldImage {
  constructor(private readonly source: tf.Tensor3D, private readonly backend: BackendWasm) {
    super(source.shape[1], source.shape[0]);
  }

  override get tensor(): tf.Tensor3D {
    return this.source;
  }

  protected pixels(x: number, y: number): Pixels {
    // a view of freed memory would read garbage, not fail: say so instead
    if (this.source.isDisposed) throw new PoseError('BAD_TENSOR', 'the input tensor was disposed while the call was using it');
    return { bytes: this.backend.typedArrayFromHeap(this.source), channels: 3, stride: this.width, x, y };
  }
}

export type Context2D = CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D;

/** 2-D canvases kept on the CPU side (their pixels are read back), reused between calls. */
const idleCanvases: Context2D[] = [];
const MAX_IDLE_CANVASES = 2;

/**
 * A canvas of the pool (or a new one) with the source drawn on it at w x h; give it back with putCanvas.
 * Throws UNREADABLE_IMAGE for a source no script may read (cross-origin without CORS), at the call
 * rather than in a later pass, and drops that canvas: once tainted it stays unreadable, whatever is
 * drawn on it, so the pool holds readable canvases only.
 */
export function drawnCanvas(source: CanvasImageSource, w: number, h: number): Context2D {
  let ctx = idleCanvases.pop();
  if (!ctx) {
    const canvas = typeof OffscreenCanvas !== 'undefined' ? new OffscreenCanvas(w, h) : Object.assign(document.createElement('canvas'), { width: w, height: h });
    const made = canvas.getContext('2d', { willReadFrequently: true }) as Context2D | null;
    if (!made) throw new PoseError('BAD_TENSOR', 'no 2D canvas context available to read the image');
    ctx = made;
  }
  if (ctx.canvas.width !== w || ctx.canvas.height !== h) {
    ctx.canvas.width = w; // resizing also clears it
    ctx.canvas.height = h;
  } else {
    ctx.clearRect(0, 0, w, h); // a transparent source must not show the previous frame
  }
  ctx.drawImage(source, 0, 0, w, h);
  try {
    ctx.getImageData(0, 0, 1, 1);
  } catch (e) {
    throw unreadable(e);
  }
  return ctx;
}

export function putCanvas(ctx: Context2D): void {
  if (idleCanvases.length < MAX_IDLE_CANVASES) idleCanvases.push(ctx);
}

/**
 * An element's frame as an image on a CPU-side backend: drawn onto a canvas of its own when the call is
 * made (a snapshot: a video moves on while the call waits and runs), each pass reading back only the region
 * it needs. Reading back a whole 1280 x 720 frame (getImageData) costs ~15-25 ms in Chromium here,
 * a tracked frame's 360-px region 1-3 ms; drawing it is cheap. The canvas returns to a small pool on
 * release, since making a new one costs about as much as reading a whole frame.
 */
export class CanvasImage extends HeldImage {
  private ctx: Context2D | undefined;

  constructor(source: CanvasImageSource, width: number, height: number) {
    super(width, height);
    this.ctx = drawnCanvas(source, width, height);
  }

  protected pixels(x: number, y: number, w: number, h: number): Pixels {
    if (!this.ctx) throw new PoseError('DISPOSED', 'this image has been released');
    return { bytes: this.ctx.getImageData(x, y, w, h).data, channels: 4, stride: w, x: 0, y: 0 };
  }

  override release(): void {
    super.release();
    if (this.ctx) putCanvas(this.ctx);
    this.ctx = undefined;
  }
}

/** A browser's refusal to give a script the pixels (SecurityError) as a PoseError; other errors as they are. */
export function unreadable(e: unknown): unknown {
  if ((e as { name?: unknown } | null)?.name !== 'SecurityError') return e;
  return new PoseError('UNREADABLE_IMAGE',
    'the browser does not let scripts read this image\'s pixels (a cross-origin image or video without CORS): '
    + 'serve it with Access-Control-Allow-Origin and set crossOrigin = "anonymous" on the element', { cause: e });
}
