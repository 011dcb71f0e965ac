#!/usr/bin/env python3
"""Ultralytics-layout YOLOv8-seg checkpoints in plain torch, for testing the Node conversion.

Ultralytics is not installable here (not in the pip mirror) and FastSAM-s.pt / FastSAM-x.pt cannot be
downloaded, so this file rebuilds what a FastSAM checkpoint contains: the module tree of
ultralytics.nn.tasks.SegmentationModel with Ultralytics' own classes, attribute names and pickle layout,
written from Ultralytics' source (ultralytics/nn/tasks.py, ultralytics/nn/modules/{conv,block,head}.py,
yolov8-seg.yaml, v8.0/8.1 era, the era of the FastSAM weights):

- classes are registered under their Ultralytics module names (ultralytics.nn.tasks.SegmentationModel,
  ultralytics.nn.modules.conv.Conv / Concat, ultralytics.nn.modules.block.C2f / Bottleneck / SPPF /
  Proto / DFL, ultralytics.nn.modules.head.Detect / Segment), so torch.save pickles them by those names;
- attribute names as Ultralytics: Conv.conv / .bn / .act, C2f.cv1 / .cv2 / .m[i] (Bottleneck .cv1 / .cv2),
  SPPF.cv1 / .cv2 / .m, Proto.cv1 / .upsample (ConvTranspose2d, bias) / .cv2 / .cv3, Detect.cv2 / .cv3
  (Sequential(Conv, Conv, Conv2d)), Segment.cv4 / .proto, Detect.dfl.conv (arange(16)), layer .i / .f /
  .type, model.save, model.names, model.stride, BatchNorm eps 1e-3 / momentum 0.03 (initialize_weights);
- the checkpoint dict as Ultralytics' trainer saves it: {'epoch', 'best_fitness', 'model': model.half(),
  'ema': None, 'updates', 'optimizer': None, 'train_args', 'date', 'version'};
- forward as Ultralytics' export mode: output0 = cat(dbox xywh * stride, sigmoid(cls), mask coefs),
  output1 = prototypes.

Weights are seeded random; BatchNorm running statistics come from a training-mode pass over random
images and are then perturbed (see build()), and the affine BN weights and biases are random: the BN
folding is exercised with non-trivial statistics.
"""
import math
import sys
import types

import torch
import torch.nn as nn


def autopad(k, p=None, d=1):
    if d > 1:
        k = d * (k - 1) + 1 if isinstance(k, int) else [d * (x - 1) + 1 for x in k]
    if p is None:
        p = k // 2 if isinstance(k, int) else [x // 2 for x in k]
    return p


class Conv(nn.Module):
    default_act = nn.SiLU()

    def __init__(self, c1, c2, k=1, s=1, p=None, g=1, d=1, act=True):
        super().__init__()
        self.conv = nn.Conv2d(c1, c2, k, s, autopad(k, p, d), groups=g, dilation=d, bias=False)
        self.bn = nn.BatchNorm2d(c2)
        self.act = self.default_act if act is True else act if isinstance(act, nn.Module) else nn.Identity()

    def forward(self, x):
        return self.act(self.bn(self.conv(x)))


class Concat(nn.Module):
    def __init__(self, dimension=1):
        super().__init__()
        self.d = dimension

    def forward(self, x):
        return torch.cat(x, self.d)


class Bottleneck(nn.Module):
    def __init__(self, c1, c2, shortcut=True, g=1, k=(3, 3), e=0.5):
        super().__init__()
        c_ = int(c2 * e)
        self.cv1 = Conv(c1, c_, k[0], 1)
        self.cv2 = Conv(c_, c2, k[1], 1, g=g)
        self.add = shortcut and c1 == c2

    def forward(self, x):
        return x + self.cv2(self.cv1(x)) if self.add else self.cv2(self.cv1(x))


class C2f(nn.Module):
    def __init__(self, c1, c2, n=1, shortcut=False, g=1, e=0.5):
        super().__init__()
        self.c = int(c2 * e)
        self.cv1 = Conv(c1, 2 * self.c, 1, 1)
        self.cv2 = Conv((2 + n) * self.c, c2, 1)
        self.m = nn.ModuleList(Bottleneck(self.c, self.c, shortcut, g, k=((3, 3), (3, 3)), e=1.0) for _ in range(n))

    def forward(self, x):
        y = list(self.cv1(x).chunk(2, 1))
        y.extend(m(y[-1]) for m in self.m)
        return self.cv2(torch.cat(y, 1))


class SPPF(nn.Module):
    def __init__(self, c1, c2, k=5):
        super().__init__()
        c_ = c1 // 2
        self.cv1 = Conv(c1, c_, 1, 1)
        self.cv2 = Conv(c_ * 4, c2, 1, 1)
        self.m = nn.MaxPool2d(kernel_size=k, stride=1, padding=k // 2)

    def forward(self, x):
        x = self.cv1(x)
        y1 = self.m(x)
        y2 = self.m(y1)
        return self.cv2(torch.cat((x, y1, y2, self.m(y2)), 1))


class DFL(nn.Module):
    def __init__(self, c1=16):
        super().__init__()
        self.conv = nn.Conv2d(c1, 1, 1, bias=False).requires_grad_(False)
        x = torch.arange(c1, dtype=torch.float)
        self.conv.weight.data[:] = nn.Parameter(x.view(1, c1, 1, 1))
        self.c1 = c1

    def forward(self, x):
        b, c, a = x.shape
        return self.conv(x.view(b, 4, self.c1, a).transpose(2, 1).softmax(1)).view(b, 4, a)


class Proto(nn.Module):
    def __init__(self, c1, c_=256, c2=32):
        super().__init__()
        self.cv1 = Conv(c1, c_, k=3)
        self.upsample = nn.ConvTranspose2d(c_, c_, 2, 2, 0, bias=True)
        self.cv2 = Conv(c_, c_, k=3)
        self.cv3 = Conv(c_, c2)

    def forward(self, x):
        return self.cv3(self.cv2(self.upsample(self.cv1(x))))


def make_anchors(feats, strides, grid_cell_offset=0.5):
    anchor_points, stride_tensor = [], []
    dtype, device = feats[0].dtype, feats[0].device
    for i, stride in enumerate(strides):
        _, _, h, w = feats[i].shape
        sx = torch.arange(end=w, device=device, dtype=dtype) + grid_cell_offset
        sy = torch.arange(end=h, device=device, dtype=dtype) + grid_cell_offset
        sy, sx = torch.meshgrid(sy, sx, indexing='ij')
        anchor_points.append(torch.stack((sx, sy), -1).view(-1, 2))
        stride_tensor.append(torch.full((h * w, 1), stride, dtype=dtype, device=device))
    return torch.cat(anchor_points), torch.cat(stride_tensor)


def dist2bbox(distance, anchor_points, xywh=True, dim=-1):
    lt, rb = distance.chunk(2, dim)
    x1y1 = anchor_points - lt
    x2y2 = anchor_points + rb
    if xywh:
        return torch.cat(((x1y1 + x2y2) / 2, x2y2 - x1y1), dim)
    return torch.cat((x1y1, x2y2), dim)


class Detect(nn.Module):
    dynamic = False
    export = False
    shape = None
    anchors = torch.empty(0)
    strides = torch.empty(0)

    def __init__(self, nc=80, ch=()):
        super().__init__()
        self.nc = nc
        self.nl = len(ch)
        self.reg_max = 16
        self.no = nc + self.reg_max * 4
        self.stride = torch.zeros(self.nl)
        c2, c3 = max((16, ch[0] // 4, self.reg_max * 4)), max(ch[0], min(self.nc, 100))
        self.cv2 = nn.ModuleList(nn.Sequential(Conv(x, c2, 3), Conv(c2, c2, 3), nn.Conv2d(c2, 4 * self.reg_max, 1)) for x in ch)
        self.cv3 = nn.ModuleList(nn.Sequential(Conv(x, c3, 3), Conv(c3, c3, 3), nn.Conv2d(c3, self.nc, 1)) for x in ch)
        self.dfl = DFL(self.reg_max) if self.reg_max > 1 else nn.Identity()

    def forward(self, x):
        shape = x[0].shape
        for i in range(self.nl):
            x[i] = torch.cat((self.cv2[i](x[i]), self.cv3[i](x[i])), 1)
        if self.dynamic or self.shape != shape:
            self.anchors, self.strides = (t.transpose(0, 1) for t in make_anchors(x, self.stride, 0.5))
            self.shape = shape
        x_cat = torch.cat([xi.view(shape[0], self.no, -1) for xi in x], 2)
        box, cls = x_cat.split((self.reg_max * 4, self.nc), 1)
        dbox = dist2bbox(self.dfl(box), self.anchors.unsqueeze(0), xywh=True, dim=1) * self.strides
        return torch.cat((dbox, cls.sigmoid()), 1)


class Segment(Detect):
    def __init__(self, nc=80, nm=32, npr=256, ch=()):
        super().__init__(nc, ch)
        self.nm = nm
        self.npr = npr
        self.proto = Proto(ch[0], self.npr, self.nm)
        self.detect = Detect.forward
        c4 = max(ch[0] // 4, self.nm)
        self.cv4 = nn.ModuleList(nn.Sequential(Conv(x, c4, 3), Conv(c4, c4, 3), nn.Conv2d(c4, self.nm, 1)) for x in ch)

    def forward(self, x):
        p = self.proto(x[0])
        bs = p.shape[0]
        mc = torch.cat([self.cv4[i](x[i]).view(bs, self.nm, -1) for i in range(self.nl)], 2)
        x = self.detect(self, x)
        return torch.cat([x, mc], 1), p


def make_divisible(x, divisor):
    return math.ceil(x / divisor) * divisor


SCALES = {'n': (0.33, 0.25, 1024), 's': (0.33, 0.50, 1024), 'm': (0.67, 0.75, 768), 'l': (1.0, 1.0, 512), 'x': (1.0, 1.25, 512)}
# yolov8-seg.yaml: [from, repeats, module, args]
BACKBONE = [[-1, 1, 'Conv', [64, 3, 2]], [-1, 1, 'Conv', [128, 3, 2]], [-1, 3, 'C2f', [128, True]],
            [-1, 1, 'Conv', [256, 3, 2]], [-1, 6, 'C2f', [256, True]], [-1, 1, 'Conv', [512, 3, 2]],
            [-1, 6, 'C2f', [512, True]], [-1, 1, 'Conv', [1024, 3, 2]], [-1, 3, 'C2f', [1024, True]],
            [-1, 1, 'SPPF', [1024, 5]]]
HEAD = [[-1, 1, 'nn.Upsample', [None, 2, 'nearest']], [[-1, 6], 1, 'Concat', [1]], [-1, 3, 'C2f', [512]],
        [-1, 1, 'nn.Upsample', [None, 2, 'nearest']], [[-1, 4], 1, 'Concat', [1]], [-1, 3, 'C2f', [256]],
        [-1, 1, 'Conv', [256, 3, 2]], [[-1, 12], 1, 'Concat', [1]], [-1, 3, 'C2f', [512]],
        [-1, 1, 'Conv', [512, 3, 2]], [[-1, 9], 1, 'Concat', [1]], [-1, 3, 'C2f', [1024]],
        [[15, 18, 21], 1, 'Segment', ['nc', 32, 256]]]


def parse_model(scale, nc):
    """Ultralytics parse_model for the yolov8-seg layers above (ch, repeats, i/f/type/np attributes)."""
    depth, width, max_channels = SCALES[scale]
    ch = [3]
    layers, save = [], []
    for i, (f, n, m, args) in enumerate(BACKBONE + HEAD):
        n = max(round(n * depth), 1) if n > 1 else n
        if m in ('Conv', 'C2f', 'SPPF'):
            c1, c2 = ch[f], args[0]
            c2 = make_divisible(min(c2, max_channels) * width, 8)
            a = [c1, c2, *args[1:]]
            cls = {'Conv': Conv, 'C2f': C2f, 'SPPF': SPPF}[m]
            if m == 'C2f':
                a.insert(2, n)
                n = 1
            mod = cls(*a)
        elif m == 'nn.Upsample':
            mod = nn.Upsample(*args)
            c2 = ch[f]
        elif m == 'Concat':
            mod = Concat(*args)
            c2 = sum(ch[x] for x in f)
        else:  # Segment
            npr = make_divisible(min(256, max_channels) * width, 8)
            mod = Segment(nc, 32, npr, [ch[x] for x in f])
            c2 = None
        t = str(type(mod))[8:-2].replace('__main__.', '')
        mod.i, mod.f, mod.type, mod.np = i, f, t, sum(x.numel() for x in mod.parameters())
        save.extend(x % i for x in ([f] if isinstance(f, int) else f) if x != -1)
        layers.append(mod)
        if i == 0:
            ch = []
        ch.append(c2)
    return nn.Sequential(*layers), sorted(save)


class BaseModel(nn.Module):
    def forward(self, x):
        y = []
        for m in self.model:
            if m.f != -1:
                x = y[m.f] if isinstance(m.f, int) else [x if j == -1 else y[j] for j in m.f]
            x = m(x)
            y.append(x if m.i in self.save else None)
        return x


class DetectionModel(BaseModel):
    def __init__(self, scale='s', nc=1):
        super().__init__()
        self.yaml = {'nc': nc, 'scale': scale, 'scales': {k: list(v) for k, v in SCALES.items()},
                     'backbone': BACKBONE, 'head': HEAD, 'yaml_file': f'yolov8{scale}-seg.yaml'}
        self.model, self.save = parse_model(scale, nc)
        self.names = {i: f'{i}' for i in range(nc)}
        self.inplace = True
        m = self.model[-1]
        m.stride = torch.tensor([8.0, 16.0, 32.0])
        self.stride = m.stride
        for mod in self.modules():  # ultralytics.utils.torch_utils.initialize_weights
            if isinstance(mod, nn.BatchNorm2d):
                mod.eps = 1e-3
                mod.momentum = 0.03


class SegmentationModel(DetectionModel):
    pass


def _register():
    """Put the classes under Ultralytics' module names so torch.save pickles them as Ultralytics does."""
    where = {
        'ultralytics.nn.modules.conv': [Conv, Concat],
        'ultralytics.nn.modules.block': [Bottleneck, C2f, SPPF, DFL, Proto],
        'ultralytics.nn.modules.head': [Detect, Segment],
        'ultralytics.nn.tasks': [BaseModel, DetectionModel, SegmentationModel],
    }
    for name in ['ultralytics', 'ultralytics.nn', 'ultralytics.nn.modules']:
        sys.modules.setdefault(name, types.ModuleType(name))
    for mod_name, classes in where.items():
        mod = sys.modules.setdefault(mod_name, types.ModuleType(mod_name))
        for c in classes:
            c.__module__ = mod_name
            c.__qualname__ = c.__name__
            setattr(mod, c.__name__, c)


_register()


def build(scale, seed=0, nc=1, calib_size=128):
    """A seeded SegmentationModel with non-trivial BatchNorm statistics (see the file comment)."""
    torch.manual_seed(seed)
    model = SegmentationModel(scale, nc)
    model.names = {0: 'object'} if nc == 1 else {i: f'class{i}' for i in range(nc)}
    g = torch.Generator().manual_seed(seed + 1)
    # Random affine BN weights and biases first, then the running statistics from a training-mode pass
    # (cumulative average over one batch, so each layer's statistics see the layers before it as they
    # will be at inference), then the statistics perturbed: means by 5% of a std, variances × 1.8-2.2.
    # The doubled variances keep the random network out of the chaotic regime (with batch statistics
    # as they are, a random YOLOv8 amplifies float16 rounding of the weights into ~100% output changes;
    # doubled, into ~0.1%), so that a comparison at float16 tolerance means something.
    bns = [m for m in model.modules() if isinstance(m, nn.BatchNorm2d)]
    with torch.no_grad():
        for m in bns:
            c = m.num_features
            m.weight.copy_(torch.empty(c).uniform_(0.6, 1.4, generator=g))
            m.bias.copy_(0.2 * torch.randn(c, generator=g))
            m.reset_running_stats()
            m.momentum = None
    model.train()
    with torch.no_grad():
        model(torch.rand(2, 3, calib_size, calib_size, generator=g))
    with torch.no_grad():
        for m in bns:
            c = m.num_features
            m.momentum = 0.03
            m.running_mean.add_(0.05 * torch.randn(c, generator=g) * m.running_var.sqrt())
            m.running_var.mul_(torch.empty(c).uniform_(1.8, 2.2, generator=g))
    # Detect's last box/cls convs: Ultralytics' bias_init (box 2.0, cls log(5 / nc / (640 / s) ** 2)) plus noise.
    det = model.model[-1]
    with torch.no_grad():
        for a, b, s in zip(det.cv2, det.cv3, det.stride):
            a[-1].bias.data[:] = 2.0 + 0.5 * torch.randn(a[-1].bias.shape, generator=g)
            b[-1].bias.data[: det.nc] = math.log(5 / det.nc / (640 / s) ** 2) + 4.0
    model.eval()
    return model


def checkpoint(model):
    """The dict Ultralytics' trainer saves (ultralytics/engine/trainer.py save_model), model in half."""
    import copy
    return {
        'epoch': -1,
        'best_fitness': None,
        'model': copy.deepcopy(model).half(),
        'ema': None,
        'updates': None,
        'optimizer': None,
        'train_args': {'task': 'segment', 'imgsz': 1024, 'model': f"FastSAM-{model.yaml['scale']}.pt"},
        'date': '2023-06-21T00:00:00',
        'version': '8.0.120',
    }
