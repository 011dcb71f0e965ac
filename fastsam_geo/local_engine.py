"""A private engine for the Python API when no Jupyter server is there to proxy to: ``fastsam-geo serve``
on a free loopback port (``--port 0``, the engine picks it) with a random token given through the
environment (never the command line), root ``/`` so that any file the user can read can be given by its
path. It runs in its own process group, so that interrupting the kernel (SIGINT to the kernel's group)
cancels the job but does not kill the engine, and with ``--exit-on-stdin-close``, so that it stops when
this Python process ends, however it ends."""

from __future__ import annotations

import atexit
import os
import queue
import re
import secrets
import shlex
import subprocess
import threading

from .client import EngineError
from .engine import default_engine_command

LISTENING = re.compile(r"listening on (http://127\.0\.0\.1:\d+)")


# HTTP statuses of the codes a start-up failure can carry (as the engine answers them).
_START_STATUS = {"MODEL_MISSING": 409, "DEVICE_UNAVAILABLE": 409, "BAD_MODEL": 422, "BAD_INPUT": 400, "NOT_FOUND": 404, "TOO_LARGE": 413}


class LocalEngine:
    """One ``fastsam-geo serve`` child process; :meth:`start` returns its ``(url, token)``."""

    def __init__(self, command=None, model=None, device=None, models_dir=None, extra_args=(), start_timeout=60.0):
        self.command = list(command) if command else default_engine_command()
        self.model = model or os.environ.get("FASTSAM_GEO_MODEL") or None
        self.device = device
        self.models_dir = models_dir
        self.extra_args = list(extra_args)
        self.start_timeout = start_timeout
        self.root = os.path.abspath(os.sep)
        self.proc: subprocess.Popen | None = None
        self.url: str | None = None
        self.token: str | None = None
        self._stderr: list[str] = []
        atexit.register(self.stop)

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def argv(self) -> list[str]:
        args = [*self.command, "serve", "--root", self.root, "--port", "0", "--exit-on-stdin-close"]
        if self.model:
            args += ["--model", os.path.expanduser(str(self.model))]
        if self.device:
            args += ["--device", self.device]
        return args + self.extra_args

    def start(self) -> tuple[str, str]:
        """Starts the engine unless it is running; returns its (url, token)."""
        if self.running:
            return self.url, self.token
        token = secrets.token_hex(32)
        # FASTSAM_GEO_ERROR_CODE: a start-up failure (a missing model, a bad device) prints its code too.
        env = {**os.environ, "FASTSAM_GEO_TOKEN": token, "FASTSAM_GEO_ERROR_CODE": "1"}
        if self.models_dir:
            env["FASTSAM_GEO_MODELS"] = str(self.models_dir)
        argv = self.argv()
        try:
            proc = subprocess.Popen(
                argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, start_new_session=True
            )
        except OSError as e:
            raise EngineError(
                "ENGINE_UNAVAILABLE",
                f"cannot start the fastsam-geo engine with {shlex.join(argv)}: {e}. Install the engine "
                "(npm install -g fastsam-geo) or set FASTSAM_GEO_ENGINE to the command that runs it.",
            ) from None
        lines: queue.Queue = queue.Queue()
        self._stderr = []

        def pump_stdout():
            for raw in proc.stdout:
                lines.put(raw.decode("utf-8", "replace"))
            lines.put(None)

        def pump_stderr():
            for raw in proc.stderr:
                self._stderr.append(raw.decode("utf-8", "replace").rstrip())
                del self._stderr[:-20]

        threading.Thread(target=pump_stdout, daemon=True, name="fastsam-geo-engine-stdout").start()
        err_thread = threading.Thread(target=pump_stderr, daemon=True, name="fastsam-geo-engine-stderr")
        err_thread.start()
        url = None
        try:
            while url is None:
                line = lines.get(timeout=self.start_timeout)
                if line is None:
                    break
                m = LISTENING.search(line)
                if m:
                    url = m.group(1)
        except queue.Empty:
            pass
        if url is None:
            if proc.poll() is None:
                proc.kill()
            proc.wait()
            err_thread.join(timeout=5)
            # The engine refused to start with a classified error (serve checks --model / --device at
            # start): raise that, e.g. MODEL_MISSING naming where the model was looked for.
            codes = [ln[len("error-code: "):].strip() for ln in self._stderr if ln.startswith("error-code: ")]
            messages = [ln.split(": ", 1)[1] for ln in self._stderr if ln.startswith("fastsam-geo serve: ")]
            if codes and messages:
                raise EngineError(codes[-1], messages[-1], _START_STATUS.get(codes[-1]))
            raise EngineError(
                "ENGINE_UNAVAILABLE",
                f"the fastsam-geo engine ({shlex.join(argv)}) did not start (exit code {proc.returncode}): "
                + (" | ".join(self._stderr[-5:]) or "no output"),
            )
        self.proc, self.url, self.token = proc, url, token
        return url, token

    def stop(self, timeout: float = 5.0) -> None:
        proc = self.proc
        if proc is None or proc.poll() is not None:
            return
        # Closing its stdin stops it (--exit-on-stdin-close) and lets its event loop end; a SIGTERM
        # alone leaves `serve` waiting on the open stdin it reads for that.
        try:
            proc.stdin.close()
        except OSError:
            pass
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.terminate()
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        for stream in (proc.stdin, proc.stdout, proc.stderr):
            try:
                stream.close()
            except Exception:  # noqa: BLE001
                pass
