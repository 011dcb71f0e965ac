/**
 * Streaming GeoJSON: the FeatureCollection is written feature by feature (never built as one string).
 * WGS84 coordinates give an RFC 7946 file; any other CRS adds the pre-RFC "crs" member GDAL reads.
 */
import type { Feature } from './geojson.js';
import { WGS84 } from '../geo/crs.js';
import { ByteWriter } from './byte-writer.js';
import type { OutputFile } from './output-file.js';
import type { FormatWriter, SinkOptions } from './sink.js';

export async function openGeoJsonWriter(out: OutputFile, options: SinkOptions): Promise<FormatWriter> {
  const w = await ByteWriter.create(out.tmp);
  const head: Record<string, unknown> = { type: 'FeatureCollection' };
  const crs = options.crs;
  if (crs && crs.def !== WGS84.def) {
    head.crs = { type: 'name', properties: { name: crs.code ? `urn:ogc:def:crs:EPSG::${crs.code.slice(5)}` : crs.def } };
  }
  for (const [k, v] of Object.entries(options.extra ?? {})) if (!(k in head) && k !== 'features') head[k] = v;
  const text = JSON.stringify(head);
  await w.write(`${text.slice(0, -1)},"features":[`);
  let n = 0;
  return {
    async write(f: Feature) {
      await w.write((n++ ? ',\n' : '\n') + JSON.stringify(f));
    },
    async finish() {
      await w.write(']}\n');
      await w.close();
    },
    destroy: () => w.destroy(),
  };
}
