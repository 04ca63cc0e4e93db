"""Pruning a trained CPM to a narrower config (training/cpm/prune.py)."""
import copy
import os
import sys

import pytest
import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", ".."))

from training.cpm.model import CPM  # noqa: E402
from training.cpm.prune import channel_importance, is_narrower, prune  # noqa: E402
from training.cpm.train import init_from  # noqa: E402
from training.tests.test_grow import SMALL, trained_like  # noqa: E402


def narrower(cfg):
    n = copy.deepcopy(cfg)
    n["backbone"][1]["filters"] -= 2  # 6 -> 4
    n["backbone"][2]["filters"] -= 2  # the shared features, read by every stage
    n["refineLayers"][0]["filters"] -= 1
    n["refineHidden"] -= 2
    n["stage1Hidden"] -= 3
    return n


def with_dead_channels(cfg, seed=0):
    """A trained-like model whose channels beyond the narrower config's widths always output zero
    (batch-norm gamma 0, beta < 0), placed in the middle of each layer, not at its end."""
    m = trained_like(cfg, seed=seed)
    small = CPM(narrower(cfg), 3)
    with torch.no_grad():
        for (_, big), (_, nar) in zip(_bns(m), _bns(small)):
            dead = torch.arange(big.num_features)[1:1 + big.num_features - nar.num_features]
            big.weight[dead] = 0.0
            big.bias[dead] = -1.0
    return m


def _bns(model):
    return [(n, m) for n, m in model.named_modules() if isinstance(m, torch.nn.BatchNorm2d)]


def test_pruning_dead_channels_changes_nothing():
    big = with_dead_channels(SMALL).eval()
    small = prune(big, CPM(narrower(SMALL), 3)).eval()
    x = torch.randn(3, 3, 32, 32)
    with torch.no_grad():
        for a, b in zip(big(x), small(x)):
            assert a.shape == b.shape
            assert (a - b).abs().max().item() < 1e-5


def test_importance_is_zero_for_dead_channels_and_positive_for_live_ones():
    m = with_dead_channels(SMALL)
    imp = channel_importance(m)
    conv2 = imp["backbone/conv2"]  # 6 channels, 2 dead at positions 1 and 2
    assert conv2[1].item() == 0 and conv2[2].item() == 0
    assert (conv2[[0, 3, 4, 5]] > 0).all()
    # every batch-normed layer is scored, the stage outputs are not
    assert "stage1/out" not in imp and "stage3/conv2" in imp


def test_pruning_live_channels_keeps_the_most_important():
    big = trained_like(SMALL, seed=3).eval()
    imp = channel_importance(big)
    small = prune(big, CPM(narrower(SMALL), 3))

    def top(name, k):
        return torch.sort(torch.argsort(imp[name], descending=True)[:k]).values

    conv2, conv3, s2c1 = top("backbone/conv2", 4), top("backbone/conv3", 4), top("stage2/conv1", 4)
    # a layer keeps its most important outputs and reads the kept outputs of the layer before
    assert torch.equal(small.backbone[-1][0].weight, big.backbone[-1][0].weight[conv3][:, conv2])
    # a refine stage's first convolution reads the kept feature channels, then every map
    reads = torch.cat([conv3, 6 + torch.arange(big.num_maps)])
    assert torch.equal(small.refine[0][0][0].weight, big.refine[0][0][0].weight[s2c1][:, reads])
    assert torch.equal(small.refine[0][0][1].running_var, big.refine[0][0][1].running_var[s2c1])


def test_refuses_wider_or_other_architectures():
    wide = copy.deepcopy(SMALL)
    wide["refineHidden"] += 1
    with pytest.raises(ValueError):
        prune(trained_like(SMALL), CPM(wide, 3))
    other = narrower(SMALL)
    other["refineLayers"][1]["dilation"] = 1
    with pytest.raises(ValueError):
        prune(trained_like(SMALL), CPM(other, 3))
    assert is_narrower(SMALL, narrower(SMALL))
    assert not is_narrower(SMALL, SMALL) and not is_narrower(SMALL, wide) and not is_narrower(SMALL, other)


def test_init_from_a_checkpoint_into_a_narrower_config(tmp_path):
    big = with_dead_channels(SMALL)
    path = str(tmp_path / "best.pt")
    torch.save({"config": {"model": SMALL}, "ema": big.state_dict()}, path)
    small = CPM(narrower(SMALL), 3)
    init_from(small, path, 3)
    big.eval()
    small.eval()
    x = torch.randn(2, 3, 32, 32)
    with torch.no_grad():
        assert (big(x)[-1] - small(x)[-1]).abs().max().item() < 1e-5
