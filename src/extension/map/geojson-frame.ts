// GeoJSON ↔ the map's features: WGS84 GeoJSON (or a legacy projected "crs" member) read into the view
// projection, and written back as RFC 7946 WGS84; on a raster without georeferencing, GeoJSON is in
// raster pixels (x right, y down) and the map has y up, so y is flipped both ways.
import type Feature from 'ol/Feature.js';
import GeoJSON from 'ol/format/GeoJSON.js';
import type { FeatureCollection } from '../api/types.js';
import { ensureProjection } from './projection.js';

/** How features map between GeoJSON and the view: a projection, or raster pixels (y down) on a pixel map. */
export interface ResultFrame {
  projection: string;
  /** Set on a raster without georeferencing: GeoJSON is in pixels (x right, y down), the map has y up. */
  pixelHeight?: number | null;
}

/** Properties the map keeps on features for itself, never written out. */
const INTERNAL = ['fsg_run', 'fsg_order', 'fastsam_layer'];

/**
 * The CRS of a GeoJSON object: WGS84 (RFC 7946) unless it carries a legacy "crs" member naming an
 * EPSG code this map knows (GDAL writes one for projected layers, e.g. urn:ogc:def:crs:EPSG::32616).
 */
export function dataProjectionOf(fc: unknown): string {
  const name = (fc as { crs?: { properties?: { name?: string } } })?.crs?.properties?.name;
  const m = typeof name === 'string' ? /EPSG:{1,2}(\d+)$/i.exec(name) : null;
  if (m && m[1] !== '4326' && ensureProjection(`EPSG:${m[1]}`)) return `EPSG:${m[1]}`;
  return 'EPSG:4326';
}

/** (x, y) → (x, h − y) on flat coordinates: GeoJSON pixels (y down) ↔ the pixel map (y up). */
export function flipY(h: number) {
  return (input: number[], output?: number[], dimension = 2): number[] => {
    const out = output ?? input;
    for (let i = 0; i < input.length; i += dimension) {
      out[i] = input[i];
      out[i + 1] = h - input[i + 1];
    }
    return out;
  };
}

export class GeoJsonFrame {
  private readonly format = new GeoJSON();

  constructor(readonly frame: ResultFrame) {}

  /** GeoJSON → features in the view (pixel GeoJSON flipped to the map's y-up pixel frame). */
  read(fc: FeatureCollection): Feature[] {
    const h = this.frame.pixelHeight;
    if (h !== null && h !== undefined) {
      const features = this.format.readFeatures(fc) as Feature[];
      for (const f of features) f.getGeometry()?.applyTransform(flipY(h));
      return features;
    }
    return this.format.readFeatures(fc, { dataProjection: dataProjectionOf(fc), featureProjection: this.frame.projection }) as Feature[];
  }

  /** Features as GeoJSON: WGS84 (RFC 7946), or pixels (x right, y down) on a pixel map; internal properties dropped. */
  write(features: Feature[]): FeatureCollection {
    const h = this.frame.pixelHeight;
    let fc: FeatureCollection;
    if (h !== null && h !== undefined) {
      const flipped = features.map((f) => {
        const c = f.clone();
        c.getGeometry()?.applyTransform(flipY(h));
        return c;
      });
      fc = this.format.writeFeaturesObject(flipped, { decimals: 3 }) as unknown as FeatureCollection;
    } else {
      fc = this.format.writeFeaturesObject(features, {
        dataProjection: 'EPSG:4326',
        featureProjection: this.frame.projection,
        decimals: 9
      }) as unknown as FeatureCollection;
    }
    for (const f of fc.features) {
      if (f.properties) for (const k of INTERNAL) delete f.properties[k];
      if (f.properties && 'id' in f.properties) f.id = f.properties.id as string | number;
      else delete f.id;
    }
    return fc;
  }
}
