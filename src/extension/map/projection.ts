// Projections for the map: registers proj4 with OpenLayers and knows the proj4 definitions of the
// CRSs aerial GeoTIFFs usually come in (UTM zones on WGS84/NAD83/ETRS89, web mercator, a few national
// grids), so a raster in its own CRS can be shown as is and WGS84 results reprojected onto it.
// No network lookup: an unknown CRS still opens (OpenLayers builds a bare projection from the
// GeoKeys) but cannot be mixed with WGS84 results or a basemap.
import proj4 from 'proj4';
import { register, setProjectionCodeLookup } from 'ol/proj/proj4.js';
import { get as getProjection, transformExtent, transform } from 'ol/proj.js';
import type { Extent } from 'ol/extent.js';
import type { Coordinate } from 'ol/coordinate.js';

const NATIONAL: Record<number, string> = {
  27700:
    '+proj=tmerc +lat_0=49 +lon_0=-2 +k=0.9996012717 +x_0=400000 +y_0=-100000 +ellps=airy ' +
    '+towgs84=446.448,-125.157,542.06,0.15,0.247,0.842,-20.489 +units=m +no_defs',
  2154:
    '+proj=lcc +lat_0=46.5 +lon_0=3 +lat_1=49 +lat_2=44 +x_0=700000 +y_0=6600000 +ellps=GRS80 ' +
    '+towgs84=0,0,0,0,0,0,0 +units=m +no_defs',
  3035: '+proj=laea +lat_0=52 +lon_0=10 +x_0=4321000 +y_0=3210000 +ellps=GRS80 +towgs84=0,0,0,0,0,0,0 +units=m +no_defs',
  28992:
    '+proj=sterea +lat_0=52.1561605555556 +lon_0=5.38763888888889 +k=0.9999079 +x_0=155000 ' +
    '+y_0=463000 +ellps=bessel +towgs84=565.4171,50.3319,465.5524,1.9342,-1.6677,9.1019,4.0725 +units=m +no_defs'
};

/** The proj4 definition of an "EPSG:N" code this module knows, or null. */
export function proj4Definition(code: string): string | null {
  const m = /^EPSG:(\d+)$/i.exec(code.trim());
  if (!m) return null;
  const n = Number(m[1]);
  if (n >= 32601 && n <= 32660) return `+proj=utm +zone=${n - 32600} +datum=WGS84 +units=m +no_defs`;
  if (n >= 32701 && n <= 32760) return `+proj=utm +zone=${n - 32700} +south +datum=WGS84 +units=m +no_defs`;
  if (n >= 26901 && n <= 26923) return `+proj=utm +zone=${n - 26900} +datum=NAD83 +units=m +no_defs`;
  if (n >= 25828 && n <= 25838) {
    return `+proj=utm +zone=${n - 25800} +ellps=GRS80 +towgs84=0,0,0,0,0,0,0 +units=m +no_defs`;
  }
  return NATIONAL[n] ?? null;
}

let registered = false;
function setup(): void {
  if (registered) return;
  register(proj4);
  setProjectionCodeLookup(async (code: string) => {
    const def = proj4Definition(code);
    if (!def) throw new Error(`no proj4 definition known for ${code}`);
    return def;
  });
  registered = true;
}

/** Makes `code` usable by OpenLayers; true when it is (already known or defined here). */
export function ensureProjection(code: string | null | undefined): boolean {
  setup();
  if (!code) return false;
  if (getProjection(code)) return true;
  const def = proj4Definition(code);
  if (!def) return false;
  proj4.defs(code, def);
  register(proj4);
  return getProjection(code) !== null;
}

/** Whether coordinates can be transformed between `code` and WGS84. */
export function canReachWgs84(code: string): boolean {
  if (!ensureProjection(code)) return false;
  try {
    transform([0, 0], code, 'EPSG:4326');
    return true;
  } catch {
    return false;
  }
}

export function toWgs84(coord: Coordinate, from: string): Coordinate {
  return transform(coord, from, 'EPSG:4326');
}

export function extentToWgs84(extent: Extent, from: string): Extent {
  return transformExtent(extent, from, 'EPSG:4326');
}

export function extentFromWgs84(extent: Extent, to: string): Extent {
  return transformExtent(extent, 'EPSG:4326', to);
}
