// JupyterLab extension entry (browser): the "FastSAM map" document for GeoTIFFs and GeoJSON, its
// commands, context menu entries, shortcuts (schema/plugin.json) and settings.
import type { JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { ILayoutRestorer } from '@jupyterlab/application';
import { ICommandPalette, IThemeManager, InputDialog, WidgetTracker } from '@jupyterlab/apputils';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { IFileBrowserFactory } from '@jupyterlab/filebrowser';
import { EngineClient } from './api/client.js';
import { CommandIds, DEFAULT_SETTINGS, FACTORY, GEOJSON_MIME, PLUGIN_ID, type GeoSettings } from './tokens.js';
import { MapDocument, MapWidgetFactory, NoContentModelFactory } from './widgets/document.js';
import { testHook } from './test-hook.js';
import type { MapPanel } from './widgets/map-panel.js';

const plugin: JupyterFrontEndPlugin<void> = {
  id: PLUGIN_ID,
  description: 'FastSAM map: open a GeoTIFF, prompt FastSAM on it, edit and export building footprints.',
  autoStart: true,
  requires: [],
  optional: [ISettingRegistry, ICommandPalette, ILayoutRestorer, IFileBrowserFactory, IThemeManager],
  activate: (
    app: JupyterFrontEnd,
    registry: ISettingRegistry | null,
    palette: ICommandPalette | null,
    restorer: ILayoutRestorer | null,
    browsers: IFileBrowserFactory | null,
    themes: IThemeManager | null
  ) => {
    let settings: GeoSettings = { ...DEFAULT_SETTINGS };
    const client = new EngineClient({ serverSettings: app.serviceManager.serverSettings });
    const docRegistry = app.docRegistry;

    if (!docRegistry.getFileType('geojson')) {
      docRegistry.addFileType({
        name: 'geojson',
        displayName: 'GeoJSON',
        extensions: ['.geojson'],
        mimeTypes: [GEOJSON_MIME],
        contentType: 'file',
        fileFormat: 'text'
      });
    }
    docRegistry.addModelFactory(new NoContentModelFactory());
    const factory = new MapWidgetFactory({
      name: FACTORY,
      label: 'FastSAM map',
      modelName: 'fastsam-geo-file',
      fileTypes: ['tiff', 'geojson'],
      defaultFor: ['tiff', 'geojson'],
      client,
      contents: app.serviceManager.contents,
      settings: () => settings
    });
    docRegistry.addWidgetFactory(factory);
    // The image viewer also claims .tif; the map is the better default for GeoTIFFs.
    app.restored.then(() => {
      try {
        docRegistry.setDefaultWidgetFactory('tiff', FACTORY);
        docRegistry.setDefaultWidgetFactory('geojson', FACTORY);
      } catch {
        /* older registries: defaultFor above applies */
      }
    });

    const tracker = new WidgetTracker<MapDocument>({ namespace: 'fastsam-geo' });
    factory.widgetCreated.connect((_, widget) => {
      widget.context.pathChanged.connect(() => void tracker.save(widget));
      void tracker.add(widget);
      const hook = testHook();
      if (hook) {
        hook.panels[widget.content.path] = widget.content;
        widget.disposed.connect(() => delete hook.panels[widget.content.path]);
      }
    });
    // Result colours come from CSS variables: re-read them when the theme changes.
    themes?.themeChanged.connect(() => {
      requestAnimationFrame(() => tracker.forEach((w) => w.content.view?.refreshStyles()));
    });
    if (restorer) {
      void restorer.restore(tracker, {
        command: 'docmanager:open',
        args: (w) => ({ path: w.context.path, factory: FACTORY }),
        name: (w) => w.context.path
      });
    }

    const current = (): MapPanel | null => {
      const w = tracker.currentWidget;
      return w && w === app.shell.currentWidget ? w.content : (w?.content ?? null);
    };
    // Commands act only on a map that opened (a broken file leaves its tools off).
    const isEnabled = () => current()?.usable ?? false;
    const { commands } = app;
    commands.addCommand(CommandIds.open, {
      label: 'Open as FastSAM map',
      caption: 'Open the selected GeoTIFF or GeoJSON on a FastSAM map',
      execute: (args) => {
        let path = args.path as string | undefined;
        if (!path && browsers) {
          const item = browsers.tracker.currentWidget?.selectedItems().next();
          path = item && !item.done ? item.value.path : undefined;
        }
        if (!path) return;
        return commands.execute('docmanager:open', { path, factory: FACTORY });
      }
    });
    const tool = (id: string, label: string, name: 'pan' | 'point' | 'box') =>
      commands.addCommand(id, { label, isEnabled, execute: () => current()?.setTool(name) });
    tool(CommandIds.toolPan, 'FastSAM: Select / pan tool', 'pan');
    tool(CommandIds.toolPoint, 'FastSAM: Point prompt tool', 'point');
    tool(CommandIds.toolBox, 'FastSAM: Box prompt tool', 'box');
    commands.addCommand(CommandIds.focusText, { label: 'FastSAM: Text prompt', isEnabled, execute: () => current()?.focusText() });
    commands.addCommand(CommandIds.everything, {
      label: 'FastSAM: Find everything in view',
      isEnabled,
      execute: () => current()?.runEverything()
    });
    commands.addCommand(CommandIds.cancel, { label: 'FastSAM: Cancel the running job', isEnabled, execute: () => current()?.cancel() });
    commands.addCommand(CommandIds.undo, { label: 'FastSAM: Undo', isEnabled, execute: () => current()?.undo() });
    commands.addCommand(CommandIds.redo, { label: 'FastSAM: Redo', isEnabled, execute: () => current()?.redo() });
    commands.addCommand(CommandIds.addVectorLayer, {
      label: 'FastSAM: Add a GeoJSON layer to the map…',
      isEnabled,
      execute: async (args) => {
        const panel = current();
        if (!panel) return;
        let path = args.path as string | undefined;
        if (!path) {
          const r = await InputDialog.getText({ title: 'Add a GeoJSON layer', label: 'Path of a .geojson file (relative to the Jupyter root)', text: '' });
          if (!r.button.accept || !r.value) return;
          path = r.value;
        }
        return panel.addVectorFile(path);
      }
    });
    commands.addCommand(CommandIds.deleteSelected, {
      label: 'FastSAM: Delete selected feature',
      isEnabled,
      execute: () => current()?.deleteSelected()
    });
    commands.addCommand(CommandIds.exportLayer, {
      label: 'FastSAM: Export layer as GeoJSON…',
      isEnabled,
      execute: (args) => current()?.exportLayer(args.name as string | undefined)
    });
    commands.addCommand(CommandIds.downloadLayer, {
      label: 'FastSAM: Download layer as GeoJSON',
      isEnabled,
      execute: () => current()?.downloadLayer()
    });
    commands.addCommand(CommandIds.fit, { label: 'FastSAM: Zoom to raster', isEnabled, execute: () => current()?.view?.fit() });
    commands.addCommand(CommandIds.closePopup, { label: 'FastSAM: Close the identify popup', isEnabled, execute: () => current()?.view?.closePopup() });

    if (palette) {
      for (const id of Object.values(CommandIds)) palette.addItem({ command: id, category: 'FastSAM Geo' });
    }
    for (const type of ['tiff', 'geojson']) {
      app.contextMenu.addItem({ command: CommandIds.open, selector: `.jp-DirListing-item[data-file-type="${type}"]`, rank: 3 });
    }
    const mapSelector = '.jp-FastSamGeo-map';
    [CommandIds.everything, CommandIds.addVectorLayer, CommandIds.undo, CommandIds.redo, CommandIds.deleteSelected, CommandIds.exportLayer, CommandIds.downloadLayer, CommandIds.fit].forEach(
      (command, i) => app.contextMenu.addItem({ command, selector: mapSelector, rank: 10 + i })
    );

    if (registry) {
      registry
        .load(PLUGIN_ID)
        .then((s) => {
          const apply = () => {
            settings = { ...DEFAULT_SETTINGS, ...(s.composite as Partial<GeoSettings>) };
            settings.styles = { ...DEFAULT_SETTINGS.styles, ...(settings.styles ?? {}) };
          };
          apply();
          s.changed.connect(() => {
            apply();
            // settings changes reach maps that are already open
            tracker.forEach((w) => w.content.applySettings(settings));
          });
        })
        .catch((err: unknown) => console.warn('fastsam-geo: settings not loaded', err));
    }
  }
};

export default [plugin];
