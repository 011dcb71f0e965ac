// An undo/redo stack of closures: every edit on the results (a layer added, a feature deleted,
// vertices moved) pushes how to revert and how to re-apply itself. A new edit clears the redo side.
// No map types here.
export interface UndoEntry {
  label: string;
  undo: () => void;
  /** How to apply the edit again; entries without it end the redo chain. */
  redo?: () => void;
}

export class UndoStack {
  private entries: UndoEntry[] = [];
  private redos: UndoEntry[] = [];
  constructor(private readonly limit = 200) {}

  push(entry: UndoEntry): void {
    this.entries.push(entry);
    this.redos = [];
    if (this.entries.length > this.limit) this.entries.shift();
  }

  /** Reverts the latest edit; returns its label, or null when there is nothing to undo. */
  undo(): string | null {
    const e = this.entries.pop();
    if (!e) return null;
    e.undo();
    if (e.redo) this.redos.push(e);
    else this.redos = [];
    return e.label;
  }

  /** Re-applies the latest undone edit; returns its label, or null when there is nothing to redo. */
  redo(): string | null {
    const e = this.redos.pop();
    if (!e || !e.redo) return null;
    e.redo();
    this.entries.push(e);
    return e.label;
  }

  get size(): number {
    return this.entries.length;
  }

  get redoSize(): number {
    return this.redos.length;
  }

  clear(): void {
    this.entries = [];
    this.redos = [];
  }
}
