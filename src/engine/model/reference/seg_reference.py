#!/usr/bin/env python3
"""Independent reference for the engine's Ultralytics segmentation decode (numpy + onnxruntime + OpenCV
+ pycocotools), written from Ultralytics' predictor semantics, sharing no code with the TypeScript engine.

  LetterBox (cv2.resize INTER_LINEAR, pad 114, round(d -/+ 0.1)) -> onnxruntime -> score = max class,
  conf filter, class-agnostic greedy NMS (IoU > iou suppresses), max_det -> scale_boxes + clip ->
  process_mask_native over the whole frame: logits = coeffs @ protos, crop the padding off the proto
  grid, cv2.resize INTER_LINEAR of the logits to the image size, crop_mask, > 0.

Writes golden JSON (boxes, scores, classes, mask areas, COCO RLE strings from pycocotools) consumed by
seg_reference.test.ts. Regenerate (and review the diff) with:

  .venv/bin/python src/engine/model/reference/seg_reference.py --write
"""
import argparse
import json
import os
import sys

import cv2
import numpy as np
import onnxruntime as ort
import pycocotools.mask as mask_util

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, '..', '..', '..', '..'))
SHARED = os.path.join(REPO, '..', 'shared', 'data')
GOLDEN = os.path.join(HERE, 'seg_reference.golden.json')

# (name, image, crop [x, y, w, h] or None, conf, iou)
CASES = [
    ('bus', 'images/bus.jpg', None, 0.25, 0.7),
    ('bus-crop-wide', 'images/bus.jpg', [0, 200, 554, 360], 0.25, 0.7),
]
MODEL = 'models/yolov8n-seg_int8.onnx'


def letterbox(img, new_shape):
    h, w = img.shape[:2]
    r = min(new_shape[0] / h, new_shape[1] / w)
    new_unpad = int(round(w * r)), int(round(h * r))
    dw, dh = (new_shape[1] - new_unpad[0]) / 2, (new_shape[0] - new_unpad[1]) / 2
    if (w, h) != new_unpad:
        img = cv2.resize(img, new_unpad, interpolation=cv2.INTER_LINEAR)
    top, bottom = int(round(dh - 0.1)), int(round(dh + 0.1))
    left, right = int(round(dw - 0.1)), int(round(dw + 0.1))
    return cv2.copyMakeBorder(img, top, bottom, left, right, cv2.BORDER_CONSTANT, value=(114, 114, 114))


def nms(boxes, scores, iou_thres):
    order = np.argsort(-scores, kind='stable')
    keep = []
    while order.size:
        i = order[0]
        keep.append(i)
        rest = order[1:]
        xx1 = np.maximum(boxes[i, 0], boxes[rest, 0])
        yy1 = np.maximum(boxes[i, 1], boxes[rest, 1])
        xx2 = np.minimum(boxes[i, 2], boxes[rest, 2])
        yy2 = np.minimum(boxes[i, 3], boxes[rest, 3])
        inter = np.clip(xx2 - xx1, 0, None) * np.clip(yy2 - yy1, 0, None)
        a_i = (boxes[i, 2] - boxes[i, 0]) * (boxes[i, 3] - boxes[i, 1])
        a_r = (boxes[rest, 2] - boxes[rest, 0]) * (boxes[rest, 3] - boxes[rest, 1])
        iou = inter / (a_i + a_r - inter)
        order = rest[iou <= iou_thres]
    return np.array(keep, dtype=int)


def segment(sess, img_rgb, conf, iou, max_det=300):
    inp = sess.get_inputs()[0]
    ih, iw = inp.shape[2], inp.shape[3]
    H, W = img_rgb.shape[:2]
    lb = letterbox(img_rgb, (ih, iw))
    x = (lb.astype(np.float32) / 255.0).transpose(2, 0, 1)[None]
    out0, out1 = sess.run(None, {inp.name: np.ascontiguousarray(x)})
    p = out0[0].T  # [N, 4+C+nm]
    nm = out1.shape[1]
    nc = p.shape[1] - 4 - nm
    cls = p[:, 4:4 + nc]
    score = cls.max(1)
    klass = cls.argmax(1)
    sel = score > conf
    p, score, klass = p[sel], score[sel], klass[sel]
    xy = p[:, :2]
    wh = p[:, 2:4]
    boxes = np.concatenate([xy - wh / 2, xy + wh / 2], 1)
    keep = nms(boxes, score, iou)[:max_det]
    boxes, score, klass, coeffs = boxes[keep], score[keep], klass[keep], p[keep, 4 + nc:]
    # scale_boxes + clip
    gain = min(ih / H, iw / W)
    padx = round((iw - W * gain) / 2 - 0.1)
    pady = round((ih - H * gain) / 2 - 0.1)
    boxes = boxes.copy()
    boxes[:, [0, 2]] = np.clip((boxes[:, [0, 2]] - padx) / gain, 0, W)
    boxes[:, [1, 3]] = np.clip((boxes[:, [1, 3]] - pady) / gain, 0, H)
    # process_mask_native over the whole frame
    protos = out1[0]
    _, mh, mw = protos.shape
    logits = (coeffs @ protos.reshape(nm, -1)).reshape(-1, mh, mw)
    g = min(mh / H, mw / W)
    pw, ph = (mw - W * g) / 2, (mh - H * g) / 2
    top, left = int(round(ph - 0.1)), int(round(pw - 0.1))
    bottom, right = mh - int(round(ph + 0.1)), mw - int(round(pw + 0.1))
    dets = []
    cols = np.arange(W)[None, :]
    rows = np.arange(H)[:, None]
    for k in range(len(keep)):
        m = cv2.resize(np.ascontiguousarray(logits[k, top:bottom, left:right]), (W, H), interpolation=cv2.INTER_LINEAR)
        x1, y1, x2, y2 = boxes[k]
        inside = (cols >= x1) & (cols < x2) & (rows >= y1) & (rows < y2)
        mask = ((m > 0) & inside).astype(np.uint8)
        rle = mask_util.encode(np.asfortranarray(mask))
        dets.append({
            'box': [round(float(v), 3) for v in boxes[k]],
            'score': round(float(score[k]), 5),
            'class': int(klass[k]),
            'area': int(mask.sum()),
            'mask': {'size': [H, W], 'counts': rle['counts'].decode('ascii')},
        })
    return dets


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--write', action='store_true', help='regenerate the golden JSON beside this script')
    args = ap.parse_args()
    if not os.path.isdir(SHARED):
        sys.exit(f'shared data missing: {SHARED}')
    sess = ort.InferenceSession(os.path.join(SHARED, MODEL), providers=['CPUExecutionProvider'])
    out = {'model': MODEL, 'generator': 'src/engine/model/reference/seg_reference.py', 'cases': []}
    for name, rel, crop, conf, iou in CASES:
        bgr = cv2.imread(os.path.join(SHARED, rel), cv2.IMREAD_COLOR)
        rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
        if crop:
            x, y, w, h = crop
            rgb = np.ascontiguousarray(rgb[y:y + h, x:x + w])
        dets = segment(sess, rgb, conf, iou)
        out['cases'].append({'name': name, 'image': rel, 'crop': crop, 'conf': conf, 'iou': iou,
                             'width': int(rgb.shape[1]), 'height': int(rgb.shape[0]), 'detections': dets})
    text = json.dumps(out, indent=1) + '\n'
    if args.write:
        with open(GOLDEN, 'w') as f:
            f.write(text)
        print(f'wrote {GOLDEN}')
    else:
        sys.stdout.write(text)


if __name__ == '__main__':
    main()
