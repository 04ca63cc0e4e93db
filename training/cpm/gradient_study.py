"""Does intermediate supervision keep gradients alive in the early layers? (Wei et al. 2016, Fig. 5)

Trains the same network from the same initialisation twice, with and without a loss on every stage,
records the mean |gradient| of every convolution kernel at each step, and writes a plot and a table:

  /usr/bin/python3 -m training.cpm.gradient_study --config training/configs/cpm-lite.json \
      --set model.stages=6 --steps 300 --out docs/gradients
"""
import argparse
import json
import os
import sys

import numpy as np
import torch

from .augment import make_batch
from .data import REPO_ROOT
from .export import named_layers
from .model import CPM, PREPROCESS, ConvBNReLU, normalise
from .targets import cpm_loss
from .train import Data, load_config


def kernel_of(module):
    return module[0].weight if isinstance(module, ConvBNReLU) else module.weight


def run(cfg, data, intermediate, steps, batch, seed):
    torch.manual_seed(seed)
    model = CPM(cfg["model"], data.spec.num_joints).train()
    layers = named_layers(model)
    opt = torch.optim.AdamW(model.parameters(), lr=cfg["train"]["lr"], weight_decay=0)
    gen = torch.Generator().manual_seed(seed)
    grads, losses = np.zeros((steps, len(layers))), []
    n = len(data.train[0])
    for step in range(steps):
        idx = np.sort(torch.randint(n, (batch,), generator=gen).numpy())
        x, j = make_batch(data.train[0], data.train[1], idx, data.spec, cfg["model"]["inputSize"],
                          cfg["train"]["augment"], gen)
        maps = model(normalise(x, PREPROCESS))
        loss, per_stage = cpm_loss(maps, j, model.stride, cfg["train"]["sigma"], cfg["train"]["background_weight"],
                                   intermediate)
        opt.zero_grad()
        loss.backward()
        grads[step] = [kernel_of(m).grad.abs().mean().item() for _, m in layers]
        opt.step()
        losses.append(per_stage[-1].item())
        if step % 25 == 0:
            print(f"{'with' if intermediate else 'without'} intermediate supervision: step {step}/{steps} "
                  f"last-stage loss {losses[-1]:.3f}", flush=True)
    return [name for name, _ in layers], grads, losses


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--config", required=True)
    ap.add_argument("--set", action="append", default=[])
    ap.add_argument("--steps", type=int, default=300)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--limit", type=int, default=3000, help="training images to draw from")
    ap.add_argument("--out", default="docs/gradients")
    ap.add_argument("--cache", default=".cache/data")
    args = ap.parse_args(argv)
    torch.set_num_threads(os.cpu_count())
    repo_root = REPO_ROOT
    cfg = load_config(args.config, args.set)
    data = Data(cfg, repo_root, args.limit, os.path.join(repo_root, args.cache))
    results = {}
    for inter in (True, False):
        names, grads, losses = run(cfg, data, inter, args.steps, args.batch, cfg["train"]["seed"])
        results[inter] = (grads, losses)
    os.makedirs(args.out, exist_ok=True)

    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    thirds = [(0, args.steps // 3), (args.steps // 3, 2 * args.steps // 3), (2 * args.steps // 3, args.steps)]
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.2), sharey=True)
    x = np.arange(len(names))
    for ax, (a, b) in zip(axes, thirds):
        for inter, style in ((True, "o-"), (False, "s--")):
            ax.semilogy(x, results[inter][0][a:b].mean(0), style,
                        label=("with" if inter else "without") + " intermediate supervision")
        ax.set_title(f"steps {a}-{b}")
        ax.set_xlabel("layer (input -> output)")
        stage_starts = [i for i, nme in enumerate(names) if nme.endswith("/conv1") and nme.startswith("stage")]
        for s in stage_starts:
            ax.axvline(s - 0.5, color="grey", lw=0.5)
    axes[0].set_ylabel("mean |gradient| of the layer's kernel")
    axes[0].legend(fontsize=8)
    fig.suptitle(f"Per-layer gradient magnitude, {cfg['model']['stages']}-stage CPM, first {args.steps} steps")
    fig.tight_layout()
    fig.savefig(os.path.join(args.out, "gradients.png"), dpi=80)
    plt.close(fig)

    # distributions (the paper's histograms) for the first backbone layer, over the first third of the steps
    fig, ax = plt.subplots(figsize=(6, 4))
    for inter in (True, False):
        g = results[inter][0][:thirds[0][1], 0]
        # exactly zero at step 0: each stage's last 1x1 conv starts at zero, so nothing flows back yet
        ax.hist(np.log10(g[g > 0]), bins=30, alpha=0.6,
                label=("with" if inter else "without") + " intermediate supervision")
    ax.set(xlabel="log10 mean |gradient|, backbone/conv1, per step", ylabel="steps",
           title=f"First layer, steps 0-{thirds[0][1]}")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(os.path.join(args.out, "gradients-first-layer.png"), dpi=80)
    plt.close(fig)

    rows = []
    for i, name in enumerate(names):
        w, wo = results[True][0][:, i].mean(), results[False][0][:, i].mean()
        rows.append({"layer": name, "with": w, "without": wo, "ratio": w / wo})
    lw, lwo = np.mean(results[True][1][-20:]), np.mean(results[False][1][-20:])
    cmd = "/usr/bin/python3 -m training.cpm.gradient_study " + " ".join(argv if argv is not None else sys.argv[1:])
    with open(os.path.join(args.out, "README.md"), "w") as f:
        f.write(f"# Gradient study: intermediate supervision\n\nMade by `{cmd}`.\n\n"
                f"Same {cfg['model']['stages']}-stage network, same initialisation and batches, {args.steps} steps "
                f"of batch {args.batch}; mean |gradient| of each convolution kernel over all steps.\n"
                f"Last-stage loss over the last 20 steps: {lw:.3f} with, {lwo:.3f} without.\n\n"
                "![per-layer gradients](gradients.png)\n\n![first layer](gradients-first-layer.png)\n\n"
                "| layer | with | without | with / without |\n| --- | --- | --- | --- |\n")
        for r in rows:
            f.write(f"| {r['layer']} | {r['with']:.2e} | {r['without']:.2e} | {r['ratio']:.2f} |\n")
    with open(os.path.join(args.out, "gradients.json"), "w") as f:
        json.dump({"names": names, "with": results[True][0].tolist(), "without": results[False][0].tolist(),
                   "loss_with": results[True][1], "loss_without": results[False][1]}, f)
    print(f"wrote {args.out}/README.md and plots")
    return 0


if __name__ == "__main__":
    sys.exit(main())
