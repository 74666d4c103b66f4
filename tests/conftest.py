"""Session fixtures: the bundled corpus indexed once, the in-process service, and a live uvicorn server."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "data" / "corpus"
sys.path.insert(0, str(Path(__file__).parent))  # tests/helpers.py, tests/tiny_models.py

from helpers import start_service, stop_process, wait_http  # noqa: E402

# A test that uses one of these fixtures (directly or through another fixture) gets the marker, so that
# `make test-fast` (-m "not browser and not llm and not corpus") can never run one by mistake.
MARKERS_BY_FIXTURE = {
    "corpus_index": "corpus",
    "llama_server": "llm",
    "smollm2_gguf": "llm",
    "llamacpp": "llm",
    "browser": "browser",
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test by the expensive fixtures it needs."""
    for item in items:
        for name in getattr(item, "fixturenames", ()):
            marker = MARKERS_BY_FIXTURE.get(name)
            if marker:
                item.add_marker(marker)


@pytest.fixture(scope="session")
def corpus_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled corpus indexed once per test session with the default (bundled) embedder."""
    folder = tmp_path_factory.mktemp("index")
    reuse = os.environ.get("POLICY_RAG_TEST_INDEX")  # developer shortcut: a prebuilt index of data/corpus
    if reuse:
        import shutil

        shutil.copytree(reuse, folder, dirs_exist_ok=True)
        return folder
    result = subprocess.run([sys.executable, "-m", "ingest", str(CORPUS), "--index", str(folder), "--quiet"],
                            cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stderr + result.stdout
    return folder


@pytest.fixture(scope="session")
def corpus_settings(corpus_index: Path):  # type: ignore[no-untyped-def]
    """Default settings pointing at the session index."""
    from service.settings import Settings

    settings = Settings()
    settings.store.path = str(corpus_index)
    return settings


@pytest.fixture(scope="session")
def corpus_runtime(corpus_settings):  # type: ignore[no-untyped-def]
    """The loaded in-process runtime over the session index."""
    from service.runtime import build_runtime

    runtime = build_runtime(corpus_settings)
    runtime.warm()
    yield runtime
    runtime.close()


@pytest.fixture(scope="session")
def corpus_qa(corpus_runtime):  # type: ignore[no-untyped-def]
    """The QA service over the session index."""
    return corpus_runtime.qa


@pytest.fixture(scope="session")
def live_server(corpus_index: Path) -> Iterator[str]:
    """The real service under uvicorn on loopback, serving the session index."""
    proc, url = start_service({"POLICY_RAG_STORE__PATH": str(corpus_index)})
    try:
        wait_http(f"{url}/readyz", timeout=120, proc=proc)
        yield url
    finally:
        stop_process(proc)
