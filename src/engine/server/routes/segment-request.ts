/**
 * A job / plan / tiles request body → the backend's SegmentRequest: the path resolved inside the root
 * (links, `..` and absolute paths refused by root.resolve), the extent's CRS defaulting to WGS84.
 */
import type { RouteContext } from '../app.js';
import type { Extent, SegmentOptions, SegmentRequest } from '../backend.js';

export interface SegmentBody {
  path: string;
  extent?: Extent;
  options?: SegmentOptions;
}

export async function segmentRequest(ctx: RouteContext, body: SegmentBody): Promise<SegmentRequest> {
  const abs = await ctx.root.resolve(body.path);
  return {
    path: abs,
    rel: ctx.root.relative(abs),
    ...(body.extent ? { extent: { ...body.extent, crs: body.extent.crs ?? 'EPSG:4326' } } : {}),
    ...(body.options ? { options: body.options } : {}),
  };
}
