"""Unit tests of the training pipeline: flip swap, augmentation geometry, targets, loss masking, decoder,
batch-norm folding and export round trip."""
import copy
import math
import os
import sys

import numpy as np
import pytest
import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", ".."))

from training.cpm.augment import make_batch, sample_affines, warp_joints  # noqa: E402
from training.cpm.data import KeypointSpec, infer_flip_pairs, letterbox_image  # noqa: E402
from training.cpm.export import load_into, read_weights, write_model  # noqa: E402
from training.cpm.label_check import opposed_pairs  # noqa: E402
from training.cpm.data import exclude_records  # noqa: E402
from training.cpm.model import CPM  # noqa: E402
from training.cpm.targets import cpm_loss, decode, make_targets, pair_overlap, pck, stage_loss, teacher_beliefs, to_grid  # noqa: E402
from training.cpm.train import restore_batch_norm  # noqa: E402

NAMES = ["left_hand", "right_hand", "nose"]
COLOURS = [(255, 0, 0), (0, 255, 0), (0, 0, 255)]
TINY_SPEC = {"joint_names": NAMES, "flip_pairs": [["left_hand", "right_hand"]], "skeleton": [["nose", "left_hand"]]}
# a 3-stage CPM small enough to build in milliseconds (export and batch-norm tests)
TINY_CPM = {"inputSize": 32, "backbone": [{"filters": 4, "kernel": 3, "dilation": 1, "pool": 2}] * 2
            + [{"filters": 6, "kernel": 3, "dilation": 2, "pool": 1}] * 3,
            "stage1Hidden": 8, "refineLayers": [{"filters": 5, "kernel": 3, "dilation": 2}], "refineHidden": 6,
            "stages": 3}
NO_AUG = {"scale": [1, 1], "zoom_crop_prob": 0, "zoom_crop_scale": [1.5, 2], "rotate_deg": 0, "rotate_prob": 0,
          "translate": 0, "flip_prob": 0, "color_prob": 0, "gray_prob": 0, "blur_prob": 0, "occlude_prob": 0}


def dotted_canvas(points, size=96, radius=3):
    """A black canvas with a coloured square at each joint: the content a joint label must stay on."""
    img = np.zeros((size, size, 3), np.uint8)
    for (x, y), c in zip(points, COLOURS):
        img[int(y) - radius:int(y) + radius + 1, int(x) - radius:int(x) + radius + 1] = c
    return img


def colour_at(x, b, px, py):
    return x[b, :, int(py), int(px)].numpy()


def test_infer_flip_pairs_from_names():
    assert infer_flip_pairs(["left_eye", "right_eye", "nose", "l_paw", "r_paw"]) == [
        ("left_eye", "right_eye"), ("l_paw", "r_paw")]
    assert KeypointSpec(NAMES).flip_perm == [1, 0, 2]
    assert KeypointSpec(NAMES, [["left_hand", "right_hand"], ["right_hand", "left_hand"]]).flip_perm == [1, 0, 2]


def test_flip_swaps_left_and_right_and_keeps_content():
    spec = KeypointSpec(NAMES)
    pts = [(20.5, 40.5), (70.5, 30.5), (50.5, 60.5)]
    images = dotted_canvas(pts)[None]
    joints = np.array([[[x, y, 1] for x, y in pts]], np.float32)
    cfg = dict(NO_AUG, flip_prob=1.0)
    x, j = make_batch(images, joints, np.array([0]), spec, 96, cfg, torch.Generator().manual_seed(0))
    # left_hand (index 0) is now where the mirrored right hand was, and vice versa
    assert j[0, 0, 0].item() == pytest.approx(96 - 70.5, abs=1e-3)
    assert j[0, 1, 0].item() == pytest.approx(96 - 20.5, abs=1e-3)
    assert j[0, 2, 0].item() == pytest.approx(96 - 50.5, abs=1e-3)
    # the label's pixel shows the colour of the joint that was mirrored there
    assert np.allclose(colour_at(x, 0, j[0, 0, 0], j[0, 0, 1]), COLOURS[1], atol=1)
    assert np.allclose(colour_at(x, 0, j[0, 1, 0], j[0, 1, 1]), COLOURS[0], atol=1)


@pytest.mark.parametrize("seed", range(6))
def test_augmentation_keeps_keypoints_on_their_content(seed):
    spec = KeypointSpec(["a", "b", "c"])  # no left/right pairs: labels must not move
    rng = np.random.default_rng(seed)
    pts = [tuple(rng.uniform(25, 70, 2) // 1 + 0.5) for _ in range(3)]
    images = dotted_canvas(pts, radius=4)[None]
    joints = np.array([[[x, y, 1] for x, y in pts]], np.float32)
    cfg = dict(NO_AUG, scale=[0.8, 1.4], rotate_prob=1.0, rotate_deg=40, translate=0.1, flip_prob=0.5)
    x, j = make_batch(images, joints, np.array([0]), spec, 64, cfg, torch.Generator().manual_seed(seed))
    for k in range(3):
        if j[0, k, 2] > 0:
            assert np.allclose(colour_at(x, 0, j[0, k, 0], j[0, k, 1]), COLOURS[k], atol=40), (seed, k)


def test_joints_outside_the_output_lose_visibility():
    spec = KeypointSpec(["a"])
    joints = torch.tensor([[[5.0, 5.0, 1.0]]])
    A = torch.eye(2).unsqueeze(0) * 0.5  # a 2x zoom on the top-left corner... shifted away
    b = torch.tensor([[40.0, 40.0]])
    j = warp_joints(joints, A, b, torch.tensor([False]), spec.flip_perm, 64)
    assert j[0, 0, 2] == 0


def test_targets_peak_at_the_joint_and_mask_unannotated():
    joints = torch.tensor([[[18.0, 10.0, 1.0], [0.0, 0.0, 0.0]]])  # stride 4: grid (4, 2)
    dist, valid, background = make_targets(joints, 4, 8, 8, 1.0)
    assert valid.tolist() == [[True, False]]
    d = dist[0, 0].view(8, 8)
    assert d.sum().item() == pytest.approx(1.0, abs=1e-5)
    r, c = divmod(d.argmax().item(), 8)
    assert (r, c) == (2, 4)
    assert dist[0, 1].sum().item() == 0
    assert background[0, 0, 2, 4].item() == pytest.approx(0.0, abs=1e-6)
    assert background[0, 0, 7, 0].item() == pytest.approx(1.0, abs=1e-3)


def test_loss_ignores_unannotated_joints_and_prefers_the_truth():
    joints = torch.tensor([[[18.0, 10.0, 1.0], [6.0, 6.0, 0.0]]])
    dist, valid, background = make_targets(joints, 4, 8, 8, 1.0)
    base = torch.zeros(1, 3, 8, 8)
    other = base.clone()
    other[0, 1] = torch.randn(8, 8) * 5  # the unannotated joint's map: must not matter
    assert stage_loss(base, dist, valid, background, 0.0).item() == pytest.approx(
        stage_loss(other, dist, valid, background, 0.0).item(), abs=1e-6)
    good = base.clone()
    good[0, 0] = dist[0, 0].view(8, 8).clamp_min(1e-9).log()
    assert stage_loss(good, dist, valid, background, 0.0).item() == pytest.approx(0.0, abs=1e-4)
    assert stage_loss(base, dist, valid, background, 0.0).item() > 1.0


def test_hard_joint_mining_keeps_only_the_worst_labelled_joints():
    # three labelled joints (one of them learnt perfectly) and one unlabelled, on two samples
    joints = torch.tensor([[[18.0, 10.0, 1.0], [6.0, 6.0, 1.0], [26.0, 26.0, 1.0], [6.0, 26.0, 0.0]]] * 2)
    dist, valid, background = make_targets(joints, 4, 8, 8, 1.0)
    maps = torch.zeros(2, 5, 8, 8)
    maps[:, 1] = dist[:, 1].view(2, 8, 8).clamp_min(1e-9).log()  # joint 1: perfect, loss 0
    g = torch.Generator().manual_seed(3)
    maps[:, 2] = torch.randn(2, 8, 8, generator=g) * 3  # joint 2: a wrong guess
    maps[:, 3] = torch.randn(2, 8, 8, generator=g) * 9  # unlabelled: never counted
    logp = torch.log_softmax(maps[:, :4].flatten(2), -1)
    per_joint = -(dist * logp).sum(-1) + (dist * dist.clamp_min(1e-12).log()).sum(-1)  # (2, 4)
    all_three = stage_loss(maps, dist, valid, background, 0.0).item()
    assert all_three == pytest.approx(per_joint[:, :3].sum().item() / 6, abs=1e-5)
    worst_two = stage_loss(maps, dist, valid, background, 0.0, hard_joints=2).item()
    assert worst_two == pytest.approx(per_joint[:, [0, 2]].sum().item() / 4, abs=1e-5)
    assert worst_two > all_three
    worst_one = stage_loss(maps, dist, valid, background, 0.0, hard_joints=1).item()
    assert worst_one == pytest.approx(per_joint[:, :3].max(1).values.mean().item(), abs=1e-5)
    # k at least the number of joints: the plain mean
    assert stage_loss(maps, dist, valid, background, 0.0, hard_joints=4).item() == pytest.approx(all_three, abs=1e-6)


def test_intermediate_supervision_sums_stage_losses():
    joints = torch.tensor([[[18.0, 10.0, 1.0]]])
    maps = [torch.randn(1, 2, 8, 8), torch.randn(1, 2, 8, 8)]
    total, per = cpm_loss(maps, joints, 4, 1.0, 0.1, intermediate=True)
    last, per_last = cpm_loss(maps, joints, 4, 1.0, 0.1, intermediate=False)
    assert total.item() == pytest.approx(sum(p.item() for p in per))
    assert last.item() == pytest.approx(per[1].item())
    assert len(per_last) == 1


def _peaked(grid_cells, h=16, w=16, sharp=8.0):
    """Logit maps (1, J+1, h, w) with joint j peaked at grid cell (col, row) grid_cells[j]."""
    ys, xs = torch.meshgrid(torch.arange(h, dtype=torch.float32), torch.arange(w, dtype=torch.float32), indexing="ij")
    maps = torch.zeros(1, len(grid_cells) + 1, h, w)
    for j, (c, r) in enumerate(grid_cells):
        maps[0, j] = -sharp * ((xs - c) ** 2 + (ys - r) ** 2)
    return maps


def test_pair_overlap_charges_a_collapsed_pair_only_when_its_labels_are_apart():
    # stride 4: labels of joints 0 and 1 at grid cells (2, 3) and (10, 3), 8 cells apart
    joints = torch.tensor([[[10.0, 14.0, 1.0], [42.0, 14.0, 1.0]]])
    g = to_grid(joints, 4)
    apart, collapsed = _peaked([(2, 3), (10, 3)]), _peaked([(10, 3), (10, 3)])
    assert pair_overlap(apart, g, [(0, 1)], 4.0).item() == pytest.approx(0.0, abs=1e-3)
    assert pair_overlap(collapsed, g, [(0, 1)], 4.0).item() == pytest.approx(1.0, abs=1e-3)
    # labels closer than min_separation, or one unlabelled, or no pairs: not counted
    assert pair_overlap(collapsed, g, [(0, 1)], 9.0).item() == 0.0
    unlabelled = joints.clone()
    unlabelled[0, 1, 2] = 0
    assert pair_overlap(collapsed, to_grid(unlabelled, 4), [(0, 1)], 4.0).item() == 0.0
    assert pair_overlap(collapsed, g, [], 4.0).item() == 0.0
    # in the loss: every supervised stage after the first pays overlap_weight for the collapse, nothing when apart
    for maps, extra in ((apart, 0.0), (collapsed, 0.25)):
        base, _ = cpm_loss([maps, maps], joints, 4, 1.0, 0.1)
        with_overlap, per = cpm_loss([maps, maps], joints, 4, 1.0, 0.1, flip_pairs=[(0, 1)], overlap_weight=0.25)
        assert with_overlap.item() - base.item() == pytest.approx(extra, abs=1e-3)
        assert with_overlap.item() == pytest.approx(sum(p.item() for p in per))


def test_distillation_mixes_teacher_beliefs_into_labelled_targets_only():
    joints = torch.tensor([[[18.0, 10.0, 1.0], [6.0, 6.0, 0.0]]])
    maps = [torch.randn(1, 3, 8, 8)]
    teacher = torch.randn(1, 3, 8, 8) * 3
    soft = teacher_beliefs(teacher)
    assert soft[0].shape == (1, 2, 64) and torch.allclose(soft[0].sum(-1), torch.ones(1, 2))
    labels, _ = cpm_loss(maps, joints, 4, 1.0, 0.1)
    assert cpm_loss(maps, joints, 4, 1.0, 0.1, teacher=soft, teacher_weight=0.0)[0].item() == pytest.approx(labels.item())
    # weight 1: the student that outputs the teacher's logits has no joint loss (cross-entropy minus entropy)
    only_teacher, _ = cpm_loss([teacher], joints, 4, 1.0, 0.0, teacher=soft, teacher_weight=1.0)
    assert only_teacher.item() == pytest.approx(0.0, abs=1e-5)
    # the unannotated joint stays masked: its map does not change the loss
    other = teacher.clone()
    other[0, 1] = torch.randn(8, 8) * 5
    assert cpm_loss([other], joints, 4, 1.0, 0.0, teacher=soft, teacher_weight=1.0)[0].item() == pytest.approx(0.0, abs=1e-5)


def test_flipped_teacher_view_is_mirrored_back_with_sides_swapped():
    maps = torch.randn(2, 4, 8, 8)  # joints: left, right, nose; background
    perm = [1, 0, 2]
    mirrored = maps.flip(-1)[:, [1, 0, 2, 3]]  # what the teacher says about the mirrored input, if consistent
    dist, bg = teacher_beliefs(maps, mirrored, perm)
    plain_dist, plain_bg = teacher_beliefs(maps)
    assert torch.allclose(dist, plain_dist, atol=1e-6) and torch.allclose(bg, plain_bg, atol=1e-6)
    unequal, _ = teacher_beliefs(maps, torch.randn(2, 4, 8, 8), perm)
    assert not torch.allclose(unequal, plain_dist)


def test_restoring_batch_norm_keeps_a_folded_model_s_function_in_both_modes(tmp_path):
    cfg = TINY_CPM
    torch.manual_seed(1)
    model = CPM(cfg, 3)
    for m in model.modules():
        if isinstance(m, torch.nn.Conv2d):
            torch.nn.init.normal_(m.weight, std=0.3)
    model.eval()
    spec = TINY_SPEC
    write_model(model, spec, str(tmp_path), "t")
    folded = CPM(cfg, 3).eval()
    with torch.no_grad():
        load_into(folded, str(tmp_path))
    x = torch.randn(16, 3, 32, 32)
    with torch.no_grad():
        before = folded(x)[-1]
        renormalised = copy.deepcopy(folded).train()(x)[-1]  # what training would see without the restore
    assert (renormalised - before).abs().max().item() > 0.1
    restore_batch_norm(folded, [x])
    with torch.no_grad():
        assert (folded.eval()(x)[-1] - before).abs().max().item() < 1e-3
        assert (folded.train()(x)[-1] - before).abs().max().item() < 1e-3  # same batch: its statistics


def test_decoder_recovers_sub_pixel_peaks():
    h = w = 16
    truth = [(5.3, 7.8), (10.0, 2.0), (0.2, 15.0)]
    maps = torch.zeros(1, 4, h, w)
    ys, xs = torch.meshgrid(torch.arange(h).float(), torch.arange(w).float(), indexing="ij")
    for k, (gx, gy) in enumerate(truth):
        maps[0, k] = -((xs - gx) ** 2 + (ys - gy) ** 2) / (2 * 1.5 ** 2) * 4  # log of a Gaussian
    out = decode(maps, 4)
    for k, (gx, gy) in enumerate(truth[:2]):  # inside: exact (a parabola fits a log-Gaussian)
        assert out[0, k, 0].item() == pytest.approx((gx + 0.5) * 4, abs=0.05)
        assert out[0, k, 1].item() == pytest.approx((gy + 0.5) * 4, abs=0.05)
    assert out[0, 2, :2].tolist() == pytest.approx([2.0, 62.0])  # on the border: the cell centre
    assert 0 < out[0, 0, 2].item() <= 1
    flat = decode(torch.zeros(1, 2, h, w), 4)
    # no evidence: the first cell wins, its 3x3 window is cut to 4 cells by the corner: a low score, no NaN
    assert flat[0, 0, 2].item() == pytest.approx(4 / (h * w), abs=1e-6)


def test_pck_uses_the_torso_and_visible_joints_only():
    spec = KeypointSpec(["left_shoulder", "right_hip", "wrist"])
    truth = torch.tensor([[[0.0, 0.0, 1], [0.0, 100.0, 1], [50.0, 50.0, 0]]])
    pred = torch.tensor([[[0.0, 15.0], [0.0, 125.0], [0.0, 0.0]]])
    res = pck(pred, truth, spec, [["left_shoulder", "right_hip"]])
    hits, counts = res[0.2]
    assert hits.tolist() == [1, 0, 0] and counts.tolist() == [1, 1, 0]


def test_letterbox_moves_joints_with_the_image():
    from PIL import Image
    img = Image.new("RGB", (100, 50))
    img.putpixel((80, 10), (255, 255, 255))
    canvas, (sx, sy), (x0, y0) = letterbox_image(img, 200)
    assert (sx, sy) == (2.0, 2.0) and (x0, y0) == (0, 50)
    assert canvas[int(10.5 * sy + y0), int(80.5 * sx + x0)].max() > 0


# the same refinement with depthwise-separable layers (docs/model-format.md, "separable")
TINY_SEPARABLE = {**TINY_CPM, "refineLayers": [{**l, "separable": True} for l in TINY_CPM["refineLayers"]]}


@pytest.mark.parametrize("cfg", [TINY_CPM, TINY_SEPARABLE], ids=["dense", "separable"])
def test_export_folds_batch_norm_exactly(tmp_path, cfg):
    torch.manual_seed(0)
    model = CPM(cfg, 3)
    model.train()
    for _ in range(3):  # non-trivial batch-norm statistics
        model(torch.randn(4, 3, 32, 32))
    for m in model.modules():
        if isinstance(m, torch.nn.Conv2d):
            torch.nn.init.normal_(m.weight, std=0.3)
    model.eval()
    spec = TINY_SPEC
    doc = write_model(model, spec, str(tmp_path), "t")
    assert doc["flipPairs"] == [[0, 1]] and doc["skeleton"] == [[2, 0]]
    _, tensors = read_weights(str(tmp_path))
    assert list(tensors)[0] == "backbone/conv1/kernel" and tensors["backbone/conv1/kernel"].shape == (3, 3, 3, 4)
    assert "stage3/out/bias" in tensors
    if cfg is TINY_SEPARABLE:
        cin = tensors["stage2/conv1/kernel"].shape[2]
        assert tensors["stage2/conv1/depthwise_kernel"].shape == (3, 3, cin, 1)
        assert tensors["stage2/conv1/kernel"].shape[:2] == (1, 1)
    again = CPM(cfg, 3).eval()
    load_into(again, str(tmp_path))
    x = torch.randn(2, 3, 32, 32)
    with torch.no_grad():
        for a, b in zip(model(x), again(x)):
            assert (a - b).abs().max().item() < 1e-4
        assert len(model(x, stages=2)) == 2


def test_label_check_flags_half_swapped_torsos_only():
    spec = KeypointSpec(["right_shoulder", "left_shoulder", "right_hip", "left_hip"])
    upright = [[40, 10, 1], [10, 10, 1], [35, 50, 1], [15, 50, 1]]          # both pairs point +x
    hips_swapped = [[40, 10, 1], [10, 10, 1], [15, 50, 1], [35, 50, 1]]     # hips point -x
    side_on = [[30, 10, 1], [30, 10, 1], [35, 50, 1], [15, 50, 1]]          # zero-length shoulder line
    hip_missing = [[40, 10, 1], [10, 10, 1], [15, 50, 0], [35, 50, 1]]
    records = [{"file": f, "joints": np.array(j, np.float32)} for f, j in
               [("a", upright), ("b", hips_swapped), ("c", side_on), ("d", hip_missing)]]
    flagged, checked = opposed_pairs(records, spec, ["right_shoulder", "left_shoulder"], ["right_hip", "left_hip"])
    assert flagged == ["b"]
    assert checked == 2


def test_exclude_records_drops_listed_files(tmp_path):
    listing = tmp_path / "exclude.txt"
    listing.write_text("# flagged\nb.jpg\n\nc.jpg  # a comment\nnot-there.jpg\n")
    records = [{"file": f, "joints": None} for f in ("a.jpg", "b.jpg", "c.jpg", "d.jpg")]
    kept, listed = exclude_records(records, str(listing))
    assert [r["file"] for r in kept] == ["a.jpg", "d.jpg"]
    assert listed == 3


def test_multires_draws_the_share_of_small_batches_asked_for():
    from training.cpm.train import batch_size_px
    gen = torch.Generator().manual_seed(0)
    assert {batch_size_px({}, 128, gen) for _ in range(50)} == {128}  # no multires: always the model's side
    tcfg = {"multires": {"sizes": [64, 96], "prob": 0.3}}
    drawn = [batch_size_px(tcfg, 128, gen) for _ in range(4000)]
    share = {s: drawn.count(s) / len(drawn) for s in (64, 96, 128)}
    assert set(drawn) == {64, 96, 128}
    assert abs(share[128] - 0.7) < 0.03 and abs(share[64] - 0.15) < 0.03 and abs(share[96] - 0.15) < 0.03


def test_a_small_batch_keeps_keypoints_on_their_content():
    # the multires path: the same canvas warped to a smaller side, joints scaled with it
    pts = [(30, 40), (60, 50), (45, 20)]
    images = dotted_canvas(pts)[None]
    joints = np.array([[[x, y, 1] for x, y in pts]], np.float32)
    spec = KeypointSpec(NAMES)
    for out in (96, 48):
        x, j = make_batch(images, joints, np.array([0]), spec, out, NO_AUG, None, train=False)
        assert x.shape[-1] == out
        for k, c in enumerate(COLOURS):
            got = colour_at(x, 0, j[0, k, 0], j[0, k, 1])
            assert np.argmax(got) == np.argmax(c) and got.max() > 100, (out, k, got)


@pytest.mark.parametrize("seed", range(3))
def test_a_second_side_shows_the_same_framing_and_jitter(seed):
    # a bigger teacher's view of a student's batch: the same canvas window at its own side, the same
    # colour jitter and occluder, and the generator left where a one-view batch leaves it
    rng = np.random.default_rng(seed)
    pts = [tuple(rng.uniform(25, 70, 2) // 1 + 0.5) for _ in range(3)]
    images = dotted_canvas(pts, radius=5)[None]
    joints = np.array([[[x, y, 1] for x, y in pts]], np.float32)
    cfg = dict(NO_AUG, scale=[0.8, 1.4], rotate_prob=1.0, rotate_deg=40, translate=0.1, flip_prob=0.5,
               color_prob=1.0, occlude_prob=1.0)
    spec = KeypointSpec(NAMES)
    x, j, x2 = make_batch(images, joints, np.array([0]), spec, 32, cfg, torch.Generator().manual_seed(seed), second_out=64)
    assert x2.shape[-1] == 64
    # area-downscaled, the second view is the first one (bilinear samples differ only at edges)
    assert (torch.nn.functional.avg_pool2d(x2, 2) - x).abs().mean().item() < 4.0
    one_gen, two_gen = torch.Generator().manual_seed(seed), torch.Generator().manual_seed(seed)
    x1, j1 = make_batch(images, joints, np.array([0]), spec, 32, cfg, one_gen)
    make_batch(images, joints, np.array([0]), spec, 32, cfg, two_gen, second_out=64)
    assert torch.equal(x1, x) and torch.equal(j1, j)
    assert torch.equal(one_gen.get_state(), two_gen.get_state())
    with pytest.raises(ValueError, match="trimmed"):
        make_batch(images, joints, np.array([0]), spec, 32, dict(cfg, trim_prob=0.5), one_gen, second_out=64)


@pytest.mark.parametrize("seed", range(4))
def test_trimmed_batches_keep_keypoints_on_their_content(seed):
    # train.augment.trim_prob: a batch cut to a smaller window, as the library trims a letterbox's padding
    rng = np.random.default_rng(seed)
    pts = [tuple(rng.uniform(25, 70, 2) // 1 + 0.5) for _ in range(3)]
    images = np.stack([dotted_canvas(pts, radius=4)] * 2)
    joints = np.array([[[x, y, 1] for x, y in pts]] * 2, np.float32)
    sizes = np.array([[300, 200], [100, 150]], np.float32)  # landscape and portrait photos on the canvas
    cfg = dict(NO_AUG, scale=[0.8, 1.2], translate=0.1, trim_prob=1.0, trim_multiple=4, trim_min_side=32)
    x, j = make_batch(images, joints, np.arange(2), KeypointSpec(["a", "b", "c"]), 64, cfg,
                      torch.Generator().manual_seed(seed), sizes=sizes)
    assert x.shape[0] == 2 and x.shape[2] % 4 == 0 and x.shape[3] % 4 == 0
    assert 32 <= min(x.shape[2:]) and max(x.shape[2:]) <= 64
    for b in range(2):
        for k in range(3):
            if j[b, k, 2] > 0:
                assert np.allclose(colour_at(x, b, j[b, k, 0], j[b, k, 1]), COLOURS[k], atol=40), (seed, b, k)
            else:  # outside the window
                assert not (0 <= j[b, k, 0] < x.shape[3] and 0 <= j[b, k, 1] < x.shape[2])


def test_content_boxes_bound_the_photo_in_the_output():
    from training.cpm.augment import content_boxes
    # a 200 x 100 photo on a 96 canvas: 96 x 48 at rows 24..72; the output shows the canvas at half scale
    A = torch.eye(2).unsqueeze(0) * 2.0
    b = torch.zeros(1, 2)
    box = content_boxes(torch.tensor([[200.0, 100.0]]), 96, A, b, 48)
    assert box.tolist() == [[0.0, 12.0, 48.0, 36.0]]
    # shifted half out of the output: clipped to it
    box = content_boxes(torch.tensor([[200.0, 100.0]]), 96, A, torch.tensor([[48.0, 0.0]]), 48)
    assert box.tolist() == [[0.0, 12.0, 24.0, 36.0]]


def test_trim_is_off_by_default_and_without_sizes():
    pts = [(30, 40), (60, 50), (45, 20)]
    images = dotted_canvas(pts)[None]
    joints = np.array([[[x, y, 1] for x, y in pts]], np.float32)
    x, _ = make_batch(images, joints, np.array([0]), KeypointSpec(NAMES), 64, NO_AUG, torch.Generator().manual_seed(0),
                      sizes=np.array([[300, 100]], np.float32))
    assert tuple(x.shape[2:]) == (64, 64)
    x, _ = make_batch(images, joints, np.array([0]), KeypointSpec(NAMES), 64, dict(NO_AUG, trim_prob=1.0),
                      torch.Generator().manual_seed(0))
    assert tuple(x.shape[2:]) == (64, 64)


def test_export_writes_the_configs_trim_scope_into_preprocess(tmp_path):
    model = CPM(TINY_CPM, 3).eval()
    doc = write_model(model, TINY_SPEC, str(tmp_path / "plain"), "t")
    assert "trim" not in doc["preprocess"]  # absent: the library's default, "none"
    doc = write_model(model, TINY_SPEC, str(tmp_path / "crops"), "t", refine={"reframe_below": 0.8, "trim": "crops"})
    assert doc["preprocess"]["trim"] == "crops" and doc["preprocess"]["padValue"] == 0
    assert doc["refine"]["reframeBelow"] == 0.8 and "trim" not in doc["refine"]
