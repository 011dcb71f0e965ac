/**
 * JSON schemas of every request the HTTP API accepts (fastify validates them with Ajv before a
 * handler runs; a mismatch is a 400 BAD_INPUT naming the field). Types are not coerced and unknown
 * fields are refused, so a typo is an error rather than a silently ignored option.
 */
const num = { type: 'number' } as const;
const bbox = { type: 'array', items: num, minItems: 4, maxItems: 4 } as const;
const relPath = { type: 'string', minLength: 1, maxLength: 4096 } as const;
const crs = { type: 'string', minLength: 1, maxLength: 200 } as const;

export const extentSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['bbox'],
  properties: { bbox, crs },
} as const;

export const segmentOptionsSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    conf: { type: 'number', minimum: 0, maximum: 1 },
    iou: { type: 'number', minimum: 0, maximum: 1 },
    imgsz: { type: 'integer', minimum: 32, maximum: 4096 },
    maxDet: { type: 'integer', minimum: 1, maximum: 10000 },
    tileSize: { type: 'integer', minimum: 32, maximum: 8192 },
    overlap: { type: 'integer', minimum: 0, maximum: 4096 },
    minArea: { type: 'number', minimum: 0 },
    simplify: { type: 'number', minimum: 0 },
    regularize: { type: 'boolean' },
    sharedWalls: { type: 'boolean' },
  },
} as const;

/** `path` (inside the root) or `url` (a COG, when the server allows URLs): exactly one, checked by the route. */
export const rasterQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: { path: relPath, url: { type: 'string', minLength: 1, maxLength: 4096 } },
} as const;

/** What every request on an area of a raster carries: the raster, the area, the segmentation options. */
const areaProperties = { path: relPath, extent: extentSchema, options: segmentOptionsSchema } as const;

export const jobBodySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['path'],
  properties: areaProperties,
} as const;

export const jobParamsSchema = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', minLength: 1, maxLength: 100 } },
} as const;

export const partialQuerySchema = {
  type: 'object',
  additionalProperties: false,
  // query strings are not coerced: a decimal string
  properties: { since: { type: 'string', pattern: '^[0-9]{1,9}$' } },
} as const;

/** POST /api/tiles: the finished tiles' objects of an area (cache only, no model run). */
export const tilesBodySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['path'],
  properties: {
    ...areaProperties,
    /** Tile indices the client holds already (left out of the answer). */
    skip: { type: 'array', items: { type: 'integer', minimum: 0 }, maxItems: 100000 },
  },
} as const;

export const promptBodySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['path'],
  properties: {
    ...areaProperties,
    crs,
    points: {
      type: 'array',
      maxItems: 1000,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['x', 'y'],
        properties: { x: num, y: num, label: { enum: [0, 1] } },
      },
    },
    boxes: { type: 'array', maxItems: 1000, items: bbox },
    text: { type: 'string', minLength: 1, maxLength: 1000 },
    threshold: { type: 'number' },
  },
} as const;

const geometry = {
  anyOf: [
    { type: 'null' },
    {
      type: 'object',
      required: ['type'],
      properties: {
        type: { enum: ['Point', 'MultiPoint', 'LineString', 'MultiLineString', 'Polygon', 'MultiPolygon', 'GeometryCollection'] },
        coordinates: { type: 'array' },
        geometries: { type: 'array' },
      },
    },
  ],
} as const;

export const exportBodySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['path', 'collection'],
  properties: {
    path: { ...relPath, pattern: '\\.(geojson|json|gpkg|fgb|parquet|geoparquet)$' },
    overwrite: { type: 'boolean' },
    /** Answer with the file's bytes instead of writing it in the root. */
    download: { type: 'boolean' },
    format: { enum: ['geojson', 'gpkg', 'fgb', 'parquet'] },
    collection: {
      type: 'object',
      required: ['type', 'features'],
      properties: {
        type: { const: 'FeatureCollection' },
        features: {
          type: 'array',
          items: {
            type: 'object',
            required: ['type', 'geometry'],
            properties: {
              type: { const: 'Feature' },
              geometry,
              properties: { anyOf: [{ type: 'null' }, { type: 'object' }] },
            },
          },
        },
      },
    },
  },
} as const;
