/**
 * Webcam page: camera picker, start/stop, mirrored selfie view, skeleton with a score threshold,
 * FPS and ms per frame, backend switch, stage selector (or a time budget) and belief-map overlay.
 *
 * Frames go through the library's video API (PoseTracker: crop around the previous pose, One Euro
 * smoothing, stages to fit a budget). Each frame is first copied to a canvas, the pose is estimated
 * on that copy, and then the copy and its pose are drawn together, so what is shown is exactly the
 * frame the pose belongs to.
 */
import { PoseTracker, type BackendName, type PoseEstimator, type TrackerOptions } from 'cpm-pose';
import {
  $, BACKENDS, Messages, StageStrip, fillSelect, initDebug, label,
  renderPose, wireModelSelect, sharedControls, switchEstimator, taskQueue, urlSettings, type ShownPose,
} from './common';
import { cameraProblem, cameraUnsupported } from './messages';

const debug = initDebug('webcam');
const settings = urlSettings();
const ui = {
  ...sharedControls(),
  camera: $<HTMLSelectElement>('camera'),
  start: $<HTMLButtonElement>('start'),
  stop: $<HTMLButtonElement>('stop'),
  mirror: $<HTMLInputElement>('mirror'),
  budget: $<HTMLInputElement>('budget'),
  budgetLabel: $('budget-label'),
  tracking: $<HTMLInputElement>('tracking'),
  smoothing: $<HTMLInputElement>('smoothing'),
  fps: $('stat-fps'),
  video: $<HTMLVideoElement>('video'),
};
const messages = new Messages($('messages'), debug);
const viewCtx = ui.view.getContext('2d')!;
/** the frame being (or last) estimated: a copy of the video frame, never mirrored */
const frame = document.createElement('canvas');
const frameCtx = frame.getContext('2d', { willReadFrequently: true })!;
const strip = new StageStrip($('strip'), (stage) => {
  ui.overlay.checked = true;
  ui.mapStage.value = String(stage);
  redraw();
});

let estimator: PoseEstimator | undefined;
/** the video API on the current estimator, rebuilt when a setting it was made with changes */
let tracker: PoseTracker | undefined;
let trackerKey = '';
let stream: MediaStream | undefined;
let running = false;
let loopDone: Promise<void> = Promise.resolve();
let lastPose: ShownPose | undefined;
let lastMirror = settings.mirror;

/** Frames and estimator changes take turns: a backend switch waits for the frame in flight. */
const exclusive = taskQueue();

function status(text: string): void {
  ui.status.textContent = text;
}

/** 'auto': stages chosen per frame to fit the time budget */
function autoStages(): boolean {
  return ui.stages.value === 'auto';
}

/** The stages run (all of them in 'auto' mode, the most a frame can get). */
function stagesToRun(): number {
  return (autoStages() ? undefined : Number(ui.stages.value)) || estimator?.model.stages || 1;
}

function trackerOptions(): TrackerOptions {
  return {
    flipHorizontal: ui.mirror.checked,
    returnBeliefMaps: ui.overlay.checked,
    tracking: ui.tracking.checked,
    smoothing: ui.smoothing.checked,
    ...(settings.detectSize !== undefined ? { detectSize: settings.detectSize } : {}),
    ...(settings.trimPadding !== undefined ? { trimPadding: settings.trimPadding } : {}),
    ...(autoStages() ? { budgetMs: Math.max(1, Number(ui.budget.value) || settings.budgetMs) } : { stages: stagesToRun() }),
  };
}

function currentTracker(est: PoseEstimator): PoseTracker {
  const options = trackerOptions();
  const key = JSON.stringify(options);
  if (!tracker || tracker.estimator !== est || key !== trackerKey) {
    tracker = new PoseTracker(est, options);
    trackerKey = key;
  }
  return tracker;
}

function overlayMap(): { joint: string; stage: number } | undefined {
  if (!ui.overlay.checked || !ui.joint.value) return undefined;
  return { joint: ui.joint.value, stage: Math.min(Number(ui.mapStage.value) || 1, lastPose?.stage ?? 1) };
}

function fillMapStages(): void {
  const k = stagesToRun();
  const keep = Number(ui.mapStage.value) || k;
  fillSelect(ui.mapStage, Array.from({ length: k }, (_, i) => [String(i + 1), String(i + 1)]), String(Math.min(keep, k)));
}

/** After an estimator (re)start: controls that depend on the model. */
function modelControls(est: PoseEstimator): void {
  const T = est.model.stages;
  fillSelect(ui.stages, [
    ...Array.from({ length: T }, (_, i): [string, string] => [String(i + 1), i + 1 === T ? `${i + 1} (all)` : String(i + 1)]),
    ['auto', 'auto: fit the budget'],
  ], ui.stages.value || (settings.stages === 'auto' ? 'auto' : String(Math.min(settings.stages ?? T, T))));
  ui.budgetLabel.hidden = !autoStages();
  const joint = ui.joint.value || settings.overlayJoint;
  fillSelect(ui.joint, [...est.model.joints, 'background'].map((n) => [n, label(n)]), joint);
  fillMapStages();
  ui.mapStage.value = String(stagesToRun());
}

/** Runs the pose on a black frame of the camera's size: shader compilation and buffers happen now, not on the first real frame. */
async function warmUp(est: PoseEstimator, width: number, height: number): Promise<void> {
  const c = document.createElement('canvas');
  c.width = width;
  c.height = height;
  const g = c.getContext('2d')!;
  g.fillStyle = '#000';
  g.fillRect(0, 0, width, height);
  await est.estimatePose(c, { flipHorizontal: ui.mirror.checked, stages: est.model.stages, returnBeliefMaps: true });
}

async function setBackend(requested: BackendName): Promise<void> {
  ui.backend.disabled = true;
  ui.start.disabled = true;
  await exclusive(async () => {
    const old = estimator;
    estimator = undefined;
    estimator = await switchEstimator(old, requested, settings.model, {
      messages, status, view: ui, debug,
      prepare: (est) => (frame.width > 0 ? warmUp(est, frame.width, frame.height) : Promise.resolve()),
    });
    if (estimator) {
      modelControls(estimator);
      status(running ? 'Running.' : 'Ready. Press Start to open the camera.');
    }
  });
  ui.backend.disabled = false;
  ui.start.disabled = running || !estimator;
  if (!running && lastPose && estimator) await refresh();
}

async function listCameras(): Promise<void> {
  if (!navigator.mediaDevices?.enumerateDevices) return;
  const devices = (await navigator.mediaDevices.enumerateDevices()).filter((d) => d.kind === 'videoinput');
  const current = stream?.getVideoTracks()[0]?.getSettings().deviceId ?? ui.camera.value;
  if (devices.length === 0) {
    fillSelect(ui.camera, [['', 'default camera']]);
    return;
  }
  fillSelect(ui.camera, devices.map((d, i) => [d.deviceId, d.label || `camera ${i + 1}`]), current);
}

function frameIsBlank(): boolean {
  const n = 16;
  const c = document.createElement('canvas');
  c.width = n;
  c.height = n;
  const g = c.getContext('2d', { willReadFrequently: true })!;
  g.drawImage(frame, 0, 0, n, n);
  const d = g.getImageData(0, 0, n, n).data;
  let max = 0;
  for (let i = 0; i < d.length; i += 4) max = Math.max(max, (d[i]! + d[i + 1]! + d[i + 2]!) / 3);
  return max < 24;
}

/** Resolves at the next video frame (or after 100 ms, so a stalled camera cannot hang the loop). */
function nextFrame(video: HTMLVideoElement): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, 100);
    const done = () => {
      clearTimeout(timer);
      resolve();
    };
    if ('requestVideoFrameCallback' in video) video.requestVideoFrameCallback(done);
    else requestAnimationFrame(done);
  });
}

function sizeCanvases(w: number, h: number): void {
  if (frame.width !== w || frame.height !== h) {
    frame.width = w;
    frame.height = h;
  }
  if (ui.view.width !== w || ui.view.height !== h) {
    ui.view.width = w;
    ui.view.height = h;
  }
  ui.size.textContent = `${w}×${h}`;
}

function redraw(): void {
  if (!lastPose || !estimator) return;
  renderPose(viewCtx, frame, lastPose, {
    threshold: Number(ui.threshold.value),
    mirror: lastMirror,
    skeleton: estimator.model.skeleton,
    showRegion: ui.region.checked,
    ...(overlayMap() ? { map: overlayMap()! } : {}),
    frameWidth: frame.width,
    frameHeight: frame.height,
  });
  if (lastPose.beliefMaps && ui.joint.value) {
    strip.render(frame, lastPose, ui.joint.value, lastMirror, frame.width, frame.height,
      overlayMap()?.stage ?? 0, estimator.model.receptiveFields);
  }
}

let frames = 0;
let fps = 0;
let msAvg = 0;
let lastTime = 0;

/**
 * Estimates the pose on the frame canvas and shows it: through the tracker while the camera runs,
 * as a still image (estimatePose) when re-estimating the last frame after Stop.
 */
async function estimateAndShow(est: PoseEstimator, video: boolean): Promise<void> {
  const mirror = ui.mirror.checked;
  const t0 = performance.now();
  const pose = video
    ? await currentTracker(est).estimate(frame, t0)
    : await est.estimatePose(frame, {
      flipHorizontal: mirror, stages: stagesToRun(), returnBeliefMaps: ui.overlay.checked,
      ...(settings.trimPadding !== undefined ? { trimPadding: settings.trimPadding } : {}),
    });
  const ms = performance.now() - t0;
  lastPose = pose;
  lastMirror = mirror;
  redraw();
  msAvg = msAvg ? 0.8 * msAvg + 0.2 * ms : ms;
  ui.ms.textContent = `${ms.toFixed(0)} (avg ${msAvg.toFixed(0)})`;
  ui.score.textContent = `${pose.score.toFixed(2)} (stage ${pose.stage}, ${pose.framing})`;
  const { beliefMaps: _maps, ...plain } = pose;
  debug.last = { pose: plain, width: frame.width, height: frame.height, mirror, ms, frame: frames };
  if (video) {
    debug.history.push({ frame: frames, pose: plain, width: frame.width, height: frame.height, mirror });
    if (debug.history.length > 20) debug.history.shift();
  }
}

async function loop(): Promise<void> {
  let sawPicture = false;
  while (running) {
    await nextFrame(ui.video);
    if (!running) break;
    await exclusive(async () => {
      const est = estimator;
      const w = ui.video.videoWidth;
      const h = ui.video.videoHeight;
      if (!running || !est || !w || !h) return;
      sizeCanvases(w, h);
      frameCtx.drawImage(ui.video, 0, 0, w, h);
      if (!sawPicture) {
        if (frameIsBlank()) {
          status('Waiting for the camera picture…');
          return;
        }
        sawPicture = true;
        ui.placeholder.hidden = true;
        status('Running.');
      }
      await estimateAndShow(est, true);
      frames++;
      debug.frames = frames;
      const now = performance.now();
      if (lastTime) fps = fps ? 0.8 * fps + 0.2 * (1000 / (now - lastTime)) : 1000 / (now - lastTime);
      lastTime = now;
      ui.fps.textContent = fps.toFixed(1);
    }).catch((e: unknown) => {
      messages.show({ code: 'model-error', level: 'error', message: `Pose estimation failed: ${(e as Error).message}` });
    });
  }
}

async function start(): Promise<void> {
  if (running || !estimator) return;
  for (const code of ['camera-denied', 'no-camera', 'camera-in-use', 'camera-unsupported', 'camera-error']) messages.clear(code);
  if (!navigator.mediaDevices?.getUserMedia) {
    messages.show(cameraUnsupported(window.isSecureContext));
    return;
  }
  ui.start.disabled = true;
  debug.state = 'starting';
  status('Opening the camera…');
  const deviceId = ui.camera.value;
  try {
    stream = await navigator.mediaDevices.getUserMedia({
      audio: false,
      video: deviceId ? { deviceId: { exact: deviceId } } : { facingMode: 'user', width: { ideal: 640 }, height: { ideal: 480 } },
    });
  } catch (e) {
    messages.show(cameraProblem(e));
    debug.state = 'ready';
    status('The camera did not start: see the message above.');
    ui.start.disabled = false;
    return;
  }
  await listCameras().catch(() => undefined);
  ui.video.srcObject = stream;
  try {
    await ui.video.play();
    if (!ui.video.videoWidth) await new Promise((r) => ui.video.addEventListener('loadeddata', r, { once: true }));
  } catch (e) {
    messages.show(cameraProblem(e));
    closeStream();
    debug.state = 'ready';
    ui.start.disabled = false;
    return;
  }
  sizeCanvases(ui.video.videoWidth, ui.video.videoHeight);
  status('Warming up the model at the camera\'s frame size…');
  await exclusive(async () => {
    if (estimator) await warmUp(estimator, frame.width, frame.height);
  });
  frames = 0;
  fps = 0;
  lastTime = 0;
  debug.frames = 0;
  debug.history = [];
  running = true;
  debug.state = 'running';
  ui.stop.disabled = false;
  ui.camera.disabled = false;
  loopDone = loop();
}

function closeStream(): void {
  stream?.getTracks().forEach((t) => t.stop());
  stream = undefined;
  ui.video.srcObject = null;
}

/** Stops the camera; the last frame and its pose stay on screen (and can still be re-estimated). */
async function stop(): Promise<void> {
  if (!running) return;
  running = false;
  ui.stop.disabled = true;
  await loopDone;
  closeStream();
  ui.start.disabled = !estimator;
  debug.state = 'stopped';
  status(lastPose ? 'Stopped. The last frame stays: change the stages, mirror or overlay to see them on it.' : 'Stopped.');
}

/** While stopped: estimate the still frame again with the current settings. */
async function refresh(): Promise<void> {
  if (running || !lastPose) {
    redraw();
    return;
  }
  await exclusive(async () => {
    if (estimator) await estimateAndShow(estimator, false);
  });
}

function init(): void {
  fillSelect(ui.backend, BACKENDS.map((b) => [b, b.toUpperCase()]), settings.backend);
  ui.mirror.checked = settings.mirror;
  ui.overlay.checked = settings.overlay;
  ui.region.checked = settings.region;
  ui.tracking.checked = settings.tracking;
  ui.smoothing.checked = settings.smoothing;
  ui.budget.value = String(settings.budgetMs);
  ui.threshold.value = String(settings.threshold);
  ui.thresholdValue.value = Number(ui.threshold.value).toFixed(2);
  ui.start.addEventListener('click', () => void start());
  ui.stop.addEventListener('click', () => void stop());
  ui.backend.addEventListener('change', () => void setBackend(ui.backend.value as BackendName));
  wireModelSelect(ui.modelName, settings, () => void setBackend(ui.backend.value as BackendName));
  ui.threshold.addEventListener('input', () => {
    ui.thresholdValue.value = Number(ui.threshold.value).toFixed(2);
    redraw();
  });
  ui.stages.addEventListener('change', () => {
    ui.budgetLabel.hidden = !autoStages();
    fillMapStages();
    ui.mapStage.value = String(stagesToRun());
    void refresh();
  });
  ui.budget.addEventListener('change', () => void refresh());
  ui.mirror.addEventListener('change', () => void refresh());
  ui.overlay.addEventListener('change', () => void refresh());
  ui.joint.addEventListener('change', redraw);
  ui.mapStage.addEventListener('change', redraw);
  ui.region.addEventListener('change', redraw);
  ui.camera.addEventListener('change', () => {
    if (!running) return;
    void stop().then(start);
  });
  navigator.mediaDevices?.addEventListener?.('devicechange', () => void listCameras().catch(() => undefined));
  void listCameras().catch(() => undefined);
  void setBackend(settings.backend).then(() => {
    debug.state = estimator ? 'ready' : 'error';
  });
  debug.framePixels = () => framePixels();
}

/**
 * The last estimated frame's RGBA bytes (raw, not mirrored), base64: lets a test tell which frame of a
 * known clip it was, and run the library in Node on exactly the pixels the page estimated.
 */
function framePixels(): string {
  const { data } = frameCtx.getImageData(0, 0, frame.width, frame.height);
  let binary = '';
  for (let i = 0; i < data.length; i += 0x8000) binary += String.fromCharCode(...data.subarray(i, i + 0x8000));
  return btoa(binary);
}

init();
