/**
 * The shared-wall solve (see shared-walls.ts for the method): over the labels of a planar partition
 * that have a wall, orientation groups, chain runs, lines shared at junctions, junction positions,
 * chain polylines, and the checks, repeated until every regularized building passes. Work coordinates.
 */
import type { GeoRef } from '../geo/georef.js';
import { ringPoints } from './partition.js';
import type { Partition } from './partition.js';
import { dominantAngle } from './regularize.js';
import { polygonArea } from './rings.js';
import { simplifyRing } from './simplify.js';
import { chainRuns, crossingChains, dedupeRing, fromFrame, polygonsIoU, rightAngled, simplifyOpen, toFrame } from './wall-geometry.js';
import type { Run } from './wall-geometry.js';
import type { SharedWallOptions } from './shared-walls.js';

const fold = (a: number): number => {
  const q = Math.PI / 2;
  return a - q * Math.round(a / q);
};

export interface Solved {
  rings: Float64Array[];
  regularized: boolean;
}

/** The shared-wall solve over the walled labels of a partition (work coordinates). */
export function solveWalls(part: Partition, walled: Set<number>, exact: Float64Array[][], geo: GeoRef, options: SharedWallOptions): Map<number, Solved> {
  const { chains, junctions } = part;
  const m = geo.workToMeters ?? 1;
  const regularize = options.regularize ?? false;
  const tol = regularize ? Math.max(options.simplify ? options.simplify / m : 0, 1.5 * geo.workPixelSize) : (options.simplify ?? 0) / m;
  const minSide = 2 * tol;
  const maxAreaChange = options.maxAreaChange ?? 0.1;
  const minIoU = options.minIoU ?? 0.85;
  const maxDiff = ((options.maxAngleDiff ?? 10) * Math.PI) / 180;
  const eps = 1e-7 * geo.workPixelSize;

  // Only chains that bound a walled label matter.
  const involved = chains.map((c) => walled.has(c.left) || walled.has(c.right));
  const loops = chains.map((c) => c.start < 0);
  const work = chains.map((c, k) => (involved[k] ? geo.pixelToWork(c.points) : null));
  const jWork = junctions.map(([x, y]) => geo.pixelToWork([x, y]));
  const area = new Map<number, number>();
  const angle = new Map<number, number>();
  for (const L of walled) {
    area.set(L, polygonArea(exact[L - 1]));
    angle.set(L, dominantAngle(exact[L - 1][0], true)); // a traced outline
  }

  // Orientation groups: touching labels with agreeing orientations (union-find over walls).
  const parent = new Map<number, number>();
  for (const L of walled) parent.set(L, L);
  const find = (a: number): number => {
    while (parent.get(a) !== a) a = parent.get(a)!;
    return a;
  };
  chains.forEach((c) => {
    if (c.left > 0 && c.right > 0 && Math.abs(fold(angle.get(c.left)! - angle.get(c.right)!)) <= maxDiff) {
      const a = find(c.left), b = find(c.right);
      if (a !== b) parent.set(Math.max(a, b), Math.min(a, b));
    }
  });
  // A group's orientation: the minimum-area rectangle of all its members together (a row's long facades
  // fix it far better than each narrow house's own outline does).
  const groupArea = new Map<number, number>();
  const groupPts = new Map<number, number[]>();
  for (const L of walled) {
    const g = find(L);
    groupArea.set(g, (groupArea.get(g) ?? 0) + area.get(L)!);
    const pts = groupPts.get(g) ?? [];
    for (const v of exact[L - 1][0]) pts.push(v);
    groupPts.set(g, pts);
  }
  const groupAngles = new Map<number, number>();
  for (const [g, pts] of groupPts) groupAngles.set(g, dominantAngle(pts));
  const groupAngle = (g: number): number => groupAngles.get(g)!;
  // A label's group: kept if its own orientation is close to the group's, so every member is squared
  // on the group's axes (a member that fits its own axes better fails the checks and falls back).
  const groupOf = (L: number): number => find(L);

  const active = new Set<number>(regularize ? walled : []);
  const raw = new Uint8Array(chains.length); // pinned chains kept at pixel precision after a crossing
  const outerRank = (L: number): number => groupArea.get(groupOf(L))! * 1e6 - L;
  let result = new Map<number, Solved>();
  // IoU with the traced outline (the costly check), remembered while a building's rings stay the same.
  const iouCache = new Map<number, { key: string; iou: number }>();
  const iouOf = (L: number, rs: Float64Array[], a0: number, a1: number): number => {
    const key = rs.map((r) => r.join(',')).join(';');
    const c = iouCache.get(L);
    if (c && c.key === key) return c.iou;
    const iou = polygonsIoU(exact[L - 1], rs, a0, a1);
    iouCache.set(L, { key, iou });
    return iou;
  };
  for (let iter = 0; iter < 50; iter++) {
    let changed = false;
    // 1. Which chains are snapped, in which group's frame: one with an active label on a side.
    const frame = new Int32Array(chains.length).fill(-1);
    for (let k = 0; k < chains.length; k++) {
      if (!involved[k]) continue;
      const c = chains[k];
      const sides = [c.left, c.right].filter((L) => L > 0 && active.has(L));
      if (sides.length === 2 && groupOf(sides[0]) !== groupOf(sides[1])) {
        // A wall between two differently oriented buildings is squared on one of them only.
        const loser = outerRank(sides[0]) < outerRank(sides[1]) ? sides[0] : sides[1];
        active.delete(loser);
        changed = true;
      }
    }
    if (changed) continue;
    for (let k = 0; k < chains.length; k++) {
      if (!involved[k]) continue;
      const c = chains[k];
      const L = [c.left, c.right].find((x) => x > 0 && active.has(x));
      if (L !== undefined) frame[k] = groupOf(L);
    }
    // 2. Runs of snapped chains.
    const runs: (Run[] | null)[] = new Array(chains.length).fill(null);
    const dropped = new Uint8Array(chains.length);
    for (let k = 0; k < chains.length; k++) {
      if (frame[k] < 0) continue;
      const r = chainRuns(work[k]!, loops[k], groupAngle(frame[k]), tol, minSide);
      const lasso = loops[k] || chains[k].start === chains[k].end;
      if (!r && lasso && (chains[k].left === 0 || chains[k].right === 0)) {
        // A hole (or a bump or notch on a pinch) too small to keep four sides is dropped, as regularize.ts does.
        dropped[k] = 1;
        continue;
      }
      if (!r) {
        for (const L of [chains[k].left, chains[k].right]) if (active.delete(L)) changed = true;
      }
      runs[k] = r;
    }
    if (changed) continue;
    // 3a. A junction needs a line on each axis to sit where they cross. Where every run ending at it
    // runs along one axis, the shortest of them that has a run behind it is dropped (a jog left over
    // from simplification, which would otherwise fold back along its neighbours' line).
    const ends = new Map<number, { k: number; first: boolean }[]>();
    for (let k = 0; k < chains.length; k++) {
      if (!runs[k] || loops[k]) continue;
      for (const [j, first] of [[chains[k].start, true], [chains[k].end, false]] as [number, boolean][]) {
        const l = ends.get(j) ?? [];
        l.push({ k, first });
        ends.set(j, l);
      }
    }
    for (const l of ends.values()) {
      const term = (e: { k: number; first: boolean }): Run => (e.first ? runs[e.k]![0] : runs[e.k]![runs[e.k]!.length - 1]);
      if (new Set(l.map((e) => frame[e.k])).size !== 1 || new Set(l.map((e) => term(e).axis)).size !== 1) continue;
      const droppable = l.filter((e) => runs[e.k]!.length >= 2);
      if (droppable.length === 0) continue;
      const e = droppable.reduce((a, b) => (term(b).len < term(a).len ? b : a));
      if (e.first) runs[e.k]!.shift();
      else runs[e.k]!.pop();
    }
    // 3–4 repeat while a chain starts or ends with a step too small to keep (two facades a few
    // centimetres apart at a wall): the step is dropped so that the facades become one line.
    let varBase = new Int32Array(0);
    let vars: Run[] = [];
    let value = (i: number): number => i;
    let jPos: ArrayLike<number>[] = jWork;
    for (let pass = 0; pass < 8; pass++) {
      // 3. Lines: one variable per run, runs ending on one axis at one junction made one line.
      varBase = new Int32Array(chains.length);
      vars = [];
      for (let k = 0; k < chains.length; k++) {
        varBase[k] = vars.length;
        for (const r of runs[k] ?? []) vars.push({ ...r });
      }
      const vparent = Int32Array.from(vars, (_, i) => i);
      const vfind = (a: number): number => {
        while (vparent[a] !== a) a = vparent[a] = vparent[vparent[a]];
        return a;
      };
      const atJunction = new Map<number, { frame: number; v: number }[]>();
      const addEnd = (j: number, k: number, i: number): void => {
        if (j < 0) return;
        const l = atJunction.get(j) ?? [];
        l.push({ frame: frame[k], v: varBase[k] + i });
        atJunction.set(j, l);
      };
      for (let k = 0; k < chains.length; k++) {
        const r = runs[k];
        if (!r || loops[k]) continue;
        addEnd(chains[k].start, k, 0);
        addEnd(chains[k].end, k, r.length - 1);
      }
      for (const ends of atJunction.values()) {
        for (let a = 0; a < ends.length; a++) {
          for (let b = a + 1; b < ends.length; b++) {
            if (ends[a].frame !== ends[b].frame || vars[ends[a].v].axis !== vars[ends[b].v].axis) continue;
            const ra = vfind(ends[a].v), rb = vfind(ends[b].v);
            if (ra !== rb) vparent[Math.max(ra, rb)] = Math.min(ra, rb);
          }
        }
      }
      const sum = new Float64Array(vars.length);
      const len = new Float64Array(vars.length);
      vars.forEach((v, i) => {
        const r = vfind(i);
        sum[r] += v.sum;
        len[r] += v.len;
      });
      value = (i: number): number => {
        const r = vfind(i);
        return sum[r] / len[r];
      };
      // 4. Junctions: where their lines cross (one frame), else their pixel corner.
      jPos = jWork.map((p) => p);
      for (const [j, ends] of atJunction) {
        const frames = new Set(ends.map((e) => e.frame));
        if (frames.size !== 1) continue;
        const f = ends[0].frame;
        const t = groupAngle(f);
        const cos = Math.cos(t), sin = Math.sin(t);
        let [u, v] = toFrame(jWork[j][0], jWork[j][1], cos, sin);
        for (const e of ends) {
          if (vars[e.v].axis === 1) u = value(e.v);
          else v = value(e.v);
        }
        jPos[j] = Float64Array.from(fromFrame(u, v, cos, sin));
      }
      // Two junctions that landed on one point (a wall of a pixel or two, squeezed out) become one.
      for (let k = 0; k < chains.length; k++) {
        const c = chains[k];
        if (!runs[k] || loops[k] || c.start === c.end) continue;
        const a = jPos[c.start], b = jPos[c.end];
        if (a !== b && Math.hypot(a[0] - b[0], a[1] - b[1]) < eps * 10) jPos[c.end] = a;
      }
      let stepped = false;
      for (let k = 0; k < chains.length; k++) {
        const r = runs[k];
        if (!r || loops[k] || r.length < 2) continue;
        const t = groupAngle(frame[k]);
        const cos = Math.cos(t), sin = Math.sin(t);
        const extent = (j: number, term: number, next: number): number => {
          const [u, v] = toFrame(jPos[j][0], jPos[j][1], cos, sin);
          return Math.abs((vars[varBase[k] + term].axis === 0 ? u : v) - value(varBase[k] + next));
        };
        if (extent(chains[k].start, 0, 1) < minSide / 2) {
          r.shift();
          stepped = true;
        } else if (r.length >= 2 && extent(chains[k].end, r.length - 1, r.length - 2) < minSide / 2) {
          r.pop();
          stepped = true;
        }
      }
      if (!stepped) break;
    }
    // 5. Chain polylines.
    const out: (Float64Array | null)[] = new Array(chains.length).fill(null);
    for (let k = 0; k < chains.length; k++) {
      if (!involved[k] || dropped[k]) continue;
      const c = chains[k];
      const r = runs[k];
      if (r) {
        const t = groupAngle(frame[k]);
        const cos = Math.cos(t), sin = Math.sin(t);
        const pts: number[] = [];
        const corner = (i: number, i2: number): void => {
          const a = varBase[k] + i, b = varBase[k] + i2;
          const u = vars[a].axis === 1 ? value(a) : value(b);
          const v = vars[a].axis === 0 ? value(a) : value(b);
          pts.push(...fromFrame(u, v, cos, sin));
        };
        if (loops[k]) {
          for (let i = 0; i < r.length; i++) corner(i, (i + 1) % r.length);
        } else {
          pts.push(jPos[c.start][0], jPos[c.start][1]);
          for (let i = 0; i + 1 < r.length; i++) corner(i, i + 1);
          pts.push(jPos[c.end][0], jPos[c.end][1]);
        }
        out[k] = Float64Array.from(pts);
      } else {
        const w = work[k]!;
        const p = raw[k] || !(tol > 0) ? Float64Array.from(w) : loops[k] ? simplifyRing(w, tol) : simplifyOpen(w, tol);
        if (!loops[k]) {
          p[0] = jPos[c.start][0];
          p[1] = jPos[c.start][1];
          p[p.length - 2] = jPos[c.end][0];
          p[p.length - 1] = jPos[c.end][1];
        }
        out[k] = p;
      }
    }
    // 6. No chain may cross another (a valid partition: no overlap, no gap).
    for (const [a, b] of crossingChains(out, loops, eps)) {
      for (const k of [a, b]) {
        for (const L of [chains[k].left, chains[k].right]) if (active.delete(L)) changed = true;
        if (frame[k] < 0 && !raw[k]) {
          raw[k] = 1;
          changed = true;
        }
      }
    }
    if (changed) continue;
    // 7. Rings per label, and the checks of a regularized building.
    result = new Map();
    for (const L of walled) {
      const rs = part.rings[L].map((ring) => ring.filter((r) => !dropped[r.chain])).filter((ring) => ring.length > 0)
        .map((ring) => dedupeRing(ringPoints(ring, (k) => out[k]!, (k) => loops[k])));
      const ok = rs.every((r) => r.length >= 8);
      if (active.has(L)) {
        const a0 = area.get(L)!;
        const a1 = ok ? polygonArea(rs) : 0;
        const pass = ok && rs.every(rightAngled) && a0 > 0 && Math.abs(a1 - a0) / a0 < maxAreaChange
          && iouOf(L, rs, a0, a1) >= minIoU;
        if (!pass) {
          active.delete(L);
          changed = true;
          continue;
        }
      }
      result.set(L, { rings: ok ? rs : rs.filter((r) => r.length >= 8), regularized: active.has(L) });
    }
    if (!changed) return result;
  }
  // Did not settle (should not happen): the exact outlines, shared by construction.
  const fallback = new Map<number, Solved>();
  for (const L of walled) {
    const rs = part.rings[L].map((ring) => dedupeRing(ringPoints(ring, (k) => work[k]!, (k) => loops[k])));
    fallback.set(L, { rings: rs, regularized: false });
  }
  return fallback;
}
