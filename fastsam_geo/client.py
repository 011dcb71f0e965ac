"""A small HTTP client for the engine's API (a ``fastsam-geo serve`` on loopback, or a Jupyter server's
``<base_url>fastsam-geo`` proxy in front of one): JSON requests with the token, errors turned into
:class:`EngineError` with the engine's code and message, and a job's server-sent events.

Only the standard library is used (urllib), with no HTTP proxy: every engine this client talks to is on
127.0.0.1, and a ``http_proxy`` in the environment must not send the token elsewhere.
"""

from __future__ import annotations

import json
import socket
import urllib.error
import urllib.parse
import urllib.request
from typing import Any, Iterator

# HTTP statuses → error codes, for answers that carry no engine error body (Jupyter's own 403, a
# proxy's HTML page).
_STATUS_CODES = {
    400: "BAD_INPUT",
    401: "UNAUTHORIZED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    409: "MODEL_MISSING",
    413: "TOO_LARGE",
    415: "BAD_INPUT",
    422: "BAD_INPUT",
    499: "ABORTED",
    502: "ENGINE_UNAVAILABLE",
    503: "ENGINE_UNAVAILABLE",
}


class EngineError(RuntimeError):
    """An error answered by the engine (or on the way to it): ``code`` is the engine's error code
    (``MODEL_MISSING``, ``OUT_OF_BOUNDS``, ``FORBIDDEN``, ``ABORTED``, ...; see the README's error table),
    ``message`` its message, ``status`` the HTTP status (None when no answer came)."""

    def __init__(self, code: str, message: str, status: int | None = None):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status


def _error_from_http(e: urllib.error.HTTPError) -> EngineError:
    raw = b""
    try:
        raw = e.read()
    except Exception:  # noqa: BLE001 - the body is only a better message
        pass
    try:
        err = json.loads(raw.decode("utf-8"))["error"]
        return EngineError(str(err["code"]), str(err["message"]), e.code)
    except Exception:  # noqa: BLE001 - not an engine error body
        text = raw.decode("utf-8", "replace").strip()[:300]
        code = _STATUS_CODES.get(e.code, "INTERNAL" if e.code >= 500 else "BAD_INPUT")
        return EngineError(code, f"HTTP {e.code} {e.reason}" + (f": {text}" if text else ""), e.code)


class Connection:
    """One engine endpoint: ``base`` is ``http://127.0.0.1:PORT`` (an engine) or
    ``http://127.0.0.1:8888/fastsam-geo`` (Jupyter's proxy); request paths are relative to ``root``."""

    def __init__(self, base: str, token: str, root: str, kind: str, timeout: float = 3600.0):
        self.base = base.rstrip("/")
        self.token = token
        self.root = root
        self.kind = kind
        self.timeout = timeout
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def __repr__(self) -> str:
        return f"<fastsam_geo.Connection {self.kind} {self.base} root={self.root!r}>"

    def _open(self, method: str, route: str, params: dict | None, body: Any, timeout: float):
        url = f"{self.base}/api/{route.lstrip('/')}"
        if params:
            url += "?" + urllib.parse.urlencode(params)
        headers = {"Authorization": f"token {self.token}", "Accept": "application/json"}
        data = None
        if body is not None:
            data = json.dumps(body).encode("utf-8")
            headers["Content-Type"] = "application/json"
        req = urllib.request.Request(url, data=data, headers=headers, method=method)
        try:
            return self._opener.open(req, timeout=timeout)
        except urllib.error.HTTPError as e:
            raise _error_from_http(e) from None
        except (urllib.error.URLError, ConnectionError, socket.timeout) as e:
            reason = getattr(e, "reason", e)
            raise EngineError("ENGINE_UNAVAILABLE", f"the engine at {self.base} did not answer: {reason}") from None

    def request(self, method: str, route: str, *, params: dict | None = None, body: Any = None, timeout: float | None = None) -> Any:
        """Sends one request and returns the decoded JSON answer."""
        with self._open(method, route, params, body, self.timeout if timeout is None else timeout) as resp:
            raw = resp.read()
        return json.loads(raw.decode("utf-8")) if raw else None

    def events(self, job_id: str, read_timeout: float = 60.0) -> Iterator[tuple[str, dict]]:
        """The job's server-sent events as (event, data) pairs, until its final event (``done`` or
        ``error``). The engine sends a keep-alive comment every 15 s, so a read that waits
        ``read_timeout`` seconds means the stream is stuck: it is opened again (its first event is the
        job's current progress)."""
        while True:
            resp = self._open("GET", f"jobs/{job_id}/events", None, None, read_timeout)
            event, data = "message", []
            try:
                with resp:
                    while True:
                        line = resp.readline()
                        if not line:
                            break  # the stream ended without a final event: read the job's state again
                        text = line.decode("utf-8").rstrip("\r\n")
                        if text.startswith(":"):
                            continue
                        if text.startswith("event:"):
                            event = text[6:].strip()
                        elif text.startswith("data:"):
                            data.append(text[5:].lstrip())
                        elif text == "":
                            if data:
                                payload = json.loads("\n".join(data))
                                yield event, payload
                                if event in ("done", "error"):
                                    return
                            event, data = "message", []
            except socket.timeout:
                continue
            snap = self.request("GET", f"jobs/{job_id}")
            if snap["status"] == "done":
                yield "done", snap
                return
            if snap["status"] in ("failed", "cancelled"):
                yield "error", snap.get("error") or {"code": "ABORTED" if snap["status"] == "cancelled" else "INTERNAL", "message": snap["status"]}
                return
