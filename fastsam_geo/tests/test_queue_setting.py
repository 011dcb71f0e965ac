"""``c.FastSamGeo.queue`` points the engine's segment jobs at a fastsam-geo queue: it reaches the engine
command line as ``--queue URL`` (and is absent when unset)."""

from __future__ import annotations

import types

from fastsam_geo.app import FastSamGeo


def _engine_args(**config):
    app = FastSamGeo(engine_command=["node", "fastsam-geo.js"], **config)
    app.serverapp = types.SimpleNamespace(root_dir="/tmp")
    app.initialize_settings()
    return app.engine.extra_args


def test_queue_setting_becomes_the_engines_queue_flag():
    assert _engine_args(queue="redis://queue-host:6379") == ["--queue", "redis://queue-host:6379"]
    assert _engine_args(queue="redis://queue-host:6379", device="cpu") == ["--device", "cpu", "--queue", "redis://queue-host:6379"]


def test_no_queue_flag_by_default():
    assert "--queue" not in _engine_args()
