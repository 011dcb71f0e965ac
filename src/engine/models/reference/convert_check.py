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
Then, with the FastSAM-s checkpoint served by a real HTTP server on loopback (FASTSAM_GEO_FASTSAM_URL,
models in a temp FASTSAM_GEO_MODELS): `models download FastSAM-s` (progress, .pt byte-identical, ONNX
written and loadable), `models convert X.pt -o Y.onnx`, the first `extract` of the shipped sample GeoTIFF
without a model (downloads + converts the default FastSAM-s, then runs), a 404 (MODEL_MISSING naming
the file, nothing left behind) and a file that is not a checkpoint (BAD_MODEL).
Prints one line per check and closes with `convert: N passed, N failed`.
"""
import functools
import http.server
import json
import threading
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
if os.environ.get('FSG_CONVERT_ONLY_S'):
    CASES = CASES[:1]

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
    return pt


def cli(args, env):
    return subprocess.run(['node', os.path.join(REPO, 'bin', 'fastsam-geo.js'), *args], capture_output=True, text=True,
                          env={**os.environ, **env}, cwd=REPO)


def leftovers(d):
    return [f for f in os.listdir(d) if f.endswith('.part')] if os.path.isdir(d) else []


def download_cases(pt, tmp):
    """models download / convert / first-run download against a loopback HTTP server."""
    print('downloads from a loopback HTTP server:')
    served = os.path.join(tmp, 'served')
    os.makedirs(served)
    with open(pt, 'rb') as f:
        pt_bytes = f.read()
    with open(os.path.join(served, 'FastSAM-s.pt'), 'wb') as f:
        f.write(pt_bytes)
    with open(os.path.join(served, 'FastSAM-x.pt'), 'wb') as f:
        f.write(b'not a checkpoint at all' * 100)
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    handler = functools.partial(Quiet, directory=served)
    httpd = http.server.ThreadingHTTPServer(('127.0.0.1', 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    base = f'http://127.0.0.1:{httpd.server_address[1]}'
    try:
        models = os.path.join(tmp, 'models-a')
        env = {'FASTSAM_GEO_MODELS': models, 'FASTSAM_GEO_FASTSAM_URL': base}
        r = cli(['models', 'download', 'FastSAM-s', '--imgsz', '320'], env)
        onnx = os.path.join(models, 'FastSAM-s.onnx')
        check(r.returncode == 0 and r.stdout.strip() == onnx, f'models download FastSAM-s: exit {r.returncode}, prints {r.stdout.strip()!r}' + ('' if r.returncode == 0 else f'\n{r.stderr}'))
        with open(os.path.join(models, 'FastSAM-s.pt'), 'rb') as f:
            same = f.read() == pt_bytes
        check(same and '100%' in r.stderr and 'sha256' in r.stderr, 'the .pt arrives byte-identical, with a progress line and its sha256')
        meta = cli(['models', 'list', '--json'], env)
        listed = {m['name']: m for m in json.loads(meta.stdout)['models']}
        check(os.path.getsize(onnx) > 4 * 11_000_000 and listed['FastSAM-s']['present'] and not leftovers(models),
              f'FastSAM-s.onnx written ({os.path.getsize(onnx) / 1e6:.1f} MB), listed as present, no .part files')
        out = os.path.join(tmp, 'converted.onnx')
        r = cli(['models', 'convert', pt, '-o', out, '--imgsz', '256', '--json'], {})
        j = json.loads(r.stdout) if r.returncode == 0 else {}
        check(r.returncode == 0 and os.path.exists(out) and j.get('outputs', {}).get('output0') == [1, 37, 1344],
              f'models convert X.pt -o Y.onnx --imgsz 256: exit {r.returncode}, output0 {j.get("outputs", {}).get("output0")}')

        # First run without a model: extract downloads + converts the default (FastSAM-s), then runs.
        models_b = os.path.join(tmp, 'models-b')
        geojson = os.path.join(tmp, 'first.geojson')
        sample = os.path.join(REPO, 'examples', 'data', 'spacenet-atlanta-crop.tif')
        r = cli(['extract', sample, '-o', geojson], {'FASTSAM_GEO_MODELS': models_b, 'FASTSAM_GEO_FASTSAM_URL': base})
        ok = r.returncode == 0 and os.path.exists(os.path.join(models_b, 'FastSAM-s.onnx'))
        fc = json.load(open(geojson)) if ok else {}
        check(ok and fc.get('type') == 'FeatureCollection' and 'downloading and converting it once' in r.stderr,
              f'first extract without a model fetches + converts FastSAM-s and runs: exit {r.returncode}, '
              f'{len(fc.get("features", []))} features' + ('' if ok else f'\n{r.stderr[-2000:]}'))

        # Failures: a 404 and a file that is not a checkpoint.
        models_c = os.path.join(tmp, 'models-c')
        r = cli(['extract', sample, '-o', os.path.join(tmp, 'never.geojson')],
                {'FASTSAM_GEO_MODELS': models_c, 'FASTSAM_GEO_FASTSAM_URL': base + '/missing'})
        check(r.returncode == 1 and 'MODEL_MISSING' not in r.stdout and 'HTTP 404' in r.stderr and 'models download FastSAM-s' in r.stderr
              and not os.path.exists(os.path.join(tmp, 'never.geojson')) and not leftovers(models_c),
              'a 404 stops with the missing-model message (HTTP 404, how to get it), nothing written')
        r = cli(['models', 'download', 'FastSAM-x'], {'FASTSAM_GEO_MODELS': models_c, 'FASTSAM_GEO_FASTSAM_URL': base})
        check(r.returncode == 1 and 'not a zip file' in r.stderr and not os.path.exists(os.path.join(models_c, 'FastSAM-x.onnx'))
              and not os.path.exists(os.path.join(models_c, 'FastSAM-x.pt')),
              f'a download that is not a checkpoint is a clear BAD_MODEL error, deleted, no ONNX written: {r.stderr.strip().splitlines()[-1] if r.stderr.strip() else ""}')
    finally:
        httpd.shutdown()
        httpd.server_close()


def main():
    with tempfile.TemporaryDirectory(prefix='fsg-convert-') as tmp:
        pts = {}
        for label, scale, imgsz in CASES:
            try:
                pts[label] = run_case(label, scale, imgsz, tmp)
            except Exception as e:  # noqa: BLE001
                check(False, f'{label}: {type(e).__name__}: {e}')
        try:
            download_cases(pts['FastSAM-s'], tmp)
        except Exception as e:  # noqa: BLE001
            check(False, f'downloads: {type(e).__name__}: {e}')
    print(f'convert: {passed} passed, {failed} failed')
    return 0 if failed == 0 else 1


if __name__ == '__main__':
    sys.exit(main())
