/** Every error the library throws on purpose is a PoseError with one of these codes. */
export type PoseErrorCode =
  /** The image has no pixels (zero width or height, or an image element that has not loaded). */
  | 'EMPTY_IMAGE'
  /** A tensor or pixel buffer of the wrong rank, channel count or dtype, or an unsupported input type. */
  | 'BAD_TENSOR'
  /** The browser refuses to let scripts read the image's pixels (cross-origin without CORS: a tainted canvas). */
  | 'UNREADABLE_IMAGE'
  /** An HTMLVideoElement whose readyState is below 2 (HAVE_CURRENT_DATA). */
  | 'VIDEO_NOT_READY'
  /** The model file or a weight shard could not be found (missing file, HTTP 404, ...). */
  | 'MODEL_NOT_FOUND'
  /** The model files exist but are unusable: corrupt JSON, wrong format, mismatched or truncated weights. */
  | 'BAD_MODEL'
  /** A backend name other than 'auto', 'webgl', 'wasm' or 'cpu', or a backend that failed to start. */
  | 'UNKNOWN_BACKEND'
  /** The estimator was used after dispose(). */
  | 'DISPOSED'
  /** An option has the wrong type or value, or is not a known option. */
  | 'INVALID_OPTION';

export class PoseError extends Error {
  readonly code: PoseErrorCode;

  constructor(code: PoseErrorCode, message: string, options?: { cause?: unknown }) {
    super(`[${code}] ${message}`);
    this.name = 'PoseError';
    this.code = code;
    if (options && 'cause' in options) {
      Object.defineProperty(this, 'cause', { value: options.cause, enumerable: false, writable: true });
    }
    Object.setPrototypeOf(this, new.target.prototype);
  }
}

export function isPoseError(e: unknown, code?: PoseErrorCode): e is PoseError {
  return e instanceof PoseError && (code === undefined || e.code === code);
}
