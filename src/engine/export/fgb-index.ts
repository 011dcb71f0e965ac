/**
 * FlatGeobuf's packed Hilbert R-tree (the spec's optional index, as GDAL and the reference writers make
 * it; the flatgeobuf npm package reads it but writes none). Leaves are the features' boxes sorted by the
 * Hilbert value of their centres (16 bits per axis over the layer's extent, as flatgeobuf's C++/Rust
 * writers do); each parent holds the union of up to `nodeSize` children; the nodes are stored root
 * first (level bounds from flatgeobuf's own generateLevelBounds, passed in by fgb.ts, the package's
 * one importer), 40 bytes each: minX, minY, maxX, maxY
 * (float64 LE) and an offset (uint64 LE): a leaf's is the byte offset of its feature in the feature
 * section, a parent's the index of its first child. The features must then be written in leaf order.
 *
 * The trade-off of streaming: the order is known only when every box is, so the writer keeps, per
 * feature, its box and where its bytes lie in the side file (6 float64 = 48 bytes; 1 M features ≈ 48 MB)
 * and reorders the features at the end; `spatialIndex: false` keeps the streamed order and no index.
 */

export const DEFAULT_NODE_SIZE = 16;
const NODE_ITEM_BYTE_LEN = 40;

/** Growable per-feature records: box, byte offset and length in the side file. */
export class FeatureBoxes {
  private data = new Float64Array(6 * 1024);
  count = 0;

  add(box: readonly number[], offset: number, length: number): void {
    if ((this.count + 1) * 6 > this.data.length) {
      const bigger = new Float64Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data.set([box[0], box[1], box[2], box[3], offset, length], this.count * 6);
    this.count++;
  }

  box(i: number): [number, number, number, number] {
    const d = this.data, o = i * 6;
    return [d[o], d[o + 1], d[o + 2], d[o + 3]];
  }

  offset(i: number): number {
    return this.data[i * 6 + 4];
  }

  length(i: number): number {
    return this.data[i * 6 + 5];
  }
}

/** flatbush's / flatgeobuf's Hilbert curve index of (x, y) in [0, 2^16). */
function hilbert(x: number, y: number): number {
  let a = x ^ y;
  let b = 0xffff ^ a;
  let c = 0xffff ^ (x | y);
  let d = x & (y ^ 0xffff);
  let A = a | (b >> 1);
  let B = (a >> 1) ^ a;
  let C = ((c >> 1) ^ (b & (d >> 1))) ^ c;
  let D = ((a & (c >> 1)) ^ (d >> 1)) ^ d;
  a = A; b = B; c = C; d = D;
  A = (a & (a >> 2)) ^ (b & (b >> 2));
  B = (a & (b >> 2)) ^ (b & ((a ^ b) >> 2));
  C ^= (a & (c >> 2)) ^ (b & (d >> 2));
  D ^= (b & (c >> 2)) ^ ((a ^ b) & (d >> 2));
  a = A; b = B; c = C; d = D;
  A = (a & (a >> 4)) ^ (b & (b >> 4));
  B = (a & (b >> 4)) ^ (b & ((a ^ b) >> 4));
  C ^= (a & (c >> 4)) ^ (b & (d >> 4));
  D ^= (b & (c >> 4)) ^ ((a ^ b) & (d >> 4));
  a = A; b = B; c = C; d = D;
  C ^= (a & (c >> 8)) ^ (b & (d >> 8));
  D ^= (b & (c >> 8)) ^ ((a ^ b) & (d >> 8));
  a = C ^ (C >> 1);
  b = D ^ (D >> 1);
  let i0 = x ^ y;
  let i1 = b | (0xffff ^ (i0 | a));
  i0 = (i0 | (i0 << 8)) & 0x00ff00ff;
  i0 = (i0 | (i0 << 4)) & 0x0f0f0f0f;
  i0 = (i0 | (i0 << 2)) & 0x33333333;
  i0 = (i0 | (i0 << 1)) & 0x55555555;
  i1 = (i1 | (i1 << 8)) & 0x00ff00ff;
  i1 = (i1 | (i1 << 4)) & 0x0f0f0f0f;
  i1 = (i1 | (i1 << 2)) & 0x33333333;
  i1 = (i1 | (i1 << 1)) & 0x55555555;
  return ((i1 << 1) | i0) >>> 0;
}

/** The features' order in the file (by Hilbert value of the box centre; ties by arrival). */
export function hilbertOrder(boxes: FeatureBoxes, extent: readonly number[]): Uint32Array {
  const n = boxes.count;
  const w = extent[2] - extent[0] || 1;
  const h = extent[3] - extent[1] || 1;
  const max = 0xffff;
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const [x0, y0, x1, y1] = boxes.box(i);
    const x = Math.floor((max * ((x0 + x1) / 2 - extent[0])) / w);
    const y = Math.floor((max * ((y0 + y1) / 2 - extent[1])) / h);
    values[i] = hilbert(Math.min(max, Math.max(0, x)), Math.min(max, Math.max(0, y)));
  }
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  return order.sort((a, b) => values[a] - values[b] || a - b);
}

/**
 * The index bytes for features written in `order` (leaf offsets: their byte offsets in that order).
 * An empty layer has no index (index_node_size 0).
 */
export function packedRtree(boxes: FeatureBoxes, order: Uint32Array, nodeSize: number, bounds: Array<[number, number]>): Uint8Array {
  const n = order.length;
  const numNodes = bounds[0][1];
  const size = numNodes * NODE_ITEM_BYTE_LEN;
  const minX = new Float64Array(numNodes), minY = new Float64Array(numNodes);
  const maxX = new Float64Array(numNodes), maxY = new Float64Array(numNodes);
  const offs = new Float64Array(numNodes);
  const leaf0 = bounds[0][0];
  let byteOffset = 0;
  for (let k = 0; k < n; k++) {
    const i = order[k];
    const [x0, y0, x1, y1] = boxes.box(i);
    minX[leaf0 + k] = x0; minY[leaf0 + k] = y0; maxX[leaf0 + k] = x1; maxY[leaf0 + k] = y1;
    offs[leaf0 + k] = byteOffset;
    byteOffset += boxes.length(i);
  }
  for (let level = 0; level < bounds.length - 1; level++) {
    let pos = bounds[level][0];
    const end = bounds[level][1];
    let parent = bounds[level + 1][0];
    while (pos < end) {
      let a = Infinity, b = Infinity, c = -Infinity, d = -Infinity;
      offs[parent] = pos;
      for (let j = 0; j < nodeSize && pos < end; j++, pos++) {
        if (minX[pos] < a) a = minX[pos];
        if (minY[pos] < b) b = minY[pos];
        if (maxX[pos] > c) c = maxX[pos];
        if (maxY[pos] > d) d = maxY[pos];
      }
      minX[parent] = a; minY[parent] = b; maxX[parent] = c; maxY[parent] = d;
      parent++;
    }
  }
  const out = new Uint8Array(size);
  const v = new DataView(out.buffer);
  for (let i = 0; i < numNodes; i++) {
    const o = i * NODE_ITEM_BYTE_LEN;
    v.setFloat64(o, minX[i], true);
    v.setFloat64(o + 8, minY[i], true);
    v.setFloat64(o + 16, maxX[i], true);
    v.setFloat64(o + 24, maxY[i], true);
    v.setBigUint64(o + 32, BigInt(offs[i]), true);
  }
  return out;
}
