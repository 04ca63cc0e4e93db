/**
 * Image page: choose or drop a photo, see the pose, the per-joint scores and every stage's belief
 * maps of every joint.
 */
import { type BackendName, type PoseEstimator, type PoseResult } from 'cpm-pose';
import {
  $, BACKENDS, Messages, drawMapThumbnail, fillSelect, initDebug, jointColor, label, renderPose,
  wireModelSelect, sharedControls, switchEstimator, taskQueue, urlSettings,
} from './common';

const debug = initDebug('image');
const settings = urlSettings();
const ui = {
  ...sharedControls(),
  file: $<HTMLInputElement>('file'),
  flipTest: $<HTMLInputElement>('flip-test'),
  detectSize: $<HTMLSelectElement>('detect-size'),
  refinePasses: $<HTMLSelectElement>('refine-passes'),
  drop: $('drop'),
  scores: $('scores'),
  grid: $('grid'),
};
const messages = new Messages($('messages'), debug);
const viewCtx = ui.view.getContext('2d')!;
/** longest side of the on-page canvas; the pose is estimated on the full-size photo */
const MAX_VIEW = 1280;

let estimator: PoseEstimator | undefined;
let image: HTMLImageElement | undefined;
let imageName = '';
let pose: PoseResult | undefined;
/** Photo loads, estimates and backend switches take turns. */
const exclusive = taskQueue();

function status(text: string): void {
  ui.status.textContent = text;
}

function overlayMap(): { joint: string; stage: number } | undefined {
  if (!ui.overlay.checked || !ui.joint.value || !pose) return undefined;
  return { joint: ui.joint.value, stage: Math.min(Number(ui.mapStage.value) || pose.stage, pose.stage) };
}

function modelControls(est: PoseEstimator): void {
  const T = est.model.stages;
  fillSelect(ui.stages, Array.from({ length: T }, (_, i) => [String(i + 1), i + 1 === T ? `${i + 1} (all)` : String(i + 1)]),
    ui.stages.value || String(Math.min(typeof settings.stages === 'number' ? settings.stages : T, T)));
  fillSelect(ui.detectSize, detectSizeChoices(est).map((n) => [String(n), n === est.model.refine.detectSize ? `${n} px (model's)` : `${n} px`]),
    ui.detectSize.value || String(settings.detectSize ?? est.model.refine.detectSize));
  fillSelect(ui.joint, [...est.model.joints, 'background'].map((n) => [n, label(n)]), ui.joint.value || settings.overlayJoint);
  fillMapStages();
}

/** The model's detectSize, and 3/4 and 1/2 of its inputSize, rounded down to its input multiple (the library's limits apply). */
function detectSizeChoices(est: PoseEstimator): number[] {
  const { inputSize, inputMultiple, refine } = est.model;
  const snap = (v: number) => Math.max(32, Math.floor(v / inputMultiple) * inputMultiple);
  const sizes = new Set([refine.detectSize, inputSize, snap(inputSize * 0.75), snap(inputSize * 0.5)]);
  if (settings.detectSize !== undefined) sizes.add(settings.detectSize);
  return [...sizes].sort((a, b) => b - a);
}

function fillMapStages(): void {
  const k = Number(ui.stages.value) || 1;
  fillSelect(ui.mapStage, Array.from({ length: k }, (_, i) => [String(i + 1), String(i + 1)]), String(k));
}

async function setBackend(requested: BackendName): Promise<void> {
  ui.backend.disabled = true;
  await exclusive(async () => {
    const old = estimator;
    estimator = undefined;
    estimator = await switchEstimator(old, requested, settings.model, { messages, status, view: ui, debug });
    if (estimator) {
      modelControls(estimator);
      status(image ? '' : 'Ready. Choose a photo.');
    }
  });
  ui.backend.disabled = false;
  if (image) await estimate();
}

async function estimate(): Promise<void> {
  await exclusive(async () => {
    const est = estimator;
    const img = image;
    if (!est || !img) return;
    debug.state = 'estimating';
    status(`Estimating the pose on ${imageName}…`);
    const t0 = performance.now();
    pose = await est.estimatePose(img, {
      stages: Number(ui.stages.value) || est.model.stages, flipTest: ui.flipTest.checked, returnBeliefMaps: true,
      detectSize: Number(ui.detectSize.value) || est.model.refine.detectSize,
      refinePasses: Number(ui.refinePasses.value),
      ...(settings.trimPadding !== undefined ? { trimPadding: settings.trimPadding } : {}),
    });
    const ms = performance.now() - t0;
    ui.ms.textContent = ms.toFixed(0);
    ui.score.textContent = `${pose.score.toFixed(2)} (stage ${pose.stage}, ${pose.framing})`;
    const { beliefMaps: _maps, ...plain } = pose;
    debug.last = { pose: plain, width: img.naturalWidth, height: img.naturalHeight, mirror: false, ms, frame: 0 };
    debug.image = imageName;
    redraw();
    renderGrid();
    status(`${imageName}: pose from stage ${pose.stage} of ${est.model.stages}.`);
    debug.state = 'done';
  }).catch((e: unknown) => {
    debug.state = 'error';
    messages.show({ code: 'image-error', level: 'error', message: `Pose estimation failed: ${(e as Error).message}` });
  });
}

function redraw(): void {
  if (!image || !pose || !estimator) return;
  const w = image.naturalWidth;
  const h = image.naturalHeight;
  const s = Math.min(1, MAX_VIEW / Math.max(w, h));
  ui.view.width = Math.round(w * s);
  ui.view.height = Math.round(h * s);
  const map = overlayMap();
  renderPose(viewCtx, image, pose, {
    threshold: Number(ui.threshold.value),
    mirror: false,
    skeleton: estimator.model.skeleton,
    showRegion: ui.region.checked,
    ...(map ? { map } : {}),
    frameWidth: w,
    frameHeight: h,
  });
  renderScores();
}

function renderScores(): void {
  if (!pose) return;
  const t = Number(ui.threshold.value);
  ui.scores.replaceChildren(...pose.keypoints.map((k) => {
    const tr = document.createElement('tr');
    tr.className = k.score >= t ? '' : 'below';
    tr.innerHTML = '<td></td><td></td><td></td><td><span class="bar"><i></i></span> <span class="num"></span></td>';
    const td = tr.querySelectorAll('td');
    td[0]!.textContent = label(k.name);
    td[0]!.style.color = jointColor(k.name);
    td[1]!.textContent = k.x.toFixed(1);
    td[2]!.textContent = k.y.toFixed(1);
    (tr.querySelector('.bar i') as HTMLElement).style.width = `${Math.round(100 * Math.max(0, Math.min(1, k.score)))}%`;
    tr.querySelector('.num')!.textContent = k.score.toFixed(2);
    tr.addEventListener('click', () => {
      ui.joint.value = k.name;
      ui.overlay.checked = true;
      redraw();
    });
    return tr;
  }));
}

/** Every stage (rows) x every joint (columns): the photo with that belief map. */
function renderGrid(): void {
  if (!image || !pose?.beliefMaps || !estimator) return;
  const w = image.naturalWidth;
  const h = image.naturalHeight;
  const tw = 120;
  const th = Math.max(1, Math.round((tw * h) / w));
  const names = pose.beliefMaps[0]!.names;
  const cells: HTMLElement[] = [];
  for (const maps of pose.beliefMaps) {
    const row = document.createElement('div');
    row.className = 'grid-row';
    const head = document.createElement('div');
    head.className = 'grid-head';
    head.textContent = `stage ${maps.stage} · RF ${estimator.model.receptiveFields[maps.stage - 1]} px`;
    row.append(head);
    for (const name of names) {
      const fig = document.createElement('figure');
      const c = document.createElement('canvas');
      c.width = tw;
      c.height = th;
      drawMapThumbnail(c.getContext('2d')!, image, false, maps, name, { frameWidth: w, frameHeight: h }, 0.4, 0.95);
      const cap = document.createElement('figcaption');
      cap.textContent = label(name);
      fig.append(c, cap);
      fig.title = `${label(name)}, stage ${maps.stage}: click to overlay`;
      fig.addEventListener('click', () => {
        ui.joint.value = name;
        ui.mapStage.value = String(maps.stage);
        ui.overlay.checked = true;
        redraw();
      });
      row.append(fig);
    }
    cells.push(row);
  }
  ui.grid.replaceChildren(...cells);
}

async function loadFile(file: File): Promise<void> {
  messages.clear('image-error');
  if (!file.type.startsWith('image/')) {
    messages.show({ code: 'image-error', level: 'error', message: `${file.name} is not an image.` });
    return;
  }
  const url = URL.createObjectURL(file);
  const img = new Image();
  img.src = url;
  try {
    await img.decode();
  } catch {
    messages.show({ code: 'image-error', level: 'error', message: `${file.name} could not be decoded as an image.` });
    URL.revokeObjectURL(url);
    return;
  }
  image = img;
  imageName = file.name;
  ui.placeholder.hidden = true;
  ui.size.textContent = `${img.naturalWidth}×${img.naturalHeight}`;
  await estimate();
}

function init(): void {
  fillSelect(ui.backend, BACKENDS.map((b) => [b, b.toUpperCase()]), settings.backend);
  ui.overlay.checked = settings.overlay;
  ui.region.checked = settings.region;
  ui.flipTest.checked = settings.flipTest;
  ui.flipTest.addEventListener('change', () => void estimate());
  ui.detectSize.addEventListener('change', () => void estimate());
  // a ?refine= value the select does not offer is ignored: the select keeps a valid choice
  const refine = String(settings.refinePasses);
  if ([...ui.refinePasses.options].some((o) => o.value === refine)) ui.refinePasses.value = refine;
  ui.refinePasses.addEventListener('change', () => void estimate());
  ui.threshold.value = String(settings.threshold);
  ui.thresholdValue.value = Number(ui.threshold.value).toFixed(2);
  ui.file.addEventListener('change', () => {
    const f = ui.file.files?.[0];
    if (f) void loadFile(f);
  });
  ui.drop.addEventListener('dragover', (e) => {
    e.preventDefault();
    ui.drop.classList.add('dragging');
  });
  ui.drop.addEventListener('dragleave', () => ui.drop.classList.remove('dragging'));
  ui.drop.addEventListener('drop', (e) => {
    e.preventDefault();
    ui.drop.classList.remove('dragging');
    const f = e.dataTransfer?.files[0];
    if (f) void loadFile(f);
  });
  ui.backend.addEventListener('change', () => void setBackend(ui.backend.value as BackendName));
  wireModelSelect(ui.modelName, settings, () => void setBackend(ui.backend.value as BackendName));
  ui.stages.addEventListener('change', () => {
    fillMapStages();
    void estimate();
  });
  ui.threshold.addEventListener('input', () => {
    ui.thresholdValue.value = Number(ui.threshold.value).toFixed(2);
    redraw();
  });
  for (const e of [ui.overlay, ui.joint, ui.mapStage, ui.region]) e.addEventListener('change', redraw);
  void setBackend(settings.backend).then(() => {
    if (debug.state === 'loading') debug.state = estimator ? 'ready' : 'error';
  });
}

init();
