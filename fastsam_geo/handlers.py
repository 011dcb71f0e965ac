"""Tornado handlers: ``<base_url>fastsam-geo/api/...`` proxied to the engine (adding the engine's token),
and ``<base_url>fastsam-geo/status``. Both need Jupyter's authentication (token or cookie; XSRF on
cookie-authenticated POST/DELETE, checked by Jupyter). Responses are streamed through chunk by chunk,
so server-sent events (``/api/jobs/ID/events``) arrive as the engine sends them."""

from __future__ import annotations

import json
from urllib.parse import quote

from jupyter_server.base.handlers import APIHandler
from tornado import web
from tornado.httpclient import AsyncHTTPClient, HTTPRequest

from .engine import EngineError

# Response headers worth passing on from the engine.
PASS_HEADERS = {"content-type", "cache-control", "x-accel-buffering", "content-disposition"}


class _ClientGone(Exception):
    pass


def _client(settings) -> AsyncHTTPClient:
    client = settings.get("fastsam_geo_http_client")
    if client is None:
        cfg = settings.get("fastsam_geo_config", {})
        client = AsyncHTTPClient(force_instance=True, max_clients=200, max_body_size=max(cfg.get("max_body_size", 0), 1 << 30))
        settings["fastsam_geo_http_client"] = client
    return client


class StatusHandler(APIHandler):
    @web.authenticated
    async def get(self):
        engine = self.settings["fastsam_geo_engine"]
        self.finish(json.dumps(engine.status()))


class ProxyHandler(APIHandler):
    def initialize(self):
        self._gone = False
        self._headers_done = False
        self._bytes = 0

    def on_connection_close(self):
        self._gone = True

    def _send_error(self, status: int, code: str, message: str) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps({"error": {"code": code, "message": message}}))

    @web.authenticated
    async def get(self, path):
        await self._proxy(path)

    @web.authenticated
    async def post(self, path):
        await self._proxy(path)

    @web.authenticated
    async def delete(self, path):
        await self._proxy(path)

    async def _proxy(self, path: str) -> None:
        # Tornado hands the route group over decoded ('%2e%2e' -> '..', '%3F' -> '?'): only plain
        # segments are forwarded, re-encoded, so the engine routes exactly the path checked here.
        segments = path.split("/")
        if segments[0] != "api" or any(s in ("", ".", "..") for s in segments[1:]) or any(
            c in path for c in "\\?#\x00"
        ):
            self._send_error(404, "NOT_FOUND", f"no engine route for '{path[:200]}'")
            return
        path = quote(path, safe="/")
        engine = self.settings["fastsam_geo_engine"]
        cfg = self.settings.get("fastsam_geo_config", {})
        for attempt in (1, 2):
            try:
                url, token = await engine.ensure()
            except EngineError as e:
                self._send_error(503, "ENGINE_UNAVAILABLE", str(e))
                return
            error = await self._forward(url, token, path, cfg)
            # A transport error before any answer from an engine that turns out to be dead (killed,
            # crashed, not reaped yet): whatever it was doing died with it, so the request is sent
            # once more to a fresh engine.
            if error is not None and attempt == 1 and self._bytes == 0 and not self._headers_done and not self._gone:
                if await engine.died(url):
                    continue
            break
        if self._gone:
            return
        if error is not None and self._bytes == 0 and not self._headers_done:
            self._send_error(
                502,
                "ENGINE_UNAVAILABLE",
                f"the fastsam-geo engine did not answer ({error}); it is restarted on the next request, please retry",
            )
            return
        self.finish()

    async def _forward(self, url: str, token: str, path: str, cfg: dict):
        """Sends the request to the engine, streaming its answer back; returns the transport error or None."""
        target = f"{url}/{path}"
        if self.request.query:
            target += "?" + self.request.query
        headers = {"Authorization": f"token {token}"}
        method = self.request.method
        body = self.request.body if method in ("POST", "PUT", "PATCH") else None
        if method in ("POST", "PUT", "PATCH") and body is None:
            body = b""
        # Content-Type only with the body it describes: JupyterLab's ServerConnection labels every
        # request application/json, and the engine answers a bodyless DELETE labelled so with 400
        # "empty JSON body" (a job could not be cancelled from the map).
        ctype = self.request.headers.get("Content-Type")
        if ctype and body is not None:
            headers["Content-Type"] = ctype

        status = {"code": 502, "reason": "Bad Gateway"}

        def on_header(line: str) -> None:
            line = line.rstrip("\r\n")
            if line.startswith("HTTP/"):
                parts = line.split(" ", 2)
                status["code"] = int(parts[1])
                status["reason"] = parts[2] if len(parts) > 2 else "Unknown"
                return
            if not line:
                if status["code"] == 100:
                    return
                self.set_status(status["code"], reason=status["reason"] or "Unknown")
                self._headers_done = True
                return
            name, _, value = line.partition(":")
            if name.strip().lower() in PASS_HEADERS:
                self.set_header(name.strip(), value.strip())

        def on_chunk(chunk: bytes) -> None:
            if self._gone:
                raise _ClientGone()
            self._bytes += len(chunk)
            self.write(chunk)
            self.flush()

        request = HTTPRequest(
            target,
            method=method,
            headers=headers,
            body=body,
            header_callback=on_header,
            streaming_callback=on_chunk,
            connect_timeout=10,
            request_timeout=cfg.get("request_timeout", 3600.0),
            decompress_response=False,
            follow_redirects=False,
            allow_nonstandard_methods=True,
        )
        try:
            response = await _client(self.settings).fetch(request, raise_error=False)
            return response.error if response.code == 599 else None
        except _ClientGone:
            self._gone = True
            return None
        except Exception as e:  # connection refused / reset: the engine died under us
            return e
