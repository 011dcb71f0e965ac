"""The bench's `peer`: the pipeline a Python user writes with the standard stack on the same ONNX model
and GeoTIFF — GDAL (Debian's python3-gdal) to read windows, OpenCV to letterbox and upsample masks,
onnxruntime to run, numpy for NMS and mask logits, OpenCV contours + shapely polygons, GDAL/OSR to
project to WGS84, json for the GeoJSON. It follows Ultralytics' conventions (LetterBox, class-agnostic
NMS, process_mask_native) and computes each mask only inside its box (the efficient way). With
--footprints it replaces the prototypes by the bench's map of building outlines, as our side does. It does NOT
merge objects across tile seams or regularize outlines (fastsam-geo does both), so it is the lighter path.

Started once by bench/peer.ts; then reads commands on stdin, one per line, and answers one JSON line:
  run            extract the whole raster: {"total_ms", "tiles", "detections", "polygons", "stages": {...}}
  tile0          detections of the first tile: {"boxes": [[x1, y1, x2, y2], ...], "scores": [...]}
  quit
BLAS threads are limited to 1 (threadpoolctl) so numpy's spinning threads do not slow the next run.
"""
import argparse
import json
import math
import sys
import time

import cv2
import numpy as np
import onnxruntime as ort
import shapely
from osgeo import gdal, osr
from shapely.geometry import MultiPolygon, Polygon, mapping
from threadpoolctl import threadpool_limits

gdal.UseExceptions()


def read_rgb(ds, x0, y0, w, h):
    """A window of bands 1-3 as pixel-interleaved uint8 (GDAL does the interleave in C)."""
    buf = ds.ReadRaster(x0, y0, w, h, buf_type=gdal.GDT_Byte, band_list=[1, 2, 3],
                        buf_pixel_space=3, buf_line_space=3 * w, buf_band_space=1)
    return np.frombuffer(buf, dtype=np.uint8).reshape(h, w, 3)


def letterbox(img, size):
    h, w = img.shape[:2]
    r = min(size / h, size / w)
    nw, nh = int(round(w * r)), int(round(h * r))
    dw, dh = (size - nw) / 2, (size - nh) / 2
    if (nw, nh) != (w, h):
        img = cv2.resize(img, (nw, nh), interpolation=cv2.INTER_LINEAR)
    top, bottom = int(round(dh - 0.1)), int(round(dh + 0.1))
    left, right = int(round(dw - 0.1)), int(round(dw + 0.1))
    img = cv2.copyMakeBorder(img, top, bottom, left, right, cv2.BORDER_CONSTANT, value=(114, 114, 114))
    x = np.ascontiguousarray(img.transpose(2, 0, 1)[None], dtype=np.float32) / 255.0
    return x, r, left, top


def nms(boxes, scores, iou, max_det):
    order = np.argsort(-scores, kind="stable")
    keep = []
    x1, y1, x2, y2 = boxes.T
    areas = (x2 - x1) * (y2 - y1)
    while order.size and len(keep) < max_det:
        i = order[0]
        keep.append(i)
        rest = order[1:]
        xx1 = np.maximum(x1[i], x1[rest]); yy1 = np.maximum(y1[i], y1[rest])
        xx2 = np.minimum(x2[i], x2[rest]); yy2 = np.minimum(y2[i], y2[rest])
        inter = np.clip(xx2 - xx1, 0, None) * np.clip(yy2 - yy1, 0, None)
        o = inter / (areas[i] + areas[rest] - inter)
        order = rest[o <= iou]
    return np.array(keep, dtype=np.int64)


class Peer:
    def __init__(self, a):
        so = ort.SessionOptions()
        so.intra_op_num_threads = a.threads
        so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        if a.no_spinning:  # the same session setting as fastsam-geo's (segmodel.ts)
            so.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.sess = ort.InferenceSession(a.model, so, providers=["CPUExecutionProvider"])
        self.inp = self.sess.get_inputs()[0].name
        self.a = a
        self.footprints = np.fromfile(a.footprints, dtype=np.float32) if a.footprints else None

    def segment(self, rgb):
        a = self.a
        t0 = time.perf_counter()
        x, r, left, top = letterbox(rgb, a.imgsz)
        t1 = time.perf_counter()
        out0, protos = self.sess.run(None, {self.inp: x})
        if self.footprints is not None:
            # The bench's building outlines (footprint-masks.ts): the same replacement as on our side.
            nm_ = protos.shape[1]
            protos[0, 0] = self.footprints.reshape(protos.shape[2:])
            protos[0, 1:] = 0
            out0[0, -nm_] = 1
            out0[0, -nm_ + 1:] = 1e-20
        t2 = time.perf_counter()
        p = out0[0]  # [4 + 1 + 32, N]
        nm = protos.shape[1]
        nc = p.shape[0] - 4 - nm
        scores = p[4:4 + nc].max(0)
        cand = np.nonzero(scores > a.conf)[0]
        cx, cy, bw, bh = p[0, cand], p[1, cand], p[2, cand], p[3, cand]
        boxes = np.stack([cx - bw / 2, cy - bh / 2, cx + bw / 2, cy + bh / 2], 1)
        keep = nms(boxes, scores[cand], a.iou, a.max_det)
        boxes, sc, idx = boxes[keep], scores[cand][keep], cand[keep]
        # Back to tile pixels (scale_boxes), clipped.
        h, w = rgb.shape[:2]
        ib = boxes.copy()
        ib[:, [0, 2]] = ((ib[:, [0, 2]] - left) / r).clip(0, w)
        ib[:, [1, 3]] = ((ib[:, [1, 3]] - top) / r).clip(0, h)
        coeffs = p[4 + nc:, idx].T  # [n, nm]
        pr = protos[0]
        mh, mw = pr.shape[1:]
        gain = mh / a.imgsz
        masks = []
        for k in range(len(idx)):
            x1, y1, x2, y2 = ib[k]
            c0, c1 = int(math.floor(x1)), int(math.ceil(x2))
            r0, r1 = int(math.floor(y1)), int(math.ceil(y2))
            if c1 <= c0 or r1 <= r0:
                masks.append(None)
                continue
            # The box's region on the prototype grid (1 cell of margin for the bilinear taps).
            px0 = max(0, int(math.floor((c0 * r + left) * gain)) - 1)
            px1 = min(mw, int(math.ceil((c1 * r + left) * gain)) + 1)
            py0 = max(0, int(math.floor((r0 * r + top) * gain)) - 1)
            py1 = min(mh, int(math.ceil((r1 * r + top) * gain)) + 1)
            logits = (coeffs[k] @ pr[:, py0:py1, px0:px1].reshape(nm, -1)).reshape(py1 - py0, px1 - px0)
            # Upsample that crop to the image pixels it covers, then cut the box out of it.
            sx = (px1 - px0) / gain / r
            sy = (py1 - py0) / gain / r
            up = cv2.resize(logits, (max(1, int(round(sx))), max(1, int(round(sy)))), interpolation=cv2.INTER_LINEAR)
            ox = int(round((px0 / gain - left) / r))
            oy = int(round((py0 / gain - top) / r))
            m = up[max(0, r0 - oy):max(0, r1 - oy), max(0, c0 - ox):max(0, c1 - ox)] > 0
            masks.append((c0, r0, m))
        t3 = time.perf_counter()
        return ib, sc, masks, {"preprocess": t1 - t0, "inference": t2 - t1, "decode": t3 - t2}

    def run(self):
        a = self.a
        t0 = time.perf_counter()
        st = {"read": 0.0, "preprocess": 0.0, "inference": 0.0, "decode": 0.0, "vectorize": 0.0, "geo": 0.0, "export": 0.0}
        ds = gdal.Open(a.raster)
        W, H = ds.RasterXSize, ds.RasterYSize
        gt = ds.GetGeoTransform()
        src = osr.SpatialReference(wkt=ds.GetProjection())
        dst = osr.SpatialReference()
        dst.ImportFromEPSG(4326)
        for s in (src, dst):
            s.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
        ct = osr.CoordinateTransformation(src, dst)
        size, step = a.imgsz, a.imgsz - a.overlap
        xs = list(range(0, max(1, W - a.overlap), step)) if W > size else [0]
        ys = list(range(0, max(1, H - a.overlap), step)) if H > size else [0]
        xs = sorted({min(x, max(0, W - size)) for x in xs})
        ys = sorted({min(y, max(0, H - size)) for y in ys})
        feats, tiles, dets = [], 0, 0
        for y0 in ys:
            for x0 in xs:
                tiles += 1
                t = time.perf_counter()
                w, h = min(size, W - x0), min(size, H - y0)
                rgb = read_rgb(ds, x0, y0, w, h)
                st["read"] += time.perf_counter() - t
                _, sc, masks, ts = self.segment(rgb)
                for k in ("preprocess", "inference", "decode"):
                    st[k] += ts[k]
                dets += len(sc)
                t = time.perf_counter()
                polys = []
                for k, m in enumerate(masks):
                    if m is None or not m[2].any():
                        continue
                    c0, r0, bm = m
                    contours, _ = cv2.findContours(bm.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
                    for c in contours:
                        if len(c) < 3:
                            continue
                        pts = c[:, 0, :].astype(np.float64) + (c0 + x0, r0 + y0)
                        polys.append((float(sc[k]), pts))
                st["vectorize"] += time.perf_counter() - t
                t = time.perf_counter()
                for score, pts in polys:
                    gx = gt[0] + pts[:, 0] * gt[1] + pts[:, 1] * gt[2]
                    gy = gt[3] + pts[:, 0] * gt[4] + pts[:, 1] * gt[5]
                    poly = Polygon(np.stack([gx, gy], 1)).buffer(0)
                    if poly.is_empty or poly.area < a.min_area:
                        continue
                    poly = poly.simplify(a.simplify, preserve_topology=True)
                    parts = []
                    for part in getattr(poly, "geoms", [poly]):  # buffer(0) may split a contour
                        rings = [part.exterior, *part.interiors]
                        ll = [np.array(ct.TransformPoints(np.asarray(r.coords)))[:, :2] for r in rings]
                        parts.append(Polygon(ll[0], ll[1:]))
                    geom = parts[0] if len(parts) == 1 else MultiPolygon(parts)
                    feats.append({"type": "Feature", "properties": {"score": round(score, 4), "area_m2": round(poly.area, 2)},
                                  "geometry": mapping(geom)})
                st["geo"] += time.perf_counter() - t
        t = time.perf_counter()
        text = json.dumps({"type": "FeatureCollection", "features": feats})
        st["export"] += time.perf_counter() - t
        return {"total_ms": (time.perf_counter() - t0) * 1000, "tiles": tiles, "detections": dets, "polygons": len(feats),
                "geojson_chars": len(text), "stages": {k: v * 1000 for k, v in st.items()}}

    def tile0(self):
        ds = gdal.Open(self.a.raster)
        s = self.a.imgsz
        boxes, sc, _, _ = self.segment(read_rgb(ds, 0, 0, min(s, ds.RasterXSize), min(s, ds.RasterYSize)))
        return {"boxes": boxes.tolist(), "scores": sc.tolist()}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--raster", required=True)
    ap.add_argument("--imgsz", type=int, required=True)
    ap.add_argument("--overlap", type=int, default=128)
    ap.add_argument("--conf", type=float, default=0.4)
    ap.add_argument("--iou", type=float, default=0.9)
    ap.add_argument("--max-det", type=int, default=300)
    ap.add_argument("--threads", type=int, required=True)
    ap.add_argument("--simplify", type=float, default=0.5)
    ap.add_argument("--min-area", type=float, default=10)
    ap.add_argument("--no-spinning", action="store_true", help="intra-op threads do not spin-wait (as fastsam-geo)")
    ap.add_argument("--footprints", help="raw float32 prototype map of building outlines (bench/footprint-masks.ts)")
    a = ap.parse_args()
    with threadpool_limits(limits=1, user_api="blas"):
        peer = Peer(a)
        print(json.dumps({"ready": True, "versions": {"gdal": gdal.__version__, "onnxruntime": ort.__version__, "opencv": cv2.__version__,
                                                      "shapely": shapely.__version__, "numpy": np.__version__}}), flush=True)
        for line in sys.stdin:
            cmd = line.strip()
            if cmd == "run":
                print(json.dumps(peer.run()), flush=True)
            elif cmd == "tile0":
                print(json.dumps(peer.tile0()), flush=True)
            elif cmd == "quit":
                break


if __name__ == "__main__":
    main()
