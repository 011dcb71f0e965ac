/** GET /api/health, GET /api/models, GET /api/raster?path=REL | ?url=URL (when URLs are allowed). */
import type { FastifyInstance } from 'fastify';
import { EngineError } from '../../errors.js';
import type { RouteContext } from '../app.js';
import { rasterQuerySchema } from '../schemas.js';
import { checkRasterUrl } from '../urls.js';
import { abortOnDisconnect } from './disconnect.js';

export function registerInfoRoutes(app: FastifyInstance, ctx: RouteContext): void {
  app.get('/api/health', async () => {
    const d = ctx.backend.device();
    return { status: 'ok', version: ctx.backend.version(), device: d.active ?? d.requested, ...(ctx.backend.stats ? { cache: ctx.backend.stats() } : {}) };
  });

  app.get('/api/models', async () => {
    return { models: await ctx.backend.models(), device: ctx.backend.device() };
  });

  app.get<{ Querystring: { path?: string; url?: string } }>('/api/raster', { schema: { querystring: rasterQuerySchema } }, async (request, reply) => {
    const { path: rel, url } = request.query;
    if ((rel === undefined) === (url === undefined)) {
      throw new EngineError('BAD_INPUT', `raster: got ${rel === undefined ? 'neither path nor url' : 'both path and url'}, expected exactly one of them`);
    }
    if (url !== undefined) {
      const checked = checkRasterUrl(url, ctx.allowUrls);
      return ctx.backend.raster(checked, checked, abortOnDisconnect(reply), { checkUrl: (hop) => void checkRasterUrl(hop, ctx.allowUrls) });
    }
    const abs = await ctx.root.resolve(rel);
    const info = await ctx.backend.raster(abs, ctx.root.relative(abs), abortOnDisconnect(reply));
    return info;
  });
}
