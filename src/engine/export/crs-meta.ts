/**
 * How an output file names its CRS: the EPSG code, OGC WKT 1 (GeoPackage's gpkg_spatial_ref_sys, the
 * FlatGeobuf header) and PROJJSON (GeoParquet's `geo` metadata), built from our Crs for the families the
 * engine computes (WGS84 / NAD83 / ETRS89 geographic and their UTM zones, web mercator). Other EPSG codes
 * are named by code only (GDAL resolves them); a CRS without a code is recorded as unknown.
 */
import type { Crs } from '../geo/crs.js';

export interface CrsMeta {
  epsg: number | null;
  name: string;
  /** OGC WKT 1, or null when we cannot write it. */
  wkt: string | null;
  /** PROJJSON object, or null. */
  projjson: Record<string, unknown> | null;
}

interface Datum {
  geog: number;
  name: string;
  datum: string;
  wktDatum: string;
  ellipsoid: [string, number, number, number];
}

const DATUMS: Record<string, Datum> = {
  wgs84: { geog: 4326, name: 'WGS 84', datum: 'World Geodetic System 1984', wktDatum: 'WGS_1984', ellipsoid: ['WGS 84', 6378137, 298.257223563, 7030] },
  nad83: { geog: 4269, name: 'NAD83', datum: 'North American Datum 1983', wktDatum: 'North_American_Datum_1983', ellipsoid: ['GRS 1980', 6378137, 298.257222101, 7019] },
  etrs89: { geog: 4258, name: 'ETRS89', datum: 'European Terrestrial Reference System 1989', wktDatum: 'European_Terrestrial_Reference_System_1989', ellipsoid: ['GRS 1980', 6378137, 298.257222101, 7019] },
};
const DATUM_CODE: Record<string, number> = { wgs84: 6326, nad83: 6269, etrs89: 6258 };

function geogcs(key: string): string {
  const d = DATUMS[key];
  const [en, a, rf, ec] = d.ellipsoid;
  return `GEOGCS["${d.name}",DATUM["${d.wktDatum}",SPHEROID["${en}",${a},${rf},AUTHORITY["EPSG","${ec}"]],AUTHORITY["EPSG","${DATUM_CODE[key]}"]],` +
    'PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],' +
    `AXIS["Latitude",NORTH],AXIS["Longitude",EAST],AUTHORITY["EPSG","${d.geog}"]]`;
}

const SCHEMA = 'https://proj.org/schemas/v0.7/projjson.schema.json';

function geographicJson(key: string): Record<string, unknown> {
  const d = DATUMS[key];
  const [en, a, rf] = d.ellipsoid;
  return {
    type: 'GeographicCRS',
    name: d.name,
    datum: { type: 'GeodeticReferenceFrame', name: d.datum, ellipsoid: { name: en, semi_major_axis: a, inverse_flattening: rf } },
    coordinate_system: {
      subtype: 'ellipsoidal',
      axis: [
        { name: 'Geodetic latitude', abbreviation: 'Lat', direction: 'north', unit: 'degree' },
        { name: 'Geodetic longitude', abbreviation: 'Lon', direction: 'east', unit: 'degree' },
      ],
    },
    id: { authority: 'EPSG', code: d.geog },
  };
}

const ENU = {
  subtype: 'Cartesian',
  axis: [
    { name: 'Easting', abbreviation: 'E', direction: 'east', unit: 'metre' },
    { name: 'Northing', abbreviation: 'N', direction: 'north', unit: 'metre' },
  ],
};

function param(name: string, value: number, unit: string, code: number): Record<string, unknown> {
  return { name, value, unit, id: { authority: 'EPSG', code } };
}

function utm(code: number, key: string, zone: number, south: boolean, name: string): CrsMeta {
  const lon0 = zone * 6 - 183;
  const fn = south ? 10000000 : 0;
  const wkt = `PROJCS["${name}",${geogcs(key)},PROJECTION["Transverse_Mercator"],PARAMETER["latitude_of_origin",0],` +
    `PARAMETER["central_meridian",${lon0}],PARAMETER["scale_factor",0.9996],PARAMETER["false_easting",500000],` +
    `PARAMETER["false_northing",${fn}],UNIT["metre",1,AUTHORITY["EPSG","9001"]],AXIS["Easting",EAST],AXIS["Northing",NORTH],AUTHORITY["EPSG","${code}"]]`;
  const projjson = {
    $schema: SCHEMA,
    type: 'ProjectedCRS',
    name,
    base_crs: geographicJson(key),
    conversion: {
      name: `UTM zone ${zone}${south ? 'S' : 'N'}`,
      method: { name: 'Transverse Mercator', id: { authority: 'EPSG', code: 9807 } },
      parameters: [
        param('Latitude of natural origin', 0, 'degree', 8801),
        param('Longitude of natural origin', lon0, 'degree', 8802),
        param('Scale factor at natural origin', 0.9996, 'unity', 8805),
        param('False easting', 500000, 'metre', 8806),
        param('False northing', fn, 'metre', 8807),
      ],
    },
    coordinate_system: ENU,
    id: { authority: 'EPSG', code },
  };
  return { epsg: code, name, wkt, projjson };
}

function webMercator(): CrsMeta {
  const name = 'WGS 84 / Pseudo-Mercator';
  const wkt = `PROJCS["${name}",${geogcs('wgs84')},PROJECTION["Mercator_1SP"],PARAMETER["central_meridian",0],` +
    'PARAMETER["scale_factor",1],PARAMETER["false_easting",0],PARAMETER["false_northing",0],UNIT["metre",1,AUTHORITY["EPSG","9001"]],' +
    'AXIS["Easting",EAST],AXIS["Northing",NORTH],' +
    'EXTENSION["PROJ4","+proj=merc +a=6378137 +b=6378137 +lat_ts=0 +lon_0=0 +x_0=0 +y_0=0 +k=1 +units=m +nadgrids=@null +wktext +no_defs"],AUTHORITY["EPSG","3857"]]';
  const projjson = {
    $schema: SCHEMA,
    type: 'ProjectedCRS',
    name,
    base_crs: geographicJson('wgs84'),
    conversion: {
      name: 'Popular Visualisation Pseudo-Mercator',
      method: { name: 'Popular Visualisation Pseudo Mercator', id: { authority: 'EPSG', code: 1024 } },
      parameters: [
        param('Latitude of natural origin', 0, 'degree', 8801),
        param('Longitude of natural origin', 0, 'degree', 8802),
        param('False easting', 0, 'metre', 8806),
        param('False northing', 0, 'metre', 8807),
      ],
    },
    coordinate_system: ENU,
    id: { authority: 'EPSG', code: 3857 },
  };
  return { epsg: 3857, name, wkt, projjson };
}

/** The metadata for `crs` (null: unknown / pixel coordinates). */
export function crsMeta(crs: Crs | null | undefined): CrsMeta | null {
  if (!crs) return null;
  const code = crs.code ? Number(crs.code.replace(/^EPSG:/i, '')) : null;
  if (code === null || !Number.isInteger(code)) return { epsg: null, name: crs.name, wkt: null, projjson: null };
  if (code === 4326 || code === 4269 || code === 4258) {
    const key = code === 4326 ? 'wgs84' : code === 4269 ? 'nad83' : 'etrs89';
    return { epsg: code, name: DATUMS[key].name, wkt: geogcs(key), projjson: { $schema: SCHEMA, ...geographicJson(key) } };
  }
  if (code >= 32601 && code <= 32660) return utm(code, 'wgs84', code - 32600, false, crs.name);
  if (code >= 32701 && code <= 32760) return utm(code, 'wgs84', code - 32700, true, crs.name);
  if (code >= 26901 && code <= 26923) return utm(code, 'nad83', code - 26900, false, crs.name);
  if (code >= 25828 && code <= 25838) return utm(code, 'etrs89', code - 25800, false, crs.name);
  if (code === 3857) return webMercator();
  return { epsg: code, name: crs.name, wkt: null, projjson: null };
}
