/**
 * POST /api/export {path, collection, overwrite?, format?} → {path, features, format}: writes the layer
 * inside the root as GeoJSON, GeoPackage, FlatGeobuf or GeoParquet (format from the extension, or
 * forced), through the export sinks: a temp file beside the target + fsync + rename, so the file is
 * either the old one, absent, or complete, never partial. The layer keeps the collection's CRS (the
 * map sends RFC 7946 WGS84).
 */
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
}

export function registerExportRoutes(app: FastifyInstance, ctx: RouteContext): void {
  app.post<{ Body: ExportBody }>('/api/export', { schema: { body: exportBodySchema } }, async (request, reply) => {
    const { collection, overwrite = false, format } = request.body;
    // Never through a link (resolveOutput); the sinks' output file checks the real target
    // (util/output-path: not a directory, device or FIFO; a known extension).
    const abs = await ctx.root.resolveOutput(request.body.path);
    const r = await writeCollection(abs, collection as unknown as ExportCollection, {
      format, noOverwrite: !overwrite, signal: abortOnDisconnect(reply),
    });
    return { path: ctx.root.relative(abs), features: r.features, format: r.format };
  });
}
