/**
 * Node has no DOM: a stand-in OffscreenCanvas (install it with vi.stubGlobal('OffscreenCanvas',
 * canvasStub.OffscreenCanvas)) whose drawImage copies the source's RGBA pixels and whose getImageData
 * returns a region of them, or throws as a tainted canvas does. A source is any element-like object
 * (a duck-typed video, image, canvas or bitmap) with `pixels`: its current frame, RGBA at its natural size.
 */
export interface StubSource { pixels: Uint8ClampedArray; tainted?: boolean }

/** what the canvases did, in order: `draw WxH`, `read x,y WxH` */
const log: string[] = [];

class StubContext {
  private pixels = new Uint8ClampedArray(0);
  private tainted = false;
  constructor(readonly canvas: StubCanvas, readonly options: unknown) {}
  clearRect(): void { this.pixels = new Uint8ClampedArray(0); }
  drawImage(source: StubSource, _x: number, _y: number, w: number, h: number): void {
    log.push(`draw ${w}x${h}`);
    this.pixels = Uint8ClampedArray.from(source.pixels);
    this.tainted ||= source.tainted ?? false; // as in browsers: a canvas once tainted stays so
  }
  getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } {
    if (this.tainted) throw Object.assign(new Error('The canvas has been tainted by cross-origin data.'), { name: 'SecurityError' });
    log.push(`read ${x},${y} ${w}x${h}`);
    const out = new Uint8ClampedArray(w * h * 4);
    for (let r = 0; r < h; r++) out.set(this.pixels.subarray(((y + r) * this.canvas.width + x) * 4, ((y + r) * this.canvas.width + x + w) * 4), r * w * 4);
    return { data: out };
  }
}

/** every context made, in order */
const contexts: StubContext[] = [];

class StubCanvas {
  private context: StubContext | undefined;
  constructor(public width: number, public height: number) {}
  getContext(_type: string, options: unknown): StubContext {
    if (!this.context) contexts.push((this.context = new StubContext(this, options)));
    return this.context;
  }
}

export const canvasStub = { OffscreenCanvas: StubCanvas, log, contexts };

/** A ready stand-in `<video>` of width x height showing no frame yet: set `pixels` to show one. */
export interface StubVideo extends StubSource { readyState: number; videoWidth: number; videoHeight: number }
export function stubVideo(width: number, height: number): StubVideo {
  return { pixels: new Uint8ClampedArray(width * height * 4), readyState: 4, videoWidth: width, videoHeight: height };
}

/** RGB or RGBA bytes as the RGBA pixels of a stub source. */
export function rgbaPixels(image: { data: ArrayLike<number>; width: number; height: number }): Uint8ClampedArray {
  const n = image.width * image.height;
  const c = image.data.length / n;
  const out = new Uint8ClampedArray(n * 4);
  for (let i = 0; i < n; i++) {
    out[i * 4] = image.data[i * c]!;
    out[i * 4 + 1] = image.data[i * c + 1]!;
    out[i * 4 + 2] = image.data[i * c + 2]!;
    out[i * 4 + 3] = 255;
  }
  return out;
}
