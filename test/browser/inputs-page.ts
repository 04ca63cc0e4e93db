/**
 * A bare page for test/browser/inputs.browser.ts: the library (bundled from src/) as window.cpm, its tools as window.tools
 * and its TF.js as window.tf, so
 * the test can hand estimatePose the browser's own inputs (elements, bitmaps, ImageData).
 */
import * as tf from '@tensorflow/tfjs';
import * as cpm from '../../src/index.js';
import * as tools from '../../src/tools.js';

declare global {
  interface Window { cpm: typeof cpm; tools: typeof tools; tf: typeof tf }
}

window.tf = tf;
window.cpm = cpm;
window.tools = tools;
