/**
 * npm run eval:video -- [--video ../shared/data/video/pose_1.mp4] [--reference <video>.reference.json]
 *                       [--model cpm-lite] [--every 1] [--fps 30] [--flip-test] [--json out.json]
 *
 * How a model does on an ordinary person (not LSPET's athletes): every `--every`-th frame of a clip
 * (decoded with ffmpeg), once as a still photo (`estimatePose`, default options or --flip-test) and once
 * through `PoseTracker` frame after frame (timestamps at --fps). The 12 limb joints are compared with the
 * clip's reference keypoints: ANOTHER MODEL's output (COCO keypoints, whose hips sit elsewhere than LSP's),
 * not human labels, so this is a loose check of where the skeleton is, not an accuracy figure. Distances
 * are in torso diameters of the reference (left shoulder to right hip). Prints the share of limb joints
 * within 0.2 and 0.5 torso, the median distance, and per joint the frames beyond 0.5 torso and the frames
 * where it sits on the reference's OTHER side's joint (within 0.2 torso of it: a left/right collapse or swap).
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createEstimator, PoseTracker, type Keypoint } from '../src/index.js';
import { isBundledModelName } from '../src/default-model.js';
import { scriptArgs } from './args.js';
import { LIMB_JOINTS, markdownTable, partnerOf } from './pck.js';
import { quantile } from './timing.js';
import { ffmpegFrames } from './video-frames.js';

const USAGE = 'usage: npm run eval:video -- [--video <clip>] [--reference <json>] [--model <name or folder>] [--every N] [--fps F] [--flip-test] [--json out.json]';
const { values: a } = parseArgs({
  options: {
    video: { type: 'string', default: '../shared/data/video/pose_1.mp4' },
    reference: { type: 'string' },
    model: { type: 'string', default: 'cpm-lite' },
    every: { type: 'string', default: '1' },
    fps: { type: 'string', default: '30' },
    'flip-test': { type: 'boolean', default: false },
    json: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
  strict: true,
});
const { fail, help, positiveInt } = scriptArgs(USAGE);
help(a.help);
const every = positiveInt(a.every!, 'every');
const fps = Number(a.fps);
if (!(fps > 0)) fail(`--fps must be a positive number, got ${a.fps}`);
const video = path.resolve(a.video!);
const referenceFile = path.resolve(a.reference ?? video.replace(/\.[^.]+$/, '.reference.json'));
for (const f of [video, referenceFile]) if (!fs.existsSync(f)) fail(`missing ${f}`);

type Point = { x: number; y: number };
const reference = JSON.parse(fs.readFileSync(referenceFile, 'utf8')) as Array<Record<string, Point>>;
const { frames } = ffmpegFrames(video, every);
if (frames.length === 0) fail(`${video}: ffmpeg decoded no frames`);

const model = isBundledModelName(a.model) ? a.model : path.resolve(a.model!);
const est = await createEstimator({ model, backend: 'wasm' });
const tracker = new PoseTracker(est);
const dist = (p: Point, q: Point) => Math.hypot(p.x - q.x, p.y - q.y);

interface Tally { d: number[]; beyond: Record<string, number>; otherSide: Record<string, number> }
const tally = (): Tally => ({ d: [], beyond: {}, otherSide: {} });
const modes = { still: tally(), tracked: tally() };
const framings: Record<string, number> = {};
let frameCount = 0;
for (const f of frames) {
  const ref = reference[f.index];
  if (!ref) fail(`${referenceFile} has no entry for frame ${f.index}`);
  const torso = dist(ref.left_shoulder!, ref.right_hip!);
  const still = await est.estimatePose(f, { flipTest: a['flip-test'] });
  const tracked = await tracker.estimate(f, (f.index * 1000) / fps);
  const framing = tracked.lost ? 'lost' : tracked.framing;
  framings[framing] = (framings[framing] ?? 0) + 1;
  frameCount++;
  for (const [mode, kps] of [['still', still.keypoints], ['tracked', tracked.keypoints]] as Array<[keyof typeof modes, Keypoint[]]>) {
    const t = modes[mode];
    for (const name of LIMB_JOINTS) {
      const p = kps.find((k) => k.name === name)!;
      const d = dist(p, ref[name]!) / torso;
      t.d.push(d);
      if (d > 0.5) t.beyond[name] = (t.beyond[name] ?? 0) + 1;
      const other = partnerOf(name);
      if (other && d > 0.2 && dist(p, ref[other]!) / torso <= 0.2) t.otherSide[name] = (t.otherSide[name] ?? 0) + 1;
    }
  }
}
est.dispose();

const share = (v: number[], t: number) => (100 * v.filter((x) => x <= t).length) / v.length;
const summary = Object.fromEntries(Object.entries(modes).map(([mode, t]) => [mode, {
  within02: share(t.d, 0.2), within05: share(t.d, 0.5), medianTorso: quantile(t.d, 0.5), beyond05: t.beyond, otherSide: t.otherSide,
}]));
const cmd = ['npm run eval:video', ...(process.argv.length > 2 ? ['--', ...process.argv.slice(2)] : [])].join(' ');
console.log(`${cmd}
${path.basename(video)}: ${frameCount} frames (every ${every}), model ${est.model.name}${a['flip-test'] ? ', still photos with flipTest' : ''}; tracker framings ${JSON.stringify(framings)}
The reference is another model's output (COCO keypoints), not human labels: a loose check.

${markdownTable(['', 'limb joints within 0.2 torso', 'within 0.5 torso', 'median distance (torso)'],
    Object.entries(summary).map(([m, s]) => [m, `${s.within02.toFixed(1)}%`, `${s.within05.toFixed(1)}%`, s.medianTorso.toFixed(3)]),
    ['left', 'right', 'right', 'right'])}

Frames in which a joint is beyond 0.5 torso of the reference's / sits on the reference's other-side joint:

${markdownTable(['joint', 'still: beyond 0.5', 'still: on the other side', 'tracked: beyond 0.5', 'tracked: on the other side'],
    LIMB_JOINTS.map((j) => [j, String(modes.still.beyond[j] ?? 0), String(modes.still.otherSide[j] ?? 0), String(modes.tracked.beyond[j] ?? 0), String(modes.tracked.otherSide[j] ?? 0)]),
    ['left', 'right', 'right', 'right', 'right'])}`);
if (a.json) fs.writeFileSync(a.json, JSON.stringify({ command: cmd, video, frames: frameCount, every, model: est.model.name, flipTest: a['flip-test'], framings, summary }, null, 2));
