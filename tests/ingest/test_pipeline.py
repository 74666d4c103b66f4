"""Ingestion into a real chromadb index on disk: incremental, pruning, per-file failures, settings checks."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ingest.errors import IndexMismatchError
from ingest.pipeline import IngestReport, ingest_paths, parse_file, window_chars
from ingest.settings import StoreSettings
from ingest.index.store import IndexStore
from ingest.index.store import open_store as open_index
from tiny_models import BigramEmbedder

CORPUS = Path(__file__).resolve().parents[2] / "data" / "corpus"
KAIFENG = "000_4551c735332e43b6"
ZHENGZHOU = "002_7c0b39c9789cfac6"
JIYUAN = "004_1db4aff5efda3015"
MEASURE_46_OLD = "力争储能装机容量达到25兆瓦。"
MEASURE_46_NEW = "力争储能装机容量达到88兆瓦，建设钠离子电池储能示范站。"  # 「钠离子」 is nowhere else in the corpus


def open_store(folder: Path, embedder: BigramEmbedder) -> IndexStore:
    """A chromadb PersistentClient index in `folder`."""
    return open_index(StoreSettings(path=str(folder)), embedder.name, embedder.dimension)


def copy_corpus(target: Path, *stems: str) -> Path:
    """The corpus (or some of its files) copied to `target`, so that tests may edit and delete files."""
    target.mkdir(parents=True)
    for path in sorted(CORPUS.glob("*.txt")):
        if not stems or path.stem in stems:
            shutil.copy(path, target / path.name)
    return target

def write_version(corpus: Path, originals: dict[str, str], version: int) -> None:
    """Every paragraph of every file marked with the version, so each chunk changes between versions."""
    for name, text in originals.items():
        lines = [f"{line}（第{version}版）" if len(line) > 20 else line for line in text.split("\n")]
        (corpus / name).write_text("\n".join(lines), encoding="utf-8")


def expected_chunks(corpus: Path) -> dict[str, list[str]]:
    """doc_id → sorted chunk texts of the files as they are now."""
    out: dict[str, list[str]] = {}
    for path in sorted(corpus.glob("*.txt")):
        result = parse_file(path, max_chars=window_chars(BigramEmbedder.max_chars))
        for doc in result.documents:
            out[doc.doc_id] = sorted(c.text for c in result.chunks if c.doc_id == doc.doc_id)
    return out


def embedded(report: IngestReport) -> dict[str, int]:
    """File name → chunks embedded anew."""
    return {f.path.name: f.embedded for f in report.files}


def test_reingesting_the_corpus_changes_nothing_and_embeds_nothing(tmp_path: Path) -> None:
    embedder = BigramEmbedder()
    first = ingest_paths([CORPUS], open_store(tmp_path / "index", embedder), embedder)
    assert first.failed == []
    assert first.total_chunks == sum(len(f.chunks) for f in first.files) > 300
    assert all(f.embedded == len(f.chunks) > 0 for f in first.files)

    store = open_store(tmp_path / "index", embedder)  # reopened: everything came from disk
    ids = set(store.all_chunks())
    registry = store.documents()
    assert len(registry) == 14  # 000, 001, 002, the ten articles of 003, 004
    calls_before = len(embedder.calls)

    again = ingest_paths([CORPUS], store, embedder)
    assert again.failed == []
    assert set(embedded(again).values()) == {0}
    assert len(embedder.calls) == calls_before  # the embedder was not even called
    assert again.total_chunks == first.total_chunks == store.count()
    assert set(store.all_chunks()) == ids
    assert store.documents() == registry


def test_editing_one_measure_reembeds_only_that_chunk(tmp_path: Path) -> None:
    corpus = copy_corpus(tmp_path / "corpus")
    embedder = BigramEmbedder()
    store = open_store(tmp_path / "index", embedder)
    ingest_paths([corpus], store, embedder)
    assert all(i != f"{JIYUAN}:46:0" for i, _ in store.lexical().search("钠离子电池", 10))

    path = corpus / f"{JIYUAN}.txt"
    lines = path.read_text(encoding="utf-8").split("\n")
    (n,) = [i for i, line in enumerate(lines) if line.startswith("46.")]
    assert MEASURE_46_OLD in lines[n]
    lines[n] = lines[n].replace(MEASURE_46_OLD, MEASURE_46_NEW)
    path.write_text("\n".join(lines), encoding="utf-8")

    report = ingest_paths([corpus], store, embedder)
    assert report.failed == []
    assert embedded(report) == {p.name: (1 if p == path else 0) for p in sorted(corpus.glob("*.txt"))}
    chunk = store.all_chunks()[f"{JIYUAN}:46:0"]
    assert MEASURE_46_NEW in chunk.text and MEASURE_46_OLD not in chunk.text
    assert chunk.responsible_units == ["发展改革和统计局", "工业信息和科技局"]

    # Dense: the stored vector is the new text's; lexical: the BM25 index was rebuilt with the new word.
    best_id, similarity = store.dense_search(embedder.embed_query(chunk.embed_text), 1)[0]
    assert best_id == chunk.chunk_id and similarity == pytest.approx(1.0, abs=1e-4)
    assert store.lexical().search("钠离子电池", 3)[0][0] == chunk.chunk_id
    reopened = open_store(tmp_path / "index", embedder)  # what the service sees after a restart
    assert reopened.lexical().search("钠离子", 3)[0][0] == chunk.chunk_id


def test_lexical_index_follows_writes_through_the_store(tmp_path: Path) -> None:
    embedder = BigramEmbedder()
    corpus = copy_corpus(tmp_path / "corpus", KAIFENG)
    store = open_store(tmp_path / "index", embedder)
    report = ingest_paths([corpus], store, embedder)
    assert store.lexical().search("钠离子", 3) == []

    chunks = report.files[0].chunks
    chunks[-1].text += MEASURE_46_NEW
    chunks[-1].embed_text += MEASURE_46_NEW
    store.replace_documents([KAIFENG], chunks, {chunks[-1].chunk_id: embedder.embed_query(chunks[-1].embed_text)},
                            store.documents())
    assert store.lexical().search("钠离子", 3)[0][0] == chunks[-1].chunk_id

    store.delete_documents([KAIFENG])
    assert store.count() == 0
    assert store.lexical().search("钠离子", 3) == []


def test_prune_removes_the_documents_of_deleted_files(tmp_path: Path) -> None:
    corpus = copy_corpus(tmp_path / "corpus", KAIFENG, ZHENGZHOU)
    embedder = BigramEmbedder()
    store = open_store(tmp_path / "index", embedder)
    ingest_paths([corpus], store, embedder)
    assert store.lexical().search("郑好融", 3)  # a word only 002 has
    (corpus / f"{ZHENGZHOU}.txt").unlink()

    kept = ingest_paths([corpus], store, embedder)  # without --prune the index keeps what it had
    assert kept.pruned == []
    assert {c.doc_id for c in store.all_chunks().values()} == {KAIFENG, ZHENGZHOU}

    pruned = ingest_paths([corpus], store, embedder, prune=True)
    assert pruned.pruned == [ZHENGZHOU]
    assert {c.doc_id for c in store.all_chunks().values()} == {KAIFENG}
    assert set(store.documents()) == {KAIFENG}
    assert pruned.total_chunks == store.count() == len(pruned.files[0].chunks)
    assert store.lexical().search("郑好融", 3) == []


def test_a_binary_file_fails_alone(tmp_path: Path) -> None:
    corpus = copy_corpus(tmp_path / "corpus", KAIFENG)
    (corpus / "scan.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    embedder = BigramEmbedder()
    store = open_store(tmp_path / "index", embedder)
    report = ingest_paths([corpus], store, embedder)
    assert [f.path.name for f in report.failed] == ["scan.txt"]
    assert "binary" in report.failed[0].error
    assert {c.doc_id for c in store.all_chunks().values()} == {KAIFENG}
    assert report.total_chunks == store.count() > 0


def test_an_embedder_failing_half_way_keeps_the_files_before(tmp_path: Path) -> None:
    corpus = copy_corpus(tmp_path / "corpus", KAIFENG, ZHENGZHOU)
    flaky = BigramEmbedder(fail_on_text="郑好融")  # a word only 002 has
    store = open_store(tmp_path / "index", flaky)
    report = ingest_paths([corpus], store, flaky)
    assert [f.path.name for f in report.failed] == [f"{ZHENGZHOU}.txt"]
    assert "embedding failed" in report.failed[0].error
    assert {c.doc_id for c in store.all_chunks().values()} == {KAIFENG}
    assert set(store.documents()) == {KAIFENG}

    # The index stays usable: both searches answer from the file that made it.
    query = "持续强化招商引资"
    assert store.dense_search(flaky.embed_query(query), 3)[0][0].startswith(KAIFENG)
    assert store.lexical().search(query, 3)[0][0] == f"{KAIFENG}:14:0"

    healthy = BigramEmbedder()
    retry = ingest_paths([corpus], store, healthy)
    assert retry.failed == []
    assert embedded(retry) == {f"{KAIFENG}.txt": 0, f"{ZHENGZHOU}.txt": len(retry.files[1].chunks)}
    assert set(store.documents()) == {KAIFENG, ZHENGZHOU}


@pytest.mark.parametrize(("name", "dimension"), [("fake:other", 64), ("fake:bigram", 32)])
def test_opening_an_index_with_other_embedder_settings_fails(tmp_path: Path, name: str, dimension: int) -> None:
    embedder = BigramEmbedder()
    open_store(tmp_path / "index", embedder)
    with pytest.raises(IndexMismatchError) as info:
        open_index(StoreSettings(path=str(tmp_path / "index")), name, dimension)
    assert info.value.status_code == 409
    assert "python -m ingest --rebuild" in str(info.value)
    open_store(tmp_path / "index", embedder)  # the failed attempt changed nothing
