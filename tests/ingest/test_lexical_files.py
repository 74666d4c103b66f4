"""The shared lexical index: one set of files per generation, mapped by every process, never used torn."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from test_catalog import write_document
from test_lexical import QUERIES, TEXTS
from tiny_models import BigramEmbedder

from ingest.index import chroma
from ingest.index.chunk_texts import MappedChunk, build_text_table, chunk_rows, map_texts
from ingest.index.lexical import LexicalIndex, term_counts, tokenize
from ingest.index.lexical_files import LexicalCache
from ingest.index.store import open_store
from ingest.models import Chunk
from ingest.settings import StoreSettings

ROOT = Path(__file__).resolve().parents[2]
IDS = sorted(TEXTS)


def _entries(ids: list[str]):  # type: ignore[no-untyped-def]
    return lambda: (term_counts(tokenize(TEXTS[i])) for i in ids)


def _texts(ids: list[str]):  # type: ignore[no-untyped-def]
    return lambda: (t for i in ids for t in (TEXTS[i], f"\x01header\n{TEXTS[i]}"))


def _open(cache: LexicalCache, generation: str, ids: list[str], entries=None) -> LexicalIndex:  # type: ignore[no-untyped-def]
    index, table = cache.open_or_build(generation, ids, entries or _entries(ids), _texts(ids))
    assert [table.get(r) for r in range(len(table))] == list(_texts(ids)())
    return index


def _results(index: LexicalIndex) -> list[object]:
    return [[index.scores(q), index.search(q, 3), sorted(index.containing(tokenize(q)))] for q in QUERIES]


_CHILD = """
import json, sys
from pathlib import Path
sys.path[:0] = [sys.argv[2], sys.argv[3]]
from test_lexical import QUERIES, TEXTS
from ingest.index.lexical import term_counts, tokenize
from ingest.index.lexical_files import LexicalCache
ids = sorted(TEXTS)
index, _ = LexicalCache(Path(sys.argv[1])).open_or_build(
    "g1", ids, lambda: (term_counts(tokenize(TEXTS[i])) for i in ids), lambda: (t for i in ids for t in (TEXTS[i], "")))
print(json.dumps({"mapped": type(index._base.post_slots).__name__,
                  "results": [[index.scores(q), index.search(q, 3), sorted(index.containing(tokenize(q)))]
                              for q in QUERIES]}, ensure_ascii=False))
"""


def test_two_processes_map_one_copy_of_a_generation_and_score_like_an_index_in_memory(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    args = [sys.executable, "-c", _CHILD, str(cache), str(ROOT), str(ROOT / "tests" / "ingest")]
    children = [subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT) for _ in range(2)]
    outputs = []
    for child in children:
        out, err = child.communicate(timeout=120)
        assert child.returncode == 0, err.decode()
        outputs.append(json.loads(out))
    assert [o["mapped"] for o in outputs] == ["memmap", "memmap"]
    assert outputs[0]["results"] == outputs[1]["results"]
    in_memory = json.loads(json.dumps(_results(LexicalIndex.build(IDS, [TEXTS[i] for i in IDS])), ensure_ascii=False))
    assert outputs[0]["results"] == in_memory
    assert [p.name for p in cache.glob("gen-*")] == ["gen-g1"]  # built once, by whichever process came first
    assert not list(cache.glob(".tmp-*"))


def test_a_new_generation_writes_new_files_and_old_ones_are_pruned(tmp_path: Path) -> None:
    cache = LexicalCache(tmp_path)
    first = _open(cache, "g1", IDS)
    fewer = IDS[1:]
    second = _open(cache, "g2", fewer)
    assert sorted(p.name for p in tmp_path.glob("gen-*")) == ["gen-g1", "gen-g2"]
    assert sorted(second.ids) == fewer and sorted(first.ids) == IDS
    assert _results(second) == _results(LexicalIndex.build(fewer, [TEXTS[i] for i in fewer]))
    _open(cache, "g3", IDS)
    assert sorted(p.name for p in tmp_path.glob("gen-*")) == ["gen-g2", "gen-g3"]
    assert _results(first) == _results(LexicalIndex.build(IDS, [TEXTS[i] for i in IDS]))  # still mapped: unharmed
    assert cache.open("g2", IDS) is None  # files of other chunks are not taken for these


@pytest.mark.parametrize("damage", ["truncate", "no-manifest", "grow", "texts"])
def test_a_torn_or_partial_generation_is_rebuilt_not_used(tmp_path: Path, damage: str) -> None:
    cache = LexicalCache(tmp_path)
    expected = _results(_open(cache, "g1", IDS))
    folder = tmp_path / "gen-g1"
    postings = folder / "post_slots.npy"
    size = postings.stat().st_size
    if damage == "truncate":
        with open(postings, "r+b") as handle:
            handle.truncate(size - 8)
    elif damage == "texts":
        postings = folder / "text_blob.npy"
        size = postings.stat().st_size
        with open(postings, "r+b") as handle:
            handle.truncate(size - 1)
    elif damage == "no-manifest":
        (folder / "manifest.json").unlink()
    else:
        with open(postings, "ab") as handle:
            handle.write(b"\0" * 8)
    assert cache.open("g1", IDS) is None
    calls = []

    def entries():  # type: ignore[no-untyped-def]
        calls.append(1)
        return _entries(IDS)()

    rebuilt = _open(cache, "g1", IDS, entries)
    assert calls == [1]
    assert postings.stat().st_size == size
    assert isinstance(rebuilt._base.post_slots, np.memmap)
    assert _results(rebuilt) == expected


def test_the_store_maps_shared_files_and_applies_later_generations_on_top(tmp_path: Path,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    embedder = BigramEmbedder()
    settings = StoreSettings(path=str(tmp_path / "index"), refresh_seconds=0)
    cache = tmp_path / "index" / "lexical-cache" / "measures"
    writer = open_store(settings, embedder.name, embedder.dimension)
    reader = open_store(settings, embedder.name, embedder.dimension)
    try:
        write_document(writer, embedder, "001_a", ["推进老旧小区改造。", "力争储能装机容量达到25兆瓦。"])
        write_document(writer, embedder, "002_b", ["开展家电以旧换新活动。", "发展数字经济。"])
        first = reader.lexical()
        assert isinstance(first._base.post_slots, np.memmap)  # type: ignore[attr-defined]
        texts = {c.chunk_id: (c.text, c.embed_text) for c in writer.all_chunks().values()}
        mapped = reader.all_chunks()
        assert all(isinstance(c, MappedChunk) for c in mapped.values())
        assert {i: (c.text, c.embed_text) for i, c in mapped.items()} == texts
        assert "text" not in mapped["001_a:1:0"].__dict__  # read from the shared table, not held
        assert mapped["001_a:1:0"].embed_text.endswith("\n推进老旧小区改造。")
        assert mapped["001_a:1:0"] == dataclasses.replace(mapped["001_a:1:0"]) == writer.all_chunks()["001_a:1:0"]
        assert [p.name for p in cache.glob("gen-*")] == [f"gen-{reader.generation()}"]

        write_document(writer, embedder, "003_c", ["建设钠离子电池产业链。"])  # a small change: in memory
        assert reader.lexical() is first
        assert len(list(cache.glob("gen-*"))) == 1

        monkeypatch.setattr(chroma, "REBASE_MIN", 0)  # the next change is "large": packed into new files
        writer.delete_documents(["002_b"])
        now = reader.lexical()
        assert now is not first and now.changed_chunks == 0
        assert f"gen-{reader.generation()}" in [p.name for p in cache.glob("gen-*")]
        chunks = reader.all_chunks()
        assert [c.text for c in chunks.values()] == ["推进老旧小区改造。", "力争储能装机容量达到25兆瓦。", "建设钠离子电池产业链。"]
        assert all(c.__dict__["_at"][0] is chunks["001_a:1:0"].__dict__["_at"][0] for c in chunks.values())
        scratch = LexicalIndex.build(list(chunks), [c.embed_text for c in chunks.values()])
        fresh = open_store(settings, embedder.name, embedder.dimension)  # a process started now maps those files
        for index in (now, fresh.lexical()):
            for query in QUERIES + ["钠离子电池", "数字经济"]:
                assert index.scores(query) == scratch.scores(query), query
                assert index.search(query, 3) == scratch.search(query, 3), query
        fresh.close()
    finally:
        writer.close()
        reader.close()


def test_the_shared_files_can_be_turned_off(tmp_path: Path) -> None:
    embedder = BigramEmbedder()
    settings = StoreSettings(path=str(tmp_path / "index"), refresh_seconds=0, shared_lexical=False)
    store = open_store(settings, embedder.name, embedder.dimension)
    try:
        write_document(store, embedder, "001_a", ["推进老旧小区改造。"])
        assert store.lexical().search("老旧小区", 1)[0][0] == "001_a:1:0"
        assert not (tmp_path / "index" / "lexical-cache").exists()
    finally:
        store.close()


@pytest.mark.parametrize("text, embed_text", [("推进改造。", "郑州市 · 要点\n推进改造。"), ("推进改造。", "推進改造。"),
                                              ("", ""), ("改造", ""), ("\x00改造", "\x01头\n\x00改造")])
def test_mapped_chunks_give_back_their_texts(text: str, embed_text: str) -> None:
    chunk = Chunk("d:1:0", "d", "标题", "郑州市", "", "2024-01-01", "", "", "", "1", "郑州市 1", "",
                  text=text, embed_text=embed_text)
    plain = dataclasses.replace(chunk)
    map_texts([chunk], build_text_table(chunk_rows([chunk])))
    assert isinstance(chunk, MappedChunk) and "text" not in chunk.__dict__
    assert (chunk.text, chunk.embed_text) == (text, embed_text)
    assert chunk == plain and plain == chunk and dataclasses.asdict(chunk) == dataclasses.asdict(plain)
    chunk.text = "改了"
    assert chunk.text == "改了" and chunk != plain
