"""Give a model folder a pass-1 network: the network two-pass inference frames the person with.

  /usr/bin/python3 -m training.cpm.detector OUT MODEL DETECTOR [--detect-size PX]

MODEL and DETECTOR are exported model folders (training.cpm.export) with the same joints, e.g.
models/cpm-lite and an export of a configs/cpm-lite-detect.json run. OUT gets MODEL's model.json with a
"detector" entry (DETECTOR's config and provenance) and one weights.bin: MODEL's weights, then
DETECTOR's under the name prefix "detector/" (docs/model-format.md, "Pass-1 network"). The bytes are
copied, not re-encoded, so both networks compute exactly what their own folders do. A detector already
in MODEL is replaced. --detect-size sets refine.detectSize (pass 1's input side); default: MODEL's.
"""
import argparse
import copy
import json
import os
import sys

from .export import read_raw_weights

PREFIX = "detector/"


def _entries_and_bytes(folder, keep):
    """model.json content, and the manifest entries `keep` accepts (copies), in order, with their bytes."""
    doc, raw = read_raw_weights(folder)
    kept = [(copy.deepcopy(w), b) for w, b in raw if keep(w["name"])]
    return doc, [w for w, _ in kept], [b for _, b in kept]


def attach(out, model_folder, detector_folder, detect_size=None):
    """Writes OUT (see the module doc); returns its model.json content."""
    doc, main_entries, main_blobs = _entries_and_bytes(model_folder, lambda n: not n.startswith(PREFIX))
    det, det_entries, det_blobs = _entries_and_bytes(detector_folder, lambda n: True)
    if det["joints"] != doc["joints"]:
        raise ValueError(f"{detector_folder}: its joints differ from {model_folder}'s; a pass-1 network must find the same joints")
    if det.get("output", {}).get("background") != doc.get("output", {}).get("background"):
        raise ValueError(f"{detector_folder}: its output maps (background or not) differ from {model_folder}'s")
    if "detector" in det:
        raise ValueError(f"{detector_folder} has a pass-1 network of its own; give the plain network")
    for e in det_entries:
        e["name"] = PREFIX + e["name"]
    doc["detector"] = {"config": det["config"], "provenance": {**det.get("provenance", {}), "folder": detector_folder}}
    if detect_size is not None:
        doc.setdefault("refine", {})["detectSize"] = int(detect_size)
    doc["weightsManifest"] = [{"paths": ["weights.bin"], "weights": main_entries + det_entries}]
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "weights.bin"), "wb") as f:
        f.write(b"".join(main_blobs + det_blobs))
    with open(os.path.join(out, "model.json"), "w") as f:
        json.dump(doc, f, indent=1)
    return doc


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out")
    ap.add_argument("model")
    ap.add_argument("detector")
    ap.add_argument("--detect-size", type=int, help="refine.detectSize of OUT (pass 1's input side); default: MODEL's")
    args = ap.parse_args(argv)
    try:
        doc = attach(args.out, args.model, args.detector, args.detect_size)
    except (ValueError, OSError, KeyError) as e:
        print(f"detector: {e}", file=sys.stderr)
        return 2
    n = len(doc["weightsManifest"][0]["weights"])
    print(f"wrote {args.out}: {args.model} with the pass-1 network {args.detector} ({n} tensors, "
          f"{os.path.getsize(os.path.join(args.out, 'weights.bin'))} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
