"""Find annotations whose left/right labels contradict each other.

Two left/right pairs of one rigid body part (by default shoulders and hips) point the same way in a
real pose unless the torso twists past 90 degrees; when the labels make them point opposite ways, one
of the pairs is usually labelled with its sides swapped. Prints the share of such photos in the
training and validation splits of a config (and, with --list, their files).

  /usr/bin/python3 -m training.cpm.label_check --config training/configs/cpm-lite.json
  ... --write runs/label-check.txt   the flagged training photos, for the config's data.exclude_files
"""
import argparse
import json
import os

import numpy as np

from .data import REPO_ROOT, load_split


def opposed_pairs(records, spec, first, second, max_cos=-0.3):
    """(files whose two pairs point opposite ways (cosine < max_cos), number of photos with both pairs)."""
    a1, b1 = (spec.index(n) for n in first)
    a2, b2 = (spec.index(n) for n in second)
    flagged, checked = [], 0
    for r in records:
        j = r["joints"]
        if not all(j[i, 2] > 0 for i in (a1, b1, a2, b2)):
            continue
        u = j[a1, :2] - j[b1, :2]
        v = j[a2, :2] - j[b2, :2]
        nu, nv = np.linalg.norm(u), np.linalg.norm(v)
        if nu == 0 or nv == 0:
            continue
        checked += 1
        if float(u @ v) / (nu * nv) < max_cos:
            flagged.append(r["file"])
    return flagged, checked


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--config", required=True)
    ap.add_argument("--first", default="right_shoulder,left_shoulder", help="one left/right pair, right first")
    ap.add_argument("--second", default="right_hip,left_hip", help="the other pair, in the same order")
    ap.add_argument("--max-cos", type=float, default=-0.3, help="flag when the pairs' cosine is below this")
    ap.add_argument("--list", action="store_true", help="print the flagged files")
    ap.add_argument("--write", help="write the flagged training files here, one per line (for data.exclude_files)")
    a = ap.parse_args(argv)
    with open(a.config) as f:
        d = json.load(f)["data"]
    spec, train, val = load_split(d, os.path.join(REPO_ROOT, d["root"]))
    first, second = a.first.split(","), a.second.split(",")
    for name, part in (("train", train), ("val", val)):
        flagged, checked = opposed_pairs(part, spec, first, second, a.max_cos)
        share = 100 * len(flagged) / checked if checked else float("nan")
        print(f"{name}: {checked} photos with both pairs annotated; {'-'.join(first)} and {'-'.join(second)} "
              f"point opposite ways (cosine < {a.max_cos}) in {len(flagged)} ({share:.1f}%)")
        if a.list:
            print("  " + " ".join(flagged))
        if a.write and name == "train":
            with open(a.write, "w") as f:
                f.write(f"# training.cpm.label_check: {'-'.join(first)} opposed to {'-'.join(second)}\n")
                f.writelines(n + "\n" for n in flagged)
            print(f"wrote {len(flagged)} training files to {a.write}")


if __name__ == "__main__":
    main()
