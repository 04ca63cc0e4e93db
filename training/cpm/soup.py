"""Average the weights of several exported models of one network (a "model soup", Wortsman et al. 2022).

  /usr/bin/python3 -m training.cpm.soup runs/soup models/cpm-lite runs/a-export runs/b-export [--float16]

Cycles fine-tuned from the same weights tend to end in one basin, where their average often scores at
least as well as each of them, at no cost at inference: the soup is one network of the same size. (It
did not pay for this repository's cycles: docs/TRAINING.md, session 22.) The average is
taken over the exported (batch-norm folded) kernels and biases, so every ingredient must be a model folder
(export a checkpoint first with training.cpm.export) with the same config and the same weight names and
shapes. The first ingredient's model.json is the template; provenance lists every ingredient.
"""
import argparse
import datetime
import json
import os
import sys

import numpy as np

from .export import git_commit, read_weights


def _summary(folder, doc):
    p = doc.get("provenance", {})
    keep = ("commit", "epochs", "steps", "wallMinutes", "cpuHours", "exported", "note")
    return {"folder": folder, "name": doc.get("name"), **{k: p[k] for k in keep if k in p}}


def soup(folders, weights=None):
    """(template model.json, {name: averaged float32 array}, ingredient summaries) for the given model folders."""
    if len(folders) < 2:
        raise ValueError("a soup needs at least two model folders")
    weights = [1.0] * len(folders) if weights is None else [float(w) for w in weights]
    if len(weights) != len(folders) or min(weights) < 0 or sum(weights) <= 0:
        raise ValueError(f"need one non-negative weight per folder ({len(folders)}), not all zero; got {weights}")
    docs, tensors = zip(*(read_weights(f) for f in folders))
    first = docs[0]
    for f, d, t in zip(folders, docs, tensors):
        if d["config"] != first["config"]:
            raise ValueError(f"{f}: its config differs from {folders[0]}'s; only one network's weights can be averaged")
        if d["joints"] != first["joints"]:
            raise ValueError(f"{f}: its joints differ from {folders[0]}'s")
        shapes = {k: tuple(v.shape) for k, v in t.items()}
        if shapes != {k: tuple(v.shape) for k, v in tensors[0].items()}:
            raise ValueError(f"{f}: its weight names or shapes differ from {folders[0]}'s")
    total = sum(weights)
    avg = {k: sum(w * t[k].double() for w, t in zip(weights, tensors)) / total for k in tensors[0]}
    return first, {k: v.float().numpy() for k, v in avg.items()}, [_summary(f, d) for f, d in zip(folders, docs)]


def write_soup(out, template, arrays, ingredients, weights, float16=False, note=""):
    os.makedirs(out, exist_ok=True)
    doc = json.loads(json.dumps(template))
    blobs, specs = [], [w for group in doc["weightsManifest"] for w in group["weights"]]
    for w in specs:
        w.pop("quantization", None)
        if float16:
            w["quantization"] = {"dtype": "float16"}
        blobs.append(arrays[w["name"]].astype("<f2" if float16 else "<f4").tobytes())
    doc["weightsManifest"] = [{"paths": ["weights.bin"], "weights": specs}]  # one file holds every weight
    with open(os.path.join(out, "weights.bin"), "wb") as f:
        f.write(b"".join(blobs))
    prov = dict(doc.get("provenance", {}))
    prov.update({
        "soup": {"ingredients": ingredients, "weights": weights,
                 "how": "training/cpm/soup.py: weighted mean of the batch-norm-folded kernels and biases"},
        "commit": git_commit(),
        "weights": "float16" if float16 else "float32",
        "exported": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "note": note,
    })
    doc["provenance"] = prov
    with open(os.path.join(out, "model.json"), "w") as f:
        json.dump(doc, f, indent=1)
    return doc


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out", help="folder to write (model.json + weights.bin)")
    ap.add_argument("folders", nargs="+", help="model folders of one network (two or more)")
    ap.add_argument("--weights", help="comma-separated mixing weights, one per folder (default: equal)")
    ap.add_argument("--float16", action="store_true")
    ap.add_argument("--note", default="", help="free text for provenance")
    args = ap.parse_args(argv)
    weights = [float(x) for x in args.weights.split(",")] if args.weights else None
    try:
        template, arrays, ingredients = soup(args.folders, weights)
    except ValueError as e:
        ap.error(str(e))
    write_soup(args.out, template, arrays, ingredients, weights or [1.0] * len(args.folders), args.float16, args.note)
    print(f"wrote {args.out}: the mean of {len(args.folders)} models ({', '.join(args.folders)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
