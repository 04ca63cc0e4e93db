"""Train a CPM with intermediate supervision on the CPU.

  /usr/bin/python3 -m training.cpm.train --config training/configs/cpm-lite.json --out runs/cpm-lite
  ... --resume runs/cpm-lite/last.pt        continue an interrupted run
  ... --init models/cpm-lite                start from shipped weights (a later session)
  ... --teacher models/cpm-lite             distil: every stage's target mixes the labels with the teacher's
                                            beliefs on the same augmented batch (config train.distill)

Writes to --out: log.csv (per epoch), curve.png, last.pt, best.pt (by validation PCK@0.2 of the EMA
weights over the limb joints).
"""
import argparse
import copy
import csv
import json
import math
import os
import random
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

from .augment import make_batch, person_crop_affines, warp_images
from .data import REPO_ROOT, build_cache, exclude_records, load_split
from .grow import grow
from .model import CPM, PREPROCESS, count_macs, normalise
from .prune import is_narrower, prune
from .targets import cpm_loss, decode, pck, teacher_beliefs

LIMBS = ["right_ankle", "right_knee", "right_hip", "left_hip", "left_knee", "left_ankle", "right_wrist",
         "right_elbow", "right_shoulder", "left_shoulder", "left_elbow", "left_wrist"]


def load_config(path, overrides=()):
    with open(path) as f:
        cfg = json.load(f)
    for o in overrides:  # "train.epochs=3"
        key, val = o.split("=", 1)
        node = cfg
        *parents, last = key.split(".")
        for p in parents:
            node = node[p]
        try:
            node[last] = json.loads(val)
        except ValueError:  # a bare string: --set data.exclude_files=runs/label-check.txt
            node[last] = val
    return cfg


def resolve(path, base):
    return path if os.path.isabs(path) else os.path.normpath(os.path.join(base, path))


class Data:
    """Fixed train/val split held in memory as letterboxed canvases."""

    def __init__(self, cfg, repo_root, limit=None, cache_dir=None):
        d = cfg["data"]
        root = resolve(d["root"], repo_root)
        skeleton = cfg.get("skeleton")
        self.spec, train, val = load_split(d, root, skeleton)
        if d.get("exclude_files"):  # e.g. training.cpm.label_check --write: photos with contradictory labels
            kept, listed = exclude_records(train, resolve(d["exclude_files"], repo_root))
            print(f"data: {len(train) - len(kept)} training photos excluded ({listed} listed in {d['exclude_files']})")
            train = kept
        if limit:
            train, val = train[:limit], val[:max(2, limit // 4)]
        self.val_records = val
        image_dir = os.path.join(root, d.get("images", "images"))
        canvas = cfg["train"]["canvas"]
        self.train = build_cache(train, image_dir, canvas, cache_dir)
        self.val = build_cache(val, image_dir, canvas, cache_dir)
        self.canvas = canvas


class EMA:
    def __init__(self, model, decay):
        self.model = copy.deepcopy(model).eval()
        self.decay = decay
        for p in self.model.parameters():
            p.requires_grad_(False)

    @torch.no_grad()
    def update(self, model, step):
        d = min(self.decay, (1 + step) / (10 + step))  # warm up: early EMA follows the model closely
        for e, m in zip(self.model.state_dict().values(), model.state_dict().values()):
            if e.dtype.is_floating_point:
                e.mul_(d).add_(m.detach(), alpha=1 - d)
            else:
                e.copy_(m)


@torch.no_grad()
def predict(model, data, cfg, stages=None, batch=100, two_pass=True, crop_model=None):
    """Keypoints on the validation canvases (whole images letterboxed, no augmentation), in canvas pixels.

    Pass 1 sees the whole image; pass 2 (two_pass) a square crop around pass 1's keypoints, as the library does:
    the crop is framed by pass 1's stage refine.detect_stages (default 2, the library's detectStages),
    not by its last stage. With crop_model, pass 2 runs that network (all its stages) instead: `model` is then
    a pass-1 network judged by the keypoints it leads crop_model to. Returns (final keypoints, one-pass
    keypoints: all stages on the whole image).
    """
    model.eval()
    images, joints, _ = data.val
    size = cfg["model"]["inputSize"]
    refine = cfg.get("refine", {})
    margin, min_frac = refine.get("margin", 1.5), refine.get("min_side", 0.2)
    detect_size = refine.get("detect_size", size)
    detect_stages = refine.get("detect_stages", 2)
    preds, first = [], []
    for s in range(0, len(images), batch):
        idx = np.arange(s, min(s + batch, len(images)))
        x, _ = make_batch(images, joints, idx, data.spec, detect_size, cfg["train"]["augment"], None, train=False)
        outs = model(normalise(x, PREPROCESS), stages)
        pred = decode(outs[-1], model.stride)
        pred[..., :2] *= data.canvas / detect_size  # pass-1 input pixels -> canvas pixels
        first.append(pred)
        if two_pass:
            if detect_stages < len(outs):  # else pass 1's last stage, decoded above, frames the crop
                pred = decode(outs[detect_stages - 1], model.stride)
                pred[..., :2] *= data.canvas / detect_size
            A, b = person_crop_affines(pred, size, margin, min_frac * data.canvas)
            canv = torch.from_numpy(images[idx]).permute(0, 3, 1, 2).float()
            x2 = warp_images(canv, A, b, size)
            second, k2 = (crop_model, None) if crop_model is not None else (model, stages)
            pred2 = decode(second(normalise(x2, PREPROCESS), k2)[-1], second.stride)
            pred2[..., :2] = (A.unsqueeze(1) @ pred2[..., :2].unsqueeze(-1)).squeeze(-1) + b.unsqueeze(1)
            pred = pred2
        preds.append(pred)
    return torch.cat(preds), torch.cat(first)


def evaluate(model, data, cfg, stages=None, crop_model=None):
    """PCK@0.2 and @0.1 (mean over the limb joints, and per joint) for one and two passes."""
    limb = [data.spec.index(n) for n in LIMBS if n in data.spec.joint_names] or list(range(data.spec.num_joints))
    truth = torch.from_numpy(data.val[1])
    summary = {}
    for mode, pred in zip(("", "_1pass"), predict(model, data, cfg, stages, crop_model=crop_model)):
        res = pck(pred, truth, data.spec, cfg["pck_reference"])
        for t, (hits, counts) in res.items():
            per = hits / counts.clamp_min(1)
            summary[f"pck{t}{mode}"] = per[limb].mean().item()
            if not mode:
                summary[f"pck{t}_per_joint"] = {n: round(per[i].item(), 4) for i, n in enumerate(data.spec.joint_names)}
    return summary


def is_checkpoint(source):
    """A training checkpoint (.pt: batch-norm intact) rather than a shipped model folder (batch-norm folded)."""
    return source.endswith(".pt")


def load_model(source, num_joints):
    """A checkpoint (best.pt / last.pt: its EMA weights, batch-norm intact) or a shipped model folder
    (batch-norm folded)."""
    if is_checkpoint(source):
        ck = torch.load(source)
        src = CPM(ck["config"]["model"], num_joints)
        src.load_state_dict(ck["ema"])
    else:
        from .export import load_into
        with open(os.path.join(source, "model.json")) as f:
            src = CPM(json.load(f)["config"], num_joints)
        with torch.no_grad():
            load_into(src, source)
    return src


@torch.no_grad()
def restore_batch_norm(model, batches):
    """A shipped model loads as convolution + identity batch-norm + bias (export folded the statistics away).
    Train-mode batch-norm would then renormalise every layer by its batch statistics and change what the
    network computes. Give each batch-norm the statistics of its input over a few batches instead (running
    mean/var = mean/var, gamma = std, beta = mean + bias): the same function in eval mode, nearly the same
    in train mode."""
    model.eval()
    bns = [m for m in model.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    sums = {bn: [0.0, 0.0, 0] for bn in bns}

    def hook(bn, inputs):
        x = inputs[0].double()
        s = sums[bn]
        s[0] = s[0] + x.sum((0, 2, 3))
        s[1] = s[1] + (x * x).sum((0, 2, 3))
        s[2] += x.numel() // x.shape[1]

    handles = [bn.register_forward_pre_hook(hook) for bn in bns]
    for x in batches:
        model(x)
    for h in handles:
        h.remove()
    for bn in bns:  # the layer computes x * a + c; keep that with the new statistics
        total, squares, n = sums[bn]
        mean = total / n
        var = (squares / n - mean * mean).clamp_min(1e-6)
        a = bn.weight.double() / torch.sqrt(bn.running_var.double() + bn.eps)
        c = bn.bias.double() - bn.running_mean.double() * a
        bn.weight.copy_((a * torch.sqrt(var + bn.eps)).float())
        bn.bias.copy_((c + a * mean).float())
        bn.running_mean.copy_(mean.float())
        bn.running_var.copy_(var.float())


def calibration_batches(data, cfg, count=8, batch=32):
    """A few augmented training batches (own generator: the run's random stream is untouched)."""
    gen = torch.Generator().manual_seed(cfg["train"]["seed"] + 1)
    n = len(data.train[0])
    for _ in range(count):
        idx = np.sort(torch.randperm(n, generator=gen)[:batch].numpy())
        x, _ = make_batch(data.train[0], data.train[1], idx, data.spec, cfg["model"]["inputSize"],
                          cfg["train"]["augment"], gen)
        yield normalise(x, PREPROCESS)


def init_from(model, source, num_joints):
    """Start from earlier weights (see load_model). A config that only widens layers is grown from the
    smaller model; one that only narrows them is pruned from the larger one (its most important channels,
    then fine-tuned)."""
    src = load_model(source, num_joints)
    if same_layers(src.cfg, model.cfg):
        model.load_state_dict(src.state_dict())
    elif keeps_first_stages(src.cfg, model.cfg):
        # e.g. a pass-1 network (fewer stages) specialised from the full model: stages 1..k as they are
        missing, unexpected = model.load_state_dict(src.state_dict(), strict=False)
        assert not missing and all(k.startswith("refine.") for k in unexpected), (missing, unexpected)
    elif new_refinement(src.cfg, model.cfg):
        # another refinement design (e.g. separable layers) on the same image features: the backbone and
        # stage 1 (and a context branch) as they are, stages 2..T trained afresh
        src_state = {k: v for k, v in src.state_dict().items() if not k.startswith("refine.")}
        missing, unexpected = model.load_state_dict(src_state, strict=False)
        assert not unexpected and all(k.startswith("refine.") for k in missing), (missing, unexpected)
    elif adds_context(src.cfg, model.cfg):
        # every old layer is kept; the new branch starts silent (model.py), so the function is unchanged
        missing, unexpected = model.load_state_dict(src.state_dict(), strict=False)
        assert not unexpected and all(k.startswith("context") for k in missing), (missing, unexpected)
    elif is_narrower(src.cfg, model.cfg):
        prune(src, model)
    else:
        grow(src, model)


def same_layers(old_cfg, new_cfg):
    """True when the two configs have the same weights (inputSize only sets the input side, not a layer)."""
    strip = lambda c: {k: v for k, v in c.items() if k != "inputSize"}
    return strip(old_cfg) == strip(new_cfg)


def keeps_first_stages(old_cfg, new_cfg):
    """True when new_cfg is old_cfg with fewer stages (and maybe another inputSize), nothing else."""
    strip = lambda c: {k: v for k, v in c.items() if k not in ("inputSize", "stages")}
    return strip(old_cfg) == strip(new_cfg) and new_cfg["stages"] < old_cfg["stages"]


def new_refinement(old_cfg, new_cfg):
    """True when the two configs differ only in stages 2..T (refineLayers, refineHidden, stages) and some
    refinement layer changes kind, dense to separable or back (a plain widening or narrowing is grow's or
    prune's)."""
    refinement = ("inputSize", "refineLayers", "refineHidden", "stages")
    strip = lambda c: {k: v for k, v in c.items() if k not in refinement}
    kinds = lambda c: [bool(l.get("separable")) for l in c["refineLayers"]]
    return strip(old_cfg) == strip(new_cfg) and kinds(old_cfg) != kinds(new_cfg)


FREEZABLE = ("backbone", "stage1", "context", "context_out")


def freeze(model, names):
    """Stop training the named top-level modules (train.freeze): no gradients. Returns the frozen modules, which
    the training loop puts back in eval mode after each model.train(), so their batch-norm statistics stay."""
    bad = [n for n in names if n not in FREEZABLE]
    if bad:
        raise ValueError(f"train.freeze: {bad} not among {list(FREEZABLE)}")
    frozen = [getattr(model, n) for n in names if getattr(model, n) is not None]
    for m in frozen:
        m.requires_grad_(False)
    return frozen


def adds_context(old_cfg, new_cfg):
    """True when new_cfg is old_cfg plus a context branch (model.py) and nothing else."""
    rest = {k: v for k, v in new_cfg.items() if k != "context"}
    return not old_cfg.get("context") and bool(new_cfg.get("context")) and rest == old_cfg


def batch_size_px(tcfg, size, gen):
    """Input side of the next batch: usually the model's, but a share of batches (train.multires.prob) is
    drawn at a smaller side (train.multires.sizes) so the same weights also serve a cheap low-resolution
    first pass (refine.detect_size), which only has to frame the person."""
    mr = tcfg.get("multires")
    if not mr or torch.rand(1, generator=gen).item() >= mr["prob"]:
        return size
    sizes = mr["sizes"]
    return sizes[int(torch.randint(len(sizes), (1,), generator=gen))]


def lr_at(step, total, peak, warmup=0.05):
    """One-cycle: linear warm-up then cosine decay to 1% of the peak."""
    w = max(1, int(total * warmup))
    if step < w:
        return peak * (0.1 + 0.9 * step / w)
    p = (step - w) / max(1, total - w)
    return peak * (0.01 + 0.99 * 0.5 * (1 + math.cos(math.pi * min(1.0, p))))


def progress(epoch, epochs, i, n, loss, t0, done_steps, total_steps):
    if not sys.stderr.isatty() and i % 50 and i != n:
        return
    el = time.time() - t0
    eta = el / max(1, done_steps) * (total_steps - done_steps)
    bar = "#" * int(30 * i / n) + "." * (30 - int(30 * i / n))
    sys.stderr.write(f"\repoch {epoch + 1}/{epochs} [{bar}] {i}/{n} loss {loss:.3f} "
                     f"elapsed {el / 60:.1f}m ETA {eta / 60:.1f}m  ")
    if not sys.stderr.isatty():
        sys.stderr.write("\n")
    sys.stderr.flush()


def plot(log_path, png_path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    with open(log_path) as f:
        rows = list(csv.DictReader(f))
    if not rows:
        return
    mins = [float(r["wall_min"]) for r in rows]
    fig, ax = plt.subplots(1, 2, figsize=(10, 4))
    ax[0].plot(mins, [float(r["train_loss"]) for r in rows], marker="o")
    ax[0].set(xlabel="wall minutes", ylabel="train loss (sum over stages)", title="loss")
    ax[1].plot(mins, [100 * float(r["val_pck0.2"]) for r in rows], marker="o", label="PCK@0.2")
    ax[1].plot(mins, [100 * float(r["val_pck0.1"]) for r in rows], marker="o", label="PCK@0.1")
    ax[1].set(xlabel="wall minutes", ylabel="% (12 limb joints, validation)", title="validation PCK")
    ax[1].legend()
    fig.tight_layout()
    fig.savefig(png_path, dpi=90)
    plt.close(fig)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--config", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--resume", help="checkpoint (last.pt) to continue from")
    ap.add_argument("--init", help="model folder (model.json + weights) or checkpoint (best.pt) to start from")
    ap.add_argument("--teacher", help="model folder or checkpoint to distil from (train.distill: weight, flip)")
    ap.add_argument("--crop-model", help="model folder or checkpoint: validation's pass 2 runs it, so the trained "
                    "network is judged as the pass-1 network of this model (configs/cpm-lite-detect.json)")
    ap.add_argument("--set", action="append", default=[], help="override a config value: train.epochs=3")
    ap.add_argument("--limit", type=int, help="use only this many training images (smoke runs)")
    ap.add_argument("--max-steps", type=int, help="stop after this many steps")
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--cache", default=".cache/data", help="where decoded images are cached")
    args = ap.parse_args(argv)

    repo_root = REPO_ROOT
    cfg = load_config(args.config, args.set)
    tcfg = cfg["train"]
    torch.set_num_threads(args.threads)
    random.seed(tcfg["seed"])
    np.random.seed(tcfg["seed"])
    torch.manual_seed(tcfg["seed"])
    gen = torch.Generator().manual_seed(tcfg["seed"])
    os.makedirs(args.out, exist_ok=True)

    t_load = time.time()
    data = Data(cfg, repo_root, args.limit, resolve(args.cache, repo_root))
    print(f"data: {len(data.train[0])} train, {len(data.val[0])} val images, {data.spec.num_joints} joints "
          f"({time.time() - t_load:.0f}s to load)", flush=True)

    model = CPM(cfg["model"], data.spec.num_joints).to(memory_format=torch.channels_last)
    print(f"model: {sum(p.numel() for p in model.parameters())} parameters, "
          f"{count_macs(cfg['model'], data.spec.num_joints) / 1e6:.0f} M multiply-adds per frame", flush=True)
    if args.init:
        init_from(model, args.init, data.spec.num_joints)
        if not is_checkpoint(args.init):
            restore_batch_norm(model, calibration_batches(data, cfg))
        print(f"initialised from {args.init}", flush=True)
    teacher, teacher_size, distill = None, None, tcfg.get("distill", {"weight": 0.5, "flip": True})
    if args.teacher:
        teacher = load_model(args.teacher, data.spec.num_joints).eval().to(memory_format=torch.channels_last)
        for p in teacher.parameters():
            p.requires_grad_(False)
        assert teacher.stride == model.stride, "teacher and student must share the output stride"
        # a teacher with a larger input (e.g. cpm-lite at 128 for a 112-px student) sees the same framings
        # sampled at its own side; its maps are resampled to the student's grid
        teacher_size = teacher.cfg["inputSize"]
        if teacher_size != cfg["model"]["inputSize"]:
            print(f"teacher input {teacher_size} px, student {cfg['model']['inputSize']} px", flush=True)
        tcfg["teacher"] = args.teacher  # saved with the config in each checkpoint: export's provenance
        print(f"distilling from {args.teacher} (weight {distill['weight']}, flip {distill.get('flip', False)})",
              flush=True)
    crop_model = None
    if args.crop_model:
        crop_model = load_model(args.crop_model, data.spec.num_joints).eval().to(memory_format=torch.channels_last)
        tcfg["crop_model"] = args.crop_model  # saved with the config: export's provenance
        print(f"validation pass 2: {args.crop_model}", flush=True)
    frozen = freeze(model, tcfg.get("freeze", []))
    if frozen:
        print(f"frozen: {', '.join(tcfg['freeze'])}", flush=True)
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=tcfg["lr"],
                            weight_decay=tcfg["weight_decay"])
    ema = EMA(model, tcfg["ema_decay"])
    n_train = len(data.train[0])
    steps_per_epoch = max(1, n_train // tcfg["batch_size"])
    total = steps_per_epoch * tcfg["epochs"]
    if args.max_steps:
        total = min(total, args.max_steps)
    start_epoch, step, best = 0, 0, -1.0
    wall0, cpu0 = 0.0, 0.0
    log_path = os.path.join(args.out, "log.csv")
    if args.resume:
        ck = torch.load(args.resume)
        model.load_state_dict(ck["model"])
        ema.model.load_state_dict(ck["ema"])
        opt.load_state_dict(ck["opt"])
        gen.set_state(ck["gen"])
        torch.set_rng_state(ck["torch_rng"])
        start_epoch, step, best = ck["epoch"], ck["step"], ck["best"]
        wall0, cpu0 = ck["wall"], ck["cpu"]
        print(f"resumed at epoch {start_epoch}, step {step}", flush=True)
    elif not os.path.exists(log_path) or args.max_steps:
        with open(log_path, "w", newline="") as f:
            csv.writer(f).writerow(["epoch", "step", "train_loss", "stage_losses", "val_pck0.2", "val_pck0.1", "val_pck0.2_1pass",
                                    "lr", "wall_min", "cpu_hours"])

    t0, c0 = time.time() - wall0, time.process_time() - cpu0
    run_t0, run_step0 = time.time(), step
    size = cfg["model"]["inputSize"]
    losses_seen = []
    for epoch in range(start_epoch, tcfg["epochs"]):
        model.train()
        for m in frozen:  # a frozen layer computes what it did: its batch-norm keeps its statistics
            m.eval()
        perm = torch.randperm(n_train, generator=gen).numpy()
        run_loss, run_stage, nb = 0.0, None, 0
        for i in range(steps_per_epoch):
            if step >= total:
                break
            idx = np.sort(perm[i * tcfg["batch_size"]:(i + 1) * tcfg["batch_size"]])
            side = batch_size_px(tcfg, size, gen)
            t_side = side * teacher_size // size if teacher_size else side
            x, j, *tx = make_batch(data.train[0], data.train[1], idx, data.spec, side, tcfg["augment"], gen,
                                   sizes=data.train[2], second_out=t_side if t_side != side else None)
            x = normalise(x, PREPROCESS).contiguous(memory_format=torch.channels_last)
            tx = normalise(tx[0], PREPROCESS).contiguous(memory_format=torch.channels_last) if tx else x
            lr = lr_at(step, total, tcfg["lr"])
            for g in opt.param_groups:
                g["lr"] = lr
            soft = None
            if teacher is not None:
                with torch.no_grad():  # the teacher's beliefs on the very same augmented batch
                    grid = x.shape[-2] // model.stride, x.shape[-1] // model.stride
                    on_grid = lambda t: t if t.shape[-2:] == grid else F.interpolate(
                        t, size=grid, mode="bilinear", align_corners=False)  # same field of view, centres kept
                    flipped = on_grid(teacher(tx.flip(-1))[-1]) if distill.get("flip") else None
                    soft = teacher_beliefs(on_grid(teacher(tx)[-1]), flipped, data.spec.flip_perm)
            maps = model(x)
            loss, per_stage = cpm_loss(maps, j, model.stride, tcfg["sigma"], tcfg["background_weight"],
                                       tcfg["intermediate_supervision"], soft, distill["weight"] if soft is not None else 0.0,
                                       data.spec.flip_pairs, tcfg.get("pair_overlap_weight", 0.0),
                                       tcfg.get("hard_joints", 0))
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            ema.update(model, step)
            step += 1
            nb += 1
            run_loss += loss.item()
            st = torch.stack(per_stage)
            run_stage = st if run_stage is None else run_stage + st
            losses_seen.append(loss.item())
            progress(epoch, tcfg["epochs"], i + 1, steps_per_epoch, run_loss / nb, run_t0, step - run_step0,
                     total - run_step0)
        if nb == 0:
            break
        ev = evaluate(ema.model, data, cfg, crop_model=crop_model)
        wall, cpu = time.time() - t0, time.process_time() - c0
        with open(log_path, "a", newline="") as f:
            csv.writer(f).writerow([epoch + 1, step, f"{run_loss / nb:.4f}",
                                    " ".join(f"{v:.3f}" for v in (run_stage / nb).tolist()),
                                    f"{ev['pck0.2']:.4f}", f"{ev['pck0.1']:.4f}", f"{ev['pck0.2_1pass']:.4f}", f"{lr:.2e}",
                                    f"{wall / 60:.2f}", f"{cpu / 3600:.3f}"])
        print(f"\nepoch {epoch + 1}: loss {run_loss / nb:.4f} val PCK@0.2 {100 * ev['pck0.2']:.1f}% "
              f"PCK@0.1 {100 * ev['pck0.1']:.1f}% (one pass: PCK@0.2 {100 * ev['pck0.2_1pass']:.1f}%) ({wall / 60:.1f} min)", flush=True)
        state = {"model": model.state_dict(), "ema": ema.model.state_dict(), "opt": opt.state_dict(),
                 "gen": gen.get_state(), "torch_rng": torch.get_rng_state(), "epoch": epoch + 1, "step": step,
                 "best": max(best, ev["pck0.2"]), "wall": wall, "cpu": cpu, "config": cfg,
                 "spec": {"joint_names": data.spec.joint_names,
                          "flip_pairs": [[data.spec.joint_names[a], data.spec.joint_names[b]]
                                         for a, b in data.spec.flip_pairs],
                          "skeleton": [[data.spec.joint_names[a], data.spec.joint_names[b]]
                                       for a, b in data.spec.skeleton]},
                 "val": ev}
        torch.save(state, os.path.join(args.out, "last.pt"))
        if ev["pck0.2"] > best:
            best = ev["pck0.2"]
            torch.save(state, os.path.join(args.out, "best.pt"))
        if (epoch + 1) % 5 == 0:
            plot(log_path, os.path.join(args.out, "curve.png"))
    plot(log_path, os.path.join(args.out, "curve.png"))
    json.dump({"first_losses": losses_seen[:10], "last_losses": losses_seen[-10:], "steps": step},
              open(os.path.join(args.out, "losses.json"), "w"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
