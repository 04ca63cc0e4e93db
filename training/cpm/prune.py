"""Narrow a trained CPM, so a smaller, faster model starts from the larger one instead of from scratch.

Each batch-normed convolution keeps its most important output channels; the layers that read them keep
the matching input channels. A channel's importance is what it passes on: its expected output after
batch-norm and ReLU (data-free: the batch-norm output is taken as Gaussian with mean beta and standard
deviation |gamma|, so E[relu] = beta * Phi(beta / |gamma|) + |gamma| * phi(beta / |gamma|)) times the
norm of the weights that read it, summed over its readers (the shared image features are read by stage 1
and by every refine stage). A channel that is always zero has importance 0, so pruning only such channels
changes nothing (tested). Pruning live channels changes the output: the pruned model is then fine-tuned
(train.py --init with the narrower config). Kernel sizes, dilations, pools and stages must match.
"""
import math

import torch
import torch.nn as nn

from .export import named_layers
from .model import CPM


def _layers(model):
    """name -> (conv, bn or None) in manifest order."""
    out = {}
    for name, m in named_layers(model):
        out[name] = (m, None) if isinstance(m, nn.Conv2d) else (m[0], m[1])
    return out


def _readers(model):
    """name -> [(reader name, first input channel it reads this layer's output at)]."""
    names = [n for n, _ in named_layers(model)]
    backbone = [n for n in names if n.startswith("backbone/")]
    readers = {n: [] for n in names}
    for a, b in zip(backbone, backbone[1:]):
        readers[a].append((b, 0))
    features = backbone[-1]
    readers[features].append(("stage1/hidden", 0))
    readers["stage1/hidden"].append(("stage1/out", 0))
    for t in range(2, model.cfg["stages"] + 1):
        stage = [n for n in names if n.startswith(f"stage{t}/")]
        readers[features].append((stage[0], 0))  # conv1 reads [features, previous maps]
        for a, b in zip(stage, stage[1:]):
            readers[a].append((b, 0))
    return readers


def _expected_relu(bn):
    """E[relu(x)] for x ~ N(beta, gamma^2), per channel."""
    mu = bn.bias.detach()
    sd = bn.weight.detach().abs().clamp_min(1e-12)
    z = mu / sd
    cdf = 0.5 * (1 + torch.erf(z / math.sqrt(2)))
    pdf = torch.exp(-0.5 * z * z) / math.sqrt(2 * math.pi)
    return (mu * cdf + sd * pdf).clamp_min(0)


def _reader_scale(conv, bn):
    """Per-output-channel scale of a reader (batch-norm folded), so read weights compare across readers."""
    if bn is None:
        return torch.ones(conv.out_channels)
    return bn.weight.detach().abs() / torch.sqrt(bn.running_var + bn.eps)


def channel_importance(model):
    """name -> importance of each output channel of every batch-normed convolution."""
    layers, readers = _layers(model), _readers(model)
    out = {}
    for name, (conv, bn) in layers.items():
        if bn is None:
            continue  # a stage's output maps: never pruned
        passed = _expected_relu(bn)
        read = torch.zeros(conv.out_channels)
        for r, start in readers[name]:
            rc, rbn = layers[r]
            w = rc.weight.detach()[:, start:start + conv.out_channels] * _reader_scale(rc, rbn).view(-1, 1, 1, 1)
            read += w.pow(2).sum(dim=(0, 2, 3)).sqrt()
        out[name] = passed * read
    return out


def _check_narrower(old, new):
    o, n = old.cfg, new.cfg
    same = ["inputSize", "stages"]
    if any(o[k] != n[k] for k in same) or len(o["backbone"]) != len(n["backbone"]) \
            or len(o["refineLayers"]) != len(n["refineLayers"]):
        raise ValueError("a pruned model must keep the input size, stages and layer counts")
    if any(l.get("separable") for l in o["refineLayers"] + n["refineLayers"]):
        raise ValueError("pruning does not handle separable refinement layers")
    for a, b in list(zip(o["backbone"], n["backbone"])) + list(zip(o["refineLayers"], n["refineLayers"])):
        if a["kernel"] != b["kernel"] or a.get("dilation", 1) != b.get("dilation", 1) or a.get("pool", 1) != b.get("pool", 1):
            raise ValueError(f"kernel, dilation or pool differs: {a} vs {b}")
        if b["filters"] > a["filters"]:
            raise ValueError("a pruned model may only narrow (use grow.py to widen)")
    if n["stage1Hidden"] > o["stage1Hidden"] or n["refineHidden"] > o["refineHidden"]:
        raise ValueError("a pruned model may only narrow (use grow.py to widen)")


def is_narrower(old_cfg, new_cfg):
    """True when new_cfg differs from old_cfg only by narrower (or equal) layers, and is not equal."""
    if old_cfg == new_cfg:
        return False
    try:
        _check_narrower(CPM(old_cfg, 1), CPM(new_cfg, 1))
    except ValueError:
        return False
    return True


@torch.no_grad()
def prune(old: CPM, new: CPM):
    """Copy old's most important channels into the narrower `new` in place; returns new."""
    _check_narrower(old, new)
    importance = channel_importance(old)
    olds, news = _layers(old), _layers(new)
    readers = _readers(old)
    keep = {}
    for name, (nc, nb) in news.items():
        if nb is None:
            keep[name] = torch.arange(nc.out_channels)
            continue
        order = torch.argsort(importance[name], descending=True, stable=True)
        keep[name] = torch.sort(order[:nc.out_channels]).values
    # input channels of each layer: the kept outputs of what it reads, then (refine conv1) the maps
    inputs = {"backbone/conv1": torch.arange(old.backbone[0][0].in_channels)}  # RGB
    for src, rs in readers.items():
        for r, start in rs:
            inputs[r] = start + keep[src]
    for t in range(2, old.cfg["stages"] + 1):
        conv1 = f"stage{t}/conv1"
        feat = olds[conv1][0].in_channels - old.num_maps
        inputs[conv1] = torch.cat([inputs[conv1], feat + torch.arange(old.num_maps)])
    for name, (nc, nb) in news.items():
        oc, ob = olds[name]
        k, i = keep[name], inputs[name]
        nc.weight.copy_(oc.weight[k][:, i])
        if oc.bias is not None:
            nc.bias.copy_(oc.bias[k])
        if ob is not None:
            nb.weight.copy_(ob.weight[k])
            nb.bias.copy_(ob.bias[k])
            nb.running_mean.copy_(ob.running_mean[k])
            nb.running_var.copy_(ob.running_var[k])
            nb.num_batches_tracked.copy_(ob.num_batches_tracked)
    return new
