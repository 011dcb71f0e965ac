/**
 * Segmentation jobs: POST /api/jobs → 202 {id, status, done, total} at once; GET /api/jobs/:id
 * (poll); GET /api/jobs/:id/events (SSE); DELETE /api/jobs/:id (cancel); GET /api/jobs/:id/result;
 * GET /api/jobs/:id/partial?since=N: the features of the tiles finished so far (from the N-th on), so a
 * map draws a long job tile by tile and keeps what it drew when the job is cancelled.
 * POST /api/jobs/plan (same body as a job) → {total}: the tiles a job would run, without starting it (the
 * map asks before a long job).
 */
import type { FastifyInstance } from 'fastify';
import { EngineError, asEngineError } from '../../errors.js';
import type { RouteContext } from '../app.js';
import type { FeatureCollection } from '../backend.js';
import { jobBodySchema, jobParamsSchema, partialQuerySchema } from '../schemas.js';
import { streamJobEvents } from '../sse.js';
import { abortOnDisconnect } from './disconnect.js';
import { segmentRequest } from './segment-request.js';
import type { SegmentBody } from './segment-request.js';

type JobBody = SegmentBody;

export function registerJobRoutes(app: FastifyInstance, ctx: RouteContext): void {
  app.post<{ Body: JobBody }>('/api/jobs', { schema: { body: jobBodySchema } }, async (request, reply) => {
    const req = await segmentRequest(ctx, request.body);
    // Opening the raster and counting tiles first turns a bad file or extent into a 4xx now,
    // rather than a failed job later.
    const total = await ctx.backend.countTiles(req, abortOnDisconnect(reply));
    const job = ctx.jobs.submit<FeatureCollection>((jc) => ctx.backend.segment(req, jc).catch((err: unknown) => {
      // A failed job's message never shows the server's root (paths relative to it).
      const e = asEngineError(err);
      throw new EngineError(e.code, ctx.root.redact(e.message));
    }), {
      total,
      meta: { path: req.rel },
    });
    return reply.status(202).send(job.snapshot());
  });

  app.post<{ Body: JobBody }>('/api/jobs/plan', { schema: { body: jobBodySchema } }, async (request, reply) => {
    const req = await segmentRequest(ctx, request.body);
    return { total: await ctx.backend.countTiles(req, abortOnDisconnect(reply)) };
  });

  app.get<{ Params: { id: string } }>('/api/jobs/:id', { schema: { params: jobParamsSchema } }, async (request) => {
    return ctx.jobs.get(request.params.id).snapshot();
  });

  app.get<{ Params: { id: string }; Querystring: { since?: string } }>(
    '/api/jobs/:id/partial',
    { schema: { params: jobParamsSchema, querystring: partialQuerySchema } },
    async (request) => {
      const job = ctx.jobs.get(request.params.id);
      const { items, next, truncated } = job.partialSince(Number(request.query.since ?? 0));
      return { ...job.snapshot(), type: 'FeatureCollection', features: items, next, ...(truncated ? { truncated } : {}) };
    },
  );

  app.get<{ Params: { id: string } }>('/api/jobs/:id/events', { schema: { params: jobParamsSchema } }, async (request, reply) => {
    const job = ctx.jobs.get(request.params.id);
    reply.hijack();
    streamJobEvents(job, reply.raw);
  });

  app.delete<{ Params: { id: string } }>('/api/jobs/:id', { schema: { params: jobParamsSchema } }, async (request) => {
    const job = ctx.jobs.cancel(request.params.id);
    return { id: job.id, status: job.status };
  });

  app.get<{ Params: { id: string } }>('/api/jobs/:id/result', { schema: { params: jobParamsSchema } }, async (request) => {
    const job = ctx.jobs.get(request.params.id);
    if (job.status === 'done') return job.result;
    if (job.status === 'failed' || job.status === 'cancelled') {
      const e = job.error ?? { code: 'INTERNAL' as const, message: job.status };
      throw new EngineError(e.code, `job ${job.id} ${job.status}: ${e.message}`);
    }
    throw new EngineError('BAD_INPUT', `job ${job.id} is ${job.status} (${job.done}/${job.total} tiles); its result is ready when its status is done`);
  });
}
