"""Finds the Jupyter server a kernel runs in, with the kernel's own credentials: the server files
(``jpserver-PID.json``: url, token, root_dir, pid) in Jupyter's runtime directory, the one whose pid is
the kernel's parent (``JPY_PARENT_PID``, which jupyter_client sets for the kernels it launches, or the
parent process); then checks that it runs the fastsam_geo server extension."""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from pathlib import Path


def _runtime_dir() -> Path:
    try:
        from jupyter_core.paths import jupyter_runtime_dir

        return Path(jupyter_runtime_dir())
    except ImportError:  # pragma: no cover - jupyter_core comes with jupyter_server
        return Path(os.environ.get("JUPYTER_RUNTIME_DIR", Path.home() / ".local/share/jupyter/runtime"))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def running_servers() -> list[dict]:
    """Every Jupyter server of this user that is still running (their jpserver-*.json files)."""
    out = []
    d = _runtime_dir()
    if not d.is_dir():
        return out
    for f in sorted(d.glob("jpserver-*.json")):
        try:
            info = json.loads(f.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(info.get("pid"), int) and _alive(info["pid"]):
            out.append(info)
    return out


def _parent_pids() -> list[int]:
    pids = []
    env = os.environ.get("JPY_PARENT_PID", "")
    if env.isdigit():
        pids.append(int(env))
    pids.append(os.getppid())
    return pids


def kernel_server() -> dict | None:
    """The Jupyter server that started this kernel (a dict with ``url``, ``token``, ``root_dir``), when
    this process is such a kernel and the server has a token and runs the fastsam_geo extension."""
    parents = _parent_pids()
    for info in running_servers():
        if info["pid"] not in parents:
            continue
        if not info.get("token") or not info.get("url") or not info.get("root_dir"):
            return None  # password-only login: the kernel has no credentials to send
        url = info["url"].rstrip("/") + "/fastsam-geo"
        req = urllib.request.Request(url + "/status", headers={"Authorization": f"token {info['token']}"})
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        try:
            with opener.open(req, timeout=10) as r:
                r.read()
        except (urllib.error.URLError, OSError):
            return None  # not this server's extension (404) or not reachable
        return {"url": url, "token": info["token"], "root_dir": os.path.realpath(info["root_dir"]), "pid": info["pid"]}
    return None
