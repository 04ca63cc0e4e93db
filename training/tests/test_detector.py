"""Giving a model folder a pass-1 network (training/cpm/detector.py)."""
import copy
import json
import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", ".."))

from training.cpm.detector import main as detector_main  # noqa: E402
from training.cpm.export import load_into, read_weights  # noqa: E402
from training.cpm.model import CPM  # noqa: E402
from training.tests.test_grow import SMALL  # noqa: E402
from training.tests.test_soup import SPEC, exported  # noqa: E402

TWO_STAGES = {**copy.deepcopy(SMALL), "stages": 2}


def test_the_detector_follows_the_model_with_its_bytes_and_names_prefixed(tmp_path):
    model, det = exported(tmp_path, "model", seed=1), exported(tmp_path, "det", cfg=TWO_STAGES, seed=2)
    out = str(tmp_path / "out")
    assert detector_main([out, model, det, "--detect-size", "64"]) == 0
    doc, ts = read_weights(out)
    mdoc, mt = read_weights(model)
    _, dt = read_weights(det)
    assert doc["detector"]["config"] == TWO_STAGES and doc["detector"]["provenance"]["folder"] == det
    assert doc["refine"]["detectSize"] == 64 and doc["config"] == mdoc["config"]
    names = [w["name"] for w in doc["weightsManifest"][0]["weights"]]
    assert names == list(mt) + ["detector/" + n for n in dt]
    with open(os.path.join(out, "weights.bin"), "rb") as f, open(os.path.join(model, "weights.bin"), "rb") as a, \
            open(os.path.join(det, "weights.bin"), "rb") as b:
        assert f.read() == a.read() + b.read()
    # the model's own network loads from the combined folder as from its own
    x = torch.randn(1, 3, 32, 32)
    plain, combined = CPM(SMALL, 3).eval(), CPM(SMALL, 3).eval()
    with torch.no_grad():
        load_into(plain, model)
        load_into(combined, out)
        assert torch.equal(plain(x)[-1], combined(x)[-1])
    # attaching again replaces the detector, it does not add a second one
    again = str(tmp_path / "again")
    assert detector_main([again, out, det]) == 0
    assert [w["name"] for w in json.load(open(os.path.join(again, "model.json")))["weightsManifest"][0]["weights"]] == names


def test_a_detector_for_other_joints_is_refused(tmp_path, capsys):
    model = exported(tmp_path, "model", seed=1)
    other = tmp_path / "other"
    from training.cpm.export import write_model
    from training.tests.test_grow import trained_like
    write_model(trained_like(TWO_STAGES, seed=3).eval(), {**SPEC, "joint_names": ["left_a", "right_a", "tail"],
                                                          "skeleton": [["left_a", "tail"]]},
                str(other), "other")
    assert detector_main([str(tmp_path / "out"), model, str(other)]) == 2
    assert "joints differ" in capsys.readouterr().err
