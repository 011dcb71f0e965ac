/**
 * Stable ids while streaming: extract numbers its buildings by the position of their traced outline
 * (top row, then left column, in raster pixels; ties in the order they were built), which used to need
 * every feature before the first id. This buffer holds finished features and releases, in id order,
 * those whose top lies above a watermark that no object still to come can undercut (extract computes
 * it after each tile row: the next row's top, the pending seam candidates' and held wall objects' mask
 * tops). So only about one tile row of features is held, however many buildings the raster has, and
 * the ids are the ones a sort over all of them gives.
 *
 *   const order = new PositionOrder<Feature>();
 *   order.add([top, left], feature);
 *   for (const f of order.release(watermark)) write(f);   // release(Infinity) at the end
 */
import { EngineError } from '../errors.js';

interface Held<T> {
  top: number;
  left: number;
  seq: number;
  item: T;
}

/** Position order (top, left, then arrival); module-level, so V8 keeps its optimized code (util/gc-tuning.ts). */
const byPosition = (a: Held<unknown>, b: Held<unknown>): number => a.top - b.top || a.left - b.left || a.seq - b.seq;

export class PositionOrder<T> {
  private held: Held<T>[] = [];
  private seq = 0;
  /** Every key released so far lies above this row; a later key must not. */
  private floor = -Infinity;
  /** The most features held at once (waiting for their id). */
  maxHeld = 0;

  get size(): number {
    return this.held.length;
  }

  add(key: readonly [number, number], item: T): void {
    const [top, left] = key;
    // A key above the watermark already passed would need an id that was given away: the watermark was wrong.
    if (top < this.floor) throw new EngineError('INTERNAL', `feature at row ${top} finished after row ${this.floor} was released: ids would not follow position`);
    this.held.push({ top, left, seq: this.seq++, item });
    if (this.held.length > this.maxHeld) this.maxHeld = this.held.length;
  }

  /** The held items whose top row is above `watermark`, in position order (top, left, then arrival). */
  release(watermark: number): T[] {
    if (this.held.length === 0) {
      this.floor = Math.max(this.floor, watermark);
      return [];
    }
    this.held.sort(byPosition);
    let n = 0;
    while (n < this.held.length && this.held[n].top < watermark) n++;
    const out = this.held.splice(0, n).map((h) => h.item);
    this.floor = Math.max(this.floor, watermark);
    return out;
  }
}
