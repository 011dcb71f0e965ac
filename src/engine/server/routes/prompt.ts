/** POST /api/prompt: points / boxes / text on an area → GeoJSON of the selected buildings. */
import type { FastifyInstance } from 'fastify';
import { EngineError } from '../../errors.js';
import type { RouteContext } from '../app.js';
import type { PromptRequest } from '../backend.js';
import { promptBodySchema } from '../schemas.js';
import { abortOnDisconnect } from './disconnect.js';

type PromptBody = Omit<PromptRequest, 'rel'>;

export function registerPromptRoutes(app: FastifyInstance, ctx: RouteContext): void {
  app.post<{ Body: PromptBody }>('/api/prompt', { schema: { body: promptBodySchema } }, async (request, reply) => {
    const body = request.body;
    if (!body.points?.length && !body.boxes?.length && !body.text) {
      throw new EngineError('BAD_INPUT', 'prompt: got no points, boxes or text, expected at least one of them');
    }
    const abs = await ctx.root.resolve(body.path);
    const crs = body.crs ?? 'EPSG:4326';
    const req: PromptRequest = {
      ...body,
      path: abs,
      rel: ctx.root.relative(abs),
      crs,
      ...(body.extent ? { extent: { ...body.extent, crs: body.extent.crs ?? crs } } : {}),
      ...(body.points ? { points: body.points.map((p) => ({ x: p.x, y: p.y, label: p.label ?? 1 })) } : {}),
    };
    // The work stops when the client goes (and is shared with identical prompts in flight: engine-backend).
    return ctx.backend.prompt(req, abortOnDisconnect(reply));
  });
}
