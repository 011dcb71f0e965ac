/**
 * POST /api/export {path, collection, overwrite?} → {path, features}: writes the GeoJSON layer
 * inside the root atomically (temp file beside it + fsync + rename), so the file is either the
 * old one, absent, or complete, never partial.
 */
import type { FastifyInstance } from 'fastify';
import { writeOutput } from '../../util/output-path.js';
import type { RouteContext } from '../app.js';
import type { FeatureCollection } from '../backend.js';
import { exportBodySchema } from '../schemas.js';
import { abortOnDisconnect } from './disconnect.js';

interface ExportBody {
  path: string;
  collection: FeatureCollection;
  overwrite?: boolean;
}

export function registerExportRoutes(app: FastifyInstance, ctx: RouteContext): void {
  app.post<{ Body: ExportBody }>('/api/export', { schema: { body: exportBodySchema } }, async (request, reply) => {
    const { collection, overwrite = false } = request.body;
    // Never through a link (resolveOutput), never over a directory, device or FIFO, '.geojson' on the
    // real target (checkOutputPath, inside writeOutput).
    const abs = await ctx.root.resolveOutput(request.body.path);
    const text = JSON.stringify(collection);
    await writeOutput(abs, text, { noOverwrite: !overwrite, extensions: ['.geojson'], display: ctx.root.relative(abs), signal: abortOnDisconnect(reply) });
    return { path: ctx.root.relative(abs), features: collection.features.length };
  });
}
