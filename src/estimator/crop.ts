import type { Roi } from '../preprocess/letterbox.js';
import type { RefineSpec } from '../weights/format.js';

/** Bounding box of the finite keypoints (x1 < x0 when there is none). */
export function keypointBox(keypoints: ReadonlyArray<{ x: number; y: number }>): { x0: number; y0: number; x1: number; y1: number } {
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  for (const k of keypoints) {
    if (!Number.isFinite(k.x) || !Number.isFinite(k.y)) continue;
    x0 = Math.min(x0, k.x);
    y0 = Math.min(y0, k.y);
    x1 = Math.max(x1, k.x);
    y1 = Math.max(y1, k.y);
  }
  return { x0, y0, x1, y1 };
}

/**
 * The square person crop of two-pass inference (docs/model-format.md, "Two-pass inference"):
 * centred on the bounding box of the given keypoints (all of them), side = max(box width, box
 * height) * margin, at least minSide * max(image width, height). The crop may extend past the
 * image (the letterbox pads it). Its centre is kept inside the image so that it always overlaps it.
 * Keypoints and crop are in frame pixels (the mirrored frame when flipHorizontal).
 */
export function personCrop(
  keypoints: ReadonlyArray<{ x: number; y: number }>,
  imageWidth: number,
  imageHeight: number,
  refine: Readonly<RefineSpec>,
): Roi {
  let { x0, y0, x1, y1 } = keypointBox(keypoints);
  if (!(x1 >= x0 && y1 >= y0)) {
    // no usable keypoint: the whole image, squared
    x0 = x1 = imageWidth / 2;
    y0 = y1 = imageHeight / 2;
  }
  const side = Math.max(Math.max(x1 - x0, y1 - y0) * refine.margin, refine.minSide * Math.max(imageWidth, imageHeight), 1);
  const clamp = (v: number, hi: number) => Math.min(Math.max(v, Math.min(0.5, hi / 2)), Math.max(hi - 0.5, hi / 2));
  const cx = clamp((x0 + x1) / 2, imageWidth);
  const cy = clamp((y0 + y1) / 2, imageHeight);
  return { x: cx - side / 2, y: cy - side / 2, width: side, height: side };
}
