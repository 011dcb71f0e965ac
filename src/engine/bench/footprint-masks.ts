/**
 * Building outlines for the bench's masks. The architecture-equivalent graphs have random weights, so
 * their masks are solid boxes, and tracing / shaping a rectangle costs ~30× less than a real building
 * outline. Here the model still runs in full (same graph, same cost) and the decode still computes every
 * mask from coefficients × prototypes, but after each run the prototypes are replaced by a map of the real
 * SpaceNet Atlanta footprints (shared data, 0.5 m pixels → 2 m prototype cells, supersampled edges, the
 * 450 m scene mirrored to fill the grid) and every anchor's coefficients select that map. Each detection's
 * mask is then the buildings inside its box: real outlines, cut where the box cuts them.
 * The replacement costs ~1–3 ms per tile; the bench's Python peer applies the same map (peer.py --footprints).
 */
import { mkdirSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import type { SegModel } from '../model/segmodel.js';
import type { OutputTensor } from '../model/session.js';
import { sharedData } from '../testing/shared-data.js';
import { readFileSync } from 'node:fs';

/** Logit of the prototype map inside / outside a building (a supersampled edge lies in between). */
const LOGIT = 8;
const SUPER = 4;
/** Prototype cell size in metres (0.5 m pixels, prototypes at 1/4 of the input). */
const CELL = 2;

type Ring = [number, number][];

function footprints(): { rings: Ring[][]; x0: number; y0: number; side: number } {
  const fc = JSON.parse(readFileSync(sharedData('geotiff/spacenet-atlanta/geotiff_labels.geojson'), 'utf8'));
  const polys: Ring[][] = [];
  for (const f of fc.features) {
    if (f.geometry.type === 'Polygon') polys.push(f.geometry.coordinates);
    else if (f.geometry.type === 'MultiPolygon') polys.push(...f.geometry.coordinates);
  }
  // The SpaceNet tile: origin (733601, 3725139), 900 px of 0.5 m.
  return { rings: polys, x0: 733601, y0: 3725139, side: 450 };
}

function inside(rings: Ring[], x: number, y: number): boolean {
  let c = false;
  for (const r of rings) {
    for (let i = 0, j = r.length - 1; i < r.length; j = i++) {
      const [xi, yi] = r[i];
      const [xj, yj] = r[j];
      if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) c = !c;
    }
  }
  return c;
}

/** The footprint logit map of size mh × mw (row-major), the scene mirrored to fill it. */
export function footprintMap(mh: number, mw: number): Float32Array {
  const { rings, x0, y0, side } = footprints();
  const n = side / CELL; // scene cells per side
  const scene = new Float32Array(n * n);
  const boxes = rings.map((p) => {
    const xs = p[0].map((v) => v[0]);
    const ys = p[0].map((v) => v[1]);
    return [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
  });
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < n; c++) {
      let cover = 0;
      for (let sy = 0; sy < SUPER; sy++) {
        for (let sx = 0; sx < SUPER; sx++) {
          const X = x0 + (c + (sx + 0.5) / SUPER) * CELL;
          const Y = y0 - (r + (sy + 0.5) / SUPER) * CELL;
          for (let k = 0; k < rings.length; k++) {
            const b = boxes[k];
            if (X < b[0] || X > b[2] || Y < b[1] || Y > b[3]) continue;
            if (inside(rings[k], X, Y)) { cover++; break; }
          }
        }
      }
      scene[r * n + c] = LOGIT * (2 * cover / (SUPER * SUPER) - 1);
    }
  }
  const out = new Float32Array(mh * mw);
  const mirror = (v: number): number => (Math.floor(v / n) % 2 ? n - 1 - (v % n) : v % n);
  for (let r = 0; r < mh; r++) for (let c = 0; c < mw; c++) out[r * mw + c] = scene[mirror(r) * n + mirror(c)];
  return out;
}

/** Writes the map for a prototype grid once (for peer.py), as raw float32; returns its path. */
export function footprintMapFile(dir: string, mh: number, mw: number): string {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `footprints-${mh}x${mw}.f32`);
  if (!existsSync(file)) writeFileSync(file, footprintMap(mh, mw));
  return file;
}

/** In place: prototypes [1, nm, mh, mw] := [map, 0, 0, …]. */
export function applyFootprintProtos(proto: OutputTensor, map: Float32Array): void {
  const p = proto.data as Float32Array;
  const [, nm, mh, mw] = proto.dims;
  if (map.length !== mh * mw) throw new Error(`footprint map ${map.length} cells, prototypes ${mh}×${mw}`);
  p.set(map, 0);
  p.fill(0, mh * mw, nm * mh * mw);
}

/**
 * In place: the nm mask coefficients of `count` items := [1, 1e-20, 1e-20, …]; coefficient c of item i at
 * first + c·count + i (stride 1: output0's last nm rows, items = anchors) or at first + i·stride + c
 * (stride nm: Candidates.coeffs, items = candidates).
 */
function footprintCoefficients(d: Float32Array, nm: number, count: number, first: number, stride: number): void {
  for (let c = 0; c < nm; c++) {
    // Not 0: a zero coefficient would let the decode skip its prototype channel and cost less than a real run.
    const v = c === 0 ? 1 : 1e-20;
    if (stride === 1) d.fill(v, first + c * count, first + (c + 1) * count);
    else for (let i = 0; i < count; i++) d[first + i * stride + c] = v;
  }
}

/** applyFootprintProtos on cell-major prototypes (masks.ts protosByCell's layout): cell i = [map[i], 0, 0, …]. */
export function applyFootprintsByCell(buffer: SharedArrayBuffer, protoDims: number[], map: Float32Array): void {
  const [, nm, mh, mw] = protoDims;
  const cells = new Float32Array(buffer, 0, nm * mh * mw);
  cells.fill(0);
  for (let i = 0; i < mh * mw; i++) cells[i * nm] = map[i];
}

/** The model with building-outline masks (see above); same session, same run cost. */
export function withFootprintMasks(model: SegModel): SegModel {
  const maps = new Map<string, Float32Array>();
  const session = model.session;
  return {
    ...model,
    session: {
      ...session,
      async run(feeds, signal, after) {
        const out = await session.run(feeds, signal, after);
        const det = out[model.detName];
        const proto = out[model.protoName];
        // Outputs the model's worker kept (after-run.ts compact) are replaced where their numbers went.
        const protoDims = proto?.dims ?? after?.kept?.[model.protoName];
        if (!protoDims) return out;
        const [, nm, mh, mw] = protoDims;
        const key = `${mh}x${mw}`;
        if (!maps.has(key)) maps.set(key, footprintMap(mh, mw));
        const map = maps.get(key)!;
        if (proto) applyFootprintProtos(proto, map);
        if (det) footprintCoefficients(det.data as Float32Array, nm, det.dims[2], (det.dims[1] - nm) * det.dims[2], 1);
        const coeffs = after?.candidates?.coeffs;
        if (coeffs) footprintCoefficients(coeffs, nm, coeffs.length / nm, 0, nm);
        // The model's worker laid the raw prototypes out cell by cell (after-run.ts): the same replacement there.
        if (after?.byCellDone && after.byCell) applyFootprintsByCell(after.byCell.buffer, protoDims, map);
        return out;
      },
    },
  };
}
