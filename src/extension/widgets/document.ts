// The map as a JupyterLab document: a model factory that loads no content (the GeoTIFF streams from
// /files/ with range requests instead of going through the contents API) and the widget factory
// "FastSAM map" for .tif/.tiff/.geojson.
import { ABCWidgetFactory, DocumentRegistry, DocumentWidget, TextModelFactory } from '@jupyterlab/docregistry';
import type { Contents } from '@jupyterlab/services';
import type { EngineClient } from '../api/client.js';
import { MODEL_NAME, type GeoSettings } from '../tokens.js';
import { MapPanel } from './map-panel.js';

/** A text model whose content is never fetched (fileFormat null). */
export class NoContentModelFactory extends TextModelFactory {
  override get name(): string {
    return MODEL_NAME;
  }
  override get contentType(): Contents.ContentType {
    return 'file';
  }
  override get fileFormat(): Contents.FileFormat {
    return null;
  }
}

export class MapDocument extends DocumentWidget<MapPanel> {}

export interface MapFactoryOptions extends DocumentRegistry.IWidgetFactoryOptions<MapDocument> {
  client: EngineClient;
  contents: Contents.IManager;
  settings: () => GeoSettings;
}

export class MapWidgetFactory extends ABCWidgetFactory<MapDocument> {
  constructor(private readonly deps: MapFactoryOptions) {
    super(deps);
  }

  protected createNewWidget(context: DocumentRegistry.Context): MapDocument {
    const path = context.localPath;
    const kind = /\.(geo)?json$/i.test(path) ? 'geojson' : 'raster';
    const content = new MapPanel({
      path,
      kind,
      client: this.deps.client,
      contents: this.deps.contents,
      settings: this.deps.settings,
      // unsaved layer edits make the document dirty like any other (closing asks)
      onDirty: (dirty) => {
        if (!context.isDisposed) context.model.dirty = dirty;
      }
    });
    // "Save" on a map (Ctrl+S, the close dialog, autosave) saves its layers to the sidecar: the
    // raster itself is never written.
    (context as { save: () => Promise<void> }).save = async () => {
      await content.save();
      if (!context.isDisposed) context.model.dirty = false;
    };
    const doc = new MapDocument({ context, content });
    doc.addClass('jp-FastSamGeo-document');
    doc.title.caption = `${path} (FastSAM map)`;
    return doc;
  }
}
