import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { EngineError } from '../errors.js';
import { RootDir, checkRelativePath } from './paths.js';
import { tmpDir } from '../testing/raster-fixtures.js';

function setup() {
  const base = realpathSync(tmpDir('fsg-paths-'));
  const root = path.join(base, 'root');
  const outside = path.join(base, 'outside');
  mkdirSync(path.join(root, 'sub'), { recursive: true });
  mkdirSync(outside);
  writeFileSync(path.join(root, 'sub', 'a.tif'), 'x');
  writeFileSync(path.join(outside, 'secret.txt'), 'secret');
  symlinkSync(path.join(outside, 'secret.txt'), path.join(root, 'link-out.txt'));
  symlinkSync(outside, path.join(root, 'dir-out'));
  symlinkSync(path.join(root, 'sub', 'a.tif'), path.join(root, 'link-in.tif'));
  return { base, root, outside };
}

const code = (c: string) => (e: unknown) => e instanceof EngineError && e.code === c;

test('paths inside the root resolve to their real absolute path', async () => {
  const { root } = setup();
  const r = await RootDir.open(root);
  assert.equal(await r.resolve('sub/a.tif'), path.join(root, 'sub', 'a.tif'));
  assert.equal(await r.resolve('./sub//a.tif'), path.join(root, 'sub', 'a.tif'));
  // a symlink that stays inside the root is fine, and resolves to its target
  assert.equal(await r.resolve('link-in.tif'), path.join(root, 'sub', 'a.tif'));
  assert.equal(r.relative(path.join(root, 'sub', 'a.tif')), 'sub/a.tif');
});

test('traversal, absolute, encoded and backslash paths are FORBIDDEN before touching the disk', async () => {
  const { root } = setup();
  const r = await RootDir.open(root);
  for (const bad of [
    '../outside/secret.txt', 'sub/../../outside/secret.txt', '..', '/etc/passwd', '~/x',
    '..%2Foutside%2Fsecret.txt', '%2e%2e/outside/secret.txt', '%252e%252e%252fsecret', '%2Fetc%2Fpasswd',
    'sub\\..\\..\\x', 'a\0b',
  ]) {
    await assert.rejects(r.resolve(bad), code('FORBIDDEN'), `expected FORBIDDEN for ${JSON.stringify(bad)}`);
  }
  assert.throws(() => checkRelativePath(''), code('BAD_INPUT'));
  assert.throws(() => checkRelativePath(42), code('BAD_INPUT'));
});

test('symlinks that lead outside the root are FORBIDDEN (file, directory, and a new file under a linked dir)', async () => {
  const { root } = setup();
  const r = await RootDir.open(root);
  await assert.rejects(r.resolve('link-out.txt'), (e: unknown) => code('FORBIDDEN')(e) && /link/.test((e as Error).message));
  await assert.rejects(r.resolve('dir-out/secret.txt'), code('FORBIDDEN'));
  await assert.rejects(r.resolve('dir-out/new.geojson', { mustExist: false }), code('FORBIDDEN'));
});

test('a missing file is NOT_FOUND; a new file needs an existing parent inside the root', async () => {
  const { root } = setup();
  const r = await RootDir.open(root);
  await assert.rejects(r.resolve('nope.tif'), (e: unknown) => code('NOT_FOUND')(e) && /nope\.tif/.test((e as Error).message));
  assert.equal(await r.resolve('sub/new.geojson', { mustExist: false }), path.join(root, 'sub', 'new.geojson'));
  await assert.rejects(r.resolve('nodir/new.geojson', { mustExist: false }), code('NOT_FOUND'));
  await assert.rejects(RootDir.open(path.join(root, 'missing')), code('NOT_FOUND'));
});
