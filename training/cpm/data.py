"""Keypoint data sets: annotation file parsing, the fixed split, and an in-memory image cache.

Annotation format (one JSON file beside an images folder), see README "Train on your own keypoints":
  {"joint_names": [...], "flip_pairs": [["left_x", "right_x"], ...]?, "skeleton": [["a", "b"], ...]?,
   "images": [{"file": "a.jpg", "joints": [[x, y, visible], ...]}, ...]}
Nothing here is tied to LSP's 14 joints.
"""
import hashlib
import json
import os

import numpy as np
from PIL import Image

# the repository (training/cpm/ is two levels down): configs give data and cache paths relative to it
REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class KeypointSpec:
    """Joint names, left/right pairs and skeleton edges, as indices."""

    def __init__(self, joint_names, flip_pairs=None, skeleton=None):
        self.joint_names = list(joint_names)
        index = {n: i for i, n in enumerate(self.joint_names)}
        if len(index) != len(self.joint_names):
            raise ValueError("joint_names has duplicates")
        if flip_pairs is None:
            flip_pairs = infer_flip_pairs(self.joint_names)
        self.flip_pairs = [(index[a], index[b]) for a, b in flip_pairs]
        self.skeleton = [(index[a], index[b]) for a, b in (skeleton or [])]
        perm = list(range(len(self.joint_names)))
        for a, b in self.flip_pairs:  # set, not swap: a pair may be listed both ways
            perm[a] = b
            perm[b] = a
        self.flip_perm = perm

    @property
    def num_joints(self):
        return len(self.joint_names)

    def index(self, name):
        return self.joint_names.index(name)


def infer_flip_pairs(names):
    """Pairs names that differ only by a left/right word (left_wrist <-> right_wrist, l_eye <-> r_eye)."""
    swaps = [("left", "right"), ("Left", "Right"), ("l_", "r_"), ("L_", "R_")]
    pairs = []
    for n in names:
        for a, b in swaps:
            if a in n and n.replace(a, b, 1) in names:
                pairs.append((n, n.replace(a, b, 1)))
    return pairs


def load_annotations(path, skeleton_override=None):
    with open(path) as f:
        ann = json.load(f)
    if "joint_names" not in ann or "images" not in ann:
        raise ValueError(f"{path}: needs 'joint_names' and 'images'")
    spec = KeypointSpec(ann["joint_names"], ann.get("flip_pairs"), ann.get("skeleton") or skeleton_override)
    records = []
    for r in ann["images"]:
        joints = np.asarray(r["joints"], dtype=np.float32).reshape(-1, 3)
        if joints.shape[0] != spec.num_joints:
            raise ValueError(f"{path}: {r['file']} has {joints.shape[0]} joints, expected {spec.num_joints}")
        records.append({"file": r["file"], "joints": joints})
    return spec, records


def split_records(records, val_from=None, val_to=None, val_fraction=0.05):
    """Fixed split: files in [val_from, val_to] (by name) are validation; else the last val_fraction."""
    if val_from is not None:
        val = [r for r in records if val_from <= r["file"] <= val_to]
        train = [r for r in records if not (val_from <= r["file"] <= val_to)]
    else:
        n = max(1, int(round(len(records) * val_fraction)))
        train, val = records[:-n], records[-n:]
    return train, val


def load_split(data_cfg, root, skeleton=None):
    """A config's "data" section, its data folder resolved: (spec, train records, validation records)."""
    spec, records = load_annotations(os.path.join(root, data_cfg.get("annotations", "annotations.json")), skeleton)
    train, val = split_records(records, data_cfg.get("val_files_from"), data_cfg.get("val_files_to"),
                               data_cfg.get("val_fraction", 0.05))
    return spec, train, val


def exclude_records(records, exclude_file):
    """Drops the records whose file is listed (one name per line, '#' comments) in exclude_file.

    For training records only: the validation split stays fixed so that runs remain comparable."""
    with open(exclude_file) as f:
        names = {line.split("#", 1)[0].strip() for line in f} - {""}
    return [r for r in records if r["file"] not in names], len(names)


def letterbox_params(width, height, size):
    """Scale and offset placing a width x height image centred in a size x size square."""
    scale = size / max(width, height)
    return scale, (size - width * scale) / 2.0, (size - height * scale) / 2.0


def letterbox_image(img, size):
    """PIL image -> (size x size x 3 uint8 array padded with black, scale, ox, oy)."""
    w, h = img.size
    scale, ox, oy = letterbox_params(w, h, size)
    nw, nh = max(1, round(w * scale)), max(1, round(h * scale))
    resized = img.convert("RGB").resize((nw, nh), Image.BILINEAR)
    canvas = np.zeros((size, size, 3), np.uint8)
    x0, y0 = (size - nw) // 2, (size - nh) // 2
    canvas[y0:y0 + nh, x0:x0 + nw] = np.asarray(resized)
    # the offsets actually used, and the scale per axis after rounding, keep joints exact
    return canvas, (nw / w, nh / h), (x0, y0)


def build_cache(records, image_dir, canvas, cache_dir=None):
    """All images letterboxed into canvas x canvas uint8 arrays, joints moved into canvas pixels.

    Cached as .npy keyed by the file list, so a restart skips JPEG decoding.
    """
    key = hashlib.sha1(("|".join(r["file"] for r in records) + f"|{canvas}|{image_dir}").encode()).hexdigest()[:12]
    path = os.path.join(cache_dir, f"images-{canvas}-{key}.npy") if cache_dir else None
    n = len(records)
    joints = np.zeros((n, records[0]["joints"].shape[0], 3), np.float32)
    sizes = np.zeros((n, 2), np.float32)
    if path and os.path.exists(path):
        images = np.load(path, mmap_mode=None)
        meta = np.load(path.replace(".npy", "-meta.npz"))
        return images, meta["joints"], meta["sizes"]
    images = np.zeros((n, canvas, canvas, 3), np.uint8)
    for i, r in enumerate(records):
        with Image.open(os.path.join(image_dir, r["file"])) as img:
            w, h = img.size
            images[i], (sx, sy), (x0, y0) = letterbox_image(img, canvas)
        j = r["joints"].copy()
        j[:, 0] = j[:, 0] * sx + x0
        j[:, 1] = j[:, 1] * sy + y0
        joints[i] = j
        sizes[i] = (w, h)
    if path:
        os.makedirs(cache_dir, exist_ok=True)
        np.save(path, images)
        np.savez(path.replace(".npy", "-meta.npz"), joints=joints, sizes=sizes)
    return images, joints, sizes
