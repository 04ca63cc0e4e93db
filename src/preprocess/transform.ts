/**
 * The letterbox transform between the network input (`inputWidth` x `inputHeight` pixels: the
 * `inputSize` square, or the part of it the content fills when the padding is trimmed) and the
 * caller's frame: the input image, mirrored when `flipped`. Continuous pixel coordinates
 * (pixel x covers [x, x + 1)) on both sides; the map is affine per axis:
 *
 *   frameX = cropX + (inputX - padX) / scaleX        inputX = padX + (frameX - cropX) * scaleX
 *
 * Plain data, so results can carry it (and it can be serialised).
 */
export interface LetterboxTransform {
  /** the square the region was scaled to fit */
  inputSize: number;
  /** the network input's sides: inputSize, or less where trimmed padding was dropped */
  inputWidth: number;
  inputHeight: number;
  /** the caller's image size (the frame has the same size, mirrored or not) */
  imageWidth: number;
  imageHeight: number;
  /** the frame is the image mirrored left-right */
  flipped: boolean;
  /** the region of the frame that was letterboxed, integer pixels */
  cropX: number;
  cropY: number;
  cropWidth: number;
  cropHeight: number;
  /** input pixels per frame pixel */
  scaleX: number;
  scaleY: number;
  /** input-pixel position of the crop's top-left corner */
  padX: number;
  padY: number;
}

export interface Point {
  x: number;
  y: number;
}

/** Network-input pixels -> frame pixels. */
export function inputToFrame(t: LetterboxTransform, x: number, y: number): Point {
  return { x: t.cropX + (x - t.padX) / t.scaleX, y: t.cropY + (y - t.padY) / t.scaleY };
}

/** Frame pixels -> network-input pixels. */
export function frameToInput(t: LetterboxTransform, x: number, y: number): Point {
  return { x: t.padX + (x - t.cropX) * t.scaleX, y: t.padY + (y - t.cropY) * t.scaleY };
}

/** Frame coordinates <-> the caller's unmirrored image coordinates (identity when not flipped). */
export function frameToImage(t: LetterboxTransform, x: number, y: number): Point {
  return { x: t.flipped ? t.imageWidth - x : x, y };
}
