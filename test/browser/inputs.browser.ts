/**
 * The library's browser inputs on a real page (not the demo): every kind of input gives the same pose
 * on wasm (elements are drawn on the library's canvas and read back a region at a time; a pixel buffer
 * is read from its bytes), and an image another origin serves without CORS, which no script may
 * read, is UNREADABLE_IMAGE on wasm and WebGL, while the same image fetched with CORS then works (the
 * canvas the first one tainted is not reused). A <video> is read when estimatePose is called: a call queued
 * behind others gives the frame shown at the call, not the one shown when it runs.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { createRequire } from 'node:module';
import { build } from 'tsup';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { spawnSync } from 'node:child_process';
import { launch, LSPET, ROOT, SHARED } from './helpers.js';
import { PCK_PHOTO } from './thresholds.js';

type Route = (p: string) => Buffer | string | undefined;

/** A server on 127.0.0.1 (its own origin, a free port) answering `route`, with `headers` on every answer. */
async function serve(route: Route, headers: (req: http.IncomingMessage) => Record<string, string>): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const p = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const body = route(p);
    if (body === undefined) {
      res.writeHead(404).end();
      return;
    }
    const type = p.endsWith('.webm') ? 'video/webm' : p.endsWith('.js') ? 'text/javascript' : p.endsWith('.wasm') ? 'application/wasm' : p.endsWith('.jpg') ? 'image/jpeg'
      : p.endsWith('.json') ? 'application/json' : p === '/' ? 'text/html' : 'application/octet-stream';
    res.writeHead(200, { 'Content-Type': type, 'Cache-Control': 'no-store', ...headers(req) }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

/** The largest difference in x or y between two poses' keypoints ([x, y, ...] each, same order), px. */
function worstPx(a: ReadonlyArray<ReadonlyArray<number>>, b: ReadonlyArray<ReadonlyArray<number>>): number {
  return Math.max(...a.map((k, i) => Math.max(Math.abs(k[0]! - b[i]![0]!), Math.abs(k[1]! - b[i]![1]!))));
}

const urlOf = (s: http.Server) => `http://127.0.0.1:${(s.address() as AddressInfo).port}`;

describe('library inputs in Chromium', () => {
  let browser: Browser;
  let page: Page;
  let pageServer: http.Server;
  let otherOrigin: http.Server;
  const photo = fs.readFileSync(path.join(LSPET, 'images', PCK_PHOTO));
  let clip: Buffer;

  beforeAll(async () => {
    const out = path.join(ROOT, '.cache', 'inputs-page');
    await build({
      config: false, entry: { page: path.join(ROOT, 'test', 'browser', 'inputs-page.ts') }, outDir: out, format: ['esm'],
      platform: 'browser', target: 'es2020', noExternal: [/.*/], splitting: false, sourcemap: false, dts: false, clean: true, silent: true,
    });
    // the clip as WebM with every frame a keyframe (exact seeks); Chromium plays VP8 whatever its codec build
    const webm = path.join(out, 'clip.webm');
    const made = spawnSync('ffmpeg', ['-v', 'error', '-y', '-i', path.join(SHARED, 'video', 'pose_1.mp4'), '-t', '3', '-an',
      '-c:v', 'libvpx', '-g', '1', '-b:v', '2M', webm], { encoding: 'utf8' });
    if (made.error || made.status !== 0) throw new Error(`ffmpeg could not make ${webm} (apt-get install -y ffmpeg): ${made.error?.message ?? made.stderr}`);
    clip = fs.readFileSync(webm);
    const wasmDir = path.join(path.dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');
    const file = (dir: string, name: string) => (fs.existsSync(path.join(dir, name)) ? fs.readFileSync(path.join(dir, name)) : undefined);
    pageServer = await serve((p) => {
      if (p === '/') return '<!doctype html><meta charset="utf-8"><script type="module" src="/page.js"></script>';
      if (p === '/page.js') return fs.readFileSync(path.join(out, 'page.js'));
      if (p === '/photo.jpg') return photo;
      if (p === '/clip.webm') return clip;
      if (p.startsWith('/wasm/')) return file(wasmDir, path.basename(p));
      if (p.startsWith('/model/')) return file(path.join(ROOT, 'models', 'cpm-lite'), path.basename(p));
      return undefined;
    }, () => ({}));
    // another origin: the photo may be embedded anywhere, but read by scripts only through CORS
    otherOrigin = await serve((p) => (p === '/photo.jpg' ? photo : undefined),
      (req): Record<string, string> => (req.headers.origin ? { 'Access-Control-Allow-Origin': req.headers.origin } : {}));
    browser = await launch([]);
    page = await browser.newPage();
    await page.goto(`${urlOf(pageServer)}/`);
    await page.waitForFunction(() => window.cpm !== undefined && window.tf !== undefined);
  });

  afterAll(async () => {
    await browser?.close();
    pageServer?.close();
    otherOrigin?.close();
  });

  it('wasm: <img>, <canvas>, OffscreenCanvas, ImageBitmap, ImageData and RGBA bytes of a photo give the same pose', async () => {
    const poses = await page.evaluate(async () => {
      const est = await window.cpm.createEstimator({ backend: 'wasm', wasmPaths: '/wasm/', model: '/model/model.json' });
      const img = new Image();
      img.src = '/photo.jpg';
      await img.decode();
      img.width = 50; // shown at another size: the library reads its natural size
      const w = img.naturalWidth;
      const h = img.naturalHeight;
      const canvas = Object.assign(document.createElement('canvas'), { width: w, height: h });
      canvas.getContext('2d')!.drawImage(img, 0, 0);
      const offscreen = new OffscreenCanvas(w, h);
      offscreen.getContext('2d')!.drawImage(img, 0, 0);
      const data = canvas.getContext('2d')!.getImageData(0, 0, w, h);
      const inputs = { img, canvas, offscreen, bitmap: await createImageBitmap(img), imageData: data, bytes: { data: data.data, width: w, height: h } };
      const before = window.tf.memory().numTensors;
      const out: Record<string, Array<[number, number, number]>> = {};
      for (const [name, input] of Object.entries(inputs)) {
        const pose = await est.estimatePose(input as never);
        out[name] = pose.keypoints.map((k) => [k.x, k.y, k.score]);
      }
      const leaked = window.tf.memory().numTensors - before;
      est.dispose();
      return { out, leaked };
    });
    expect(poses.leaked).toBe(0);
    const reference = poses.out.bytes!;
    expect(reference).toHaveLength(14);
    for (const [name, kps] of Object.entries(poses.out)) {
      expect(worstPx(kps, reference), `${name} vs bytes`).toBeLessThan(1e-3);
    }
  });

  // src/model/depthwise.ts runs tf.depthwiseConv2d with its dilation; the parity test checks it against
  // PyTorch on cpu and wasm, this one on WebGL's shaders (a dilated depthwise kernel has its own program)
  it('a model with separable (dilated depthwise) refinement layers gives the same belief maps on WebGL as on wasm', async () => {
    const r = await page.evaluate(async () => {
      const { createRandomModel, CPM_LITE_CONFIG } = window.tools;
      const config = { ...CPM_LITE_CONFIG, refineLayers: CPM_LITE_CONFIG.refineLayers.map((l) => ({ ...l, separable: true })) };
      const model = createRandomModel({ config, seed: 3 });
      const img = new Image();
      img.src = '/photo.jpg';
      await img.decode();
      const maps: Record<string, number[][]> = {};
      for (const backend of ['wasm', 'webgl'] as const) {
        const est = await window.cpm.createEstimator({ backend, wasmPaths: '/wasm/', model });
        const pose = await est.estimatePose(img, { cropPass: false, returnBeliefMaps: true });
        maps[backend] = pose.beliefMaps!.map((m) => Array.from(m.data));
        est.dispose();
      }
      return maps;
    });
    expect(r.wasm).toHaveLength(4);
    let worst = 0;
    let spread = 0;
    r.wasm!.forEach((m, t) => m.forEach((v, i) => {
      worst = Math.max(worst, Math.abs(v - r.webgl![t]![i]!));
      spread = Math.max(spread, Math.abs(v - r.wasm![0]![i]!));
    }));
    expect(spread, 'the later stages differ from stage 1 (the refinement layers ran)').toBeGreaterThan(1e-3);
    expect(worst, 'largest |WebGL - wasm| over every stage\'s probabilities').toBeLessThan(1e-3);
  });

  // A call queued behind slow calls gives the frame shown when it was called, not when it ran. On WebGL a
  // call yields to the page while it waits for the GPU; on wasm the queue gives the page a turn between
  // calls (src/estimator/queue.ts), so there too the video plays on while the queue runs. With another
  // estimator's backend (wasm) active at the call, WebGL cannot upload the frame then: the library draws
  // it on a canvas of its own instead, as wasm always does.
  const cases = [['webgl', false], ['webgl', true], ['wasm', false]] as const;
  for (const [backend, otherActive] of cases) {
    it(`${backend}${otherActive ? ', called while a wasm estimator\'s backend is active' : ''}: a <video>'s frame is read when estimatePose is called, not when the queued call runs`, async () => {
      const r = await page.evaluate(async ({ backend, otherActive }) => {
        const est = await window.cpm.createEstimator({ backend, wasmPaths: '/wasm/', model: '/model/model.json' });
        const other = otherActive ? await window.cpm.createEstimator({ backend: 'wasm', wasmPaths: '/wasm/', model: '/model/model.json' }) : undefined;
        const video = Object.assign(document.createElement('video'), { muted: true, src: '/clip.webm' });
        await new Promise((resolve, reject) => {
          video.onloadeddata = resolve;
          video.onerror = () => reject(new Error(`video: ${video.error?.message ?? 'cannot load /clip.webm'}`));
        });
        document.body.append(video);
        // headless Chromium does not repaint a paused video on a seek: move through it by playing, and pause
        // on the first frame presented at or past t (or at the end, reached when the page was held too long)
        const advanceTo = async (t: number) => {
          await video.play();
          await new Promise<void>((resolve) => {
            video.onended = () => resolve();
            const onFrame = (_: number, frame: { mediaTime: number }) => {
              if (frame.mediaTime >= t) resolve();
              else video.requestVideoFrameCallback(onFrame);
            };
            video.requestVideoFrameCallback(onFrame);
          });
          video.pause();
          await new Promise((resolve) => setTimeout(resolve, 100));
        };
        const pose = (p: { keypoints: Array<{ x: number; y: number }> }) => p.keypoints.map((k) => [k.x, k.y]);
        const img = new Image();
        img.src = '/photo.jpg';
        await img.decode();
        await advanceTo(0.6);
        const want1 = pose(await est.estimatePose(video));
        // called for while slow calls hold the queue; the video moves on before the call runs. As many slow
        // calls as take about 3 s here (the video plays 1.8 s), sized by timing one: the test asserts no time.
        const slowOptions = { flipTest: true, refinePasses: 3 };
        const t0 = performance.now();
        await est.estimatePose(img, slowOptions);
        const n = Math.max(3, Math.ceil(3000 / (performance.now() - t0)));
        if (other) await other.estimatePose(img); // its backend is the active one now
        const slow = Array.from({ length: n }, () => est.estimatePose(img, slowOptions));
        let settled = 0;
        const p1 = est.estimatePose(video).finally(() => settled++);
        const activeAtCall = window.tf.getBackend();
        await advanceTo(2.4);
        const settledBeforeRun = settled;
        const [got1] = await Promise.all([p1, ...slow]);
        const want2 = pose(await est.estimatePose(video));
        est.dispose();
        other?.dispose();
        return { want1, want2, got1: pose(got1), settledBeforeRun, activeAtCall };
      }, { backend, otherActive });
      expect(r.activeAtCall).toBe(otherActive ? 'wasm' : backend);
      expect(r.settledBeforeRun, 'the call was still queued when the video moved on').toBe(0);
      expect(worstPx(r.want1, r.want2), 'the two frames give different poses').toBeGreaterThan(5);
      // the same frame drawn on the library's canvas (otherActive) instead of a direct upload: not bit-exact
      expect(worstPx(r.got1, r.want1)).toBeLessThan(otherActive ? 0.5 : 1e-3);
    });
  }

  for (const backend of ['wasm', 'webgl'] as const) {
    it(`${backend}: another origin's photo without CORS is UNREADABLE_IMAGE; with crossOrigin = "anonymous" it works`, async () => {
      const r = await page.evaluate(async ({ backend, src }) => {
        const est = await window.cpm.createEstimator({ backend, wasmPaths: '/wasm/', model: '/model/model.json' });
        const load = async (cors: boolean) => {
          const img = new Image();
          if (cors) img.crossOrigin = 'anonymous';
          img.src = src;
          await img.decode();
          img.width = 120; // shown smaller: on WebGL the library draws it at its natural size on a canvas of its own first
          return img;
        };
        const result: { code?: string; message?: string; keypoints?: number } = {};
        try {
          await est.estimatePose(await load(false));
        } catch (e) {
          result.code = window.cpm.isPoseError(e) ? e.code : `not a PoseError: ${String(e)}`;
          result.message = (e as Error).message;
        }
        result.keypoints = (await est.estimatePose(await load(true))).keypoints.length;
        est.dispose();
        return result;
      }, { backend, src: `${urlOf(otherOrigin)}/photo.jpg` });
      expect(r.code, r.message).toBe('UNREADABLE_IMAGE');
      expect(r.message).toMatch(/cross-origin.*Access-Control-Allow-Origin.*crossOrigin = "anonymous"/);
      expect(r.keypoints).toBe(14);
    });
  }
});
