import { loadSegModel } from '../lib/engine/model/segmodel.js';
import { extract } from '../lib/engine/pipeline/extract.js';
import { withFootprintMasks } from '../lib/engine/bench/footprint-masks.js';
import { performance } from 'node:perf_hooks';
const [file, raster, fp] = process.argv.slice(2);
let model = await loadSegModel(file, {});
if (fp === '1') model = withFootprintMasks(model);
for (let i = 0; i < 2; i++) {
  const t = performance.now();
  const r = await extract(raster, { model, tileSize: 640 });
  console.log((performance.now() - t).toFixed(0), 'ms', r.tiles, r.detections, r.buildings, JSON.stringify(r.timings, (k, v) => typeof v === 'number' ? Math.round(v) : v));
}
await model.dispose();
