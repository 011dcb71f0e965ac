/** A buffered append-only writer on a new file (the temp file of an OutputFile): bounded memory. */
import { promises as fs } from 'node:fs';

const FLUSH_AT = 1 << 20;

export class ByteWriter {
  private chunks: Uint8Array[] = [];
  private pending = 0;
  /** Bytes written so far (flushed or buffered). */
  offset = 0;

  private constructor(private readonly handle: fs.FileHandle) {}

  static async create(file: string): Promise<ByteWriter> {
    return new ByteWriter(await fs.open(file, 'wx', 0o644));
  }

  async write(data: Uint8Array | string): Promise<void> {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    this.chunks.push(bytes);
    this.pending += bytes.length;
    this.offset += bytes.length;
    if (this.pending >= FLUSH_AT) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.pending === 0) return;
    const buf = Buffer.concat(this.chunks, this.pending);
    this.chunks = [];
    this.pending = 0;
    await this.handle.write(buf);
  }

  /** Flushes and closes (the OutputFile fsyncs before its rename). */
  async close(): Promise<void> {
    try {
      await this.flush();
    } finally {
      await this.handle.close();
    }
  }

  async destroy(): Promise<void> {
    this.chunks = [];
    this.pending = 0;
    await this.handle.close().catch(() => {});
  }
}
