#!/usr/bin/env node
// Writes the UI tests' engine fixtures into DIR (the Jupyter root of the test server), using the
// project's own generators (lib/engine/testing, built by `npm run build`):
//   DIR/models/fixture-seg.onnx (a FIXED 512×512 input, like a fixed-size export: the map must not send
//     its own tile size), clip-vision.onnx, clip-text.onnx  (test assets, not FastSAM/CLIP)
//   DIR/models/bpe_simple_vocab_16e6.txt.gz  (the real CLIP BPE merges, copied from ../shared/data/clip)
//   DIR/fixture/squares.tif  1024×1024 RGB Byte, EPSG:32616, 0.5 m pixels (GDAL writes it), grey 200
//     with a red square (x 128, y 128, side 112), a magenta one (x 512, y 128, side 112) and a red one
//     (x 256, y 512, side 224): the fixture model detects exactly these three.
//   DIR/fixture/pixels.tif  the same pixels without any georeferencing (no geotransform, no CRS)
//   DIR/fixture/broken.tif  a text file named .tif (not a TIFF)
// Prints the squares as JSON (pixel boxes) for the record.
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from 'node:path';

const dir = process.argv[2];
if (!dir) {
  console.error('usage: node ui-tests/write-fixtures.mjs DIR');
  process.exit(2);
}
const lib = new URL('../lib/engine/testing/', import.meta.url);
const { buildFixtureSegModel } = await import(new URL('fixture-seg-model.js', lib));
const { fixtureClipVision, fixtureClipText } = await import(new URL('fixture-clip-models.js', lib));
const { writeGeoTiff } = await import(new URL('write-geotiff.js', lib));

mkdirSync(join(dir, 'models'), { recursive: true });
mkdirSync(join(dir, 'fixture'), { recursive: true });
writeFileSync(join(dir, 'models', 'fixture-seg.onnx'), buildFixtureSegModel({ size: [512, 512] }));
writeFileSync(join(dir, 'models', 'clip-vision.onnx'), fixtureClipVision());
writeFileSync(join(dir, 'models', 'clip-text.onnx'), fixtureClipText());
const bpe = 'bpe_simple_vocab_16e6.txt.gz';
copyFileSync(new URL(`../../shared/data/clip/${bpe}`, import.meta.url), join(dir, 'models', bpe));

export const SIZE = 1024;
const squares = [
  { name: 'red-small', x: 128, y: 128, side: 112, rgb: [255, 0, 0] },
  { name: 'magenta', x: 512, y: 128, side: 112, rgb: [255, 0, 255] },
  { name: 'red-large', x: 256, y: 512, side: 224, rgb: [255, 0, 0] }
];
const bands = [0, 1, 2].map(() => new Uint8Array(SIZE * SIZE).fill(200));
for (const s of squares) {
  for (let y = s.y; y < s.y + s.side; y++) {
    for (let x = s.x; x < s.x + s.side; x++) for (let b = 0; b < 3; b++) bands[b][y * SIZE + x] = s.rgb[b];
  }
}
writeGeoTiff(join(dir, 'fixture', 'squares.tif'), {
  width: SIZE,
  height: SIZE,
  bands,
  geotransform: [733601, 0.5, 0, 3725139, 0, -0.5],
  epsg: 32616,
  options: ['TILED=YES', 'BLOCKXSIZE=256', 'BLOCKYSIZE=256']
});
rmSync(join(dir, "fixture", "squares.tif.raw"), { force: true });
writeGeoTiff(join(dir, 'fixture', 'pixels.tif'), { width: SIZE, height: SIZE, bands, options: ['TILED=YES', 'BLOCKXSIZE=256', 'BLOCKYSIZE=256'] });
rmSync(join(dir, 'fixture', 'pixels.tif.raw'), { force: true });
writeFileSync(join(dir, 'fixture', 'broken.tif'), 'this is not a TIFF file\n');
console.log(JSON.stringify(squares));
