/**
 * The image page in Chromium on one held-out LSPET photo: PCK@0.2 against the annotation, and the
 * same keypoints on WebGL (SwiftShader) and WASM.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launch, LSPET, lspetRecord, openPage, pck, saveArtifact, waitForDemo, type DemoPose } from './helpers.js';
import { PAGE_READY_MS, PARITY_PX, PARITY_SCORE, PCK_ALPHA, PCK_MIN, PCK_PHOTO } from './thresholds.js';

describe(`image page on ${PCK_PHOTO}`, () => {
  let browser: Browser;
  const url = inject('demoUrl');
  const poses: Partial<Record<'webgl' | 'wasm', DemoPose>> = {};
  const flipPoses: Partial<Record<'webgl' | 'wasm', DemoPose>> = {};

  beforeAll(async () => {
    browser = await launch([]);
  });

  afterAll(async () => {
    await browser?.close();
  });

  for (const backend of ['wasm', 'webgl'] as const) {
    it(`${backend}: choosing the photo shows its pose, scores and belief maps; PCK@${PCK_ALPHA} against the annotation`, async () => {
      // trim=1: WebGL trims the letterbox's padding as wasm does by default (trimPadding; off by default
      // on WebGL, which compiles shaders per input shape), so the parity check below compares one computation
      const { page, errors } = await openPage(browser, `${url}image.html?backend=${backend}${backend === 'webgl' ? '&trim=1' : ''}`);
      try {
        const ready = await waitForDemo(page, (s) => s.state === 'ready' || s.state === 'error', PAGE_READY_MS, errors);
        expect(ready.state, errors.join(' | ')).toBe('ready');
        expect(ready.backend).toBe(backend);
        await page.setInputFiles('#file', path.join(LSPET, 'images', PCK_PHOTO));
        const s = await waitForDemo(page, (x) => x.state === 'done' && x.image === PCK_PHOTO, PAGE_READY_MS, errors);
        const { names, record } = lspetRecord(PCK_PHOTO);
        expect([s.last!.width, s.last!.height]).toEqual([record.width, record.height]);
        const pose = s.last!.pose;
        expect(pose.keypoints.map((k) => k.name)).toEqual(names);
        poses[backend] = pose;
        // the page lists every joint's score and shows every stage's maps of every joint (+ background)
        expect(await page.locator('#scores tr').count()).toBe(names.length);
        expect(await page.locator('#grid .grid-row').count()).toBe(pose.stage);
        expect(await page.locator('#grid figure').count()).toBe(pose.stage * (names.length + 1));
        const r = pck(pose.keypoints, names, record.joints, PCK_ALPHA);
        console.log(`[image ${backend}] ${PCK_PHOTO}: PCK@${PCK_ALPHA} ${r.pck.toFixed(2)} (${r.correct}/${r.total}), `
          + `distance / torso per joint ${JSON.stringify(r.perJoint)}; ${s.last!.ms.toFixed(0)} ms`);
        saveArtifact(`image-${backend}.png`, await page.screenshot({ fullPage: true }));
        expect(r.pck).toBeGreaterThanOrEqual(PCK_MIN);

        // the Flip test box re-estimates the photo with flipTest: another pose, on the person too
        await page.evaluate(() => { (window as unknown as { cpmDemo: { state: string } }).cpmDemo.state = 'flip-test'; });
        await page.check('#flip-test');
        const f = await waitForDemo(page, (x) => x.state === 'done', PAGE_READY_MS, errors);
        const flipped = f.last!.pose;
        flipPoses[backend] = flipped;
        expect(flipped.keypoints.map((k) => [k.x, k.y])).not.toEqual(pose.keypoints.map((k) => [k.x, k.y]));
        const rf = pck(flipped.keypoints, names, record.joints, PCK_ALPHA);
        console.log(`[image ${backend} flipTest] PCK@${PCK_ALPHA} ${rf.pck.toFixed(2)} (${rf.correct}/${rf.total}); ${f.last!.ms.toFixed(0)} ms`);
        expect(rf.pck).toBeGreaterThanOrEqual(PCK_MIN);

        // the First pass select offers the model's detectSize (selected) and smaller sides; a smaller
        // one re-estimates with pass 1 at that side: the person is framed differently
        const sizes = await page.locator('#detect-size option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));
        expect(await page.inputValue('#detect-size')).toBe(sizes[0]);
        expect(sizes.map(Number)).toEqual([...sizes.map(Number)].sort((x, y) => y - x));
        await page.evaluate(() => { (window as unknown as { cpmDemo: { state: string } }).cpmDemo.state = 'detect-size'; });
        await page.selectOption('#detect-size', sizes[sizes.length - 1]!);
        const d = await waitForDemo(page, (x) => x.state === 'done', PAGE_READY_MS, errors);
        expect(d.last!.pose.region).not.toEqual(flipped.region);
        console.log(`[image ${backend} detectSize ${sizes[sizes.length - 1]}] region ${JSON.stringify(d.last!.pose.region)} (was ${JSON.stringify(flipped.region)})`);

        // the Model select lists the bundled models; choosing another one restarts the estimator with it
        // and re-estimates the photo (on wasm only: the webgl start-up on SwiftShader is slow)
        const models = await page.locator('#model-name option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));
        expect(models).toEqual(['cpm-lite', 'cpm-lite-fast', 'cpm-full']);
        expect(d.model).toBe('cpm-lite');
        if (backend === 'wasm') {
          await page.evaluate(() => { (window as unknown as { cpmDemo: { state: string } }).cpmDemo.state = 'model'; });
          await page.selectOption('#model-name', 'cpm-lite-fast');
          const m = await waitForDemo(page, (x) => x.state === 'done' && x.model === 'cpm-lite-fast', PAGE_READY_MS, errors);
          const rm = pck(m.last!.pose.keypoints, names, record.joints, PCK_ALPHA);
          console.log(`[image ${backend} cpm-lite-fast] PCK@${PCK_ALPHA} ${rm.pck.toFixed(2)}; ${m.last!.ms.toFixed(0)} ms`);
          expect(m.last!.pose.keypoints.map((k) => k.name)).toEqual(names);
        }
        expect(errors.filter((e) => e.startsWith('pageerror'))).toEqual([]);
      } finally {
        await page.context().close();
      }
    });
  }

  it(`WebGL and WASM agree within ${PARITY_PX} px and ${PARITY_SCORE} in score, with and without flipTest`, () => {
    for (const [what, both] of [['plain', poses], ['flipTest', flipPoses]] as const) {
      const a = both.webgl;
      const b = both.wasm;
      expect(a && b, 'both backends must have run').toBeTruthy();
      let px = 0;
      let sc = 0;
      a!.keypoints.forEach((k, i) => {
        const o = b!.keypoints[i]!;
        expect(o.name).toBe(k.name);
        px = Math.max(px, Math.hypot(k.x - o.x, k.y - o.y));
        sc = Math.max(sc, Math.abs(k.score - o.score));
      });
      console.log(`[parity ${what}] max keypoint distance ${px.toExponential(2)} px, max score difference ${sc.toExponential(2)}`);
      expect(px).toBeLessThanOrEqual(PARITY_PX);
      expect(sc).toBeLessThanOrEqual(PARITY_SCORE);
    }
  });
});
