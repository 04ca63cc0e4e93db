"""Widen a trained CPM without changing what it computes, so a bigger model starts from the smaller one.

Every convolution of the wider model keeps the old kernel in its first (old) output and input channels.
Added output channels start random (they learn new features); the kernels that read them start at zero,
so the network's output is unchanged until training moves them. Batch-norm of added channels starts at
identity. Works for any two configs that differ only in widths (same layers, dilations, pools) and in the
number of stages: a config with more stages gets its added stages as copies of the old model's last stage.
That part is not function-preserving (the copy reads maps it was not trained on, so its output starts worse
than the stage it copies), but the first stages stay exact and the copy is a far better start than random.
"""
import copy

import torch
import torch.nn as nn

from .export import named_layers
from .model import CPM


def _convs_and_bns(model):
    """(conv, bn or None, input-channel groups) per layer, in the exported manifest's order.

    The groups say how a conv's input is concatenated, as channel counts: the first convolution of each
    refine stage reads [image features, previous maps]; every other reads one group.
    """
    features = model.stage1[0][0].in_channels
    out = []
    for name, m in named_layers(model):
        conv, bn = (m, None) if isinstance(m, nn.Conv2d) else (m[0], m[1])
        refine_input = name.startswith("stage") and not name.startswith("stage1/") and name.endswith("/conv1")
        out.append((conv, bn, [features, model.num_maps] if refine_input else [conv.in_channels]))
    return out


def _index(old_groups, new_groups):
    """Positions in the new input of each old input channel (groups keep their order)."""
    idx, start = [], 0
    for o, n in zip(old_groups, new_groups):
        assert n >= o, "a grown model may only widen"
        idx += list(range(start, start + o))
        start += n
    return torch.tensor(idx)


@torch.no_grad()
def add_stages(old: CPM, stages: int) -> CPM:
    """old with `stages` stages: the added refine stages copy old's last one (old itself is left alone)."""
    if stages < old.cfg["stages"]:
        raise ValueError(f"a grown model may only add stages ({old.cfg['stages']} -> {stages})")
    if old.cfg["stages"] < 2 and stages > old.cfg["stages"]:
        raise ValueError("a one-stage model has no refine stage to copy")
    cfg = copy.deepcopy(old.cfg)
    cfg["stages"] = stages
    deeper = CPM(cfg, old.num_maps - 1)
    state = old.state_dict()
    last = f"refine.{old.cfg['stages'] - 2}."
    last_stage = {k[len(last):]: v for k, v in state.items() if k.startswith(last)}
    for t in range(old.cfg["stages"] - 1, stages - 1):
        state.update({f"refine.{t}.{k}": v.clone() for k, v in last_stage.items()})
    deeper.load_state_dict(state)
    return deeper


@torch.no_grad()
def grow(old: CPM, new: CPM):
    """Copy old's weights into the (wider, maybe deeper in stages) new model in place."""
    if new.cfg["stages"] != old.cfg["stages"]:
        old = add_stages(old, new.cfg["stages"])
    olds, news = _convs_and_bns(old), _convs_and_bns(new)
    if len(olds) != len(news):
        raise ValueError("the two configs differ in more than widths (layer counts or stages)")
    for (oc, ob, og), (nc, nb, ng) in zip(olds, news):
        if oc.kernel_size != nc.kernel_size or oc.dilation != nc.dilation:
            raise ValueError(f"kernel or dilation differs: {oc} vs {nc}")
        cin = _index(og, ng)
        o = oc.out_channels
        # added outputs keep their fresh init; old outputs read only old inputs (added inputs: zero weight)
        nc.weight[:o] = 0.0
        nc.weight[:o, cin] = oc.weight
        if oc.bias is not None:
            nc.bias[:o] = oc.bias
        if ob is not None:
            nb.weight[:o], nb.bias[:o] = ob.weight, ob.bias
            nb.running_mean[:o], nb.running_var[:o] = ob.running_mean, ob.running_var
            nb.num_batches_tracked.copy_(ob.num_batches_tracked)
    return new
