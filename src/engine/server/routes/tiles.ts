/**
 * POST /api/tiles {path, extent?, options?, skip?}: the objects of the area's finished tiles (tile cache
 * and result store: tiles segmented by a job in this session or an earlier one, or by the CLI), without
 * running the model. The map answers point prompts from them in the browser.
 */
import type { FastifyInstance } from 'fastify';
import { EngineError } from '../../errors.js';
import type { RouteContext } from '../app.js';
import type { TilesRequest } from '../backend.js';
import { tilesBodySchema } from '../schemas.js';
import { abortOnDisconnect } from './disconnect.js';
import { segmentRequest } from './segment-request.js';
import type { SegmentBody } from './segment-request.js';

interface TilesBody extends SegmentBody {
  skip?: number[];
}

export function registerTileRoutes(app: FastifyInstance, ctx: RouteContext): void {
  app.post<{ Body: TilesBody }>('/api/tiles', { schema: { body: tilesBodySchema } }, async (request, reply) => {
    if (!ctx.backend.tileObjects) throw new EngineError('NOT_FOUND', 'this engine keeps no tile results to answer /api/tiles');
    const req: TilesRequest = {
      ...(await segmentRequest(ctx, request.body)),
      ...(request.body.skip ? { skip: request.body.skip } : {}),
    };
    return ctx.backend.tileObjects(req, abortOnDisconnect(reply));
  });
}
