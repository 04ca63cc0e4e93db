/**
 * What the demo tells the user when the camera or a backend cannot be used. Pure functions (no DOM),
 * unit-tested in test/demo-messages.test.ts.
 */

export type ProblemCode =
  | 'camera-denied'
  | 'no-camera'
  | 'camera-in-use'
  | 'camera-unsupported'
  | 'camera-error'
  | 'webgl-unavailable'
  | 'backend-error'
  | 'model-error'
  | 'image-error';

export interface Problem {
  code: ProblemCode;
  level: 'error' | 'warning' | 'info';
  message: string;
}

/** getUserMedia's error (a DOMException, by name) -> what to tell the user. */
export function cameraProblem(error: unknown): Problem {
  const name = (error as { name?: unknown } | null)?.name;
  const detail = (error as { message?: unknown } | null)?.message;
  switch (name) {
    case 'NotAllowedError':
    case 'PermissionDeniedError':
    case 'SecurityError':
      return {
        code: 'camera-denied',
        level: 'error',
        message: 'Camera permission was denied. Allow camera access for this page (the camera icon in the address bar, or the site settings) and press Start again. The Image page works without a camera.',
      };
    case 'NotFoundError':
    case 'DevicesNotFoundError':
    case 'OverconstrainedError':
      return {
        code: 'no-camera',
        level: 'error',
        message: 'No camera was found. Connect a camera (or pick another one in the list) and press Start again, or use the Image page.',
      };
    case 'NotReadableError':
    case 'TrackStartError':
    case 'AbortError':
      return {
        code: 'camera-in-use',
        level: 'error',
        message: 'The camera could not be started: it is probably in use by another application or tab. Close it there and press Start again.',
      };
    default:
      return {
        code: 'camera-error',
        level: 'error',
        message: `The camera could not be started${typeof detail === 'string' && detail ? `: ${detail}` : '.'}`,
      };
  }
}

/** The page cannot ask for a camera at all (no navigator.mediaDevices: insecure context or old browser). */
export function cameraUnsupported(isSecureContext: boolean): Problem {
  return {
    code: 'camera-unsupported',
    level: 'error',
    message: isSecureContext
      ? 'This browser cannot use a camera from a web page (no navigator.mediaDevices.getUserMedia). Use the Image page instead.'
      : 'The camera needs a secure page: open the demo over https or at http://localhost (not a LAN address over http).',
  };
}

/** WebGL could not start, so the estimator runs on `fallback` instead. */
export function webglUnavailable(reason: string, fallback: string): Problem {
  return {
    code: 'webgl-unavailable',
    level: 'warning',
    message: `WebGL is unavailable in this browser, so the model runs on ${fallback.toUpperCase()} instead (slower on most machines). Reason: ${reason}`,
  };
}
