/**
 * The webcam page in Chromium with a fake camera playing ../shared/data/video/pose_1.mjpeg, on WebGL
 * (SwiftShader) and on WASM: after warm-up, keypoints on consecutive frames; on the frame read back
 * (identified in the clip by its pixels), shoulders and hips near pose_1.reference.json and every joint
 * where this library in Node puts it on that frame's very pixels and crop.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { createEstimator, type PoseEstimator } from '../../src/index.js';
import { estimateOnCrop } from '../../src/estimator/estimator.js';
import { defaultTrimPadding } from '../../src/options.js';
import { shippedModelJson } from '../helpers.js';
import {
  clipReference, clipThumbs, demoState, fakeCameraArgs, launch, matchFrame, mjpegFrames, openPage,
  saveArtifact, waitForDemo, type ReferenceFrame,
} from './helpers.js';
import { greyThumb } from './thumb.js';
import {
  CLIP_MATCH_MAX_RESIDUAL, CLIP_MATCH_THUMB as THUMB, FRAME_MARGIN, NODE_PARITY_TOLERANCE, PAGE_READY_MS,
  REFERENCE_JOINTS, REFERENCE_TOLERANCE, WEBCAM_FRAMES, WEBCAM_FRAMES_MS,
} from './thresholds.js';

/** the reference's frame size (the clip is 576 x 576) */
const CLIP_SIZE = 576;

describe('webcam page with a fake camera', () => {
  let browser: Browser;
  /** the clip's JPEG frames, read once */
  let clip: Buffer[];
  let thumbs: number[][];
  let reference: ReferenceFrame[];
  let node: PoseEstimator;
  const url = inject('demoUrl');

  beforeAll(async () => {
    clip = mjpegFrames();
    thumbs = clipThumbs(THUMB, clip);
    reference = clipReference();
    expect(thumbs.length).toBe(reference.length);
    browser = await launch(fakeCameraArgs());
    node = await createEstimator({ backend: 'wasm' });
  });

  afterAll(async () => {
    node?.dispose();
    await browser?.close();
  });

  for (const backend of ['webgl', 'wasm'] as const) {
    it(`${backend}: keypoints on consecutive frames, near the reference on the frame read back`, async () => {
      const { page, errors } = await openPage(browser, `${url}index.html?backend=${backend}`);
      try {
        const ready = await waitForDemo(page, (s) => s.state === 'ready' || s.state === 'error', PAGE_READY_MS, errors);
        expect(ready.state, `page errors: ${errors.join(' | ')}`).toBe('ready');
        expect(ready.backend).toBe(backend);
        expect(ready.problems).toEqual([]);
        expect(ready.crossOriginIsolated).toBe(true);
        expect(await page.textContent('#stat-backend')).toBe(backend.toUpperCase());
        // served cross-origin isolated: the wasm backend runs threaded (on WebGL: could)
        expect(ready.threads).toMatch(backend === 'wasm' ? /WASM threads: on/ : /WASM threads: available/);
        expect(await page.textContent('#stat-threads')).toBe(ready.threads);
        expect(await page.isEnabled('#start')).toBe(true);

        await page.click('#start');
        await waitForDemo(page, (s) => s.frames >= WEBCAM_FRAMES, WEBCAM_FRAMES_MS, errors);
        await page.click('#stop');
        const s = await waitForDemo(page, (x) => x.state === 'stopped', 60_000, errors);
        expect(s.problems).toEqual([]);

        // consecutive frames, each with every keypoint finite and inside the frame (plus a margin)
        const history = s.history!;
        expect(history.length).toBeGreaterThanOrEqual(WEBCAM_FRAMES);
        // after the first frame (a whole-frame detection), the video API tracks the person from frame to frame
        expect(history.slice(1).some((h) => h.pose.framing === 'track'), JSON.stringify(history.map((h) => h.pose.framing))).toBe(true);
        history.forEach((h, i) => {
          if (i > 0) expect(h.frame).toBe(history[i - 1]!.frame + 1);
          expect(h.pose.keypoints).toHaveLength(14);
          for (const k of h.pose.keypoints) {
            expect(Number.isFinite(k.x) && Number.isFinite(k.y) && k.score >= 0 && k.score <= 1, JSON.stringify(k)).toBe(true);
            expect(k.x).toBeGreaterThan(-FRAME_MARGIN * h.width);
            expect(k.x).toBeLessThan((1 + FRAME_MARGIN) * h.width);
            expect(k.y).toBeGreaterThan(-FRAME_MARGIN * h.height);
            expect(k.y).toBeLessThan((1 + FRAME_MARGIN) * h.height);
          }
        });

        // the frame read back: which clip frame it was, and the reference pose there
        const last = s.last!;
        expect(last.mirror).toBe(true); // the demo's default selfie view
        // the page's frame canvas, read back once: it names the clip frame here and feeds Node's estimate below
        const b64 = await page.evaluate(() => (window as unknown as { cpmDemo: { framePixels: () => string } }).cpmDemo.framePixels());
        const pixels = { data: new Uint8Array(Buffer.from(b64, 'base64')), width: last.width, height: last.height };
        expect(pixels.data.length).toBe(4 * last.width * last.height);
        const thumb = greyThumb(pixels.data, pixels.width, pixels.height, THUMB);
        const match = matchFrame(thumb, thumbs);
        const mean = thumb.reduce((a, b) => a + b, 0) / thumb.length;
        const variance = thumb.reduce((a, b) => a + (b - mean) ** 2, 0) / thumb.length;
        expect(variance, 'the frame read back is blank').toBeGreaterThan(100);
        // (the clip repeats movements, so a frame further away can look almost the same: no margin over the runner-up)
        expect(match.residual, 'the frame read back is not a frame of the clip').toBeLessThan(CLIP_MATCH_MAX_RESIDUAL);
        const ref = reference[match.index]!;
        const sx = last.width / CLIP_SIZE;
        const sy = last.height / CLIP_SIZE;
        const torso = Math.hypot((ref.left_shoulder!.x - ref.right_hip!.x) * sx, (ref.left_shoulder!.y - ref.right_hip!.y) * sy);
        // the network's keypoints of this very frame (what is drawn is smoothed over the frames)
        const kps = last.pose.rawKeypoints ?? last.pose.keypoints;
        const report = REFERENCE_JOINTS.map((name) => {
          const k = kps.find((p) => p.name === name)!;
          const x = last.width - k.x; // mirrored view -> raw frame (names are the person's own either way)
          const d = Math.hypot(x - ref[name]!.x * sx, k.y - ref[name]!.y * sy) / torso;
          return { name, d: Number(d.toFixed(2)), score: Number(k.score.toFixed(2)) };
        });
        const near = report.filter((r) => r.d <= REFERENCE_TOLERANCE).length;

        // the same frame, crop, mirroring and stage through the library in Node
        expect(last.width).toBe(CLIP_SIZE);
        expect(last.height).toBe(CLIP_SIZE);
        expect(last.pose.region, 'the page reports the region the network saw').toBeDefined();
        // on the very pixels the page estimated, not on jpeg-js's decode of the clip: two JPEG decoders
        // differ by a few grey levels, enough to move a joint with two close peaks
        // trimPadding as the page's backend has it by default
        const mine = await estimateOnCrop(node, pixels, last.pose.region!, { flipHorizontal: last.mirror, stages: last.pose.stage, trimPadding: defaultTrimPadding(backend) });
        const parity = mine.keypoints.map((k, i) => {
          const p = kps[i]!;
          expect(p.name).toBe(k.name);
          return Number((Math.hypot(p.x - k.x, p.y - k.y) / torso).toFixed(2));
        });
        const agree = parity.filter((d) => d <= NODE_PARITY_TOLERANCE).length;
        console.log(`[webcam ${backend}] framings ${history.map((h) => h.pose.framing).join(' ')}; clip frame ${match.index} (residual ${match.residual.toFixed(1)}, next best ${match.runnerUp.toFixed(1)}), `
          + `${near}/${report.length} torso joints within ${REFERENCE_TOLERANCE} torso of the reference: ${JSON.stringify(report)}; `
          + `${agree}/14 joints within ${NODE_PARITY_TOLERANCE} torso of Node's estimate (distances ${parity.join(' ')}); `
          + `${last.ms.toFixed(0)} ms/frame`);

        // a screenshot of the page as it stands (the clip's last frame with its pose)
        saveArtifact(`webcam-${backend}.png`, await page.screenshot({ fullPage: true }));

        expect(near, JSON.stringify(report)).toBe(REFERENCE_JOINTS.length);
        expect(agree, `distances to Node's estimate, in torso diameters: ${parity.join(' ')}`).toBe(14);
        expect(errors.filter((e) => e.startsWith('pageerror'))).toEqual([]);
      } finally {
        await page.context().close();
      }
    });
  }

  it('switches the backend while running; after Stop, shows the stage strip and re-estimates the still frame', async () => {
    const { page, errors } = await openPage(browser, `${url}index.html?backend=wasm`);
    try {
      await waitForDemo(page, (s) => s.state === 'ready', PAGE_READY_MS, errors);
      await page.click('#start');
      const first = await waitForDemo(page, (s) => s.frames >= 1, WEBCAM_FRAMES_MS, errors);
      // WASM -> CPU while the camera runs: the loop waits for the new estimator and goes on
      await page.selectOption('#backend', 'cpu');
      await waitForDemo(page, (s) => s.backend === 'cpu' && s.frames >= first.frames + 2, WEBCAM_FRAMES_MS, errors);
      expect(await page.textContent('#stat-backend')).toBe('CPU');
      await page.click('#stop');
      const before = await waitForDemo(page, (s) => s.state === 'stopped', 60_000, errors);
      // by default every stage of the shipped model runs; the strip shows each stage's maps
      const stages = shippedModelJson().config.stages;
      expect(before.last!.pose.stage).toBe(stages);
      expect(await page.locator('#strip figure').count()).toBe(stages);
      await page.selectOption('#stages', '1');
      const after = await waitForDemo(page, (s) => s.last?.pose.stage === 1, 60_000, errors);
      expect(after.last!.width).toBe(before.last!.width);
      expect(await page.locator('#strip figure').count()).toBe(1);
      // mirror off: the same still frame, estimated again unmirrored
      await page.uncheck('#mirror');
      const raw = await waitForDemo(page, (s) => s.last?.mirror === false, 60_000, errors);
      expect(raw.last!.pose.stage).toBe(1);
      expect((await demoState(page)).problems).toEqual([]);
    } finally {
      await page.context().close();
    }
  });
});
