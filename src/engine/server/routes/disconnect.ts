/** An AbortSignal that fires when the client goes away before its response is sent. */
import type { FastifyReply } from 'fastify';
import { EngineError } from '../../errors.js';

export function abortOnDisconnect(reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) controller.abort(new EngineError('ABORTED', 'client disconnected'));
  });
  return controller.signal;
}
