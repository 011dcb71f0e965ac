/**
 * The planar partition of a label grid: every boundary between two different labels (0 = background
 * and the outside) cut into chains of pixel edges between junctions, and every label's rings as
 * cycles of those chains. Two labels that touch border the same chain, so anything computed once per
 * chain (simplified, regularized) is shared exactly by both sides. Pure function on typed arrays.
 *
 * Conventions as in trace.ts: pixel-corner coordinates (x right, y down) plus an offset; a chain is
 * directed with its `right` label on the right-hand side on screen (so outer rings run clockwise on
 * screen, holes anticlockwise); a junction is a pixel corner where three or four boundary edges meet
 * (three or four labels, or two labels touching only diagonally: a pinch).
 */

export interface Chain {
  /** Corner points of the chain, flat [x0, y0, ...], from its start to its end (both ends included). */
  points: Float64Array;
  /** Junction index at the start / end; -1 for a closed loop (no junction; first point not repeated). */
  start: number;
  end: number;
  /** Labels on the left / right of the chain (0 = background). */
  left: number;
  right: number;
  /** Direction of the first / last pixel edge (0 east, 1 south, 2 west, 3 north). */
  dir0: number;
  dir1: number;
}

/** A chain used along a ring: reversed when its `left` label is the ring's label. */
export interface ChainRef {
  chain: number;
  reversed: boolean;
}

export interface Partition {
  chains: Chain[];
  /** Junction positions [x, y] (pixel corners plus the offset). */
  junctions: [number, number][];
  /** rings[label] = rings of that label (outer first, then holes), each a cycle of chain refs. */
  rings: ChainRef[][][];
}

const DX = [1, 0, -1, 0];
const DY = [0, 1, 0, -1];

/**
 * The label grid's boundary edges, as methods of a module-level class rather than closures made per
 * call: V8 keeps a closure's optimized code only while one of its closures lives, so closures made per
 * call were compiled again on most calls (util/gc-tuning.ts).
 */
class EdgeGrid {
  readonly W1: number;
  /** Undirected edge ids: horizontal edge (x, y)-(x+1, y) → y*width + x; vertical (x, y)-(x, y+1) → H + y*W1 + x. */
  readonly H: number;

  constructor(readonly labels: Int32Array, readonly width: number, readonly height: number) {
    this.W1 = width + 1;
    this.H = width * (height + 1);
  }

  lab(x: number, y: number): number {
    return x >= 0 && y >= 0 && x < this.width && y < this.height ? this.labels[y * this.width + x] : 0;
  }

  /** Label right of the pixel edge leaving vertex (x, y) in direction d. */
  rightOf(x: number, y: number, d: number): number {
    return d === 0 ? this.lab(x, y) : d === 1 ? this.lab(x - 1, y) : d === 2 ? this.lab(x - 1, y - 1) : this.lab(x, y - 1);
  }

  /** Label left of the pixel edge leaving vertex (x, y) in direction d. */
  leftOf(x: number, y: number, d: number): number {
    return d === 0 ? this.lab(x, y - 1) : d === 1 ? this.lab(x, y) : d === 2 ? this.lab(x - 1, y) : this.lab(x - 1, y - 1);
  }

  isEdge(x: number, y: number, d: number): boolean {
    const ex = x + DX[d];
    const ey = y + DY[d];
    if (ex < 0 || ey < 0 || ex > this.width || ey > this.height) return false;
    return this.rightOf(x, y, d) !== this.leftOf(x, y, d);
  }

  degree(x: number, y: number): number {
    return (this.isEdge(x, y, 0) ? 1 : 0) + (this.isEdge(x, y, 1) ? 1 : 0) + (this.isEdge(x, y, 2) ? 1 : 0) + (this.isEdge(x, y, 3) ? 1 : 0);
  }

  edgeId(x: number, y: number, d: number): number {
    const { width, W1, H } = this;
    return d === 0 ? y * width + x : d === 2 ? y * width + x - 1 : d === 1 ? H + y * W1 + x : H + (y - 1) * W1 + x;
  }
}

/** What walkChain reads and writes while cutting a grid's boundaries into chains. */
interface ChainWalk {
  grid: EdgeGrid;
  visited: Uint8Array;
  junctionOf: Map<number, number>;
  chains: Chain[];
  offsetX: number;
  offsetY: number;
}

/** Walks from vertex (x0, y0) along direction d0 until a junction (or back to the first edge); appends the chain. */
function walkChain(w: ChainWalk, x0: number, y0: number, d0: number, startJ: number): void {
  const { grid, visited, junctionOf, offsetX, offsetY } = w;
  const W1 = grid.W1;
  const right = grid.rightOf(x0, y0, d0);
  const left = grid.leftOf(x0, y0, d0);
  const pts: number[] = [x0 + offsetX, y0 + offsetY];
  let x = x0, y = y0, d = d0;
  let endJ = -1;
  for (;;) {
    visited[grid.edgeId(x, y, d)] = 1;
    x += DX[d];
    y += DY[d];
    const j = junctionOf.get(y * W1 + x);
    if (j !== undefined) {
      endJ = j;
      pts.push(x + offsetX, y + offsetY);
      break;
    }
    // A degree-2 vertex: the other boundary edge with the same labels (not the way back): straight on,
    // else right, else left.
    let nd = -1;
    for (let k = 0; k < 3; k++) {
      const t = k === 0 ? d : k === 1 ? (d + 1) % 4 : (d + 3) % 4;
      if (grid.isEdge(x, y, t)) { nd = t; break; }
    }
    if (nd < 0) throw new Error(`partition: dead end at (${x}, ${y})`);
    if (visited[grid.edgeId(x, y, nd)]) break; // closed loop back at its start
    if (nd !== d) pts.push(x + offsetX, y + offsetY);
    d = nd;
  }
  if (endJ < 0) {
    // A loop: (x, y) is (x0, y0); drop the start point if the loop runs straight through it.
    if (d === d0 && pts.length > 2) pts.splice(0, 2);
  }
  w.chains.push({ points: Float64Array.from(pts), start: startJ, end: endJ, left, right, dir0: d0, dir1: d });
}

/** The corners where three or four boundary edges meet, in scan order: their positions and an index by vertex id. */
function findJunctions(grid: EdgeGrid, offsetX: number, offsetY: number): { junctionOf: Map<number, number>; junctions: [number, number][] } {
  const { labels, width, height, W1 } = grid;
  const junctionOf = new Map<number, number>();
  const junctions: [number, number][] = [];
  for (let y = 0; y <= height; y++) {
    const up = (y - 1) * width, dn = y * width, hasUp = y > 0, hasDn = y < height;
    for (let x = 0; x <= width; x++) {
      // Only corners of a boundary can be junctions: a quick reject on the four pixels around (lab's
      // values, read directly).
      const a = hasUp && x > 0 ? labels[up + x - 1] : 0, b = hasUp && x < width ? labels[up + x] : 0;
      const c = hasDn && x > 0 ? labels[dn + x - 1] : 0, d = hasDn && x < width ? labels[dn + x] : 0;
      if (a === b && c === d) continue;
      if (a === c && b === d) continue;
      if (grid.degree(x, y) >= 3) {
        junctionOf.set(y * W1 + x, junctions.length);
        junctions.push([x + offsetX, y + offsetY]);
      }
    }
  }
  return { junctionOf, junctions };
}

/** The chains from every junction, then the loops without junctions (an isolated label, a hole, a label inside another one). */
function walkChains(walk: ChainWalk, junctions: [number, number][]): void {
  const { grid, visited, offsetX, offsetY } = walk;
  const { labels, width, height } = grid;
  for (let j = 0; j < junctions.length; j++) {
    const x = junctions[j][0] - offsetX;
    const y = junctions[j][1] - offsetY;
    for (let d = 0; d < 4; d++) if (grid.isEdge(x, y, d) && !visited[grid.edgeId(x, y, d)]) walkChain(walk, x, y, d, j);
  }
  // (isEdge(x, y, 0): the labels below and above the edge differ; its edge id is y * width + x.)
  for (let y = 0; y <= height; y++) {
    const up = (y - 1) * width, dn = y * width;
    for (let x = 0; x < width; x++) {
      const below = y < height ? labels[dn + x] : 0, above = y > 0 ? labels[up + x] : 0;
      if (below !== above && !visited[dn + x]) walkChain(walk, x, y, 0, -1);
    }
  }
}

// A chain ref's ends and end directions along its ring, and a number naming it (chain, direction).
function refStart(chains: Chain[], r: ChainRef): number {
  return r.reversed ? chains[r.chain].end : chains[r.chain].start;
}
function refEnd(chains: Chain[], r: ChainRef): number {
  return r.reversed ? chains[r.chain].start : chains[r.chain].end;
}
function refDir0(chains: Chain[], r: ChainRef): number {
  return r.reversed ? (chains[r.chain].dir1 + 2) % 4 : chains[r.chain].dir0;
}
function refDir1(chains: Chain[], r: ChainRef): number {
  return r.reversed ? (chains[r.chain].dir0 + 2) % 4 : chains[r.chain].dir1;
}
function refId(r: ChainRef): number {
  return 2 * r.chain + (r.reversed ? 1 : 0);
}

/** Rings per label: chains oriented with the label on the right, linked end to start at junctions; outer ring first. */
function linkRings(chains: Chain[], junctionCount: number, count: number): ChainRef[][][] {
  const rings: ChainRef[][][] = [];
  for (let L = 0; L <= count; L++) rings.push([]);
  // Refs by (label, junction the ref starts at), in chain order.
  const refsAt = new Map<number, ChainRef[]>();
  const pending: ChainRef[] = [];
  for (let k = 0; k < chains.length; k++) {
    const c = chains[k];
    for (let side = 0; side < 2; side++) {
      const r: ChainRef = { chain: k, reversed: side === 1 };
      const L = r.reversed ? c.left : c.right;
      if (L <= 0 || L > count) continue;
      if (c.start < 0) {
        rings[L].push([r]);
        continue;
      }
      const key = L * junctionCount + refStart(chains, r);
      const l = refsAt.get(key);
      if (l) l.push(r);
      else refsAt.set(key, [r]);
      pending.push(r);
    }
  }
  const used = new Uint8Array(2 * chains.length);
  for (const r0 of pending) {
    const id0 = refId(r0);
    if (used[id0]) continue;
    const c0 = chains[r0.chain];
    const L = r0.reversed ? c0.left : c0.right;
    const ring: ChainRef[] = [];
    let r = r0;
    for (;;) {
      used[refId(r)] = 1;
      ring.push(r);
      // The refs leaving this ref's end not used yet (or the ring's first, which closes it); at a pinch
      // the ring turns right, as trace.ts does (4-connectivity).
      const turn = (refDir1(chains, r) + 1) % 4;
      let first: ChainRef | undefined;
      let turning: ChainRef | undefined;
      const at = refsAt.get(L * junctionCount + refEnd(chains, r));
      if (at) {
        for (const c of at) {
          const id = refId(c);
          if (used[id] && id !== id0) continue;
          first ??= c;
          if (turning === undefined && refDir0(chains, c) === turn) turning = c;
        }
      }
      if (first === undefined) throw new Error(`partition: open ring of label ${L}`);
      const next = turning ?? first;
      if (refId(next) === id0) break;
      r = next;
    }
    rings[L].push(ring);
  }
  // Outer ring first: positive shoelace in these coordinates (clockwise on screen, y down).
  for (let L = 1; L <= count; L++) {
    const rs = rings[L];
    let k = 0;
    while (k < rs.length && !(ringArea2(rs[k], chains) > 0)) k++;
    if (k > 0 && k < rs.length) rs.unshift(rs.splice(k, 1)[0]);
  }
  return rings;
}

/**
 * The partition of a label grid (labels 1..count; 0 = background). In phases, each a module-level
 * function without closures made per call: V8 threw away the optimized code of the one long function
 * that made closures per call ("weak objects") and compiled it again every few tiles.
 */
export function buildPartition(labels: Int32Array, count: number, width: number, height: number, offsetX = 0, offsetY = 0): Partition {
  const grid = new EdgeGrid(labels, width, height);
  const visited = new Uint8Array(grid.H + grid.W1 * height);
  const { junctionOf, junctions } = findJunctions(grid, offsetX, offsetY);
  const chains: Chain[] = [];
  walkChains({ grid, visited, junctionOf, chains, offsetX, offsetY }, junctions);
  return { chains, junctions, rings: linkRings(chains, junctions.length, count) };
}

/** The flat points of a ring of chain refs (each shared junction once; no closing point). */
export function ringPoints(ring: ChainRef[], pointsOf: (chain: number) => ArrayLike<number>, loop: (chain: number) => boolean): Float64Array {
  const out: number[] = [];
  for (const r of ring) {
    const p = pointsOf(r.chain);
    const n = p.length / 2;
    // An open chain's last point is the next chain's first: skip it.
    const m = loop(r.chain) ? n : n - 1;
    for (let i = 0; i < m; i++) {
      const k = r.reversed ? n - 1 - i : i;
      out.push(p[2 * k], p[2 * k + 1]);
    }
  }
  return Float64Array.from(out);
}

function ringArea2(ring: ChainRef[], chains: Chain[]): number {
  const p = ringPoints(ring, (c) => chains[c].points, (c) => chains[c].start < 0);
  let s = 0;
  const n = p.length;
  for (let i = 0; i < n; i += 2) {
    const j = (i + 2) % n;
    s += p[i] * p[j + 1] - p[j] * p[i + 1];
  }
  return s;
}
