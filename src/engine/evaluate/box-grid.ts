/**
 * A uniform grid over bounding boxes, for evaluate's candidate pairs: each box is listed in the cells it
 * covers (cells about twice the median box side, at most ~4 cells per box on average), and a query
 * visits the cells of its own box. For building footprints (boxes of similar size, spread over an
 * area) a query costs about the number of boxes near it, so matching a city is linear in its size
 * rather than predicted × truth.
 *
 *   const grid = new BoxGrid(boxes);          // [xmin, ymin, xmax, ymax] each
 *   for (const i of grid.search(box)) ...     // indices of the boxes meeting `box`, ascending
 */
export type Box = readonly [number, number, number, number];

/** At most this many cells in all (a few degenerate huge boxes must not make the grid huge). */
const MAX_CELLS = 1 << 20;

export class BoxGrid {
  private readonly boxes: readonly Box[];
  private readonly x0: number;
  private readonly y0: number;
  private readonly cell: number;
  private readonly nx: number;
  private readonly ny: number;
  private readonly cells: Map<number, number[]> = new Map();
  private readonly seen: Uint32Array;
  private stamp = 0;

  constructor(boxes: readonly Box[]) {
    this.boxes = boxes;
    this.seen = new Uint32Array(boxes.length);
    const ok = boxes.filter((b) => b.every(Number.isFinite) && b[2] >= b[0] && b[3] >= b[1]);
    let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
    for (const b of ok) {
      x0 = Math.min(x0, b[0]);
      y0 = Math.min(y0, b[1]);
      x1 = Math.max(x1, b[2]);
      y1 = Math.max(y1, b[3]);
    }
    const sides = ok.map((b) => Math.max(b[2] - b[0], b[3] - b[1])).sort((a, b) => a - b);
    const median = sides.length ? sides[sides.length >> 1] : 1;
    let cell = Math.max(2 * median, 1e-9);
    if (ok.length) {
      const w = x1 - x0, h = y1 - y0;
      while ((Math.floor(w / cell) + 1) * (Math.floor(h / cell) + 1) > MAX_CELLS) cell *= 2;
    }
    this.x0 = ok.length ? x0 : 0;
    this.y0 = ok.length ? y0 : 0;
    this.cell = cell;
    this.nx = ok.length ? Math.floor((x1 - x0) / cell) + 1 : 1;
    this.ny = ok.length ? Math.floor((y1 - y0) / cell) + 1 : 1;
    boxes.forEach((b, i) => {
      if (!b.every(Number.isFinite) || b[2] < b[0] || b[3] < b[1]) return;
      const [cx0, cy0, cx1, cy1] = this.range(b);
      for (let cy = cy0; cy <= cy1; cy++) {
        for (let cx = cx0; cx <= cx1; cx++) {
          const k = cy * this.nx + cx;
          const l = this.cells.get(k);
          if (l) l.push(i);
          else this.cells.set(k, [i]);
        }
      }
    });
  }

  private range(b: Box): [number, number, number, number] {
    const c = (v: number, o: number, n: number): number => Math.min(n - 1, Math.max(0, Math.floor((v - o) / this.cell)));
    return [c(b[0], this.x0, this.nx), c(b[1], this.y0, this.ny), c(b[2], this.x0, this.nx), c(b[3], this.y0, this.ny)];
  }

  /** Indices of the boxes that meet `q` (touching counts), ascending. */
  search(q: Box): number[] {
    const out: number[] = [];
    if (!q.every(Number.isFinite) || this.cells.size === 0) return out;
    const [cx0, cy0, cx1, cy1] = this.range(q);
    if (++this.stamp === 0xffffffff) {
      this.seen.fill(0);
      this.stamp = 1;
    }
    for (let cy = cy0; cy <= cy1; cy++) {
      for (let cx = cx0; cx <= cx1; cx++) {
        for (const i of this.cells.get(cy * this.nx + cx) ?? []) {
          if (this.seen[i] === this.stamp) continue;
          this.seen[i] = this.stamp;
          const b = this.boxes[i];
          if (b[0] <= q[2] && q[0] <= b[2] && b[1] <= q[3] && q[1] <= b[3]) out.push(i);
        }
      }
    }
    return out.sort((a, b) => a - b);
  }
}
