"""Batched augmentation on the CPU: one affine warp per sample (scale, rotation, shift, flip,
zoomed crops that cut the body), then colour jitter, blur and occluding patches.

Coordinates are continuous pixels: pixel i covers [i, i+1). Every geometric change moves the
keypoints with exactly the same affine map, and a horizontal flip also swaps left/right labels.
"""
import math

import torch
import torch.nn.functional as F


def sample_affines(joints, canvas, out, cfg, gen, train=True):
    """Per-sample affine u -> p (output pixel -> canvas pixel): p = A u + b.

    Three framings: a person-centred square around the annotated joints (crop_prob), a close-up on one
    joint (zoom_crop_prob), else the whole letterboxed image at a jittered scale and position.

    joints: (N, J, 3) in canvas pixels. Returns A (N,2,2), b (N,2), flipped (N,) bool.
    """
    n = joints.shape[0]
    A = torch.zeros(n, 2, 2)
    b = torch.zeros(n, 2)
    flipped = torch.zeros(n, dtype=torch.bool)
    for i in range(n):
        if not train:
            side, theta, cx, cy, flip = canvas, 0.0, canvas / 2, canvas / 2, False
        else:
            r = lambda lo, hi: lo + (hi - lo) * torch.rand((), generator=gen).item()
            vis = joints[i, :, 2] > 0
            u = torch.rand((), generator=gen).item()
            side, cx, cy = canvas / math.exp(r(math.log(cfg["scale"][0]), math.log(cfg["scale"][1]))), canvas / 2, canvas / 2
            if vis.sum() >= 2 and u < cfg.get("crop_prob", 0):
                # person-centred square: the framing a second, cropped pass (or video tracking) gives the model
                pts = joints[i, vis, :2]
                lo, hi = pts.min(0).values, pts.max(0).values
                cx, cy = ((lo + hi) / 2).tolist()
                side = max((hi - lo).max().item(), canvas * 0.1) * r(*cfg["crop_margin"])
                cx += r(-1, 1) * cfg["crop_shift"] * side
                cy += r(-1, 1) * cfg["crop_shift"] * side
            elif vis.any() and u < cfg.get("crop_prob", 0) + cfg["zoom_crop_prob"]:
                # a close-up around one annotated joint: cuts the body like an upper-body or legs-out shot
                k = torch.nonzero(vis)[torch.randint(int(vis.sum()), (1,), generator=gen)].item()
                cx, cy = joints[i, k, 0].item(), joints[i, k, 1].item()
                side = canvas / r(*cfg["zoom_crop_scale"])
            else:
                t = cfg["translate"] * canvas
                cx += r(-t, t)
                cy += r(-t, t)
            theta = 0.0
            if torch.rand((), generator=gen).item() < cfg["rotate_prob"]:
                theta = math.radians(r(-cfg["rotate_deg"], cfg["rotate_deg"]))
            flip = torch.rand((), generator=gen).item() < cfg["flip_prob"]
        c, sn = math.cos(theta), math.sin(theta)
        M = torch.tensor([[c, -sn], [sn, c]]) * (side / out)
        if flip:
            M = M @ torch.tensor([[-1.0, 0.0], [0.0, 1.0]])
        A[i] = M
        b[i] = torch.tensor([cx, cy]) - M @ torch.tensor([out / 2, out / 2])
        flipped[i] = flip
    return A, b, flipped


def warp_images(images, A, b, out, supersample=2):
    """images (N,3,C,C) float -> (N,3,out,out), sampling canvas at p = A u + b for each output pixel centre.

    Each output pixel averages supersample x supersample bilinear samples: an area filter that keeps
    downscaled inputs free of aliasing, as the library's pooled, half-pixel resize is.
    """
    n, _, c, _ = images.shape
    k = max(1, int(supersample))
    A = A / k  # fine pixel u' covers coarse pixel u = u' / k: p = (A / k) u' + b
    size = out * k
    # normalised coords (align_corners=False): x_norm = 2 p / size - 1, for output u = (x_o + 1) out / 2
    An = A * (size / c)
    bn = (A @ torch.full((2,), size / 2.0)) * (2.0 / c) + b * (2.0 / c) - 1.0
    theta = torch.cat([An, bn.unsqueeze(2)], dim=2)
    grid = F.affine_grid(theta, (n, 3, size, size), align_corners=False)
    x = F.grid_sample(images, grid, mode="bilinear", padding_mode="zeros", align_corners=False)
    return F.avg_pool2d(x, k) if k > 1 else x


def warp_joints(joints, A, b, flipped, flip_perm, out):
    """Canvas joints -> output pixels; flipped samples get left/right labels swapped; joints outside lose visibility."""
    xy = joints[..., :2] - b.unsqueeze(1)
    u = torch.linalg.solve(A.unsqueeze(1).expand(-1, xy.shape[1], -1, -1), xy.unsqueeze(-1)).squeeze(-1)
    res = torch.cat([u, joints[..., 2:3]], dim=-1)
    perm = torch.tensor(flip_perm)
    res[flipped] = res[flipped][:, perm]
    inside = (res[..., 0] >= 0) & (res[..., 0] < out) & (res[..., 1] >= 0) & (res[..., 1] < out)
    res[..., 2] = res[..., 2] * inside
    return res


def photometric(x, cfg, gen):
    """x: (N,3,H,W) in 0..255 -> jittered, in place where possible."""
    n, _, h, w = x.shape
    r = lambda *shape: torch.rand(*shape, generator=gen)
    on = (r(n) < cfg["color_prob"]).float().view(n, 1, 1, 1)
    bright = 1 + (r(n, 1, 1, 1) - 0.5) * 0.6
    contrast = 1 + (r(n, 1, 1, 1) - 0.5) * 0.6
    gains = 1 + (r(n, 3, 1, 1) - 0.5) * 0.2
    mean = x.mean(dim=(1, 2, 3), keepdim=True)
    jit = ((x - mean) * contrast + mean) * bright * gains
    x = on * jit + (1 - on) * x
    gray = (r(n) < cfg["gray_prob"]).float().view(n, 1, 1, 1)
    x = gray * x.mean(dim=1, keepdim=True).expand_as(x) + (1 - gray) * x
    blur = (r(n) < cfg["blur_prob"]).float().view(n, 1, 1, 1)
    x = blur * F.avg_pool2d(x, 3, 1, 1, count_include_pad=False) + (1 - blur) * x
    for i in torch.nonzero(r(n) < cfg["occlude_prob"]).flatten().tolist():
        ph = int(h * (0.1 + 0.25 * r(1).item()))
        pw = int(w * (0.1 + 0.25 * r(1).item()))
        y0 = int((h - ph) * r(1).item())
        x0 = int((w - pw) * r(1).item())
        x[i, :, y0:y0 + ph, x0:x0 + pw] = r(3, 1, 1) * 255
    return x.clamp_(0, 255)


def person_crop_affines(keypoints, out, margin, min_side):
    """Square crops around predicted keypoints (N,J,>=2, in source pixels): the library's second pass.

    Returns A, b with source = A u + b for output pixel u. Mirrors src/estimator's refinement crop.
    """
    lo, hi = keypoints[..., :2].min(1).values, keypoints[..., :2].max(1).values
    side = ((hi - lo).max(-1).values * margin).clamp_min(min_side)
    A = torch.eye(2).unsqueeze(0) * (side / out).view(-1, 1, 1)
    b = (lo + hi) / 2 - (side / 2).unsqueeze(-1)
    return A, b


def content_boxes(sizes, canvas, A, b, out):
    """Where each photo's pixels land in the output: (N, 4) x0, y0, x1, y1 in output pixels, clipped to it.

    sizes: (N, 2) the photos' width and height; the canvas holds each letterboxed as data.letterbox_image
    places it. The box bounds the warped (possibly rotated) photo rectangle.
    """
    scale = canvas / sizes.max(1).values
    nw = torch.clamp(torch.round(sizes[:, 0] * scale), min=1)
    nh = torch.clamp(torch.round(sizes[:, 1] * scale), min=1)
    x0 = torch.div(canvas - nw, 2, rounding_mode="floor")
    y0 = torch.div(canvas - nh, 2, rounding_mode="floor")
    corners = torch.stack([torch.stack([x0, y0], 1), torch.stack([x0 + nw, y0], 1),
                           torch.stack([x0, y0 + nh], 1), torch.stack([x0 + nw, y0 + nh], 1)], 1)  # (N, 4, 2)
    u = torch.linalg.solve(A.unsqueeze(1).expand(-1, 4, -1, -1), (corners - b.unsqueeze(1)).unsqueeze(-1)).squeeze(-1)
    lo = u.min(1).values.clamp(0, out)
    hi = u.max(1).values.clamp(0, out)
    return torch.cat([lo, hi], 1)


def trim_batch(x, j, boxes, multiple, gen, min_side):
    """Cut a batch to a smaller window, as the library trims a letterbox's padding (the input is the
    photo's content rounded up to `multiple`), so the network also learns borders that are the
    convolutions' zero padding next to image content, not black letterbox padding.

    One window size per batch (a batch shares a shape): one side the full output, the other drawn from
    min_side..out in steps of `multiple` (either orientation), or both drawn. Each sample's window is
    centred on its content box (clamped to the output); joints outside it lose visibility.
    """
    n, _, h, w = x.shape
    r = lambda: torch.rand((), generator=gen).item()
    steps = list(range(min_side, w + 1, multiple))
    pick = lambda: steps[int(torch.randint(len(steps), (1,), generator=gen))]
    u = r()
    if u < 0.4:
        tw, th = pick(), h
    elif u < 0.8:
        tw, th = w, pick()
    else:
        tw, th = pick(), pick()
    cx = ((boxes[:, 0] + boxes[:, 2]) / 2 - tw / 2).round().clamp(0, w - tw).long()
    cy = ((boxes[:, 1] + boxes[:, 3]) / 2 - th / 2).round().clamp(0, h - th).long()
    xs = torch.stack([x[i, :, cy[i]:cy[i] + th, cx[i]:cx[i] + tw] for i in range(n)])
    js = j.clone()
    js[..., 0] -= cx.view(-1, 1).float()
    js[..., 1] -= cy.view(-1, 1).float()
    inside = (js[..., 0] >= 0) & (js[..., 0] < tw) & (js[..., 1] >= 0) & (js[..., 1] < th)
    js[..., 2] = js[..., 2] * inside
    return xs, js


def make_batch(images, joints, idx, spec, out, cfg, gen, train=True, sizes=None, second_out=None):
    """Images (uint8 N,C,C,3 numpy) and canvas joints -> network-ready input (0..255, NCHW) and output-pixel joints.

    With cfg["trim_prob"] (and the photos' sizes), that share of training batches is cut to a smaller
    window (trim_batch), the shape of a letterbox with its padding trimmed.
    With second_out, also returns the same framings sampled at that side from the canvas (not scaled from
    x, so a teacher with a larger input sees the detail the canvas has), with the same photometric jitter.
    """
    imgs = torch.from_numpy(images[idx]).permute(0, 3, 1, 2).float()
    js = torch.from_numpy(joints[idx])
    A, b, flipped = sample_affines(js, imgs.shape[-1], out, cfg, gen, train)
    x = warp_images(imgs, A, b, out)
    j = warp_joints(js, A, b, flipped, spec.flip_perm, out)
    if second_out is not None:
        if cfg.get("trim_prob", 0) > 0:
            raise ValueError("a second input side and trimmed batches do not go together")
        # the same canvas window: output pixel u' of the larger side is u = u' * out / second_out
        x2 = warp_images(imgs, A * (out / second_out), b, second_out)
    if train and sizes is not None and cfg.get("trim_prob", 0) > 0 and torch.rand((), generator=gen).item() < cfg["trim_prob"]:
        boxes = content_boxes(torch.from_numpy(sizes[idx]).float(), imgs.shape[-1], A, b, out)
        x, j = trim_batch(x, j, boxes, cfg.get("trim_multiple", 4), gen, cfg.get("trim_min_side", out // 2))
    if train:
        state = gen.get_state() if second_out is not None else None
        x = photometric(x, cfg, gen)
        if state is not None:
            after = gen.get_state()
            gen.set_state(state)  # the very same draws: same colours, blur and occluder (in proportion)
            x2 = photometric(x2, cfg, gen)
            gen.set_state(after)
    return (x, j) if second_out is None else (x, j, x2)
