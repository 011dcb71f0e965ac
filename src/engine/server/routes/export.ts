/**
 * POST /api/export {path, collection, overwrite?} → {path, features}: writes the GeoJSON layer
 * inside the root atomically (temp file beside it + fsync + rename), so the file is either the
 * old one, absent, or complete, never partial.
 */
import { promises as fs } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { EngineError } from '../../errors.js';
import { writeFileAtomic } from '../../util/atomic-write.js';
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
    const abs = await ctx.root.resolve(request.body.path, { mustExist: false });
    const st = await fs.stat(abs).catch(() => null);
    if (st?.isDirectory()) throw new EngineError('BAD_INPUT', `export path '${request.body.path}' is a directory, expected a .geojson file name`);
    const text = JSON.stringify(collection);
    await writeFileAtomic(abs, text, { noOverwrite: !overwrite, signal: abortOnDisconnect(reply) });
    return { path: ctx.root.relative(abs), features: collection.features.length };
  });
}
