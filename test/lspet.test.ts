import { describe, expect, it } from 'vitest';
import { JITTER_TRIMS, trimImage } from '../bench/lspet.js';

describe('trimImage (npm run eval --jitter)', () => {
  // pixel (x, y) of a 5 x 4 RGBA image holds [x, y, 10 * x + y, 255]
  const width = 5;
  const height = 4;
  const data = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data.set([x, y, 10 * x + y, 255], (y * width + x) * 4);
  const image = { data, width, height };

  it('cuts columns off the left and rows off the top, keeping each pixel', () => {
    const t = trimImage(image, 2, 1);
    expect([t.width, t.height]).toEqual([3, 3]);
    for (let y = 0; y < t.height; y++) {
      for (let x = 0; x < t.width; x++) {
        expect(Array.from(t.data.subarray((y * t.width + x) * 4, (y * t.width + x) * 4 + 4))).toEqual([x + 2, y + 1, 10 * (x + 2) + y + 1, 255]);
      }
    }
  });

  it('returns the photo itself for no trim, and refuses to trim it away', () => {
    expect(trimImage(image, 0, 0)).toBe(image);
    expect(() => trimImage(image, 5, 0)).toThrow(/cannot trim 5 x 0 px off a 5 x 4 photo/);
  });

  it('starts with the untrimmed photo and lists distinct framings', () => {
    expect(JITTER_TRIMS[0]).toEqual([0, 0]);
    expect(new Set(JITTER_TRIMS.map((t) => t.join())).size).toBe(JITTER_TRIMS.length);
  });
});
