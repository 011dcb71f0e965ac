"""Checks the architecture-equivalent graphs against things outside the TypeScript writer.

1. The real Ultralytics YOLOv8n-seg export (../shared/data/models/yolov8n-seg_int8.onnx): its conv and
   ConvTranspose weight shapes (as a multiset: the exporter's simplifier reorders nodes), strides and
   parameter count (weights + biases) must equal those of our n-scale, 80-class, 320 graph.
2. Our FastSAM-s graph at 640 loads and runs in Python's onnxruntime with finite outputs of the
   Ultralytics shapes [1,37,8400] and [1,32,160,160].
Prints `N passed, N failed`.

Usage: python check_arch.py REAL.onnx OURS_n80_320.onnx OURS_s_640.onnx
"""
import json
import sys
from collections import Counter

import numpy as np
import onnx
import onnxruntime as ort

results = []


def check(name, ok, detail=''):
    results.append(ok)
    print(f"{'ok  ' if ok else 'FAIL'} {name}{': ' + detail if detail else ''}")


def conv_list(model):
    inits = {t.name: t for t in model.graph.initializer}
    out = []
    for n in model.graph.node:
        if n.op_type in ('Conv', 'ConvInteger', 'ConvTranspose'):
            dims = list(inits[n.input[1]].dims)
            strides = next((list(a.ints) for a in n.attribute if a.name == 'strides'), [1, 1])
            out.append(('ConvTranspose' if n.op_type == 'ConvTranspose' else 'Conv', tuple(dims), strides[0]))
    return out


def params(model):
    inits = {t.name: t for t in model.graph.initializer}
    counted = set()
    for n in model.graph.node:
        if n.op_type in ('Conv', 'ConvInteger', 'ConvTranspose'):
            counted.update(i for i in n.input[1:2 if n.op_type == 'ConvInteger' else 3] if i in inits)
    # The int8 export applies most conv biases with a separate Add of a `*.bias` initializer.
    counted.update(t.name for t in model.graph.initializer if t.name.endswith('.bias'))
    return sum(int(np.prod(inits[name].dims)) for name in counted if name in inits)


real_path, ours_path, s_path = sys.argv[1:4]
real = onnx.load(real_path)
ours = onnx.load(ours_path)
onnx.checker.check_model(ours)
check('our n/80/320 graph passes onnx.checker', True)
rc, oc = Counter(conv_list(real)), Counter(conv_list(ours))
check('conv weight shapes and strides equal the real YOLOv8n-seg export', rc == oc,
      f'{sum(rc.values())} vs {sum(oc.values())} convs; only real: {list((rc - oc).items())[:3]}; only ours: {list((oc - rc).items())[:3]}')
pr, po = params(real), params(ours)
check('parameter count equals the real export', pr == po, f'real {pr}, ours {po}')
shape = lambda vi: [d.dim_value for d in vi.type.tensor_type.shape.dim]
check('output shapes equal the real export', [shape(o) for o in real.graph.output] == [shape(o) for o in ours.graph.output],
      str([shape(o) for o in ours.graph.output]))

opts = ort.SessionOptions()
opts.intra_op_num_threads = 2
s = ort.InferenceSession(s_path, opts, providers=['CPUExecutionProvider'])
x = np.random.default_rng(0).random((1, 3, 640, 640), dtype=np.float32)
o0, o1 = s.run(None, {'images': x})
check('FastSAM-s equivalent runs in onnxruntime (Python) with output0 [1,37,8400], output1 [1,32,160,160]',
      list(o0.shape) == [1, 37, 8400] and list(o1.shape) == [1, 32, 160, 160], f'{o0.shape} {o1.shape}')
check('outputs are finite', bool(np.isfinite(o0).all() and np.isfinite(o1).all()))
boxes = o0[0, :4]
check('boxes are DFL-decoded (w, h in 0..2·15·stride, centres in the image)',
      bool((boxes[2:] >= 0).all() and (boxes[2:] <= 30 * 32).all() and (boxes[:2] > -15 * 32).all() and (boxes[:2] < 640 + 15 * 32).all()))
check('class scores are sigmoid outputs', bool(((o0[0, 4] > 0) & (o0[0, 4] < 1)).all()))

passed = sum(results)
print(f'{passed} passed, {len(results) - passed} failed')
sys.exit(0 if passed == len(results) else 1)
