#!/usr/bin/env python3
"""Proof that `fastsam-geo models convert` turns an Ultralytics YOLOv8-seg / FastSAM checkpoint into an
ONNX model that computes what the PyTorch model computes. Run by scripts/test-stages/convert.sh (needs
`npm run build`, torch on CPU and numpy; no Ultralytics, no network).

For each case (FastSAM-s = YOLOv8s-seg and FastSAM-x = YOLOv8x-seg, 1 class):
1. ultralytics_ckpt.py builds the SegmentationModel module tree with Ultralytics' classes, attribute
   names and checkpoint dict, seeded random weights, BatchNorm statistics from a training pass then
   perturbed (eps 1e-3), and torch.save writes {'model': model.half(), ...} as Ultralytics' trainer does.
2. torch runs its own forward (Ultralytics' export-mode Segment: output0 = xywh boxes × stride ‖
   sigmoid(class) ‖ 32 mask coefficients, output1 = prototypes) on a seeded random image, twice: with
   the float16 weights of the checkpoint evaluated in float32 (what the conversion must reproduce), and
   with the original float32 weights (what the checkpoint stands for).
3. scripts/convert/run-converted.mjs converts the .pt with the engine (Node: zip + pickle reader,
   BatchNorm folding, graph writer) and runs the ONNX in onnxruntime-node on the same image.
Checked: output names/shapes ([1,37,N], [1,32,S/4,S/4]), the ONNX metadata (task, stride, imgsz, names),
the parameter count, and the values — boxes (rows 0-3, pixels), scores (row 4), mask coefficients
(rows 5-36) and prototypes (output1) — against (a) within 1e-4 relative (float32 round-off and the BN folding), and
against (b) within 1e-2 relative (float16 storage of the weights); relative = |d| / max(1, |value|).
Prints one line per check and closes with `convert: N passed, N failed`.
"""
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, '..', '..', '..', '..'))
sys.path.insert(0, HERE)
import ultralytics_ckpt as uc  # noqa: E402

torch.set_num_threads(2)
# (label, scale, imgsz). x at 256 keeps the run short on 2 cores; the weights do not depend on imgsz.
CASES = [('FastSAM-s', 's', 320), ('FastSAM-x', 'x', 256)]

passed = 0
failed = 0


def check(ok, what):
    global passed, failed
    if ok:
        passed += 1
        print(f'  ok   {what}')
    else:
        failed += 1
        print(f'  FAIL {what}')


def rel_err(got, want):
    """max |got - want| / max(1, |want|), elementwise."""
    return float(np.max(np.abs(got - want) / np.maximum(1.0, np.abs(want))))


def run_case(label, scale, imgsz, tmp):
    t0 = time.time()
    print(f'{label} (YOLOv8{scale}-seg, 1 class) at {imgsz}:')
    model = uc.build(scale, seed=7)
    ckpt = uc.checkpoint(model)
    pt = os.path.join(tmp, f'{label}.pt')
    torch.save(ckpt, pt)
    g = torch.Generator().manual_seed(11)
    img = torch.rand(1, 3, imgsz, imgsz, generator=g)
    with torch.no_grad():
        half_as_float = ckpt['model'].float().eval()
        want16 = [t.numpy() for t in half_as_float(img.clone())]
        want32 = [t.numpy() for t in model(img.clone())]
    inp = os.path.join(tmp, f'{label}.input.bin')
    img.numpy().astype('<f4').tofile(inp)
    out_dir = os.path.join(tmp, label)
    os.makedirs(out_dir)
    r = subprocess.run(['node', os.path.join(REPO, 'scripts', 'convert', 'run-converted.mjs'), pt, str(imgsz), inp, out_dir],
                       capture_output=True, text=True)
    if r.returncode != 0:
        check(False, f'conversion + onnxruntime-node run: exit {r.returncode}\n{r.stdout}\n{r.stderr}')
        return
    meta = json.load(open(os.path.join(out_dir, 'outputs.json')))
    n = sum((imgsz // s) ** 2 for s in (8, 16, 32))
    check(meta['output0'] == [1, 37, n] and meta['output1'] == [1, 32, imgsz // 4, imgsz // 4],
          f"output shapes {meta['output0']} {meta['output1']} == [1, 37, {n}] [1, 32, {imgsz // 4}, {imgsz // 4}]")
    check([o['name'] for o in meta['outputs']] == ['output0', 'output1'] and [i['name'] for i in meta['inputs']] == ['images'],
          'input images, outputs output0, output1')
    md = meta['metadata']
    check(md.get('task') == 'segment' and md.get('stride') == '32' and md.get('imgsz') == f'[{imgsz}, {imgsz}]'
          and md.get('names') == "{0: 'object'}" and md.get('batch') == '1',
          f"metadata task/stride/imgsz/names/batch as Ultralytics' exporter: {md.get('task')}, {md.get('stride')}, {md.get('imgsz')}, {md.get('names')}")
    # Parameters after fuse(): every Conv's weight + one bias per output channel (BN folded), plain
    # convs and the ConvTranspose as they are, plus the DFL conv (16).
    fused = 0
    for m in model.modules():
        if isinstance(m, uc.Conv):
            fused += m.conv.weight.numel() + m.conv.out_channels
        elif isinstance(m, (torch.nn.Conv2d, torch.nn.ConvTranspose2d)) and not any(m is c.conv for c in model.modules() if isinstance(c, uc.Conv)):
            fused += sum(p.numel() for p in m.parameters(recurse=False))
    check(meta['parameterCount'] == fused, f"parameter count {meta['parameterCount']} == torch's fused count {fused}")
    check(meta['info']['scaleName'] == scale, f"scale recognised from the weight shapes: {meta['info']['scaleName']}")

    got0 = np.fromfile(os.path.join(out_dir, 'output0.bin'), dtype='<f4').reshape(meta['output0'])
    got1 = np.fromfile(os.path.join(out_dir, 'output1.bin'), dtype='<f4').reshape(meta['output1'])
    parts = [('boxes (xywh px)', slice(0, 4)), ('scores', slice(4, 5)), ('mask coefficients', slice(5, 37))]
    for name, rows in parts:
        e16 = rel_err(got0[:, rows], want16[0][:, rows])
        e32 = rel_err(got0[:, rows], want32[0][:, rows])
        check(e16 < 1e-4, f'{name}: vs torch on the checkpoint\'s fp16 weights, max rel err {e16:.2e} < 1e-4')
        check(e32 < 1e-2, f'{name}: vs torch on the original fp32 weights, max rel err {e32:.2e} < 1e-2 (fp16 storage)')
    e16 = rel_err(got1, want16[1])
    e32 = rel_err(got1, want32[1])
    check(e16 < 1e-4, f'prototypes: vs fp16 weights, max rel err {e16:.2e} < 1e-4')
    check(e32 < 1e-2, f'prototypes: vs fp32 weights, max rel err {e32:.2e} < 1e-2')
    # The values are not trivial: scores spread, boxes of varied size, prototypes not constant.
    sc = want16[0][0, 4]
    check(float(sc.std()) > 0.01 and float(np.std(want16[1])) > 0.05 and float(want16[0][0, 2].std()) > 1.0,
          f'non-trivial outputs: score std {sc.std():.3f}, box width std {want16[0][0, 2].std():.1f} px, prototype std {np.std(want16[1]):.3f}')
    # Same top-scoring anchors.
    top_t = set(np.argsort(-want16[0][0, 4])[:50].tolist())
    top_o = set(np.argsort(-got0[0, 4])[:50].tolist())
    check(len(top_t & top_o) >= 48, f'top-50 anchors by score agree: {len(top_t & top_o)}/50')
    print(f'  ({time.time() - t0:.1f} s)')


def main():
    with tempfile.TemporaryDirectory(prefix='fsg-convert-') as tmp:
        for label, scale, imgsz in CASES:
            try:
                run_case(label, scale, imgsz, tmp)
            except Exception as e:  # noqa: BLE001
                check(False, f'{label}: {type(e).__name__}: {e}')
    print(f'convert: {passed} passed, {failed} failed')
    return 0 if failed == 0 else 1


if __name__ == '__main__':
    sys.exit(main())
