"""Starts the Node engine (`fastsam-geo serve`) on demand on 127.0.0.1 with a random port and token,
restarts it when it has died, and stops it with Jupyter.

The token reaches the engine through the environment (FASTSAM_GEO_TOKEN), never the command line, so
other users cannot read it from the process list. The engine is started with --exit-on-stdin-close and
a pipe on its stdin: if Jupyter is killed outright, the pipe closes and the engine exits too.
"""

from __future__ import annotations

import asyncio
import atexit
import os
import re
import secrets
import shlex
import shutil
from pathlib import Path

LISTENING = re.compile(r"listening on (http://127\.0\.0\.1:(\d+))")


class EngineError(RuntimeError):
    """The engine could not be started."""


def default_engine_command() -> list[str]:
    """$FASTSAM_GEO_ENGINE, else the npm package's bin next to this package, else `fastsam-geo` on PATH."""
    env = os.environ.get("FASTSAM_GEO_ENGINE")
    if env:
        return shlex.split(env)
    here = Path(__file__).resolve().parent
    for candidate in (here.parent / "bin" / "fastsam-geo.js", here / "engine" / "bin" / "fastsam-geo.js"):
        if candidate.is_file() and (candidate.parent.parent / "lib" / "engine" / "cli" / "main.js").is_file():
            node = shutil.which("node") or "node"
            return [node, str(candidate)]
    found = shutil.which("fastsam-geo")
    return [found or "fastsam-geo"]


def install_hint(argv0: str) -> str:
    """The exact command that makes the engine startable, for the case at hand."""
    here = Path(__file__).resolve().parent
    checkout = here.parent
    version = ""
    try:
        from ._version import __version__ as version
    except Exception:  # noqa: BLE001
        pass
    if (checkout / "package.json").is_file() and (checkout / "bin" / "fastsam-geo.js").is_file():
        # an editable install from a source checkout whose engine is not built
        return f"build the engine of this checkout: cd {shlex.quote(str(checkout))} && npm ci && npm run build"
    if os.path.basename(argv0) in ("node", "node.exe") and not shutil.which("node"):
        return "install Node.js 22 or newer (https://nodejs.org) so that `node` is on PATH"
    pkg = f"fastsam-geo@{version}" if version else "fastsam-geo"
    if not shutil.which("node") or not shutil.which("npm"):
        return f"install Node.js 22 or newer (https://nodejs.org), then: npm install -g {pkg}"
    return (f"install the engine: npm install -g {pkg} (or point c.FastSamGeo.engine_command / "
            "$FASTSAM_GEO_ENGINE at it, e.g. FASTSAM_GEO_ENGINE='node /path/to/fastsam-geo/bin/fastsam-geo.js')")


class EngineSupervisor:
    """One engine process, started on first use and again whenever it is found dead."""

    def __init__(self, command, root, extra_args=(), models_dir=None, start_timeout=60.0, log=None):
        if not command:
            raise EngineError("engine command is empty: set c.FastSamGeo.engine_command or FASTSAM_GEO_ENGINE")
        self.command = list(command)
        self.root = str(root)
        self.extra_args = list(extra_args)
        self.models_dir = models_dir
        self.start_timeout = start_timeout
        self.log = log
        self.proc: asyncio.subprocess.Process | None = None
        self.url: str | None = None
        self.token: str | None = None
        self.starts = 0
        self.last_exit: int | None = None
        self._lock = asyncio.Lock()
        self._stopping = False
        self._pumps: list[asyncio.Task] = []
        atexit.register(self._kill_now)

    # -- state ------------------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.returncode is None

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.running else None

    def status(self) -> dict:
        return {
            "running": self.running,
            "pid": self.pid,
            "url": self.url if self.running else None,
            "starts": self.starts,
            "restarts": max(0, self.starts - 1),
            "last_exit": self.last_exit,
            "command": self.command,
            "root": self.root,
        }

    # -- start / stop -----------------------------------------------------------------------------
    async def ensure(self) -> tuple[str, str]:
        """The engine's (url, token), starting it first if it is not running."""
        async with self._lock:
            if not self.running:
                if self.proc is not None:
                    self.last_exit = self.proc.returncode
                    self._info(f"fastsam-geo engine exited with code {self.last_exit}; starting it again")
                await self._start()
            return self.url, self.token

    async def _start(self) -> None:
        self._stopping = False
        token = secrets.token_hex(32)
        env = dict(os.environ)
        env["FASTSAM_GEO_TOKEN"] = token
        if self.models_dir:
            env["FASTSAM_GEO_MODELS"] = self.models_dir
        argv = [*self.command, "serve", "--root", self.root, "--port", "0", "--exit-on-stdin-close", *self.extra_args]
        try:
            proc = await asyncio.create_subprocess_exec(
                *argv,
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
                env=env,
            )
        except OSError as e:
            raise EngineError(
                f"cannot start the fastsam-geo engine with {shlex.join(argv)}: {e}. To fix it, "
                + install_hint(argv[0])
            ) from e
        stderr_tail: list[str] = []
        self._pumps = [asyncio.ensure_future(self._pump(proc.stderr, "stderr", stderr_tail))]
        url = None
        try:
            url = await asyncio.wait_for(self._read_listening(proc), self.start_timeout)
        except asyncio.TimeoutError:
            pass
        if url is None:
            if proc.returncode is None:
                proc.kill()
            await proc.wait()
            await asyncio.sleep(0.05)
            raise EngineError(
                f"the fastsam-geo engine ({shlex.join(argv)}) did not start (exit code {proc.returncode}): "
                + (" | ".join(stderr_tail[-5:]) or "no output")
            )
        self._pumps.append(asyncio.ensure_future(self._pump(proc.stdout, "stdout", None)))
        self.proc, self.url, self.token = proc, url, token
        self.starts += 1
        self._info(f"fastsam-geo engine started: pid {proc.pid}, {url}, root {self.root}")

    async def _read_listening(self, proc) -> str | None:
        while True:
            line = await proc.stdout.readline()
            if not line:
                return None
            m = LISTENING.search(line.decode("utf-8", "replace"))
            if m:
                return m.group(1)

    async def _pump(self, stream, name, tail) -> None:
        while True:
            line = await stream.readline()
            if not line:
                return
            text = line.decode("utf-8", "replace").rstrip()
            if text.startswith("token:"):
                continue  # never log the engine token
            if tail is not None:
                tail.append(text)
                del tail[:-20]
            self._info(f"fastsam-geo engine {name}: {text}")

    async def died(self, url: str, timeout: float = 1.5) -> bool:
        """Called when the engine at `url` failed a request at the transport level (refused, reset):
        True when that engine is dead (waiting up to `timeout` for it to exit), so that the next
        ensure() starts a new one; False when it is still running."""
        async with self._lock:
            proc = self.proc
            if proc is None or self.url != url:
                return True  # already replaced
            if proc.returncode is not None:
                return True
            try:
                await asyncio.wait_for(asyncio.shield(proc.wait()), timeout)
                return True
            except asyncio.TimeoutError:
                return False

    async def stop(self, timeout: float = 5.0) -> None:
        """Stops the engine (SIGTERM, then SIGKILL after `timeout`)."""
        async with self._lock:
            self._stopping = True
            proc = self.proc
            if proc is None or proc.returncode is not None:
                return
            # SIGTERM stops the server, but `serve --exit-on-stdin-close` keeps reading its stdin and
            # would not exit before the timeout: closing the pipe first lets it end at once.
            if proc.stdin is not None:
                proc.stdin.close()
            proc.terminate()
            try:
                await asyncio.wait_for(proc.wait(), timeout)
            except asyncio.TimeoutError:
                proc.kill()
                await proc.wait()
            for p in self._pumps:
                p.cancel()
            self._info("fastsam-geo engine stopped")

    def _kill_now(self) -> None:
        proc = self.proc
        if proc is not None and proc.returncode is None:
            try:
                proc.kill()
            except ProcessLookupError:
                pass

    def _info(self, msg: str) -> None:
        if self.log is not None:
            self.log.info(msg)
