/**
 * n x n grey-level box averages of an RGBA image, row-major. The webcam test computes it for every
 * frame of the clip and for the frame the page read back, to tell which one that was.
 */
export function greyThumb(data: ArrayLike<number>, w: number, h: number, n: number): number[] {
  const sum = new Float64Array(n * n);
  const cnt = new Float64Array(n * n);
  for (let y = 0; y < h; y++) {
    const row = Math.min(n - 1, Math.floor((y * n) / h)) * n;
    for (let x = 0; x < w; x++) {
      const i = (y * w + x) * 4;
      const k = row + Math.min(n - 1, Math.floor((x * n) / w));
      sum[k] += (data[i]! + data[i + 1]! + data[i + 2]!) / 3;
      cnt[k]++;
    }
  }
  return Array.from(sum, (s, k) => s / Math.max(1, cnt[k]!));
}
