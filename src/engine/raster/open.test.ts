/**
 * raster/open against GDAL's view of the same files, and a COG over HTTP range requests from a real
 * loopback HTTP server.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { createReadStream, statSync } from 'node:fs';
import path from 'node:path';
import { openRaster } from './open.js';
import { extract } from '../pipeline/extract.js';
import { loadSegModel } from '../model/segmodel.js';
import { buildFixtureSegModel } from '../testing/fixture-seg-model.js';
import { squaresBands, writeGeoTiff } from '../testing/write-geotiff.js';
import { gdal, sharedData, tmpDir } from '../testing/raster-fixtures.js';

const dir = tmpDir();

test('metadata agrees with gdalinfo: size, bands, dtype, nodata, geotransform; rotation from a ModelTransformation', async () => {
  const f = sharedData('geotiff/spacenet-atlanta/sample_geotiff.tif');
  const info = JSON.parse(gdal('gdalinfo', ['-json', f]));
  const r = await openRaster(f);
  assert.deepEqual([r.width, r.height, r.bands], [...info.size, info.bands.length]);
  assert.equal(r.dtype, 'uint16');
  assert.equal(r.nodata, info.bands[0].noDataValue);
  assert.deepEqual(r.affine, info.geoTransform);
  const w = await r.readWindow([100, 200, 104, 202]);
  const loc = gdal('gdallocationinfo', ['-valonly', f, '101', '200']).trim();
  assert.equal(w.data[0][1], Number(loc));
  await r.close();
  // A rotated grid (GDAL writes a ModelTransformation tag): 30° rotation, 2 m pixels.
  const c = Math.cos(Math.PI / 6) * 2;
  const s = Math.sin(Math.PI / 6) * 2;
  const gt: [number, number, number, number, number, number] = [500000, c, s, 4000000, s, -c];
  const rot = path.join(dir, 'rotated.tif');
  writeGeoTiff(rot, { width: 16, height: 8, bands: [new Uint8Array(128).fill(1)], geotransform: gt, epsg: 32616 });
  const rr = await openRaster(rot);
  rr.affine!.forEach((v, i) => assert.ok(Math.abs(v - gt[i]) < 1e-6, `gt[${i}] ${v} vs ${gt[i]}`));
  await rr.close();
  assert.deepEqual((await openRaster(sharedData('geotiff/spacenet-atlanta/sample_fp_mask.tif'))).affine, null);
});

test('a COG over HTTP range requests (real loopback server): same buildings as the local file, only part of the file fetched', async () => {
  const src = path.join(dir, 'squares-src.tif');
  const cog = path.join(dir, 'squares-cog.tif');
  const squares: [number, number, number][] = [[64, 64, 56], [608, 192, 112], [96, 608, 224]];
  writeGeoTiff(src, { width: 1024, height: 1024, bands: squaresBands(1024, 1024, squares), geotransform: [733601, 0.5, 0, 3725139, 0, -0.5], epsg: 32616 });
  gdal('gdal_translate', ['-q', '-of', 'COG', '-co', 'BLOCKSIZE=256', '-co', 'COMPRESS=DEFLATE', src, cog]);
  const size = statSync(cog).size;
  let served = 0;
  let ranged = 0;
  const server = http.createServer((req, res) => {
    const m = /bytes=(\d+)-(\d*)/.exec(req.headers.range ?? '');
    if (!m) {
      res.writeHead(200, { 'Content-Length': size, 'Accept-Ranges': 'bytes' });
      served += size;
      createReadStream(cog).pipe(res);
      return;
    }
    ranged++;
    const start = Number(m[1]);
    const end = Math.min(m[2] ? Number(m[2]) : size - 1, size - 1);
    res.writeHead(206, { 'Content-Range': `bytes ${start}-${end}/${size}`, 'Content-Length': end - start + 1, 'Accept-Ranges': 'bytes' });
    served += end - start + 1;
    createReadStream(cog, { start, end }).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  try {
    const url = `http://127.0.0.1:${port}/squares-cog.tif`;
    const r = await openRaster(url);
    assert.deepEqual([r.width, r.height, r.bands, r.tiled], [1024, 1024, 3, true]);
    assert.ok(r.overviews.length >= 1, 'COG overviews listed');
    await r.close();
    const model = await loadSegModel(buildFixtureSegModel());
    const window: [number, number, number, number] = [0, 0, 512, 512];
    const remote = await extract(url, { model, tileSize: 512, window, crs: 'native' });
    const local = await extract(cog, { model, tileSize: 512, window, crs: 'native' });
    await model.dispose();
    assert.equal(remote.buildings, 1);
    assert.deepEqual(remote.collection.features.map((f) => f.geometry), local.collection.features.map((f) => f.geometry));
    assert.ok(ranged > 0, 'range requests were made');
    assert.ok(served < size, `fetched ${served} of ${size} bytes for a quarter of the raster`);
  } finally {
    server.close();
  }
});
