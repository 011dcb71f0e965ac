/**
 * POST /api/export {path, collection, overwrite?, format?} → {path, features, format}: writes the layer
 * inside the root as GeoJSON, GeoPackage, FlatGeobuf or GeoParquet (format from the extension, or
 * forced), through the export sinks: a temp file beside the target + fsync + rename, so the file is
 * either the old one, absent, or complete, never partial. The layer keeps the collection's CRS (the
 * map sends RFC 7946 WGS84).
 * With `download: true` nothing is left in the root: the file is written in a private temp directory
 * and its bytes are the answer (the map's Download in .gpkg / .fgb / .parquet); `path` only names it.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { RouteContext } from '../app.js';
import type { FeatureCollection } from '../backend.js';
import { exportBodySchema } from '../schemas.js';
import { abortOnDisconnect } from './disconnect.js';
import { writeCollection } from '../../export/write-collection.js';
import type { FeatureCollection as ExportCollection } from '../../export/geojson.js';

interface ExportBody {
  path: string;
  collection: FeatureCollection;
  overwrite?: boolean;
  format?: string;
  download?: boolean;
}

export function registerExportRoutes(app: FastifyInstance, ctx: RouteContext): void {
  app.post<{ Body: ExportBody }>('/api/export', { schema: { body: exportBodySchema } }, async (request, reply) => {
    const { collection, overwrite = false, format } = request.body;
    if (request.body.download) {
      const dir = await mkdtemp(path.join(os.tmpdir(), 'fsg-download-'));
      try {
        // only the name's last part, in a directory of our own
        const name = path.basename(request.body.path).replace(/[^\w.-]/g, '_');
        const r = await writeCollection(path.join(dir, name), collection as unknown as ExportCollection, { format, signal: abortOnDisconnect(reply) });
        const bytes = await readFile(path.join(dir, name));
        return reply
          .header('content-type', 'application/octet-stream')
          .header('content-disposition', `attachment; filename="${name}"`)
          .header('x-features', String(r.features))
          .send(bytes);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    }
    // Never through a link (resolveOutput); the sinks' output file checks the real target
    // (util/output-path: not a directory, device or FIFO; a known extension).
    const abs = await ctx.root.resolveOutput(request.body.path);
    const r = await writeCollection(abs, collection as unknown as ExportCollection, {
      format, noOverwrite: !overwrite, signal: abortOnDisconnect(reply),
    });
    return { path: ctx.root.relative(abs), features: r.features, format: r.format };
  });
}
