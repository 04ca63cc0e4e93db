"""Writes a fixture that pins the library's resize to training's warp (test/preprocess.test.ts reads it).

    /usr/bin/python3 -m training.cpm.resample_fixture test/fixtures/resample

An 80 x 60 test image letterboxed into a 32 x 32 input the way training samples it: the image centred
in a square canvas (zero padding), then warp_images (bilinear at twice the output size, 2x2 average).
The library's letterbox of the same image must give the same pixels away from the image's edges
(there the warp blends with the canvas padding, the library with the image's own edge).
`resample.json` = {"width", "height", "inputSize", "padX", "padY"}; `resample.bin` = the image (uint8
RGB, HWC) then the warped input (float32 little-endian, HWC, 0..255 units).
"""
import json
import os
import sys

import numpy as np
import torch

from .augment import warp_images

WIDTH, HEIGHT, SIZE = 80, 60, 32


def test_image():
    """Smooth gradients plus a fine pattern: both resampling weights and aliasing show up in the pixels."""
    y, x = np.mgrid[0:HEIGHT, 0:WIDTH].astype(np.float64)
    r = 255 * x / (WIDTH - 1)
    g = 255 * y / (HEIGHT - 1)
    b = 127.5 + 127.5 * np.sin(x * 0.9) * np.cos(y * 0.7)
    return np.clip(np.round(np.stack([r, g, b], -1)), 0, 255).astype(np.uint8)


def training_input(img):
    """The whole image letterboxed into SIZE x SIZE by training's warp (no augmentation)."""
    c = max(WIDTH, HEIGHT)
    canvas = np.zeros((c, c, 3), np.uint8)
    ox, oy = (c - WIDTH) // 2, (c - HEIGHT) // 2
    canvas[oy:oy + HEIGHT, ox:ox + WIDTH] = img
    x = torch.from_numpy(canvas).permute(2, 0, 1).unsqueeze(0).float()
    A = torch.eye(2).unsqueeze(0) * (c / SIZE)  # output pixel u -> canvas p = A u
    out = warp_images(x, A, torch.zeros(1, 2), SIZE)
    scale = SIZE / c
    return out[0].permute(1, 2, 0).numpy().astype(np.float32), ox * scale, oy * scale


def main(argv=None):
    folder = (argv or sys.argv[1:] or ["test/fixtures/resample"])[0]
    os.makedirs(folder, exist_ok=True)
    img = test_image()
    inp, pad_x, pad_y = training_input(img)
    with open(os.path.join(folder, "resample.json"), "w") as f:
        json.dump({"width": WIDTH, "height": HEIGHT, "inputSize": SIZE, "padX": pad_x, "padY": pad_y}, f)
        f.write("\n")
    with open(os.path.join(folder, "resample.bin"), "wb") as f:
        f.write(img.tobytes())
        f.write(inp.astype("<f4").tobytes())
    print(f"wrote {folder}: {WIDTH}x{HEIGHT} image -> {SIZE}x{SIZE} input, image at ({pad_x}, {pad_y})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
