"""The chunk catalog: lookups derived generation by generation equal the same lookups by a scan of every chunk."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest
from tiny_models import BigramEmbedder

from ingest.gazetteer import region_matches
from ingest.index.catalog import ChunkCatalog, chunk_region_path
from ingest.index.lexical import TOKENIZER_VERSION, LexicalIndex, tokenize
from ingest.index.store import open_store
from ingest.models import Chunk
from ingest.settings import StoreSettings

PLACES = [["河南省", "郑州市"], ["河南省", "开封市"], ["山东省", "淄博市"], ["河南省"]]
MEASURES = ["1", "2", "3", "12", "三（二）2", "前言"]


def _source(doc_id: str) -> str:
    """Documents 000–008 come three to a file (a notice and the plans it issues); the others have none."""
    number = int(doc_id[:3])
    return f"file-{number // 3}.html" if number < 9 else ""


def _document(doc_id: str, rng: random.Random, version: int = 0) -> list[Chunk]:
    path = rng.choice(PLACES)
    year = rng.choice(["2023", "2024"])
    chunks = []
    for measure in rng.sample(MEASURES, rng.randint(1, len(MEASURES))):
        for part in range(rng.randint(1, 2)):
            chunks.append(Chunk(
                chunk_id=f"{doc_id}:{measure}:{part}", doc_id=doc_id, doc_title=f"{path[-1]}{year}年工作要点",
                region=path[-1], issuer="", date=f"{year}-03-01", doc_type="", section="一、总体要求",
                subsection="", measure=measure, measure_label=f"{path[-1]} 第{measure}条", measure_title="",
                region_path=list(path), part=part, source=_source(doc_id), text=f"第{version}版：{rng.choice(['到2025年', '推进改造'])}完成任务。"))
    return chunks


def _scan_facts(chunks: dict[str, Chunk]) -> dict[str, tuple[list[str], set[str]]]:
    """What the retriever computed by scanning every chunk before the catalog."""
    facts: dict[str, tuple[list[str], set[str]]] = {}
    for chunk in chunks.values():
        if chunk.region:
            _, found = facts.setdefault(chunk.region, (chunk_region_path(chunk), set()))
            found.add(chunk.date[:4])
            found.update(re.findall(r"(20\d{2})年", chunk.doc_title + chunk.text))
    return facts


def _assert_matches_scan(catalog: ChunkCatalog, chunks: dict[str, Chunk]) -> None:
    every = [chunks[i] for i in sorted(chunks)]
    docs = sorted({c.doc_id for c in every})
    assert catalog.document_ids() == docs
    for doc_id in docs + ["missing"]:
        assert list(catalog.of_document(doc_id)) == [c for c in every if c.doc_id == doc_id]
        numbered = [c for c in every if c.doc_id == doc_id and c.measure.isdigit()]
        assert [int(c.measure) for c in catalog.numbered(doc_id)] == sorted((int(c.measure) for c in numbered), reverse=True)
    for measure in MEASURES + ["99"]:
        assert catalog.with_measure(measure) == [c for c in every if c.measure == measure]
    for region in ["河南省", "河南", "郑州市", "开封", "淄博市", "山东省", "北京市"]:
        inside = [c for c in every if region_matches(chunk_region_path(c), region)]
        assert catalog.in_region(region) == inside, region
        assert catalog.region_documents(region) == sorted({c.doc_id for c in inside}), region
    assert catalog.region_facts() == _scan_facts(chunks)
    for doc_id in docs:
        source = next(c.source for c in every if c.doc_id == doc_id)
        assert catalog.same_file(doc_id) == (sorted({c.doc_id for c in every if c.source == source}) if source
                                             else [doc_id]), doc_id
    assert catalog.same_file("missing") == []


def test_a_catalog_evolved_over_many_writes_equals_one_built_from_scratch() -> None:
    rng = random.Random(5)
    chunks: dict[str, Chunk] = {}
    catalog = ChunkCatalog.build(chunks)
    _assert_matches_scan(catalog, chunks)
    for step in range(40):
        doc_id = f"{rng.randint(0, 9):03d}_doc"
        old = [c for c in chunks.values() if c.doc_id == doc_id]
        new = [] if rng.random() < 0.3 else _document(doc_id, rng, step)  # a delete, else an add or a replace
        unchanged = {c.chunk_id for c in old} & {c.chunk_id for c in new if c in old}
        removed = [c for c in old if c.chunk_id not in unchanged]
        added = [c for c in new if c.chunk_id not in unchanged]
        following = {i: c for i, c in chunks.items() if c.doc_id != doc_id} | {c.chunk_id: c for c in new}
        previous = catalog
        catalog = catalog.evolve(following, removed, added)
        _assert_matches_scan(catalog, following)
        _assert_matches_scan(previous, chunks)  # a generation's catalog never changes under its readers
        chunks = following
    assert catalog.document_ids(), "the random walk should end with documents"


def _store_chunks(doc_id: str, texts: list[str]) -> list[Chunk]:
    return [Chunk(chunk_id=f"{doc_id}:{n}:0", doc_id=doc_id, doc_title="郑州市工作要点", region="郑州市", issuer="",
                  date="2024-03-01", doc_type="", section="", subsection="", measure=str(n), measure_label="",
                  measure_title="", region_path=["河南省", "郑州市"], text=t, embed_text=f"郑州市\n{t}")
            for n, t in enumerate(texts, 1)]


def write_document(store, embedder: BigramEmbedder, doc_id: str, texts: list[str]) -> None:  # type: ignore[no-untyped-def]
    chunks = _store_chunks(doc_id, texts)
    vectors = dict(zip([c.chunk_id for c in chunks], embedder.embed_passages([c.embed_text for c in chunks])))
    store.replace_documents([doc_id], chunks, vectors, {doc_id: {"doc_id": doc_id, "title": "郑州市工作要点"}})


@pytest.mark.parametrize("reader_is_writer", [True, False])
def test_the_store_updates_catalog_and_lexical_index_by_the_chunks_written(tmp_path: Path,
                                                                         reader_is_writer: bool) -> None:
    embedder = BigramEmbedder()
    settings = StoreSettings(path=str(tmp_path / "index"), refresh_seconds=0)
    writer = open_store(settings, embedder.name, embedder.dimension)
    reader = writer if reader_is_writer else open_store(settings, embedder.name, embedder.dimension)
    try:
        write_document(writer, embedder, "001_a", ["推进老旧小区改造。", "力争储能装机容量达到25兆瓦。"])
        write_document(writer, embedder, "002_b", ["开展家电以旧换新活动。"])
        first = reader.lexical()
        assert reader.catalog().document_ids() == ["001_a", "002_b"]
        write_document(writer, embedder, "001_a", ["推进老旧小区改造。", "建设钠离子电池产业链。", "发展数字经济。"])
        writer.delete_documents(["002_b"])
        assert reader.lexical() is first  # updated in place, not rebuilt
        chunks = reader.all_chunks()
        assert sorted(chunks) == ["001_a:1:0", "001_a:2:0", "001_a:3:0"]
        assert [c.text for c in reader.catalog().with_measure("2")] == ["建设钠离子电池产业链。"]
        assert reader.catalog().in_region("河南") == list(chunks.values())
        scratch = LexicalIndex.build(list(chunks), [c.embed_text for c in chunks.values()])
        for query in ["钠离子电池", "老旧小区", "以旧换新", "储能"]:
            assert reader.lexical().scores(query) == scratch.scores(query), query
        # Tokens are stored beside each chunk, so a reader never runs jieba over the corpus.
        stored = writer._call(lambda c, r: c.get(include=["metadatas"]))["metadatas"]  # type: ignore[attr-defined]
        assert all(m["lexical_version"] == TOKENIZER_VERSION and m["lexical_tokens"] == " ".join(tokenize(m["embed_text"]))
                   for m in stored)
    finally:
        if reader is not writer:
            reader.close()
        writer.close()


def test_chunk_text_is_stored_as_metadata_and_older_indexes_still_read(tmp_path: Path) -> None:
    import chromadb

    embedder = BigramEmbedder()
    settings = StoreSettings(path=str(tmp_path / "index"), refresh_seconds=0)
    writer = open_store(settings, embedder.name, embedder.dimension)
    write_document(writer, embedder, "001_a", ["推进老旧小区改造。", "力争储能装机容量达到25兆瓦。"])
    writer.close()
    client = chromadb.PersistentClient(path=settings.path, settings=chromadb.Settings(anonymized_telemetry=False))
    collection = client.get_collection(settings.collection)
    rows = collection.get(include=["metadatas", "documents", "embeddings"])
    assert all(doc is None for doc in rows["documents"])  # no full-text index is built over the chunks
    assert sorted(m["text"] for m in rows["metadatas"]) == ["力争储能装机容量达到25兆瓦。", "推进老旧小区改造。"]
    # An index written before: the text as the chroma document, not in the metadata.
    old = [{k: v for k, v in m.items() if k != "text"} for m in rows["metadatas"]]
    collection.delete(ids=rows["ids"])
    collection.add(ids=rows["ids"], embeddings=rows["embeddings"], metadatas=old,
                   documents=[m["text"] for m in rows["metadatas"]])
    assert not any("text" in m for m in collection.get(include=["metadatas"])["metadatas"])
    reader = open_store(settings, embedder.name, embedder.dimension)
    try:
        texts = sorted(c.text for d in reader.catalog().document_ids() for c in reader.catalog().of_document(d))
        assert texts == ["力争储能装机容量达到25兆瓦。", "推进老旧小区改造。"]
    finally:
        reader.close()
