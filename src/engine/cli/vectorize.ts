/** `fastsam-geo vectorize MASK.tif -o out.geojson`: mask / label raster → GeoJSON polygons. */
import { EngineError } from '../errors.js';
import type { Command } from './command.js';
import { parseCommand } from './command.js';
import { checkCliOutput, numberArg } from './geo-args.js';
import { OUTPUT_HELP, outputChoice } from './output.js';
import { vectorizeRasterFeatures } from '../pipeline/vectorize-raster.js';
import { streamCollection } from '../export/write-collection.js';
import { VECTORIZE_FIELDS } from '../export/fields.js';

const HELP = `usage: fastsam-geo vectorize MASK.tif -o OUT.geojson|.gpkg|.fgb|.parquet [options]

Turns a mask or label raster (nonzero = object, nodata ignored) into polygons, one object per value
(as gdal_polygonize: touching labels stay apart and share their wall). Defaults are exact: polygons
along pixel edges, 4-connected components, no simplification, no regularization, no area filter.

options:
${OUTPUT_HELP}
  --band N              band to read (default 1)
  --nodata V            nodata value (default: the file's GDAL_NODATA tag)
  --srs CRS             override the raster's CRS: EPSG:NNNN or a proj string
  --simplify M          Douglas-Peucker tolerance in metres (default 0: off)
  --regularize          right-angled outlines on each polygon's dominant orientation; touching
                        objects (or one pixel apart) keep one exact common wall
  --no-shared-walls     simplify / regularize each polygon on its own (walls may open or overlap)
  --min-area M2         drop polygons smaller than M2 square metres (pixels without georeferencing)
  --max-area M2         drop polygons larger than M2
  -q, --quiet           no summary
`;

export const command: Command = {
  summary: 'mask/label raster → GeoJSON polygons (exact pixel edges by default)',
  async run(argv: string[]): Promise<number> {
    const parsed = parseCommand(argv, HELP, {
      output: { type: 'string', short: 'o' },
      format: { type: 'string' },
      band: { type: 'string' },
      nodata: { type: 'string' },
      crs: { type: 'string' },
      srs: { type: 'string' },
      simplify: { type: 'string' },
      regularize: { type: 'boolean' },
      'no-shared-walls': { type: 'boolean' },
      'min-area': { type: 'string' },
      'max-area': { type: 'string' },
      quiet: { type: 'boolean', short: 'q' },
    }, true);
    if (!parsed) return 0;
    const { values: v, positionals } = parsed;
    if (positionals.length !== 1) throw new EngineError('BAD_INPUT', `expected one MASK.tif, got ${positionals.length}\n\n${HELP}`);
    const out = await outputChoice('vectorize', v, [positionals[0]]);
    const output = out.path;
    await checkCliOutput(output, [positionals[0]]);
    const t0 = performance.now();
    // Polygons go to the writer as they are built (temp file until the end, removed on error).
    const opts = {
      band: numberArg('band', v.band, (n) => Number.isInteger(n) && n >= 1, 'a band number ≥ 1'),
      nodata: numberArg('nodata', v.nodata),
      crs: out.crs,
      srs: v.srs,
      simplify: numberArg('simplify', v.simplify, (n) => n >= 0, 'a tolerance ≥ 0 in metres'),
      regularize: v.regularize ?? false,
      sharedWalls: !v['no-shared-walls'],
      minArea: numberArg('min-area', v['min-area'], (n) => n >= 0, 'an area ≥ 0'),
      maxArea: numberArg('max-area', v['max-area'], (n) => n > 0, 'an area > 0'),
    };
    const r = await streamCollection(output, { format: out.format, fields: VECTORIZE_FIELDS, inputs: [positionals[0]] }, (sinkOut) =>
      vectorizeRasterFeatures(positionals[0], opts, sinkOut));
    for (const w of r.warnings) process.stderr.write(`warning: ${w}\n`);
    if (!v.quiet) {
      const s = (performance.now() - t0) / 1000;
      process.stderr.write(`${r.polygons} polygons → ${output} in ${s.toFixed(2)} s (read ${(r.timings.read / 1000).toFixed(2)} s, vectorize ${(r.timings.vectorize / 1000).toFixed(2)} s)\n`);
    }
    return 0;
  },
};
