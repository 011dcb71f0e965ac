/** GET /api/health, GET /api/models, GET /api/raster?path=REL. */
import type { FastifyInstance } from 'fastify';
import type { RouteContext } from '../app.js';
import { rasterQuerySchema } from '../schemas.js';
import { abortOnDisconnect } from './disconnect.js';

export function registerInfoRoutes(app: FastifyInstance, ctx: RouteContext): void {
  app.get('/api/health', async () => {
    const d = ctx.backend.device();
    return { status: 'ok', version: ctx.backend.version(), device: d.active ?? d.requested };
  });

  app.get('/api/models', async () => {
    return { models: await ctx.backend.models(), device: ctx.backend.device() };
  });

  app.get<{ Querystring: { path: string } }>('/api/raster', { schema: { querystring: rasterQuerySchema } }, async (request, reply) => {
    const abs = await ctx.root.resolve(request.query.path);
    const info = await ctx.backend.raster(abs, ctx.root.relative(abs), abortOnDisconnect(reply));
    return info;
  });
}
