/**
 * The webcam page's messages: camera permission denied, no camera, WebGL unavailable (falls back to
 * WASM and says so).
 */
import { afterEach, describe, expect, inject, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { fakeCameraArgs, launch, saveArtifact, waitForDemo } from './helpers.js';
import { PAGE_READY_MS } from './thresholds.js';

describe('webcam page messages', () => {
  const url = inject('demoUrl');
  let browser: Browser | undefined;

  afterEach(async () => {
    await browser?.close();
    browser = undefined;
  });

  it('permission denied: says so and how to allow it, and Start works again', async () => {
    // a camera exists, but the permission prompt is not auto-accepted: headless Chromium denies it
    browser = await launch(fakeCameraArgs(undefined, false));
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${url}index.html?backend=wasm`);
    await waitForDemo(page, (s) => s.state === 'ready', PAGE_READY_MS);
    await page.click('#start');
    const s = await waitForDemo(page, (x) => x.problems.length > 0, 30_000);
    expect(s.problems).toEqual(['camera-denied']);
    const msg = page.locator('#messages [data-code="camera-denied"]');
    expect(await msg.textContent()).toMatch(/permission was denied/i);
    expect(await msg.getAttribute('role')).toBe('alert');
    expect(await page.isEnabled('#start')).toBe(true);
    expect(s.state).toBe('ready');
    saveArtifact('permission-denied.png', await page.screenshot());
  });

  it('no camera: says so', async () => {
    browser = await launch(['--use-fake-ui-for-media-stream']); // no fake device: this machine has no camera
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${url}index.html?backend=wasm`);
    await waitForDemo(page, (s) => s.state === 'ready', PAGE_READY_MS);
    await page.click('#start');
    const s = await waitForDemo(page, (x) => x.problems.length > 0, 30_000);
    expect(s.problems).toEqual(['no-camera']);
    expect(await page.textContent('#messages')).toMatch(/No camera was found/);
  });

  it('WebGL unavailable: falls back to WASM and says so', async () => {
    browser = await launch([]);
    const context = await browser.newContext();
    // a browser without WebGL: no webgl/webgl2 context from any canvas
    await context.addInitScript(() => {
      for (const C of [HTMLCanvasElement, OffscreenCanvas] as Array<{ prototype: { getContext: (...a: unknown[]) => unknown } }>) {
        const original = C.prototype.getContext;
        C.prototype.getContext = function (this: unknown, type: unknown, ...rest: unknown[]) {
          return /webgl/i.test(String(type)) ? null : original.call(this, type, ...rest);
        };
      }
    });
    const page = await context.newPage();
    await page.goto(`${url}index.html`); // default backend: webgl
    const s = await waitForDemo(page, (x) => x.state === 'ready' || x.state === 'error', PAGE_READY_MS);
    expect(s.state).toBe('ready');
    expect(s.backend).toBe('wasm');
    expect(s.problems).toEqual(['webgl-unavailable']);
    expect(await page.textContent('#messages')).toMatch(/WebGL is unavailable.*runs on WASM instead/);
    expect(await page.inputValue('#backend')).toBe('wasm');
  });
});
