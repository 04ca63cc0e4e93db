"""Export a checkpoint to the library's model format (docs/model-format.md), and read it back.

  /usr/bin/python3 -m training.cpm.export runs/cpm-lite/best.pt models/cpm-lite [--float16]
      [--parity-fixture test/fixtures/cpm-lite-parity]

Batch-norm is folded into the convolutions; kernels are written in TF.js layout [kh, kw, in, out].
"""
import argparse
import datetime
import json
import os
import subprocess
import sys

import numpy as np
import torch
import torch.nn as nn

from .model import CPM, PREPROCESS, ConvBNReLU, SeparableConvBNReLU, count_macs, normalise

FORMAT = "cpm-pose/1"


def named_layers(model):
    """(name, module) in manifest order; module is ConvBNReLU, SeparableConvBNReLU or a plain Conv2d (linear output)."""
    out = []
    convs = [m for m in model.backbone if isinstance(m, ConvBNReLU)]
    out += [(f"backbone/conv{i + 1}", m) for i, m in enumerate(convs)]
    out += [("stage1/hidden", model.stage1[0]), ("stage1/out", model.stage1[1])]
    if model.context is not None:
        convs = [m for m in model.context if isinstance(m, ConvBNReLU)]
        out += [(f"context/conv{i + 1}", m) for i, m in enumerate(convs)]
        out += [("context/out", model.context_out)]
    for t, stage in enumerate(model.refine, start=2):
        convs, head = list(stage)[:-1], list(stage)[-1]
        out += [(f"stage{t}/conv{i + 1}", m) for i, m in enumerate(convs)]
        out += [(f"stage{t}/hidden", head[0]), (f"stage{t}/out", head[1])]
    return out


def _fold(conv, bn):
    scale = bn.weight.detach() / torch.sqrt(bn.running_var + bn.eps)
    return conv.weight.detach() * scale.view(-1, 1, 1, 1), bn.bias.detach() - bn.running_mean * scale


def folded(module):
    """{suffix: tensor} with batch-norm folded in (eval statistics): "kernel" (out,in,kh,kw) and "bias"; a
    separable layer also "depthwise_kernel" (in,1,kh,kw). Its first batch-norm scales the depthwise kernel
    and its shift, passed through the linear 1x1, joins the pointwise bias."""
    if isinstance(module, nn.Conv2d):
        return {"kernel": module.weight.detach(), "bias": module.bias.detach()}
    if isinstance(module, SeparableConvBNReLU):
        dw, dw_shift = _fold(module[0], module[1])
        pw, pw_bias = _fold(module[2], module[3])
        return {"depthwise_kernel": dw, "kernel": pw, "bias": pw_bias + pw[:, :, 0, 0] @ dw_shift}
    w, b = _fold(module[0], module[1])
    return {"kernel": w, "bias": b}


# TF.js layouts: a conv kernel [kh, kw, in, out] from PyTorch's (out, in, kh, kw); a depthwise kernel
# [kh, kw, in, 1] from (in, 1, kh, kw): the same permutation
_TFJS_ORDER = {"depthwise_kernel": (2, 3, 0, 1), "kernel": (2, 3, 1, 0)}


def git_commit():
    try:
        return subprocess.check_output(["git", "rev-parse", "HEAD"], stderr=subprocess.DEVNULL).decode().strip()
    except Exception:
        return None


def write_model(model, spec, folder, name, float16=False, provenance=None, refine=None, sigma=None):
    """sigma: the targets' width in map cells (the config's train.sigma), which the library's pose score uses."""
    refine = refine or {}
    os.makedirs(folder, exist_ok=True)
    specs, blobs = [], []
    for lname, module in named_layers(model):
        for suffix, arr in folded(module).items():
            if suffix in _TFJS_ORDER:
                arr = arr.permute(*_TFJS_ORDER[suffix])
            a = arr.contiguous().numpy().astype(np.float32)
            entry = {"name": f"{lname}/{suffix}", "shape": list(a.shape), "dtype": "float32"}
            if float16:
                entry["quantization"] = {"dtype": "float16"}
                a = a.astype(np.float16)
            specs.append(entry)
            blobs.append(a.astype("<f2" if float16 else "<f4").tobytes())
    with open(os.path.join(folder, "weights.bin"), "wb") as f:
        f.write(b"".join(blobs))
    doc = {
        "format": FORMAT,
        "name": name,
        "config": model.cfg,
        "joints": spec["joint_names"],
        "flipPairs": [list(p) for p in sorted({tuple(sorted((spec["joint_names"].index(a), spec["joint_names"].index(b))))
                                                  for a, b in spec["flip_pairs"]})],
        "skeleton": [[spec["joint_names"].index(a), spec["joint_names"].index(b)] for a, b in spec["skeleton"]],
        # refine.trim: which passes may drop the letterbox's padding (docs/model-format.md, preprocess.trim)
        "preprocess": {**PREPROCESS, **({"trim": refine["trim"]} if refine.get("trim") else {})},
        "output": {"kind": "spatial-softmax", "background": True, **({"sigma": sigma} if sigma is not None else {})},
        "refine": {"margin": refine.get("margin", 1.5), "minSide": refine.get("min_side", 0.2),
                   "detectSize": refine.get("detect_size", model.cfg["inputSize"]),
                   **({"reframeBelow": refine["reframe_below"]} if refine.get("reframe_below") else {})},
        "provenance": provenance or {},
        "weightsManifest": [{"paths": ["weights.bin"], "weights": specs}],
    }
    with open(os.path.join(folder, "model.json"), "w") as f:
        json.dump(doc, f, indent=1)
    return doc


def _stored_dtype(entry):
    return "<f2" if entry.get("quantization", {}).get("dtype") == "float16" else "<f4"


def read_raw_weights(folder):
    """(model.json content, [(manifest entry, its stored bytes)] in manifest order). Raises ValueError when a
    group's shards do not hold exactly its tensors."""
    with open(os.path.join(folder, "model.json")) as f:
        doc = json.load(f)
    out = []
    for group in doc["weightsManifest"]:
        raw = b"".join(open(os.path.join(folder, p), "rb").read() for p in group["paths"])
        off = 0
        for w in group["weights"]:
            n = int(np.prod(w["shape"])) if w["shape"] else 1
            size = n * np.dtype(_stored_dtype(w)).itemsize
            out.append((w, raw[off:off + size]))
            off += size
        if off != len(raw):
            raise ValueError(f"{folder}: {'+'.join(group['paths'])} has {len(raw)} bytes, its tensors need {off}")
    return doc, out


def read_weights(folder):
    """(model.json content, {name: float32 tensor}) of an exported model folder."""
    doc, raw = read_raw_weights(folder)
    tensors = {w["name"]: torch.from_numpy(np.frombuffer(b, _stored_dtype(w)).astype(np.float32).reshape(w["shape"]).copy())
               for w, b in raw}
    return doc, tensors


def _identity_batch_norm(bn, bias):
    """A batch-norm that only adds `bias` (eval mode): what export folded into the kernel stays folded."""
    bn.weight.fill_(1.0)
    bn.bias.copy_(bias)
    bn.running_mean.zero_()
    bn.running_var.fill_(1.0 - bn.eps)  # so that 1/sqrt(var + eps) is exactly 1


@torch.no_grad()
def load_into(model, folder):
    """Set a (batch-norm) model from exported weights: kernels from the file, batch-norm as identity + bias."""
    _, tensors = read_weights(folder)
    for lname, module in named_layers(model):
        k, b = tensors[f"{lname}/kernel"].permute(3, 2, 0, 1), tensors[f"{lname}/bias"]
        if isinstance(module, SeparableConvBNReLU):
            module[0].weight.copy_(tensors[f"{lname}/depthwise_kernel"].permute(2, 3, 0, 1))
            _identity_batch_norm(module[1], torch.zeros_like(module[1].bias))
            module[2].weight.copy_(k)
            _identity_batch_norm(module[3], b)
        elif isinstance(module, nn.Conv2d):
            module.weight.copy_(k)
            module.bias.copy_(b)
        else:
            module[0].weight.copy_(k)
            _identity_batch_norm(module[1], b)


def synthetic_image(size, seed=0):
    """A deterministic test image (gradients, blobs, noise): no photo is copied into fixtures."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:size, 0:size] / size
    img = np.stack([xx, yy, 1 - xx * yy], -1) * 160
    for _ in range(12):
        cx, cy, r = rng.uniform(0, 1, 2).tolist() + [rng.uniform(0.03, 0.2)]
        img[((xx - cx) ** 2 + (yy - cy) ** 2) < r * r] = rng.uniform(0, 255, 3)
    img += rng.normal(0, 12, img.shape)
    return np.clip(img, 0, 255).astype(np.float32)


@torch.no_grad()
def write_parity_fixture(model_folder, out_folder):
    """Runs the PyTorch graph on the exported weights; the TS test compares TF.js to these maps.

    One case at the model's inputSize, and one at pass 1's refine.detectSize when that differs.
    """
    doc, _ = read_weights(model_folder)
    cfg = doc["config"]
    model = CPM(cfg, len(doc["joints"])).eval()
    load_into(model, model_folder)
    sizes = [cfg["inputSize"]]
    detect = doc.get("refine", {}).get("detectSize", cfg["inputSize"])
    if detect != cfg["inputSize"]:
        sizes.append(detect)
    cases, blobs = [], []
    for i, size in enumerate(sizes):
        img = synthetic_image(size, seed=i)
        x = normalise(torch.from_numpy(img).permute(2, 0, 1).unsqueeze(0), doc["preprocess"])
        maps = model(x)
        blobs += [img.astype("<f4").tobytes()] + [m[0].permute(1, 2, 0).numpy().astype("<f4").tobytes() for m in maps]
        h, w = maps[0].shape[-2:]
        cases.append({"inputShape": [size, size, 3], "stages": len(maps), "mapShape": [h, w, maps[0].shape[1]]})
    os.makedirs(out_folder, exist_ok=True)
    for fname in ("model.json", "weights.bin"):
        if os.path.abspath(model_folder) != os.path.abspath(out_folder):
            with open(os.path.join(model_folder, fname), "rb") as src, open(os.path.join(out_folder, fname), "wb") as dst:
                dst.write(src.read())
    with open(os.path.join(out_folder, "parity.bin"), "wb") as f:
        f.write(b"".join(blobs))
    with open(os.path.join(out_folder, "parity.json"), "w") as f:
        json.dump({"cases": cases}, f)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("checkpoint")
    ap.add_argument("folder")
    ap.add_argument("--name")
    ap.add_argument("--float16", action="store_true")
    ap.add_argument("--raw", action="store_true", help="export the raw weights instead of the EMA weights")
    ap.add_argument("--parity-fixture", help="also write a parity fixture folder for the TS tests")
    ap.add_argument("--note", default="", help="free text added to provenance")
    ap.add_argument("--detect-size", type=int, help="model.json refine.detectSize, pass 1's input side "
                    "(default: the config's refine.detect_size, else inputSize)")
    args = ap.parse_args(argv)
    ck = torch.load(args.checkpoint)
    cfg = ck["config"]
    model = CPM(cfg["model"], len(ck["spec"]["joint_names"]))
    model.load_state_dict(ck["model"] if args.raw else ck["ema"])
    model.eval()
    name = args.name or cfg.get("name") or os.path.basename(os.path.normpath(args.folder))
    provenance = {
        "trainingData": f"{cfg['data']['root']} (validation {cfg['data'].get('val_files_from')}.."
                        f"{cfg['data'].get('val_files_to')} held out, never trained on)",
        "trainedBy": "training/cpm/train.py (this repository)",
        "config": cfg,
        "commit": git_commit(),
        "epochs": ck["epoch"],
        "steps": ck["step"],
        "wallMinutes": round(ck["wall"] / 60, 1),
        "cpuHours": round(ck["cpu"] / 3600, 2),
        "machine": f"{os.cpu_count()} CPU cores, PyTorch {torch.__version__}",
        "validationTorch": {k: v for k, v in ck["val"].items()},
        "multiplyAdds": count_macs(cfg["model"], len(ck["spec"]["joint_names"])),
        "weights": "float16" if args.float16 else "float32",
        "exported": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "note": args.note,
    }
    refine = dict(cfg.get("refine", {}))
    if args.detect_size is not None:
        stride = model.stride
        if args.detect_size <= 0 or args.detect_size % stride:
            ap.error(f"--detect-size must be a positive multiple of the stride ({stride}), got {args.detect_size}")
        refine["detect_size"] = args.detect_size
    write_model(model, ck["spec"], args.folder, name, args.float16, provenance, refine, sigma=cfg["train"].get("sigma"))
    if args.parity_fixture:
        write_parity_fixture(args.folder, args.parity_fixture)
    print(f"wrote {args.folder} (epoch {ck['epoch']}, val PCK@0.2 {100 * ck['val']['pck0.2']:.1f}%)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
