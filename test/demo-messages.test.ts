/**
 * The demo's on-page messages (examples/src/messages.ts): every getUserMedia failure a browser
 * reports maps to the right message. The browser tests see the denied / no camera / no WebGL paths
 * for real; "camera in use" cannot be staged in a headless browser, so it is checked here.
 */
import { describe, expect, it } from 'vitest';
import { cameraProblem, cameraUnsupported, webglUnavailable } from '../examples/src/messages.js';

const domError = (name: string, message = '') => Object.assign(new Error(message), { name });

describe('demo messages', () => {
  it.each([
    ['NotAllowedError', 'camera-denied', /permission was denied/],
    ['PermissionDeniedError', 'camera-denied', /permission was denied/],
    ['SecurityError', 'camera-denied', /permission was denied/],
    ['NotFoundError', 'no-camera', /No camera was found/],
    ['DevicesNotFoundError', 'no-camera', /No camera was found/],
    ['OverconstrainedError', 'no-camera', /No camera was found/],
    ['NotReadableError', 'camera-in-use', /in use by another application/],
    ['TrackStartError', 'camera-in-use', /in use by another application/],
    ['AbortError', 'camera-in-use', /in use by another application/],
  ])('%s -> %s', (name, code, text) => {
    const p = cameraProblem(domError(name));
    expect(p.code).toBe(code);
    expect(p.level).toBe('error');
    expect(p.message).toMatch(text);
  });

  it('an unknown failure keeps the browser\'s own words', () => {
    const p = cameraProblem(domError('WeirdError', 'the driver said no'));
    expect(p.code).toBe('camera-error');
    expect(p.message).toMatch(/the driver said no/);
    expect(cameraProblem(undefined).code).toBe('camera-error');
  });

  it('no getUserMedia: explains https / localhost when the page is not a secure context', () => {
    expect(cameraUnsupported(false).message).toMatch(/https|localhost/);
    expect(cameraUnsupported(true).code).toBe('camera-unsupported');
  });

  it('WebGL unavailable names the fallback and the reason', () => {
    const p = webglUnavailable('no context', 'wasm');
    expect(p).toMatchObject({ code: 'webgl-unavailable', level: 'warning' });
    expect(p.message).toMatch(/WASM instead.*no context/);
  });
});
