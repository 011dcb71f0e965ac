"""Wheel build hook: maps the prebuilt labextension (fastsam_geo/labextension) into
share/jupyter/labextensions/fastsam-geo. Without it the build fails, unless FASTSAM_GEO_DEV_WHEEL=1
asks for a development wheel (server extension only); in CI ($CI set) that escape is refused too."""

import os
from pathlib import Path

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


class CustomBuildHook(BuildHookInterface):
    def initialize(self, version, build_data):
        if self.target_name != "wheel":
            return
        root = Path(self.root)
        labext = root / "fastsam_geo" / "labextension"
        if (labext / "package.json").is_file():
            for f in sorted(labext.rglob("*")):
                if f.is_file():
                    rel = f.relative_to(labext).as_posix()
                    build_data["shared_data"][str(f)] = f"share/jupyter/labextensions/fastsam-geo/{rel}"
            return
        dev = os.environ.get("FASTSAM_GEO_DEV_WHEEL") == "1"
        ci = bool(os.environ.get("CI"))
        if dev and not ci:
            self.app.display_warning(
                "fastsam-geo: building a DEVELOPMENT wheel without the labextension "
                f"({labext} is missing): the server extension works, the JupyterLab map does not."
            )
            return
        raise RuntimeError(
            f"fastsam-geo: the prebuilt labextension is missing ({labext}/package.json). Build it first "
            "(npm ci && npm run build:labextension), or set FASTSAM_GEO_DEV_WHEEL=1 for a development wheel "
            "without it (refused when $CI is set)."
        )
