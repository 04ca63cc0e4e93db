"""Growing a trained CPM (training/cpm/grow.py), the anti-aliased warp, and the resize fixture the TS side checks."""
import copy
import os
import sys

import pytest
import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", ".."))

from training.cpm.augment import warp_images  # noqa: E402
from training.cpm.export import write_model  # noqa: E402
from training.cpm.grow import grow  # noqa: E402
from training.cpm.model import CPM  # noqa: E402
from training.cpm.train import init_from  # noqa: E402

SMALL = {
    "inputSize": 32,
    "backbone": [{"filters": 4, "kernel": 3, "pool": 2}, {"filters": 6, "kernel": 3, "pool": 2},
                 {"filters": 6, "kernel": 3, "dilation": 2}],
    "stage1Hidden": 8,
    "refineLayers": [{"filters": 5, "kernel": 3, "dilation": 1}, {"filters": 5, "kernel": 3, "dilation": 2}],
    "refineHidden": 6,
    "stages": 3,
}


def wider(cfg):
    big = copy.deepcopy(cfg)
    for layer in big["backbone"][1:]:
        layer["filters"] += 3
    big["refineLayers"][0]["filters"] += 2
    big["refineHidden"] += 1
    return big


def trained_like(cfg, joints=3, seed=0):
    """A model with non-trivial weights and batch-norm statistics, as after training."""
    torch.manual_seed(seed)
    m = CPM(cfg, joints)
    with torch.no_grad():
        for mod in m.modules():
            if isinstance(mod, torch.nn.Conv2d):
                mod.weight.normal_(0, 0.3)
                if mod.bias is not None:
                    mod.bias.normal_(0, 0.1)
            if isinstance(mod, torch.nn.BatchNorm2d):
                mod.weight.uniform_(0.5, 1.5)
                mod.bias.normal_(0, 0.1)
                mod.running_mean.normal_(0, 0.2)
                mod.running_var.uniform_(0.5, 2)
    return m


@pytest.mark.parametrize("train_mode", [False, True])
def test_grow_keeps_every_stage_output(train_mode):
    small = trained_like(SMALL)
    big = grow(small, CPM(wider(SMALL), 3))
    small.train(train_mode)
    big.train(train_mode)
    x = torch.randn(4, 3, 32, 32)
    with torch.no_grad():
        for a, b in zip(small(x), big(x)):
            assert (a - b).abs().max().item() < 1e-5
    # the added channels are there and will learn: their kernels are not all zero
    assert big.backbone[2][0].weight[6:].abs().sum() > 0


def test_grow_adds_stages_as_copies_of_the_last():
    small = trained_like(SMALL)
    deeper = copy.deepcopy(SMALL)
    deeper["stages"] = 5
    big = grow(small, CPM(deeper, 3))
    both = copy.deepcopy(wider(SMALL))
    both["stages"] = 4
    wide_and_deep = grow(small, CPM(both, 3)).eval()
    small.eval()
    big.eval()
    x = torch.randn(2, 3, 32, 32)
    with torch.no_grad():
        old_maps, new_maps = small(x), big(x)
        wide_maps = wide_and_deep(x)
    assert len(new_maps) == 5 and len(wide_maps) == 4
    for a, b, c in zip(old_maps, new_maps, wide_maps):  # the first stages compute exactly what they did
        assert (a - b).abs().max().item() < 1e-5
        assert (a - c).abs().max().item() < 1e-5
    # stages 4 and 5 apply stage 3's kernels to the maps before them
    last = big.refine[1]
    for added in big.refine[2:]:
        for pa, pb in zip(last.parameters(), added.parameters()):
            assert torch.equal(pa, pb)
    with torch.no_grad():
        feats = big.backbone(x)
        again = last(torch.cat([feats, new_maps[2]], 1))
    assert (again - new_maps[3]).abs().max().item() < 1e-5


def test_grow_refuses_a_different_architecture():
    fewer = copy.deepcopy(SMALL)
    fewer["stages"] = 2
    with pytest.raises(ValueError):
        grow(trained_like(SMALL), CPM(fewer, 3))
    other = copy.deepcopy(SMALL)
    other["backbone"][2]["dilation"] = 1
    with pytest.raises(ValueError):
        grow(trained_like(SMALL), CPM(other, 3))


def saved(model, folder):
    """model exported to folder (the library's format: batch-norm folded); returns the folder."""
    spec = {"joint_names": ["left_a", "right_a", "mid"], "flip_pairs": [["left_a", "right_a"]], "skeleton": [["left_a", "mid"]]}
    write_model(model, spec, str(folder), "m")
    return str(folder)


def initialised_from_small(cfg, folder):
    """A trained-like SMALL model, and a cfg model started from its export (train.py --init), both in eval mode."""
    small = trained_like(SMALL).eval()
    new = CPM(cfg, 3)
    init_from(new, saved(small, folder), 3)
    return small, new.eval()


def test_init_from_a_shipped_folder_into_a_wider_config(tmp_path):
    small, big = initialised_from_small(wider(SMALL), tmp_path)
    x = torch.randn(2, 3, 32, 32)
    with torch.no_grad():
        assert (small(x)[-1] - big(x)[-1]).abs().max().item() < 1e-4


def test_supersampled_warp_does_not_alias():
    # a one-pixel checkerboard shrunk 3x: point sampling lands on pixel centres (black or white),
    # the 3x3 area filter averages a block of it (4/9 or 5/9 white)
    yy, xx = torch.meshgrid(torch.arange(96), torch.arange(96), indexing="ij")
    board = ((xx + yy) % 2 * 255.0).expand(1, 3, 96, 96).contiguous()
    A, b = torch.eye(2)[None] * 3.0, torch.zeros(1, 2)
    point = warp_images(board, A, b, 32, supersample=1)
    area = warp_images(board, A, b, 32, supersample=3)
    assert (point - 127.5).abs().min().item() > 127
    assert (area - 127.5).abs().max().item() < 15
    # identity on a smooth image: unchanged
    smooth = (xx + 2 * yy).float().expand(1, 3, 96, 96).contiguous()
    same = warp_images(smooth, torch.eye(2)[None], torch.zeros(1, 2), 96, supersample=2)
    assert (same - smooth)[..., 1:-1, 1:-1].abs().max().item() < 1e-3


def test_resample_fixture_is_current(tmp_path):
    """test/fixtures/resample (the TS side's check of the library's resize) is what training's warp gives today."""
    from training.cpm.resample_fixture import main
    repo = os.path.join(os.path.dirname(__file__), "..", "..")
    main([str(tmp_path)])
    for name in ("resample.json", "resample.bin"):
        with open(tmp_path / name, "rb") as a, open(os.path.join(repo, "test", "fixtures", "resample", name), "rb") as b:
            assert a.read() == b.read(), f"test/fixtures/resample/{name} is stale: python3 -m training.cpm.resample_fixture"


def with_context(cfg):
    ctx = copy.deepcopy(cfg)
    ctx["context"] = [{"filters": 5, "kernel": 3, "pool": 2}, {"filters": 7, "kernel": 3, "dilation": 2}]
    return ctx


def test_adding_a_context_branch_keeps_every_stage_output(tmp_path):
    small, ctx = initialised_from_small(with_context(SMALL), tmp_path)
    x = torch.randn(2, 3, 32, 32)
    with torch.no_grad():
        for a, b in zip(small(x), ctx(x)):
            assert (a - b).abs().max().item() < 1e-4
        # once the branch's projection moves, stages 2..T change and stage 1 (local evidence only) does not
        ctx.context_out.weight.normal_(0, 0.5)
        moved = ctx(x)
        assert (moved[0] - small(x)[0]).abs().max().item() < 1e-4
        assert (moved[1] - small(x)[1]).abs().max().item() > 1e-2


def test_a_context_branch_is_only_added_to_an_otherwise_identical_config(tmp_path):
    other = with_context(wider(SMALL))
    with pytest.raises(ValueError):
        init_from(CPM(other, 3), saved(trained_like(SMALL).eval(), tmp_path), 3)


def test_a_network_with_fewer_stages_keeps_the_first_stages(tmp_path):
    """A pass-1 network (configs/cpm-lite-detect.json) starts as the full model's first stages."""
    fewer = copy.deepcopy(SMALL)
    fewer["stages"], fewer["inputSize"] = 2, 64
    small, first = initialised_from_small(fewer, tmp_path)
    x = torch.randn(2, 3, 32, 32)
    with torch.no_grad():
        a, b = small(x), first(x)
        assert len(b) == 2
        for s in range(2):
            assert (a[s] - b[s]).abs().max().item() < 1e-4


def separable(cfg, width=7):
    sep = copy.deepcopy(cfg)
    sep["refineLayers"] = [{**layer, "filters": width, "separable": True} for layer in cfg["refineLayers"]]
    return sep


def test_init_into_separable_refinement_keeps_stage_1_and_trains_the_rest_afresh(tmp_path):
    small, sep = initialised_from_small(separable(SMALL), tmp_path)
    x = torch.randn(2, 3, 32, 32)
    with torch.no_grad():
        assert (small(x)[0] - sep(x)[0]).abs().max().item() < 1e-4  # stage 1: the same function
        # stages 2..T start from uniform beliefs (their last 1x1 convolutions are zero)
        assert sep(x)[1].abs().max().item() == 0


def test_frozen_modules_keep_their_weights_and_batch_norm_statistics():
    from training.cpm.train import freeze
    torch.manual_seed(0)
    model = CPM(separable(SMALL), 3)
    frozen = freeze(model, ["backbone", "stage1"])
    before = copy.deepcopy(model.state_dict())
    opt = torch.optim.SGD([p for p in model.parameters() if p.requires_grad], lr=0.1)
    model.train()
    for m in frozen:
        m.eval()
    loss = sum((m - 1).square().mean() for m in model(torch.randn(4, 3, 32, 32)))
    loss.backward()
    opt.step()
    after = model.state_dict()
    changed = {k for k in before if not torch.equal(before[k], after[k])}
    assert not {k for k in changed if k.startswith(("backbone.", "stage1."))}
    assert {k for k in changed if k.startswith("refine.") and k.endswith(".weight")}  # the rest did train
    with pytest.raises(ValueError, match="train.freeze"):
        freeze(model, ["refine"])
