// An undo stack of closures: every edit on the results (a run added, a feature deleted, vertices
// moved) pushes how to revert itself. No map types here.
export interface UndoEntry {
  label: string;
  undo: () => void;
}

export class UndoStack {
  private entries: UndoEntry[] = [];
  constructor(private readonly limit = 200) {}

  push(entry: UndoEntry): void {
    this.entries.push(entry);
    if (this.entries.length > this.limit) this.entries.shift();
  }

  /** Reverts the latest edit; returns its label, or null when there is nothing to undo. */
  undo(): string | null {
    const e = this.entries.pop();
    if (!e) return null;
    e.undo();
    return e.label;
  }

  get size(): number {
    return this.entries.length;
  }

  clear(): void {
    this.entries = [];
  }
}
