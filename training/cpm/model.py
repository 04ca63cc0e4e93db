"""The CPM graph in PyTorch, built from the same config as the TF.js graph (docs/model-format.md).

Stage 1: five convolutions (the shared image features) then two 1x1 convolutions -> one map per joint
plus background. Stages 2..T: concat(features, previous maps) -> dilated 3x3 convolutions (a receptive
field that spans the image) -> two 1x1 convolutions. Convolutions carry batch-norm while training;
export folds it into kernel and bias.

Optional context branch (config "context"): the features pooled down (each layer's pool runs before its
convolution) through a few cheap low-resolution convolutions, projected back to the feature channels by a
1x1 convolution, upsampled (nearest) to the map grid and added to the features that stages 2..T read.
Stage 1 keeps reading the plain features, so it still sees local evidence only. The projection starts
at zero, so adding the branch to a trained model changes nothing until training moves it.
"""
import torch
import torch.nn as nn


class ConvBNReLU(nn.Sequential):
    def __init__(self, cin, cout, kernel=3, dilation=1):
        pad = dilation * (kernel - 1) // 2  # stride 1 'same', symmetric: identical to TF.js padding 'same'
        super().__init__(
            nn.Conv2d(cin, cout, kernel, padding=pad, dilation=dilation, bias=False),
            nn.BatchNorm2d(cout),
            nn.ReLU(inplace=True),
        )


class SeparableConvBNReLU(nn.Sequential):
    """Depthwise kxk (batch-norm, no activation) then 1x1 to cout (batch-norm, relu): a refinement layer with
    "separable": true. Export folds the first batch-norm into the depthwise kernel and the pointwise bias."""

    def __init__(self, cin, cout, kernel=3, dilation=1):
        pad = dilation * (kernel - 1) // 2
        super().__init__(
            nn.Conv2d(cin, cin, kernel, padding=pad, dilation=dilation, groups=cin, bias=False),
            nn.BatchNorm2d(cin),
            nn.Conv2d(cin, cout, 1, bias=False),
            nn.BatchNorm2d(cout),
            nn.ReLU(inplace=True),
        )


def refine_layer(cin, layer):
    """One refinement layer from its config entry (docs/model-format.md)."""
    cls = SeparableConvBNReLU if layer.get("separable") else ConvBNReLU
    return cls(cin, layer["filters"], layer["kernel"], layer.get("dilation", 1))


class Head(nn.Sequential):
    """Two 1x1 convolutions: hidden (relu) then the maps (linear)."""

    def __init__(self, cin, hidden, num_maps):
        super().__init__(ConvBNReLU(cin, hidden, 1), nn.Conv2d(hidden, num_maps, 1))
        nn.init.zeros_(self[1].weight)  # start from uniform beliefs
        nn.init.zeros_(self[1].bias)


class CPM(nn.Module):
    def __init__(self, cfg, num_joints):
        super().__init__()
        self.cfg = cfg
        self.num_maps = num_joints + 1
        layers, cin = [], 3
        for layer in cfg["backbone"]:
            layers.append(ConvBNReLU(cin, layer["filters"], layer["kernel"], layer.get("dilation", 1)))
            if layer.get("pool", 1) > 1:
                layers.append(nn.MaxPool2d(layer["pool"]))
            cin = layer["filters"]
        self.backbone = nn.Sequential(*layers)
        feat = cin
        self.stage1 = Head(feat, cfg["stage1Hidden"], self.num_maps)
        self.context, self.context_out = None, None
        if cfg.get("context"):
            ctx, c = [], feat
            for layer in cfg["context"]:
                if layer.get("pool", 1) > 1:
                    ctx.append(nn.MaxPool2d(layer["pool"]))
                ctx.append(ConvBNReLU(c, layer["filters"], layer["kernel"], layer.get("dilation", 1)))
                c = layer["filters"]
            self.context = nn.Sequential(*ctx)
            self.context_out = nn.Conv2d(c, feat, 1)
            nn.init.zeros_(self.context_out.weight)  # the branch starts silent: function-preserving growth
            nn.init.zeros_(self.context_out.bias)
        self.refine = nn.ModuleList()
        for _ in range(cfg["stages"] - 1):
            convs, c = [], feat + self.num_maps
            for layer in cfg["refineLayers"]:
                convs.append(refine_layer(c, layer))
                c = layer["filters"]
            self.refine.append(nn.Sequential(*convs, Head(c, cfg["refineHidden"], self.num_maps)))
        for m in self.modules():
            if isinstance(m, nn.Conv2d) and m.weight.abs().sum() > 0:
                nn.init.kaiming_normal_(m.weight, nonlinearity="relu")

    @property
    def stride(self):
        s = 1
        for layer in self.cfg["backbone"]:
            s *= layer.get("pool", 1)
        return s

    @property
    def context_stride(self):
        return context_stride(self.cfg)

    def forward(self, x, stages=None):
        """x: (N,3,H,W) normalised input. Returns the list of maps of stages 1..k (k = stages or T)."""
        k = stages or self.cfg["stages"]
        f = self.backbone(x)
        maps = [self.stage1(f)]
        if k > 1 and self.context is not None:
            g = self.context_out(self.context(f))
            f = f + nn.functional.interpolate(g, scale_factor=self.context_stride, mode="nearest")
        for t in range(1, k):
            maps.append(self.refine[t - 1](torch.cat([f, maps[-1]], dim=1)))
        return maps


def normalise(x, preprocess):
    """0..255 RGB (N,3,H,W) -> network input, with the constants stored in model.json."""
    mean = torch.tensor(preprocess["mean"]).view(1, 3, 1, 1)
    std = torch.tensor(preprocess["std"]).view(1, 3, 1, 1)
    return (x - mean) / std


PREPROCESS = {"mean": [127.5, 127.5, 127.5], "std": [127.5, 127.5, 127.5], "padValue": 0}


def context_stride(cfg):
    """How much the context branch pools the map grid (1 without a branch); map sides must divide by it."""
    s = 1
    for layer in cfg.get("context") or []:
        s *= layer.get("pool", 1)
    return s


def count_macs(cfg, num_joints):
    """Multiply-adds of one forward pass at the config's input size (all stages)."""
    size, cin, macs, maps = cfg["inputSize"], 3, 0, num_joints + 1
    for layer in cfg["backbone"]:
        macs += size * size * layer["kernel"] ** 2 * cin * layer["filters"]
        size //= layer.get("pool", 1)
        cin = layer["filters"]
    feat, cells = cin, size * size
    macs += cells * (feat * cfg["stage1Hidden"] + cfg["stage1Hidden"] * maps)
    if cfg.get("context"):
        side, c = size, feat
        for layer in cfg["context"]:
            side //= layer.get("pool", 1)
            macs += side * side * layer["kernel"] ** 2 * c * layer["filters"]
            c = layer["filters"]
        macs += side * side * c * feat
    for _ in range(cfg["stages"] - 1):
        c = feat + maps
        for layer in cfg["refineLayers"]:
            if layer.get("separable"):
                macs += cells * (layer["kernel"] ** 2 * c + c * layer["filters"])
            else:
                macs += cells * layer["kernel"] ** 2 * c * layer["filters"]
            c = layer["filters"]
        macs += cells * (c * cfg["refineHidden"] + cfg["refineHidden"] * maps)
    return macs
