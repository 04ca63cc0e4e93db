"""Averaging exported models of one network (training/cpm/soup.py)."""
import copy
import json
import os
import sys

import pytest
import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", ".."))

from training.cpm.export import read_weights, write_model  # noqa: E402
from training.cpm.soup import main as soup_main  # noqa: E402
from training.tests.test_grow import SMALL, trained_like  # noqa: E402

SPEC = {"joint_names": ["left_a", "right_a", "mid"], "flip_pairs": [["left_a", "right_a"]], "skeleton": [["left_a", "mid"]]}


def exported(tmp_path, name, cfg=SMALL, seed=0):
    folder = tmp_path / name
    write_model(trained_like(cfg, seed=seed).eval(), SPEC, str(folder), name, provenance={"epochs": seed, "cpuHours": 0.5})
    return str(folder)


def test_soup_is_the_weighted_mean_of_the_folded_weights(tmp_path):
    a, b = exported(tmp_path, "a", seed=1), exported(tmp_path, "b", seed=2)
    out = str(tmp_path / "soup")
    assert soup_main([out, a, b, "--weights", "1,3"]) == 0
    _, ta = read_weights(a)
    _, tb = read_weights(b)
    doc, ts = read_weights(out)
    assert set(ts) == set(ta)
    for k in ta:
        assert torch.allclose(ts[k], 0.25 * ta[k] + 0.75 * tb[k], atol=1e-6), k
    ingredients = doc["provenance"]["soup"]["ingredients"]
    assert [i["folder"] for i in ingredients] == [a, b] and doc["provenance"]["soup"]["weights"] == [1.0, 3.0]
    assert doc["config"] == json.load(open(os.path.join(a, "model.json")))["config"]


def test_soup_of_a_model_with_itself_is_that_model_and_float16_halves_the_file(tmp_path):
    a = exported(tmp_path, "a", seed=1)
    out = str(tmp_path / "soup")
    assert soup_main([out, a, a, "--float16"]) == 0
    _, ta = read_weights(a)
    doc, ts = read_weights(out)
    assert all(w["quantization"]["dtype"] == "float16" for w in doc["weightsManifest"][0]["weights"])
    for k in ta:
        assert torch.allclose(ts[k], ta[k], rtol=1e-3, atol=1e-3), k
    assert os.path.getsize(os.path.join(out, "weights.bin")) * 2 == os.path.getsize(os.path.join(a, "weights.bin"))


def test_soup_refuses_different_networks_and_bad_weights(tmp_path, capsys):
    other = copy.deepcopy(SMALL)
    other["refineHidden"] += 1
    a, b = exported(tmp_path, "a", seed=1), exported(tmp_path, "b", cfg=other, seed=2)
    with pytest.raises(SystemExit):
        soup_main([str(tmp_path / "s1"), a, b])
    assert "config differs" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        soup_main([str(tmp_path / "s2"), a])
    assert "at least two" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        soup_main([str(tmp_path / "s3"), a, a, "--weights", "1"])
    assert "one non-negative weight per folder" in capsys.readouterr().err
    assert not os.path.exists(tmp_path / "s1")
