// Test hook: with localStorage "fastsam-geo:test" = "1", open maps are exposed on
// window.__fastsamGeo so UI tests can assert the view against the raster bounds and place clicks
// at geographic positions. Nothing is exposed otherwise.
import type { MapPanel } from './widgets/map-panel.js';

interface Hook {
  panels: Record<string, MapPanel>;
  mini: unknown[];
}

export function testHook(): Hook | null {
  try {
    if (window.localStorage.getItem('fastsam-geo:test') !== '1') return null;
  } catch {
    return null;
  }
  const w = window as unknown as { __fastsamGeo?: Hook };
  w.__fastsamGeo ??= { panels: {}, mini: [] };
  return w.__fastsamGeo;
}
