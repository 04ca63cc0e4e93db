import * as tf from '@tensorflow/tfjs';
import { PoseError } from '../errors.js';

/** Raw pixels, e.g. a decoded JPEG in Node: RGBA (4 bytes a pixel) or RGB (3), row-major, 0..255. */
export interface PixelBuffer {
  data: ArrayLike<number>;
  width: number;
  height: number;
  /** 3 or 4; inferred from data.length when omitted */
  channels?: 3 | 4;
}

/** Everything estimatePose accepts. Tensors are HxWx3, int32 or float32, values 0..255. */
export type PoseInput =
  | HTMLImageElement
  | HTMLVideoElement
  | HTMLCanvasElement
  | OffscreenCanvas
  | ImageBitmap
  | ImageData
  | tf.Tensor3D
  | PixelBuffer;

/** An image as a HxWx3 tensor; `owned` tells whether the caller of toImageTensor must free it (releaseImage). */
export interface ImageTensor {
  readonly tensor: tf.Tensor3D;
  readonly width: number;
  readonly height: number;
  readonly owned: boolean;
  /** The region [x, x + w) x [y, y + h) as a new int32 tensor, when the image can give it without `tensor`. */
  crop?(x: number, y: number, w: number, h: number): tf.Tensor3D;
  /**
   * The region averaged over poolX x poolY blocks (blocks from its top-left corner; a remainder at
   * the right and bottom is dropped, as tf.avgPool 'valid' does) as a new float32 tensor
   * [floor(h / poolY), floor(w / poolX), 3], when the image can give it without `tensor`.
   */
  cropPooled?(x: number, y: number, w: number, h: number, poolX: number, poolY: number): tf.Tensor3D;
}

type AnyObj = Record<string, unknown>;

function empty(what: string, w: unknown, h: unknown): PoseError {
  return new PoseError('EMPTY_IMAGE', `${what} has no pixels (${String(w)} x ${String(h)})`);
}

function checkSize(what: string, w: unknown, h: unknown): [number, number] {
  if (typeof w !== 'number' || typeof h !== 'number' || !(w > 0) || !(h > 0)) throw empty(what, w, h);
  return [w, h];
}

function fromBuffer(buf: PixelBuffer): ImageTensor {
  const { data } = buf;
  if (data === null || typeof data !== 'object' || typeof data.length !== 'number') {
    throw new PoseError('BAD_TENSOR', 'pixel buffer: data must be an array of bytes');
  }
  const [w, h] = checkSize('pixel buffer', buf.width, buf.height);
  if (!Number.isInteger(w) || !Number.isInteger(h)) {
    throw new PoseError('BAD_TENSOR', `pixel buffer: width and height must be integers, got ${w} x ${h}`);
  }
  const n = w * h;
  let channels = buf.channels;
  if (channels === undefined) {
    if (data.length === n * 4) channels = 4;
    else if (data.length === n * 3) channels = 3;
  }
  if ((channels !== 3 && channels !== 4) || data.length !== n * channels) {
    throw new PoseError('BAD_TENSOR',
      `pixel buffer: ${data.length} values do not make a ${w} x ${h} RGB (${n * 3}) or RGBA (${n * 4}) image`);
  }
  return new BufferImage(new Uint8Array(data), channels, w, h);
}

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
        for (let k = 0; k < px; k++, i += c) {
          sums[o] += bytes[i]!;
          sums[o + 1] += bytes[i + 1]!;
          sums[o + 2] += bytes[i + 2]!;
        }
      }
    }
    for (let j = 0, o = oy * ow * 3; j < sums.length; j++) out[o + j] = sums[j]! / n;
  }
  return tf.tensor3d(out, [oh, ow, 3], 'float32');
}

/**
 * An image whose pixels the library holds outside TF.js, turned into the whole-image tensor only when
 * a pass needs the whole image at full size. Passes read their region straight from those pixels
 * (pooled, when the letterbox shrinks it 4x or more): on wasm, slicing a crop out of a big tensor
 * copies the whole tensor out of the wasm heap first (tfjs-backend-wasm's Slice), tens of ms for a
 * 1280 x 720 frame, which is most of a tracked frame's time.
 */
abstract class HeldImage implements ImageTensor {
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
class BufferImage extends HeldImage {
  constructor(private readonly bytes: Uint8Array, private readonly channels: 3 | 4, width: number, height: number) {
    super(width, height);
  }

  protected pixels(x: number, y: number): Pixels {
    return { bytes: this.bytes, channels: this.channels, stride: this.width, x, y };
  }
}

type Context2D = CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D;

/** 2-D canvases kept on the CPU side (their pixels are read back), reused between calls. */
const idleCanvases: Context2D[] = [];
const MAX_IDLE_CANVASES = 2;

/** A canvas of the pool (or a new one) with the source drawn on it at w x h; give it back with putCanvas. */
function drawnCanvas(source: CanvasImageSource, w: number, h: number): Context2D {
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
  return ctx;
}

function putCanvas(ctx: Context2D): void {
  if (idleCanvases.length < MAX_IDLE_CANVASES) idleCanvases.push(ctx);
}

/**
 * An element's frame as an image on a CPU-side backend: drawn at the call onto a canvas of its own
 * (a snapshot: a video may move on during the call's passes), each pass reading back only the region
 * it needs. Reading back a whole 1280 x 720 frame (getImageData) costs ~15-25 ms in Chromium here,
 * a tracked frame's 360-px region 1-3 ms; drawing it is cheap. The canvas returns to a small pool on
 * release, since making a new one costs about as much as reading a whole frame.
 */
class CanvasImage extends HeldImage {
  private ctx: Context2D | undefined;

  constructor(source: CanvasImageSource, width: number, height: number) {
    super(width, height);
    this.ctx = drawnCanvas(source, width, height);
    try {
      this.read(0, 0, 1, 1); // a tainted (cross-origin) source fails here, at the call, not in a later pass
    } catch (e) {
      this.release();
      throw e;
    }
  }

  private read(x: number, y: number, w: number, h: number): Uint8ClampedArray {
    if (!this.ctx) throw new PoseError('DISPOSED', 'this image has been released');
    try {
      return this.ctx.getImageData(x, y, w, h).data;
    } catch (e) {
      throw unreadable(e);
    }
  }

  protected pixels(x: number, y: number, w: number, h: number): Pixels {
    return { bytes: this.read(x, y, w, h), channels: 4, stride: w, x: 0, y: 0 };
  }

  override release(): void {
    super.release();
    if (this.ctx) putCanvas(this.ctx);
    this.ctx = undefined;
  }
}

/** A browser's refusal to give a script the pixels (SecurityError) as a PoseError; other errors as they are. */
function unreadable(e: unknown): unknown {
  if ((e as { name?: unknown } | null)?.name !== 'SecurityError') return e;
  return new PoseError('UNREADABLE_IMAGE',
    'the browser does not let scripts read this image\'s pixels (a cross-origin image or video without CORS): '
    + 'serve it with Access-Control-Allow-Origin and set crossOrigin = "anonymous" on the element', { cause: e });
}

/**
 * The region [x, x + w) x [y, y + h) of the image as a new tensor (int32 or float32, as the image):
 * read from the image's own pixels when it has them (a pixel buffer), else sliced out of its tensor as
 * a 2-D [height, width * 3] view (the same elements, and several times faster on wasm than a 3-D slice).
 */
export function cropImage(image: ImageTensor, x: number, y: number, w: number, h: number): tf.Tensor3D {
  if (image.crop) return image.crop(x, y, w, h);
  return tf.tidy(() => tf.reshape(tf.slice(tf.reshape(image.tensor, [image.height, image.width * 3]), [y, x * 3], [h, w * 3]), [h, w, 3]));
}

/** Frees what toImageTensor made (nothing for a caller's tensor). */
export function releaseImage(image: ImageTensor): void {
  if (!image.owned) return;
  if (image instanceof HeldImage) image.release();
  else image.tensor.dispose();
}

function fromTensor(t: tf.Tensor): ImageTensor {
  if (t.isDisposed) throw new PoseError('BAD_TENSOR', 'the input tensor has been disposed');
  if (t.rank !== 3) {
    throw new PoseError('BAD_TENSOR', `expected a rank-3 tensor [height, width, 3], got shape [${t.shape.join(', ')}]`);
  }
  const [h, w, c] = t.shape as [number, number, number];
  if (h === 0 || w === 0) throw empty('tensor', w, h);
  if (c !== 3) throw new PoseError('BAD_TENSOR', `expected 3 channels (RGB), got shape [${t.shape.join(', ')}]`);
  if (t.dtype !== 'int32' && t.dtype !== 'float32') {
    throw new PoseError('BAD_TENSOR', `expected an int32 or float32 tensor, got ${t.dtype}`);
  }
  return { tensor: t as tf.Tensor3D, width: w, height: h, owned: false };
}

/** Backends that upload an element's pixels to the GPU themselves (tf.browser.fromPixels has a kernel there). */
const GPU_BACKENDS = new Set(['webgl', 'webgpu']);

/**
 * An element, canvas or bitmap as an image of w x h pixels. On the GPU backends, tf.browser.fromPixels
 * uploads it as a texture. Elsewhere (wasm, cpu) fromPixels would read the whole frame back through a
 * 2-D canvas into a whole-frame tensor, and on wasm every crop of that tensor copies all of it out of
 * the heap; a CanvasImage reads the same bytes, only the regions the passes need.
 */
function fromElement(source: CanvasImageSource, w: number, h: number): ImageTensor {
  if (!GPU_BACKENDS.has(tf.getBackend())) return new CanvasImage(source, w, h);
  try {
    // fromPixels reads an <img> at its layout size (width/height): upload it drawn at its natural size
    const img = source as HTMLImageElement;
    if (!('naturalWidth' in img) || (img.width === w && img.height === h)) {
      return { tensor: tf.browser.fromPixels(source as HTMLCanvasElement, 3), width: w, height: h, owned: true };
    }
    const ctx = drawnCanvas(source, w, h);
    try {
      return { tensor: tf.browser.fromPixels(ctx.canvas as HTMLCanvasElement, 3), width: w, height: h, owned: true };
    } finally {
      putCanvas(ctx); // the upload is done: the canvas may be drawn on again
    }
  } catch (e) {
    throw unreadable(e);
  }
}

/** A PixelBuffer or ImageData ({data, width, height}), told apart from elements and tensors by shape. */
export function isPixelBuffer(input: PoseInput): input is PixelBuffer {
  if (input === null || typeof input !== 'object' || input instanceof tf.Tensor) return false;
  const o = input as unknown as AnyObj;
  return 'data' in o && !('readyState' in o) && !('naturalWidth' in o) && typeof o.getContext !== 'function';
}

/**
 * Any supported input -> an HxWx3 tensor (int32 or float32, 0..255). Throws EMPTY_IMAGE,
 * VIDEO_NOT_READY or BAD_TENSOR. Detection is by shape (duck typing) so it also works in workers
 * and in Node for buffers and tensors.
 */
export function toImageTensor(input: PoseInput): ImageTensor {
  if (input instanceof tf.Tensor) return fromTensor(input);
  if (input === null || typeof input !== 'object') {
    throw new PoseError('BAD_TENSOR', `expected an image, video, canvas, ImageBitmap, ImageData, tf.Tensor3D or {data, width, height}, got ${input === null ? 'null' : typeof input}`);
  }
  const o = input as unknown as AnyObj;
  if (typeof o.readyState === 'number' && 'videoWidth' in o) {
    if (o.readyState < 2) {
      throw new PoseError('VIDEO_NOT_READY', `the video has no current frame yet (readyState ${o.readyState} < 2): wait for 'loadeddata'`);
    }
    const [w, h] = checkSize('video', o.videoWidth, o.videoHeight);
    return fromElement(input as HTMLVideoElement, w, h);
  }
  if ('naturalWidth' in o && 'complete' in o) {
    if (!o.complete) throw empty('image element (not loaded yet)', o.naturalWidth, o.naturalHeight);
    const [w, h] = checkSize('image element', o.naturalWidth, o.naturalHeight);
    return fromElement(input as HTMLImageElement, w, h);
  }
  if (typeof o.getContext === 'function') {
    const [w, h] = checkSize('canvas', o.width, o.height);
    return fromElement(input as HTMLCanvasElement, w, h);
  }
  if (isPixelBuffer(input)) return fromBuffer(input);
  if (typeof o.close === 'function' && 'width' in o && 'height' in o) {
    const [w, h] = checkSize('ImageBitmap', o.width, o.height);
    return fromElement(input as ImageBitmap, w, h);
  }
  throw new PoseError('BAD_TENSOR', `unsupported input ${(o.constructor as { name?: string } | undefined)?.name ?? 'object'}: expected an image, video, canvas, ImageBitmap, ImageData, tf.Tensor3D or {data, width, height}`);
}
