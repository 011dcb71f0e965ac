// JupyterLab extension entry (browser). Built separately from the engine; see issue 6.
