/** `fastsam-geo extract area.tif [--model M] -o out.geojson`: GeoTIFF → building footprints (GeoJSON). */
import { DEFAULTS, intraOpThreads } from '../config.js';
import { DEFAULT_SEG_MODEL } from '../models/registry.js';
import { ensureSegModel } from '../models/ensure.js';
import { EngineError } from '../errors.js';
import type { Command } from './command.js';
import { parseCommand } from './command.js';
import { bandsArg, checkCliOutput, numberArg } from './geo-args.js';
import { OUTPUT_HELP, outputChoice } from './output.js';
import { progressBar } from './progress.js';
import { extractFeatures } from '../pipeline/extract.js';
import { streamCollection } from '../export/write-collection.js';
import { EXTRACT_FIELDS } from '../export/fields.js';
import { PROMPT_FLAG_SPECS, PROMPT_FLAGS_HELP, promptFromFlags } from '../prompts/parse-args.js';
import { runExtractPrompt } from './extract-prompt.js';

const threadsText = (n: number): string => `${n} thread${n === 1 ? '' : 's'}`;
import { openResultStore } from '../cache/open-result-store.js';

const DEFAULT_MODEL = DEFAULT_SEG_MODEL;

const HELP = `usage: fastsam-geo extract RASTER.tif -o OUT.geojson|.gpkg|.fgb|.parquet [options]

Extracts building footprints from a GeoTIFF (local file or http(s) URL of a COG) with FastSAM:
tiles of the model's input size with overlap, one polygon per building across tile seams,
right-angled outlines; GeoJSON in WGS84 (RFC 7946), GeoPackage / FlatGeobuf / GeoParquet in the
raster's CRS. Nothing is written on error or Ctrl-C.

options:
${OUTPUT_HELP}
  --model M              ONNX model file or known name (default ${DEFAULT_MODEL}, from $FASTSAM_GEO_MODELS)
  --device D             cpu (default) | webgpu | cuda | tensorrt; trailing ! = no fallback
  --threads N            model intra-op threads (default: one per core, here ${intraOpThreads()}; or $FASTSAM_GEO_THREADS)
  --sessions N           model sessions running tiles at once, threads split between them (default:
                         2 from 16 tiles on with 2-4 threads, else 1; 2 is faster on many tiles, slower on one)
  --bands 1,2,3          bands to use: one (repeated to RGB) or three (default 1 or 1,2,3)
  --stretch LO,HI|none   percentile stretch to 8-bit (default 2,98; uint8 rasters are used as is)
  --nodata V             nodata value (default: the file's GDAL_NODATA tag)
  --srs CRS              override the raster's CRS: EPSG:NNNN or a proj string
  --resolution M         resample to M metres per pixel first (default: the raster's own)
  --tile-size N          tile side in pixels (default: the model's input size)
  --overlap N            tile overlap in pixels (default ${DEFAULTS.tiling.overlap})
  --window X0,Y0,X1,Y1   only this pixel window
  --bbox W,S,E,N         only this extent (WGS84 degrees)
  --conf C --iou I --max-det N   detection thresholds (defaults ${DEFAULTS.segment.conf}, ${DEFAULTS.segment.iou}, ${DEFAULTS.segment.maxDet})
  --simplify M           Douglas-Peucker tolerance in metres (default ${DEFAULTS.extract.simplify})
  --no-regularize        keep the traced outlines (default: right-angled, regularized)
  --no-shared-walls      regularize each building on its own (default: touching buildings keep one
                         exact common wall and a row one orientation)
  --min-area M2          drop buildings under M2 m² (default ${DEFAULTS.extract.minArea})
  --max-area M2          drop buildings over M2 m² (default: off)
  -q, --quiet            no progress bar and no summary
  --no-cache             do not read or write the per-tile result store (default: a rerun resumes)
  --queue redis://H:P    run the tiles on queue workers (fastsam-geo worker), see README "Scale out"
  --detach               with --queue: print the job id and return (fastsam-geo jobs wait|status|cancel ID)

${PROMPT_FLAGS_HELP}

properties: id (stable, by position), score, area_m2, tile, source, regularized
`;

function listArg(name: string, v: string | undefined, n: number): number[] | undefined {
  if (v === undefined) return undefined;
  const xs = v.split(',').map((s) => Number(s.trim()));
  if (xs.length !== n || xs.some((x) => !Number.isFinite(x))) {
    throw new EngineError('BAD_INPUT', `--${name}: got ${JSON.stringify(v)}, expected ${n} comma-separated numbers`);
  }
  return xs;
}

const fmt = (ms: number): string => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`);

export const command: Command = {
  summary: 'GeoTIFF → building footprints as GeoJSON (tiles, FastSAM, seam merge, regularization)',
  async run(argv: string[]): Promise<number> {
    const parsed = parseCommand(argv, HELP, {
      output: { type: 'string', short: 'o' }, format: { type: 'string' }, model: { type: 'string' }, device: { type: 'string' }, threads: { type: 'string' }, sessions: { type: 'string' },
      bands: { type: 'string' }, stretch: { type: 'string' }, nodata: { type: 'string' }, srs: { type: 'string' },
      crs: { type: 'string' }, resolution: { type: 'string' }, 'tile-size': { type: 'string' }, overlap: { type: 'string' }, window: { type: 'string' },
      bbox: { type: 'string' }, conf: { type: 'string' }, iou: { type: 'string' }, 'max-det': { type: 'string' },
      simplify: { type: 'string' }, 'no-regularize': { type: 'boolean' }, 'no-shared-walls': { type: 'boolean' }, 'min-area': { type: 'string' },
      'max-area': { type: 'string' }, quiet: { type: 'boolean', short: 'q' },
      'no-cache': { type: 'boolean' }, queue: { type: 'string' }, detach: { type: 'boolean' },
      ...PROMPT_FLAG_SPECS,
    }, true);
    if (!parsed) return 0;
    const { values: v, positionals } = parsed;
    if (positionals.length !== 1) throw new EngineError('BAD_INPUT', `expected one RASTER.tif, got ${positionals.length}\n\n${HELP}`);
    const raster = positionals[0];
    const out = await outputChoice('extract', v, v.model ? [raster, v.model] : [raster]);
    const output = out.path;
    let stretch: [number, number] | 'none' | undefined;
    if (v.stretch === 'none') stretch = 'none';
    else if (v.stretch !== undefined) stretch = listArg('stretch', v.stretch, 2) as [number, number];
    const win = listArg('window', v.window, 4);
    const bbox = listArg('bbox', v.bbox, 4);
    if (win && bbox) throw new EngineError('BAD_INPUT', '--window and --bbox: give one of them (both select the area; one would be ignored)');
    const intArg = (name: string, s: string | undefined, min: number): number | undefined =>
      numberArg(name, s, (n) => Number.isInteger(n) && n >= min, `an integer ≥ ${min}`);
    const opts = {
      device: v.device,
      threads: intArg('threads', v.threads, 1),
      sessions: intArg('sessions', v.sessions, 1),
      bands: bandsArg(v.bands),
      stretch,
      nodata: numberArg('nodata', v.nodata),
      srs: v.srs,
      crs: out.crs,
      resolution: numberArg('resolution', v.resolution, (n) => n > 0, 'metres per pixel > 0'),
      tileSize: intArg('tile-size', v['tile-size'], 32),
      overlap: intArg('overlap', v.overlap, 0),
      window: win as [number, number, number, number] | undefined,
      extent: bbox ? { bbox: bbox as [number, number, number, number], crs: 'EPSG:4326' } : undefined,
      conf: numberArg('conf', v.conf, (n) => n >= 0 && n <= 1, 'a number in 0..1'),
      iou: numberArg('iou', v.iou, (n) => n >= 0 && n <= 1, 'a number in 0..1'),
      maxDet: intArg('max-det', v['max-det'], 1),
      simplify: numberArg('simplify', v.simplify, (n) => n >= 0, 'a tolerance ≥ 0 in metres'),
      regularize: !v['no-regularize'],
      sharedWalls: !v['no-shared-walls'],
      minArea: numberArg('min-area', v['min-area'], (n) => n >= 0, 'an area ≥ 0'),
      maxArea: numberArg('max-area', v['max-area'], (n) => n > 0, 'an area > 0'),
    };
    const prompt = promptFromFlags(v);
    if (prompt && opts.resolution !== undefined) {
      throw new EngineError('BAD_INPUT', '--resolution: prompts select among the masks of the native-resolution tiles; drop --resolution or the prompt flags');
    }
    // A path, or a known name resolved by the registry; a known FastSAM model not on disk yet is
    // downloaded and converted once (offline: MODEL_MISSING names the file and how to get it).
    const model = await ensureSegModel(v.model ?? DEFAULT_MODEL);
    // The output is not the raster or the model (also through links), nor a link, directory or device.
    const inputs = [raster, model];
    await checkCliOutput(output, inputs);
    if (v.queue !== undefined || v.detach) {
      if (prompt) throw new EngineError('BAD_INPUT', '--queue: prompts run locally; drop --queue or the prompt flags');
      const { runQueuedExtract } = await import('./extract-queue.js');
      return runQueuedExtract(raster, { ...opts, model }, { queue: v.queue, detach: Boolean(v.detach), quiet: Boolean(v.quiet), output });
    }

    const ac = new AbortController();
    let interrupts = 0;
    const onSigint = (): void => {
      interrupts++;
      if (interrupts > 1) process.exit(130);
      process.stderr.write('\ninterrupted: stopping after the current tile (Ctrl-C again to quit now)\n');
      ac.abort();
    };
    process.on('SIGINT', onSigint);
    const bar = v.quiet ? null : progressBar(process.stderr);
    try {
      if (prompt) {
        await runExtractPrompt(raster, prompt, { ...opts, model, signal: ac.signal, onProgress: (p) => bar?.update(p.done, p.total) }, v, out);
        return 0;
      }
      const warnLine = (m: string): void => {
        if (!v.quiet) process.stderr.write(`${bar ? '\n' : ''}warning: ${m}\n`);
      };
      // Finished tiles are kept as they come: a rerun after a crash or Ctrl-C resumes from them.
      const store = v['no-cache'] ? null : await openResultStore(raster, { ...opts, model, signal: ac.signal }, { onWarning: warnLine });
      // Features go to the writer as their ids become certain (about one tile row is held); the file
      // is a temp file until the end, removed on error or Ctrl-C.
      const r = await streamCollection(output, { format: out.format, fields: EXTRACT_FIELDS, inputs, signal: ac.signal }, (sinkOut) =>
        extractFeatures(raster, {
          ...opts,
          model,
          tileStore: store ?? undefined,
          signal: ac.signal,
          onProgress: (p) => bar?.update(p.done, p.total),
          onWarning: (m) => {
            if (!v.quiet) process.stderr.write(`${bar ? '\n' : ''}warning: ${m}\n`);
          },
        }, sinkOut));
      bar?.finish();
      if (!v.quiet) {
        if (store && store.stats.hits > 0) process.stderr.write(`resumed ${store.stats.hits}/${r.tiles} tiles\n`);
        const n = Math.max(1, r.tiles);
        const t = r.timings;
        process.stderr.write(
          `${r.buildings} buildings from ${r.tiles} tiles (${r.tileSize[0]}×${r.tileSize[1]}, ${r.detections} detections) → ${output}\n` +
            `time ${fmt(t.total)}; per tile: read ${fmt(t.read / n)}, model ${fmt(t.model / n)}, decode ${fmt(t.decode / n)}, vectorize ${fmt(t.vectorize / n)}; device ${r.device} (${r.sessions > 1 ? `${r.sessions} sessions × ${threadsText(r.threads / r.sessions)}` : threadsText(r.threads)}); stretch ${r.stretchFrom}\n`,
        );
      }
      return 0;
    } finally {
      bar?.finish();
      process.off('SIGINT', onSigint);
    }
  },
};
