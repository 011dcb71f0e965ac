"""The Jupyter server extension: settings (``c.FastSamGeo.*``), the engine supervisor and the proxy routes."""

from __future__ import annotations

from jupyter_server.extension.application import ExtensionApp
from traitlets import Float, Int, List, Unicode, default

from .engine import EngineSupervisor, default_engine_command
from .handlers import ProxyHandler, StatusHandler


class FastSamGeo(ExtensionApp):
    """Runs the fastsam-geo engine next to Jupyter and proxies ``fastsam-geo/api/...`` to it."""

    name = "fastsam_geo"
    load_other_extensions = True

    engine_command = List(
        Unicode(),
        help=(
            "Command that starts the engine, without `serve` and its options, e.g. "
            "['node', '/opt/fastsam-geo/bin/fastsam-geo.js']. Default: $FASTSAM_GEO_ENGINE (split like a shell "
            "would), else the npm package's bin next to this package, else `fastsam-geo` on PATH."
        ),
    ).tag(config=True)

    model = Unicode("", help="Segmentation model for the engine (--model): FastSAM-s, FastSAM-x or a path.").tag(config=True)
    clip_vision = Unicode("", help="CLIP image encoder for text prompts (--clip-vision).").tag(config=True)
    clip_text = Unicode("", help="CLIP text encoder for text prompts (--clip-text).").tag(config=True)
    clip_bpe = Unicode(
        "", help="CLIP BPE merges for the text tokenizer (--clip-bpe); default: the file in the models directory."
    ).tag(config=True)
    device = Unicode("", help="Execution provider for the engine (--device): cpu, webgpu, cuda, tensorrt.").tag(config=True)
    allow_urls = List(
        Unicode(),
        help="URL prefixes of COGs the engine may open by URL (--allow-url, repeated); default none: URLs are refused.",
    ).tag(config=True)
    models_dir = Unicode("", help="Where the engine looks for model files ($FASTSAM_GEO_MODELS).").tag(config=True)
    queue = Unicode(
        "",
        help=(
            "Redis URL (redis://HOST:PORT) of a fastsam-geo queue: the map's segment jobs then run on "
            "`fastsam-geo worker` processes (--queue). Workers must see the rasters and the result store "
            "($FASTSAM_GEO_RESULTS) at the same paths as this server."
        ),
    ).tag(config=True)
    start_timeout = Float(60.0, help="Seconds to wait for the engine to print `listening on`.").tag(config=True)
    request_timeout = Float(3600.0, help="Seconds a proxied request (or event stream) may last.").tag(config=True)
    max_body_size = Int(64 * 1024 * 1024, help="Largest request body the proxy forwards (bytes).").tag(config=True)

    @default("engine_command")
    def _default_engine_command(self):
        return default_engine_command()

    def initialize_settings(self):
        root = getattr(self.serverapp, "root_dir", None) or self.serverapp.contents_manager.root_dir
        args = []
        for flag, value in (
            ("--model", self.model),
            ("--clip-vision", self.clip_vision),
            ("--clip-text", self.clip_text),
            ("--clip-bpe", self.clip_bpe),
            ("--device", self.device),
            ("--queue", self.queue),
        ):
            if value:
                args += [flag, value]
        for prefix in self.allow_urls:
            args += ["--allow-url", prefix]
        self.engine = EngineSupervisor(
            command=list(self.engine_command),
            root=root,
            extra_args=args,
            models_dir=self.models_dir or None,
            start_timeout=self.start_timeout,
            log=self.log,
        )
        self.settings["fastsam_geo_engine"] = self.engine
        self.settings["fastsam_geo_config"] = {
            "request_timeout": self.request_timeout,
            "max_body_size": self.max_body_size,
        }

    def initialize_handlers(self):
        self.handlers.extend(
            [
                (r"/fastsam-geo/status", StatusHandler),
                (r"/fastsam-geo/(api(?:/.*)?)", ProxyHandler),
            ]
        )

    async def stop_extension(self):
        engine = getattr(self, "engine", None)
        if engine is not None:
            await engine.stop()
