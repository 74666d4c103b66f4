"""Sentence vectors in a real chromadb index: stored with each chunk version, replaced and deleted with it, filled
in for an index built without them, and never in the way of the chunks when the embedder fails on them."""

from __future__ import annotations

from pathlib import Path

import chromadb
import numpy as np
from chromadb.config import Settings

from ingest.index.store import IndexStore
from ingest.index.store import open_store as open_index
from ingest.pipeline import ingest_paths
from ingest.sentences import chunk_sentences
from ingest.settings import StoreSettings
from tiny_models import BigramEmbedder
from test_pipeline import JIYUAN, KAIFENG, MEASURE_46_NEW, MEASURE_46_OLD, copy_corpus


def open_store(folder: Path, embedder: BigramEmbedder, *, sentences: bool = True) -> IndexStore:
    return open_index(StoreSettings(path=str(folder), sentence_vectors=sentences), embedder.name, embedder.dimension)


def stored_items(folder: Path) -> int:
    """Sentence vectors in the index folder, current or not, read with a client of its own."""
    client = chromadb.PersistentClient(path=str(folder), settings=Settings(anonymized_telemetry=False))
    return int(client.get_collection("measures__sentences").count())


def assert_current(store: IndexStore, embedder: BigramEmbedder) -> int:
    """Every current chunk with sentences has exactly its sentences' vectors; returns how many sentences."""
    chunks = store.all_chunks()
    stored = store.sentence_vectors(list(chunks))
    total = 0
    for chunk_id, chunk in chunks.items():
        sentences = chunk_sentences(chunk)
        if not sentences:
            assert chunk_id not in stored
            continue
        assert np.allclose(stored[chunk_id], embedder.embed_passages(sentences), atol=1e-6), chunk_id
        total += len(sentences)
    return total


def test_ingest_stores_each_chunks_sentence_vectors_and_edits_replace_them(tmp_path: Path) -> None:
    corpus = copy_corpus(tmp_path / "corpus", KAIFENG, JIYUAN)
    embedder = BigramEmbedder()
    store = open_store(tmp_path / "index", embedder)
    report = ingest_paths([corpus], store, embedder)
    assert report.failed == [] and report.sentence_error == ""
    total = assert_current(store, embedder)
    assert report.sentences == sum(bool(chunk_sentences(c)) for c in store.all_chunks().values()) > 100
    assert stored_items(tmp_path / "index") == total

    path = corpus / f"{JIYUAN}.txt"
    path.write_text(path.read_text(encoding="utf-8").replace(MEASURE_46_OLD, MEASURE_46_NEW), encoding="utf-8")
    again = ingest_paths([corpus], store, embedder)
    assert again.sentences == 1  # the edited measure alone
    rows = store.sentence_vectors([f"{JIYUAN}:46:0"])[f"{JIYUAN}:46:0"]
    assert "钠离子" in "".join(chunk_sentences(store.all_chunks()[f"{JIYUAN}:46:0"]))
    assert np.allclose(rows, embedder.embed_passages(chunk_sentences(store.all_chunks()[f"{JIYUAN}:46:0"])))
    total = assert_current(store, embedder)
    assert stored_items(tmp_path / "index") == total  # the old version's vectors went with it

    gone = [d for d in store.documents() if d.startswith(KAIFENG)]
    store.delete_documents(gone)
    assert stored_items(tmp_path / "index") == assert_current(store, embedder) < total


def test_an_index_built_without_sentence_vectors_gets_them_without_embedding_a_chunk_again(tmp_path: Path) -> None:
    corpus = copy_corpus(tmp_path / "corpus", KAIFENG)
    embedder = BigramEmbedder()
    plain = open_store(tmp_path / "index", embedder, sentences=False)
    first = ingest_paths([corpus], plain, embedder)
    assert first.sentences == 0 and plain.sentence_vectors(list(plain.all_chunks())) == {}
    assert plain.sentence_gaps() == {}  # a store keeping none lacks none

    store = open_store(tmp_path / "index", embedder)
    assert len(store.sentence_gaps()) == len(store.all_chunks())
    filled = ingest_paths([corpus], store, embedder)
    assert {f.embedded for f in filled.files} == {0}  # no chunk embedded anew
    assert filled.sentences > 0
    assert_current(store, embedder)
    assert ingest_paths([corpus], store, embedder).sentences == 0  # nothing left to fill


def test_a_failing_embedder_leaves_the_chunks_indexed_and_the_next_run_fills_the_sentences(tmp_path: Path) -> None:
    corpus = copy_corpus(tmp_path / "corpus", KAIFENG)
    failing = BigramEmbedder(fail_on_call=2)  # the chunks' call passes, the first sentences' call fails
    failing.ingest_batch = 10_000  # every chunk in one call
    store = open_store(tmp_path / "index", failing)
    report = ingest_paths([corpus], store, failing)
    assert report.failed == [] and store.count() == len(report.files[0].chunks)
    assert "embedding failed" in report.sentence_error and report.sentences == 0
    assert store.sentence_vectors(list(store.all_chunks())) == {}

    embedder = BigramEmbedder()
    again = ingest_paths([corpus], store, embedder)
    assert again.sentence_error == "" and again.sentences > 0
    assert_current(store, embedder)
