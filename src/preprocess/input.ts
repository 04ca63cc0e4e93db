import * as tf from '@tensorflow/tfjs';
import { PoseError } from '../errors.js';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { BufferImage, CanvasImage, drawnCanvas, putCanvas, unreadable, WasmHeapImage } from './held-image.js';

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
  /** Frees what the image made for itself (releaseImage calls it; without it, an owned `tensor` is disposed). */
  release?(): void;
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

/**
 * The region [x, x + w) x [y, y + h) of the image as a new tensor: read from the pixels the image holds
 * in JS or the wasm heap when it has them (held-image.ts); else, on wasm, cut out of its tensor by tf.image.cropAndResize
 * at scale 1 (float32; wasm's Slice copies the whole tensor out of the heap first, 0.3 s for a
 * 4032 x 2268 frame, where cropAndResize reads only the region); elsewhere sliced as a 2-D
 * [height, width * 3] view (the same elements, and several times faster than a 3-D slice).
 */
export function cropImage(image: ImageTensor, x: number, y: number, w: number, h: number): tf.Tensor3D {
  if (image.crop) return image.crop(x, y, w, h);
  const { width: W, height: H } = image;
  if (tf.getBackend() !== 'wasm') {
    return tf.tidy(() => tf.reshape(tf.slice(tf.reshape(image.tensor, [H, W * 3]), [y, x * 3], [h, w * 3]), [h, w, 3]));
  }
  return tf.tidy(() => {
    // cropAndResize reads float32 (an int32 tensor on wasm is read in place instead: WasmHeapImage)
    const float = asFloat32(image.tensor);
    // box corners in [0, 1] of (size - 1): at the crop's own size every sample falls on a pixel centre,
    // up to float32 rounding of the corners (values off by < 0.05; wasm's 'nearest' mode misplaces crops)
    const box = [y / Math.max(1, H - 1), x / Math.max(1, W - 1), (y + h - 1) / Math.max(1, H - 1), (x + w - 1) / Math.max(1, W - 1)];
    return tf.reshape(tf.image.cropAndResize(tf.reshape(float, [1, H, W, 3]) as tf.Tensor4D, [box], [0], [h, w], 'bilinear'), [h, w, 3]) as tf.Tensor3D;
  });
}

/** `t` as float32: itself when it already is (tf.cast copies even then: on wasm, the whole frame). */
export function asFloat32(t: tf.Tensor3D): tf.Tensor3D {
  return t.dtype === 'float32' ? t : tf.cast(t, 'float32');
}

/** Frees what toImageTensor made (nothing for a caller's tensor). */
export function releaseImage(image: ImageTensor): void {
  if (!image.owned) return;
  if (image.release) image.release();
  else image.tensor.dispose();
}

function fromTensor(t: tf.Tensor, backend: string): ImageTensor {
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
  const wasm = t.dtype === 'int32' && backend === 'wasm' ? tf.findBackend('wasm') as BackendWasm | null : null;
  if (wasm) {
    // into the wasm heap now if it was made on another backend (get() moves it, as a kernel's first read
    // would; tfjs-backend-wasm 4.22's Cast moves it under a view of the heap, which fails if the heap grows)
    wasm.dataIdMap.get(t.dataId);
    return new WasmHeapImage(t as tf.Tensor3D, wasm);
  }
  return { tensor: t as tf.Tensor3D, width: w, height: h, owned: false };
}

/**
 * Whether `backend` reads an element by uploading it to the GPU as a tensor (tf.browser.fromPixels has a
 * kernel there), which needs that backend to be the active one.
 */
export function uploadsElements(backend: string): boolean {
  return backend === 'webgl' || backend === 'webgpu';
}

/**
 * An element, canvas or bitmap as an image of w x h pixels. On the GPU backends, tf.browser.fromPixels
 * uploads it as a texture. Elsewhere (wasm, cpu) fromPixels would read the whole frame back through a
 * 2-D canvas into a whole-frame tensor, and on wasm every crop of that tensor copies all of it out of
 * the heap; a CanvasImage reads the same bytes, only the regions the passes need.
 */
function fromElement(source: CanvasImageSource, w: number, h: number, backend: string): ImageTensor {
  if (!uploadsElements(backend)) return new CanvasImage(source, w, h);
  try {
    // fromPixels reads an <img> at its layout size (width/height): upload it drawn at its natural size
    const img = source as HTMLImageElement;
    if (!('naturalWidth' in img) || (img.width === w && img.height === h)) {
      return { tensor: tf.browser.fromPixels(source as HTMLCanvasElement, 3), width: w, height: h, owned: true };
    }
    const ctx = drawnCanvas(source, w, h);
    const tensor = tf.browser.fromPixels(ctx.canvas as HTMLCanvasElement, 3);
    putCanvas(ctx); // uploaded: the canvas may be drawn on again
    return { tensor, width: w, height: h, owned: true };
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
 * Any supported input -> an HxWx3 tensor (int32 or float32, 0..255), read the way `backend` (default:
 * the active one) needs it. Throws EMPTY_IMAGE, VIDEO_NOT_READY, UNREADABLE_IMAGE or BAD_TENSOR.
 * Detection is by shape (duck typing) so it also works in workers and in Node for buffers and tensors.
 */
export function toImageTensor(input: PoseInput, backend: string = tf.getBackend()): ImageTensor {
  if (input instanceof tf.Tensor) return fromTensor(input, backend);
  if (input === null || typeof input !== 'object') {
    throw new PoseError('BAD_TENSOR', `expected an image, video, canvas, ImageBitmap, ImageData, tf.Tensor3D or {data, width, height}, got ${input === null ? 'null' : typeof input}`);
  }
  const o = input as unknown as AnyObj;
  if (typeof o.readyState === 'number' && 'videoWidth' in o) {
    if (o.readyState < 2) {
      throw new PoseError('VIDEO_NOT_READY', `the video has no current frame yet (readyState ${o.readyState} < 2): wait for 'loadeddata'`);
    }
    const [w, h] = checkSize('video', o.videoWidth, o.videoHeight);
    return fromElement(input as HTMLVideoElement, w, h, backend);
  }
  if ('naturalWidth' in o && 'complete' in o) {
    if (!o.complete) throw empty('image element (not loaded yet)', o.naturalWidth, o.naturalHeight);
    const [w, h] = checkSize('image element', o.naturalWidth, o.naturalHeight);
    return fromElement(input as HTMLImageElement, w, h, backend);
  }
  if (typeof o.getContext === 'function') {
    const [w, h] = checkSize('canvas', o.width, o.height);
    return fromElement(input as HTMLCanvasElement, w, h, backend);
  }
  if (isPixelBuffer(input)) return fromBuffer(input);
  if (typeof o.close === 'function' && 'width' in o && 'height' in o) {
    const [w, h] = checkSize('ImageBitmap', o.width, o.height);
    return fromElement(input as ImageBitmap, w, h, backend);
  }
  throw new PoseError('BAD_TENSOR', `unsupported input ${(o.constructor as { name?: string } | undefined)?.name ?? 'object'}: expected an image, video, canvas, ImageBitmap, ImageData, tf.Tensor3D or {data, width, height}`);
}
