"""Belief-map targets, the loss, and the decoder used for validation.

Maps are logits on the stride-s grid. A joint's location is trained as a classification over the
grid's cells (softmax over H*W, cross-entropy against a normalised Gaussian): it gives strong
localisation gradients from the first step, unlike a per-pixel regression of the Gaussian.
The background map is a per-cell logit trained with binary cross-entropy against 1 - max(Gaussians).
Joints that are not annotated (or fall outside the input) are masked out of the loss.
"""
import torch
import torch.nn.functional as F


def to_grid(joints_px, stride):
    """Output pixels -> grid units where cell (r, c) has its centre at (c, r)."""
    g = joints_px.clone()
    g[..., :2] = joints_px[..., :2] / stride - 0.5
    return g


def gaussians(grid_joints, h, w, sigma):
    """(N,J,3) grid joints -> (N,J,h,w) unnormalised Gaussians (peak 1)."""
    ys = torch.arange(h, dtype=torch.float32).view(1, 1, h, 1)
    xs = torch.arange(w, dtype=torch.float32).view(1, 1, 1, w)
    gx = grid_joints[..., 0].unsqueeze(-1).unsqueeze(-1)
    gy = grid_joints[..., 1].unsqueeze(-1).unsqueeze(-1)
    return torch.exp(-((xs - gx) ** 2 + (ys - gy) ** 2) / (2 * sigma ** 2))


def make_targets(joints_px, stride, h, w, sigma):
    """Returns (joint distributions (N,J,h*w), valid mask (N,J), background target (N,1,h,w))."""
    g = to_grid(joints_px, stride)
    valid = g[..., 2] > 0
    gs = gaussians(g, h, w, sigma) * valid.unsqueeze(-1).unsqueeze(-1)
    dist = gs.flatten(2)
    dist = dist / dist.sum(-1, keepdim=True).clamp_min(1e-8)
    background = 1 - gs.amax(dim=1, keepdim=True)
    return dist, valid, background


def stage_loss(maps, dist, valid, background, background_weight, hard_joints=0):
    """Masked spatial cross-entropy (minus the target's entropy, so 0 = perfect) + background BCE.

    hard_joints > 0: online hard keypoint mining, only the hard_joints labelled joints of each sample
    with the highest loss count (the easy ones, head and neck mostly, stop taking gradient)."""
    n, c, h, w = maps.shape
    logp = F.log_softmax(maps[:, :-1].flatten(2), dim=-1)
    ce = -(dist * logp).sum(-1) + (dist * dist.clamp_min(1e-12).log()).sum(-1)
    if 0 < hard_joints < ce.shape[1]:
        # the per-joint loss is a KL divergence (>= 0) and 0 where masked, so the top k are labelled joints first
        hardest = (ce * valid).topk(hard_joints, dim=1).values
        joint_loss = hardest.sum() / valid.sum(1).clamp(max=hard_joints).sum().clamp_min(1)
    else:
        joint_loss = (ce * valid).sum() / valid.sum().clamp_min(1)
    bg = F.binary_cross_entropy_with_logits(maps[:, -1:], background)
    return joint_loss + background_weight * bg


def teacher_beliefs(maps, flipped_maps=None, flip_perm=None):
    """A teacher's last-stage logits -> (joint distributions (N,J,h*w), background probability (N,1,h,w)).

    With flipped_maps (the teacher's logits for the mirrored input), the two views are averaged after
    mirroring the second back and swapping its left/right maps (flip_perm: joint -> its mirror joint)."""
    n, c, h, w = maps.shape
    dist = F.softmax(maps[:, :-1].flatten(2), dim=-1)
    bg = torch.sigmoid(maps[:, -1:])
    if flipped_maps is not None:
        back = flipped_maps.flip(-1)
        dist = 0.5 * (dist + F.softmax(back[:, :-1][:, flip_perm].flatten(2), dim=-1))
        bg = 0.5 * (bg + torch.sigmoid(back[:, -1:]))
    return dist, bg


def pair_overlap(maps, grid_joints, pairs, min_separation):
    """Mean overlap (cosine similarity) of the predicted distributions of each left/right pair.

    Counted only where both joints of the pair are labelled and at least min_separation grid cells
    apart: there the two maps must not share a peak. A "collapse" (both joints of a pair predicted on
    one of them) is the commonest left/right error (docs/TRAINING.md, "Where the misses go"); the
    cross-entropy charges it as any other miss, this term charges the shared peak itself.
    Returns 0 when no pair qualifies.
    """
    if not pairs:
        return maps.new_zeros(())
    prob = F.softmax(maps[:, :-1].flatten(2), dim=-1)
    a = torch.tensor([p[0] for p in pairs], device=maps.device)
    b = torch.tensor([p[1] for p in pairs], device=maps.device)
    # cosine, not Bhattacharyya: the latter is dominated by the diffuse mass every map spreads over the
    # background (two well-separated peaks still scored about 0.8), the cosine by the peaks
    pa, pb = prob[:, a], prob[:, b]
    overlap = (pa * pb).sum(-1) / (pa.square().sum(-1) * pb.square().sum(-1)).sqrt().clamp_min(1e-12)  # (N, P): 1 = identical
    ga, gb = grid_joints[:, a], grid_joints[:, b]
    apart = (ga[..., 2] > 0) & (gb[..., 2] > 0) & ((ga[..., :2] - gb[..., :2]).norm(dim=-1) >= min_separation)
    return (overlap * apart).sum() / apart.sum().clamp_min(1)


def cpm_loss(all_maps, joints_px, stride, sigma, background_weight, intermediate=True, teacher=None,
             teacher_weight=0.0, flip_pairs=(), overlap_weight=0.0, hard_joints=0):
    """Sum of per-stage losses (intermediate supervision), or the last stage's only.

    teacher: (distributions, background) from teacher_beliefs; every stage's target becomes
    (1 - teacher_weight) * labels + teacher_weight * teacher (distillation). Joints without a label stay
    masked: the teacher only reshapes the target of a labelled joint, it does not invent one.
    overlap_weight > 0 adds overlap_weight * pair_overlap to every supervised stage after the first
    (flip_pairs: the left/right joint index pairs; labels at least 4 sigma apart). Stage 1 sees only
    local evidence, which cannot tell a left knee from a right one: its two maps are meant to overlap
    (a first run that charged stage 1 too lost 4 points of validation PCK in two epochs).
    hard_joints: see stage_loss (every supervised stage).
    """
    _, _, h, w = all_maps[-1].shape
    dist, valid, background = make_targets(joints_px, stride, h, w, sigma)
    if teacher is not None and teacher_weight > 0:
        t_dist, t_bg = teacher
        dist = (1 - teacher_weight) * dist + teacher_weight * t_dist * valid.unsqueeze(-1)
        background = (1 - teacher_weight) * background + teacher_weight * t_bg
    used = all_maps if intermediate else all_maps[-1:]
    losses = [stage_loss(m, dist, valid, background, background_weight, hard_joints) for m in used]
    if overlap_weight > 0:
        g = to_grid(joints_px, stride)
        first = len(all_maps) - len(used)  # index of used[0] among all stages
        losses = [l + (overlap_weight * pair_overlap(m, g, flip_pairs, 4 * sigma) if first + i > 0 else 0)
                  for i, (l, m) in enumerate(zip(losses, used))]
    return sum(losses), [l.detach() for l in losses]


def decode(maps, stride):
    """Logit maps (N,J+1,h,w) -> (N,J,3): x, y in input pixels and score (softmax mass in the 3x3 window).

    Sub-pixel: a parabola through the log-probabilities (logits) on each axis around the peak, offset
    clamped to half a cell, none on an axis where the peak is on the border.
    Mirrors src/decode in the library.
    """
    n, c, h, w = maps.shape
    logits = maps[:, :-1]
    flat = logits.flatten(2)
    prob = F.softmax(flat, dim=-1).view(n, c - 1, h, w)
    idx = flat.argmax(-1)
    r, col = (idx // w), (idx % w)
    padded = F.pad(logits, (1, 1, 1, 1), mode="replicate")
    pprob = F.pad(prob, (1, 1, 1, 1))

    def at(t, dr, dc):
        return t.gather(2, (r + 1 + dr).view(n, c - 1, 1, 1).expand(-1, -1, 1, w + 2)).squeeze(2).gather(
            2, (col + 1 + dc).view(n, c - 1, 1)).squeeze(2)

    def offset(lo, mid, hi):
        den = lo - 2 * mid + hi
        off = torch.where(den < -1e-6, 0.5 * (lo - hi) / den, torch.zeros_like(den))
        return off.clamp(-0.5, 0.5)

    # no refinement on an axis where the peak sits on the border (one neighbour missing)
    dx = offset(at(padded, 0, -1), at(padded, 0, 0), at(padded, 0, 1)) * ((col > 0) & (col < w - 1))
    dy = offset(at(padded, -1, 0), at(padded, 0, 0), at(padded, 1, 0)) * ((r > 0) & (r < h - 1))
    score = sum(at(pprob, a, b) for a in (-1, 0, 1) for b in (-1, 0, 1))
    x = (col.float() + dx + 0.5) * stride
    y = (r.float() + dy + 0.5) * stride
    return torch.stack([x, y, score], dim=-1)


def pck(pred, truth, spec, refs, thresholds=(0.2, 0.1)):
    """pred, truth (N,J,>=2/3) in the same pixels. Returns {thr: (hits (J,), counts (J,))} over visible joints.

    The reference length is the first annotated pair in refs (e.g. left shoulder-right hip, else right
    shoulder-left hip); samples with none are skipped.
    """
    out = {t: (torch.zeros(spec.num_joints), torch.zeros(spec.num_joints)) for t in thresholds}
    pairs = [(spec.index(a), spec.index(b)) for a, b in refs]
    for i in range(pred.shape[0]):
        ref = None
        for a, b in pairs:
            if truth[i, a, 2] > 0 and truth[i, b, 2] > 0:
                ref = torch.dist(truth[i, a, :2], truth[i, b, :2]).item()
                break
        if not ref:
            continue
        vis = truth[i, :, 2] > 0
        d = (pred[i, :, :2] - truth[i, :, :2]).norm(dim=-1)
        for t in thresholds:
            out[t][0][vis] += (d[vis] <= t * ref).float()
            out[t][1][vis] += 1
    return out
