"""End-to-end runs: a smoke training on a handful of LSPET photos (exported for the TypeScript side), and a
CPM for a made-up keypoint set trained from a folder of images and one JSON file."""
import json
import os
import sys

import numpy as np
import pytest
import torch
from PIL import Image

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, ROOT)

from training.cpm import export, train  # noqa: E402

LSPET = os.path.join(ROOT, "..", "shared", "data", "lspet")
SMOKE_MODEL = os.path.join(ROOT, ".cache", "smoke-model")


def losses(out):
    with open(os.path.join(out, "losses.json")) as f:
        return json.load(f)


@pytest.mark.skipif(not os.path.isdir(LSPET), reason="../shared/data/lspet is not beside the checkout")
def test_smoke_run_learns_and_exports(tmp_path):
    out = str(tmp_path / "run")
    cfg = os.path.join(ROOT, "training", "configs", "smoke.json")
    assert train.main(["--config", cfg, "--out", out, "--limit", "16", "--max-steps", "60", "--threads", "2",
                       "--cache", str(tmp_path / "cache")]) == 0
    seen = losses(out)
    first, last = np.mean(seen["first_losses"]), np.mean(seen["last_losses"])
    print(f"smoke loss: first 10 steps {first:.3f}, last 10 steps {last:.3f}")
    assert last < 0.8 * first, (first, last)
    for f in ("log.csv", "curve.png", "last.pt", "best.pt"):
        assert os.path.exists(os.path.join(out, f))
    assert export.main([os.path.join(out, "last.pt"), SMOKE_MODEL, "--parity-fixture", SMOKE_MODEL]) == 0
    doc = json.load(open(os.path.join(SMOKE_MODEL, "model.json")))
    assert doc["format"] == "cpm-pose/1" and len(doc["joints"]) == 14
    assert [6, 11] in doc["flipPairs"] or [11, 6] in doc["flipPairs"]  # right_wrist <-> left_wrist
    assert doc["refine"] == {"margin": 1.5, "minSide": 0.2, "detectSize": 48}
    # the targets' width, which the library's pose score uses (minSpread = 2 sigma)
    assert doc["output"] == {"kind": "spatial-softmax", "background": True, "sigma": 1.5}
    # the smoke config has a context branch, so the TS parity test covers it; training has moved it off zero
    _, tensors = export.read_weights(SMOKE_MODEL)
    assert tensors["context/out/kernel"].abs().max().item() > 0
    # and a depthwise-separable refinement layer (depthwise kernel [3, 3, in, 1], then a 1x1)
    assert tensors["stage2/conv2/depthwise_kernel"].shape == (3, 3, 12, 1)
    assert tensors["stage2/conv2/kernel"].shape == (1, 1, 12, 12)
    parity = json.load(open(os.path.join(SMOKE_MODEL, "parity.json")))
    assert [c["inputShape"][0] for c in parity["cases"]] == [64, 48]
    # resume continues from the checkpoint's step
    assert train.main(["--config", cfg, "--out", out, "--limit", "16", "--max-steps", "64", "--threads", "2",
                       "--cache", str(tmp_path / "cache"), "--resume", os.path.join(out, "last.pt")]) == 0
    assert losses(out)["steps"] == 64


def make_bird_dataset(folder, n=24, size=64, seed=0):
    """A made-up keypoint set (a 'bird': left_eye, right_eye, beak, tail) drawn as coloured dots."""
    rng = np.random.default_rng(seed)
    os.makedirs(os.path.join(folder, "images"), exist_ok=True)
    names = ["left_eye", "right_eye", "beak", "tail"]
    colours = [(255, 40, 40), (40, 255, 40), (255, 255, 0), (40, 40, 255)]
    records = []
    for i in range(n):
        img = (rng.uniform(0, 60, (size, size, 3))).astype(np.uint8)
        cx, cy = rng.uniform(20, 44, 2)
        pts = [(cx - 6, cy - 4), (cx + 6, cy - 4), (cx, cy + 4), (cx, cy + 16)]
        joints = []
        for (x, y), c in zip(pts, colours):
            img[int(y) - 2:int(y) + 3, int(x) - 2:int(x) + 3] = c
            joints.append([float(x), float(y), 1])
        Image.fromarray(img).save(os.path.join(folder, "images", f"b{i:03d}.png"))
        records.append({"file": f"b{i:03d}.png", "joints": joints})
    ann = {"joint_names": names, "skeleton": [["left_eye", "beak"], ["right_eye", "beak"], ["beak", "tail"]],
           "images": records}
    with open(os.path.join(folder, "birds.json"), "w") as f:
        json.dump(ann, f)
    return names


def test_custom_keypoints_from_one_json_file(tmp_path):
    data = str(tmp_path / "birds")
    names = make_bird_dataset(data)
    cfg = json.load(open(os.path.join(ROOT, "training", "configs", "smoke.json")))
    cfg["name"] = "bird"
    cfg["data"] = {"root": data, "annotations": "birds.json", "images": "images", "val_fraction": 0.25}
    cfg["skeleton"] = None
    cfg["pck_reference"] = [["left_eye", "tail"]]
    cfg_path = str(tmp_path / "bird.json")
    json.dump(cfg, open(cfg_path, "w"))
    out = str(tmp_path / "run")
    assert train.main(["--config", cfg_path, "--out", out, "--max-steps", "40", "--threads", "2",
                       "--cache", str(tmp_path / "cache")]) == 0
    seen = losses(out)
    assert np.mean(seen["last_losses"]) < np.mean(seen["first_losses"])
    model_dir = str(tmp_path / "bird-model")
    assert export.main([os.path.join(out, "last.pt"), model_dir]) == 0
    doc = json.load(open(os.path.join(model_dir, "model.json")))
    assert doc["joints"] == names
    assert doc["flipPairs"] == [[0, 1]]  # inferred from the left_/right_ names
    assert doc["skeleton"] == [[0, 2], [1, 2], [2, 3]]  # from the annotation file
    assert doc["weightsManifest"][0]["weights"][-2]["shape"] == [1, 1, 12, 5]  # out kernel: 4 joints + background
    # distillation into a student with a smaller input: the teacher sees the same framings at its own side
    # (64 px, 16 x 16 maps, resampled to the student's 12 x 12 grid), and the student still learns
    student = str(tmp_path / "student")
    assert train.main(["--config", cfg_path, "--out", student, "--max-steps", "40", "--threads", "2",
                       "--cache", str(tmp_path / "cache"), "--teacher", model_dir, "--set", "model.inputSize=48",
                       "--set", 'train.distill={"weight": 0.5, "flip": true}']) == 0
    seen = losses(student)
    assert np.mean(seen["last_losses"]) < np.mean(seen["first_losses"])
    assert torch.load(os.path.join(student, "last.pt"))["config"]["model"]["inputSize"] == 48
