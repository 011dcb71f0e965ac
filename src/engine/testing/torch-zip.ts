/**
 * Writes tiny torch.save-style checkpoints for unit tests of models/checkpoint.ts without PyTorch: a
 * stored zip (`archive/data.pkl`, `archive/data/<key>`, `archive/version`) and a protocol-2 pickle
 * written opcode by opcode as Python's pickler does for dicts, tuples, OrderedDicts, classes
 * (GLOBAL + NEWOBJ/EMPTY_TUPLE + BUILD) and tensors (torch._utils._rebuild_tensor_v2 with a BINPERSID
 * storage). The real layout is checked against PyTorch itself by src/engine/models/reference/.
 */
import { crc32 } from 'node:zlib';

export type PyValue =
  | null | boolean | number | string
  | PyValue[]
  | { tuple: PyValue[] }
  | { dict: [PyValue, PyValue][]; ordered?: boolean }
  | { object: { module: string; name: string }; state: [string, PyValue][] }
  | { tensor: { storage: string; key: string; offset?: number; shape: number[]; stride?: number[]; numel: number } };

class Pickler {
  private readonly parts: number[] = [];

  private byte(...b: number[]): void { this.parts.push(...b); }
  private u32(n: number): void { this.byte(n & 255, (n >>> 8) & 255, (n >>> 16) & 255, (n >>> 24) & 255); }
  private str(s: string): void { const b = Buffer.from(s, 'utf8'); this.byte(0x58); this.u32(b.length); this.byte(...b); }
  private global(module: string, name: string): void { this.byte(0x63, ...Buffer.from(`${module}\n${name}\n`, 'latin1')); }
  private tuple(items: PyValue[]): void { this.byte(0x28); for (const v of items) this.value(v); this.byte(0x74); }

  value(v: PyValue): void {
    if (v === null) this.byte(0x4e);
    else if (v === true) this.byte(0x88);
    else if (v === false) this.byte(0x89);
    else if (typeof v === 'number') {
      if (Number.isInteger(v) && v >= -(2 ** 31) && v < 2 ** 31) { this.byte(0x4a); this.u32(v >>> 0); } else {
        const b = Buffer.alloc(8); b.writeDoubleBE(v); this.byte(0x47, ...b);
      }
    } else if (typeof v === 'string') this.str(v);
    else if (Array.isArray(v)) { this.byte(0x5d, 0x28); for (const x of v) this.value(x); this.byte(0x65); } // EMPTY_LIST MARK ... APPENDS
    else if ('tuple' in v) this.tuple(v.tuple);
    else if ('dict' in v) {
      if (v.ordered) { this.global('collections', 'OrderedDict'); this.byte(0x29, 0x52); } else this.byte(0x7d); // REDUCE(()) or EMPTY_DICT
      this.byte(0x28);
      for (const [k, x] of v.dict) { this.value(k); this.value(x); }
      this.byte(0x75); // SETITEMS
    } else if ('object' in v) {
      this.global(v.object.module, v.object.name);
      this.byte(0x29, 0x81); // EMPTY_TUPLE NEWOBJ
      this.value({ dict: v.state });
      this.byte(0x62); // BUILD
    } else {
      const t = v.tensor;
      const stride = t.stride ?? t.shape.map((_, i) => t.shape.slice(i + 1).reduce((a, b) => a * b, 1));
      this.global('torch._utils', '_rebuild_tensor_v2');
      this.byte(0x28);
      // persistent id ('storage', torch.<Storage>, key, 'cpu', numel) → BINPERSID
      this.byte(0x28); this.str('storage'); this.global('torch', t.storage); this.str(t.key); this.str('cpu'); this.value(t.numel); this.byte(0x74, 0x51);
      this.value(t.offset ?? 0);
      this.tuple(t.shape);
      this.tuple(stride);
      this.value(false);
      this.value({ dict: [], ordered: true });
      this.byte(0x74, 0x52); // TUPLE REDUCE
    }
  }

  bytes(root: PyValue): Buffer {
    this.byte(0x80, 2);
    this.value(root);
    this.byte(0x2e);
    return Buffer.from(this.parts);
  }
}

export function pickle(root: PyValue): Buffer {
  return new Pickler().bytes(root);
}

/** A stored (uncompressed) zip of the given entries. */
export function storedZip(entries: [string, Buffer][]): Buffer {
  const locals: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const [name, data] of entries) {
    const n = Buffer.from(name, 'utf8');
    const crc = crc32(data) >>> 0;
    const h = Buffer.alloc(30);
    h.writeUInt32LE(0x04034b50, 0); h.writeUInt16LE(20, 4); h.writeUInt32LE(crc, 14);
    h.writeUInt32LE(data.length, 18); h.writeUInt32LE(data.length, 22); h.writeUInt16LE(n.length, 26);
    locals.push(h, n, data);
    const c = Buffer.alloc(46);
    c.writeUInt32LE(0x02014b50, 0); c.writeUInt16LE(20, 4); c.writeUInt16LE(20, 6); c.writeUInt32LE(crc, 16);
    c.writeUInt32LE(data.length, 20); c.writeUInt32LE(data.length, 24); c.writeUInt16LE(n.length, 28); c.writeUInt32LE(offset, 42);
    central.push(c, n);
    offset += 30 + n.length + data.length;
  }
  const cd = Buffer.concat(central);
  const e = Buffer.alloc(22);
  e.writeUInt32LE(0x06054b50, 0); e.writeUInt16LE(entries.length, 8); e.writeUInt16LE(entries.length, 10);
  e.writeUInt32LE(cd.length, 12); e.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, e]);
}

/** A torch.save-layout zip: archive/data.pkl + archive/data/<key> storages + archive/version. */
export function torchZip(root: PyValue, storages: Record<string, Buffer>): Buffer {
  return storedZip([
    ['archive/data.pkl', pickle(root)],
    ...Object.entries(storages).map(([k, b]) => [`archive/data/${k}`, b] as [string, Buffer]),
    ['archive/version', Buffer.from('3\n')],
  ]);
}
