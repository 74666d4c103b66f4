"""Writers that cannot corrupt each other: SIGKILLed ingests, concurrent ingests, a held writer lock."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from test_pipeline import KAIFENG, ZHENGZHOU, copy_corpus, expected_chunks, write_version
from tiny_models import BigramEmbedder

from ingest.index.store import open_store
from ingest.settings import StoreSettings

ROOT = Path(__file__).resolve().parents[2]
# A child process ingesting with the fake embedder (slowed down a little so kills land mid-write).
_WORKER = """
import sys, time
sys.path[:0] = [{root!r}, {tests!r}, {tests_ingest!r}]
from tiny_models import BigramEmbedder
from ingest.index.store import open_store
from ingest.pipeline import ingest_paths
from ingest.settings import StoreSettings
from pathlib import Path

class Slow(BigramEmbedder):
    def embed_passages(self, texts):
        time.sleep(0.002 * len(texts))
        return super().embed_passages(texts)

e = Slow()
store = open_store(StoreSettings(path={index!r}, lock_timeout={timeout}), e.name, e.dimension)
report = ingest_paths([Path(p) for p in {paths!r}], store, e)
print("failed:", [f.error for f in report.failed])
sys.exit(1 if report.failed else 0)
"""


def _worker(index: Path, paths: list[Path], timeout: float = 600) -> subprocess.Popen[bytes]:
    code = _WORKER.format(root=str(ROOT), tests=str(ROOT / "tests"), tests_ingest=str(ROOT / "tests" / "ingest"),
                          index=str(index), paths=[str(p) for p in paths], timeout=timeout)
    return subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=dict(os.environ, ANONYMIZED_TELEMETRY="False"))


def _seen(index: Path) -> tuple[dict[str, list[str]], int, int]:
    """What a fresh reader sees: doc_id → sorted chunk texts, current chunks, items stored."""
    e = BigramEmbedder()
    store = open_store(StoreSettings(path=str(index)), e.name, e.dimension)
    try:
        docs: dict[str, list[str]] = {d: [] for d in store.documents()}
        for chunk in store.all_chunks().values():
            assert chunk.doc_id in docs, f"chunk {chunk.chunk_id} of no registered document"
            docs[chunk.doc_id].append(chunk.text)
        stored = store._call(lambda c, r: c.count())  # type: ignore[attr-defined]
        return {d: sorted(t) for d, t in docs.items()}, store.count(), stored
    finally:
        store.close()


def test_ingests_killed_at_random_moments_leave_every_document_whole(tmp_path: Path) -> None:
    corpus = copy_corpus(tmp_path / "corpus", KAIFENG, ZHENGZHOU)
    originals = {p.name: p.read_text(encoding="utf-8") for p in corpus.glob("*.txt")}
    index = tmp_path / "index"
    versions: list[dict[str, list[str]]] = []
    rng = random.Random(12)

    write_version(corpus, originals, 0)
    versions.append(expected_chunks(corpus))
    started = time.monotonic()
    first = _worker(index, [corpus])
    first.communicate(timeout=300)
    assert first.returncode == 0
    full = time.monotonic() - started
    kills = 0
    for version in range(1, 23):
        write_version(corpus, originals, version)
        versions.append(expected_chunks(corpus))
        proc = _worker(index, [corpus])
        time.sleep(rng.uniform(0.0, full))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            kills += 1
        proc.communicate()
        seen, _, _ = _seen(index)
        for doc_id, texts in seen.items():
            # Whole: exactly the chunks of one version of the document, never a mix.
            assert any(v.get(doc_id) == texts for v in versions), f"{doc_id} is half written after a kill"
    assert kills >= 20

    final = _worker(index, [corpus])
    out, err = final.communicate(timeout=300)
    assert final.returncode == 0, err.decode()
    seen, current, stored = _seen(index)
    assert seen == versions[-1]
    assert stored == current  # the orphans of killed runs were cleaned up


def test_two_concurrent_ingests_are_serialised(tmp_path: Path) -> None:
    a = copy_corpus(tmp_path / "a", KAIFENG)
    b = copy_corpus(tmp_path / "b", ZHENGZHOU)
    index = tmp_path / "index"
    procs = [_worker(index, [a]), _worker(index, [b])]
    for proc in procs:
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err.decode()
    seen, current, stored = _seen(index)
    assert set(seen) == {KAIFENG, ZHENGZHOU}
    assert seen[KAIFENG] == expected_chunks(a)[KAIFENG] and seen[ZHENGZHOU] == expected_chunks(b)[ZHENGZHOU]
    assert current == stored


def test_a_second_writer_fails_with_a_clear_message_while_the_lock_is_held(tmp_path: Path) -> None:
    corpus = copy_corpus(tmp_path / "corpus", KAIFENG)
    index = tmp_path / "index"
    e = BigramEmbedder()
    store = open_store(StoreSettings(path=str(index)), e.name, e.dimension)
    with store.writing():
        proc = _worker(index, [corpus], timeout=1)
        out, err = proc.communicate(timeout=120)
    assert proc.returncode != 0
    assert f"is being written by pid {os.getpid()}" in err.decode()
    assert store.count() == 0
    proc = _worker(index, [corpus], timeout=1)  # the lock is free again
    proc.communicate(timeout=120)
    assert proc.returncode == 0
    time.sleep(store.settings.refresh_seconds)
    assert {c.doc_id for c in store.all_chunks().values()} == {KAIFENG}
    store.close()
