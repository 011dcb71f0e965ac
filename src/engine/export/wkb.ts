/**
 * Well-known binary (ISO/OGC WKB, little-endian, 2D) for Polygon and MultiPolygon, and their bounding
 * boxes: the geometry encoding of GeoParquet and, behind a small header, of GeoPackage.
 */
import type { Feature } from './geojson.js';

export type Geometry = Feature['geometry'];

/** [minX, minY, maxX, maxY] of a Polygon / MultiPolygon (NaNs when empty). */
export function geometryBbox(g: Geometry): [number, number, number, number] {
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  const polys = g.type === 'Polygon' ? [g.coordinates] : g.coordinates;
  for (const poly of polys) {
    for (const ring of poly) {
      for (const p of ring) {
        if (p[0] < x0) x0 = p[0];
        if (p[0] > x1) x1 = p[0];
        if (p[1] < y0) y0 = p[1];
        if (p[1] > y1) y1 = p[1];
      }
    }
  }
  return x0 <= x1 ? [x0, y0, x1, y1] : [NaN, NaN, NaN, NaN];
}

function polygonSize(rings: number[][][]): number {
  let n = 1 + 4 + 4;
  for (const r of rings) n += 4 + r.length * 16;
  return n;
}

function writePolygon(view: DataView, o: number, rings: number[][][]): number {
  view.setUint8(o, 1);
  view.setUint32(o + 1, 3, true);
  view.setUint32(o + 5, rings.length, true);
  o += 9;
  for (const r of rings) {
    view.setUint32(o, r.length, true);
    o += 4;
    for (const p of r) {
      view.setFloat64(o, p[0], true);
      view.setFloat64(o + 8, p[1], true);
      o += 16;
    }
  }
  return o;
}

/** WKB bytes of a Polygon or MultiPolygon. */
export function toWkb(g: Geometry): Uint8Array {
  if (g.type === 'Polygon') {
    const buf = new Uint8Array(polygonSize(g.coordinates));
    writePolygon(new DataView(buf.buffer), 0, g.coordinates);
    return buf;
  }
  let size = 1 + 4 + 4;
  for (const p of g.coordinates) size += polygonSize(p);
  const buf = new Uint8Array(size);
  const view = new DataView(buf.buffer);
  view.setUint8(0, 1);
  view.setUint32(1, 6, true);
  view.setUint32(5, g.coordinates.length, true);
  let o = 9;
  for (const p of g.coordinates) o = writePolygon(view, o, p);
  return buf;
}

/** Decodes 2D WKB (either byte order) Polygon / MultiPolygon; other types → null. */
export function fromWkb(bytes: Uint8Array): Geometry | null {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let o = 0;
  const header = (): { le: boolean; type: number } => {
    const le = view.getUint8(o) === 1;
    const type = view.getUint32(o + 1, le);
    o += 5;
    return { le, type };
  };
  const polygon = (le: boolean, dims: number): number[][][] => {
    const nr = view.getUint32(o, le);
    o += 4;
    const rings: number[][][] = [];
    for (let r = 0; r < nr; r++) {
      const np = view.getUint32(o, le);
      o += 4;
      const ring: number[][] = new Array(np);
      for (let i = 0; i < np; i++) {
        ring[i] = [view.getFloat64(o, le), view.getFloat64(o + 8, le)];
        o += 8 * dims;
      }
      rings.push(ring);
    }
    return rings;
  };
  // ISO WKB: 1003 = Polygon Z, 2003 = M, 3003 = ZM (coordinates beyond x, y are skipped).
  const split = (t: number): [number, number] => {
    const base = t % 1000;
    const flag = Math.floor(t / 1000);
    return [base, flag === 0 ? 2 : flag === 3 ? 4 : 3];
  };
  const h = header();
  const [base, dims] = split(h.type & 0x0fffffff);
  const ewkbZ = (h.type & 0x80000000) !== 0 ? 1 : 0;
  if (base === 3) return { type: 'Polygon', coordinates: polygon(h.le, dims + ewkbZ) };
  if (base === 6) {
    const n = view.getUint32(o, h.le);
    o += 4;
    const polys: number[][][][] = [];
    for (let k = 0; k < n; k++) {
      const ph = header();
      const [, pd] = split(ph.type & 0x0fffffff);
      polys.push(polygon(ph.le, pd + ((ph.type & 0x80000000) !== 0 ? 1 : 0)));
    }
    return { type: 'MultiPolygon', coordinates: polys };
  }
  return null;
}
