import { EngineError } from '../errors.js';
export async function runQueuedExtract(_raster: string, _opts: unknown, _q: unknown): Promise<number> {
  throw new EngineError('INTERNAL', 'not yet');
}
