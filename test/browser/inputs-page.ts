/**
 * A bare page for test/browser/inputs.browser.ts: the library (bundled from src/) as window.cpm and its TF.js as window.tf, so
 * the test can hand estimatePose the browser's own inputs (elements, bitmaps, ImageData).
 */
import * as tf from '@tensorflow/tfjs';
import * as cpm from '../../src/index.js';

declare global {
  interface Window { cpm: typeof cpm; tf: typeof tf }
}

window.tf = tf;
window.cpm = cpm;
