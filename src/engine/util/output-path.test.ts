// Regression (issue 18): outputs replaced inputs (`extract IN.tif -o IN.tif`), went through links, turned
// /dev/null into a regular file; a legal 255-byte name failed on a longer temp name; I/O errors came out as
// raw Node errors. checkOutputPath / writeOutput / ioError, on real files, links, a FIFO and /dev/null.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { linkSync, mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { EngineError } from '../errors.js';
import { checkOutputPath, ioError, writeOutput } from './output-path.js';
import { writeFileAtomic } from './atomic-write.js';
import { tmpDir } from '../testing/raster-fixtures.js';

const tmp = () => tmpDir('fsg-out-');
const code = (c: string) => (e: unknown) => e instanceof EngineError && e.code === c;

test('an output that is the input — same path, another spelling, a symlink or a hard link — is refused', async () => {
  const d = tmp();
  const input = path.join(d, 'in.tif');
  writeFileSync(input, 'raster');
  mkdirSync(path.join(d, 'sub'));
  linkSync(input, path.join(d, 'hard.geojson'));
  for (const out of [input, path.join(d, 'sub', '..', 'in.tif'), path.join(d, 'hard.geojson')]) {
    await assert.rejects(writeOutput(out, 'x', { inputs: [input] }), code('BAD_INPUT'), out);
  }
  symlinkSync(input, path.join(d, 'link.geojson'));
  await assert.rejects(writeOutput(path.join(d, 'link.geojson'), 'x', { inputs: [] }), code('FORBIDDEN'));
  await assert.rejects(writeFileAtomic(path.join(d, 'link.geojson'), 'x'), code('FORBIDDEN'), 'the low-level writer refuses links too');
  assert.equal(readFileSync(input, 'utf8'), 'raster');
  assert.deepEqual(readdirSync(d).sort(), ['hard.geojson', 'in.tif', 'link.geojson', 'sub']);
});

test('an output that is a directory, a device or a FIFO is refused; nothing is replaced', async () => {
  const d = tmp();
  execFileSync('mkfifo', [path.join(d, 'fifo.geojson')]);
  await assert.rejects(writeOutput(path.join(d, 'fifo.geojson'), 'x'), code('BAD_INPUT'));
  assert.ok(statSync(path.join(d, 'fifo.geojson')).isFIFO());
  await assert.rejects(checkOutputPath('/dev/null'), code('BAD_INPUT'));
  await assert.rejects(writeFileAtomic('/dev/null', 'x'), code('BAD_INPUT'));
  assert.ok(statSync('/dev/null').isCharacterDevice());
  for (const out of [d, d + '/', path.join(d, '.'), path.join(d, '..')]) {
    await assert.rejects(writeOutput(out, 'x'), code('BAD_INPUT'), out);
  }
  await assert.rejects(writeOutput(path.join(d, 'no', 'dir.geojson'), 'x'), code('NOT_FOUND'));
  assert.deepEqual(readdirSync(d), ['fifo.geojson']);
});

test('a legal 255-byte file name is written (short temp name); 256 bytes gives NAME_TOO_LONG naming the file', async () => {
  const d = tmp();
  const name = 'b'.repeat(247) + '.geojson';
  assert.equal(name.length, 255);
  await writeOutput(path.join(d, name), '{}');
  assert.deepEqual(readdirSync(d), [name]);
  await assert.rejects(writeOutput(path.join(d, 'c' + name), '{}'), (e: unknown) => code('NAME_TOO_LONG')(e) && /longer than 255/.test((e as Error).message));
});

test("'-' writes to stdout; the extension rule applies to the real name", async () => {
  const sink = new PassThrough();
  const chunks: Buffer[] = [];
  sink.on('data', (c: Buffer) => chunks.push(c));
  assert.equal(await writeOutput('-', 'hello', { stdout: sink }), '-');
  assert.equal(Buffer.concat(chunks).toString(), 'hello');
  const d = tmp();
  await assert.rejects(writeOutput(path.join(d, 'x.tif'), 'x', { extensions: ['.geojson'] }), code('BAD_INPUT'));
  await writeOutput(path.join(d, 'x.GeoJSON'), 'x', { extensions: ['.geojson'] });
});

test('ioError: each operating-system failure has its own code and names the file', () => {
  const errno = (c: string) => Object.assign(new Error(`${c}: boom`), { code: c });
  const cases: Array<[string, string]> = [
    ['ENOSPC', 'NO_SPACE'], ['EDQUOT', 'NO_SPACE'], ['EROFS', 'READ_ONLY'], ['ENAMETOOLONG', 'NAME_TOO_LONG'],
    ['EBUSY', 'BUSY'], ['EISDIR', 'BUSY'], ['EACCES', 'PERMISSION_DENIED'], ['EIO', 'IO_ERROR'], ['EWEIRD', 'IO_ERROR'],
  ];
  for (const [c, expected] of cases) {
    const e = ioError(errno(c), 'out/x.geojson');
    assert.equal(e.code, expected, c);
    assert.match(e.message, /'out\/x\.geojson'/);
  }
  assert.equal(ioError(new RangeError('Maximum call stack size exceeded'), 'f').code, 'BAD_INPUT');
});

test('ENOSPC from a real device (/dev/full) is classified NO_SPACE', async () => {
  // /dev/full answers every write with ENOSPC: the write path maps it even without a full disk.
  const fs = await import('node:fs/promises');
  const h = await fs.open('/dev/full', 'w');
  const err = await h.writeFile('x').then(() => null, (e: unknown) => e);
  await h.close();
  assert.equal(ioError(err, '/dev/full').code, 'NO_SPACE');
});
