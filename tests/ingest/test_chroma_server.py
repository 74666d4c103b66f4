"""The index in client/server mode: a real `chroma run` server on loopback, the lexical index on disk."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import free_port, stop_process, wait_http
from test_pipeline import KAIFENG, ZHENGZHOU, copy_corpus
from tiny_models import BigramEmbedder

from ingest.pipeline import ingest_paths
from ingest.settings import StoreSettings
from ingest.index.store import open_store


@pytest.fixture
def chroma_url(tmp_path: Path) -> Iterator[str]:
    """A `chroma run` server (the binary next to this interpreter) on a free port, stopped afterwards."""
    chroma = Path(sys.executable).parent / "chroma"
    if not chroma.exists():
        pytest.skip(f"no chroma binary next to {sys.executable}")
    port = free_port()
    env = dict(os.environ, ANONYMIZED_TELEMETRY="False")
    log = (tmp_path / "chroma.log").open("wb")
    proc = subprocess.Popen([str(chroma), "run", "--path", str(tmp_path / "server-data"), "--host", "127.0.0.1",
                             "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_http(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=120, proc=proc, log=tmp_path / "chroma.log")
        yield f"http://127.0.0.1:{port}"
    finally:
        stop_process(proc)
        log.close()


def test_ingest_and_search_through_a_chroma_server(tmp_path: Path, chroma_url: str) -> None:
    corpus = copy_corpus(tmp_path / "corpus", KAIFENG, ZHENGZHOU)
    embedder = BigramEmbedder()
    settings = StoreSettings(path=str(tmp_path / "lexical"), url=chroma_url)
    store = open_store(settings, embedder.name, embedder.dimension)

    first = ingest_paths([corpus], store, embedder)
    assert first.failed == []
    assert first.total_chunks == store.count() == sum(len(f.chunks) for f in first.files)
    assert not (tmp_path / "lexical" / "chroma.sqlite3").exists()  # the vectors live on the server

    chunks = store.all_chunks()
    target = chunks[f"{KAIFENG}:14:0"]
    best_id, similarity = store.dense_search(embedder.embed_query(target.embed_text), 3)[0]
    assert best_id == target.chunk_id and similarity == pytest.approx(1.0, abs=1e-4)
    assert store.dense_search(embedder.embed_query(target.embed_text), 3, where={"doc_id": ZHENGZHOU})[0][0] \
        .startswith(ZHENGZHOU)
    assert store.lexical().search("郑好融", 3)[0][0].startswith(f"{ZHENGZHOU}:重点工作10")

    again = ingest_paths([corpus], store, embedder)
    assert [f.embedded for f in again.files] == [0, 0]
    assert again.total_chunks == first.total_chunks

    # A second client with its own (empty) lexical folder sees the same collection and builds its BM25 from it.
    other = open_store(StoreSettings(path=str(tmp_path / "other-lexical"), url=chroma_url),
                       embedder.name, embedder.dimension)
    assert set(other.all_chunks()) == set(chunks)
    assert other.lexical().search("郑好融", 3)[0][0].startswith(f"{ZHENGZHOU}:重点工作10")
    other.close()
    store.close()  # chromadb's HTTP pool; left open, its sockets warn at exit
