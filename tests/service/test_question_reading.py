"""Questions read as documents are (full-width forms, traditional script), and documents excluded at query time."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from tiny_models import BigramEmbedder

from ingest.index.store import IndexStore, open_store
from ingest.pipeline import ingest_paths
from ingest.settings import StoreSettings
from service.answerers import build_answerer
from service.qa import QAService
from service.retrieval.query import analyze, read_question
from service.retrieval.retriever import Filters, Retriever
from service.settings import RetrievalSettings, Settings

DOCUMENTS = {
    "storage.txt": "某市新型储能发展实施方案\n一、力争储能装机容量达到25兆瓦。\n二、新建充电桩1200个。\n",
    "housing.txt": "某县住房保障工作方案\n一、完成老旧小区改造2300户。\n二、新增保障性租赁住房800套。\n",
    "water.txt": "某区水土保持规定\n第一条 水土保持补偿费由县级水行政主管部门征收。\n第二条 生产建设项目应当编制水土保持方案。\n",
}


@pytest.mark.parametrize(("question", "read"), [
    ("儲能裝機容量目標是多少？", "储能装机容量目标是多少？"),  # traditional script, read simplified
    ("２０２４年ＧＤＰ增長多少?", "2024年GDP增长多少？"),  # full-width digits and letters, ASCII question mark
    ("储能装机容量目标是多少？", "储能装机容量目标是多少？"),  # already as the index reads it
    ("新建 充电桩 多少个", "新建充电桩多少个"),  # spaces between Chinese words carry nothing
])
def test_a_question_is_read_as_the_index_reads_documents(question: str, read: str) -> None:
    assert read_question(question) == read
    assert analyze(question).question == read


def test_a_full_width_year_is_a_year() -> None:
    assert analyze("２０２４年的目标是多少？").years == ["2024"]


def _index(folder: Path, names: list[str]) -> IndexStore:
    docs = folder / "docs"
    docs.mkdir(parents=True)
    for name in names:
        (docs / name).write_text(DOCUMENTS[name], encoding="utf-8")
    embedder = BigramEmbedder()
    store = open_store(StoreSettings(path=str(folder / "index")), embedder.name, embedder.dimension)
    report = ingest_paths(sorted(docs.iterdir()), store, embedder)
    assert not report.failed
    return store


@pytest.fixture
def stores(tmp_path: Path) -> Iterator[tuple[IndexStore, IndexStore]]:
    """The three documents, and the same without storage.txt."""
    whole = _index(tmp_path / "whole", list(DOCUMENTS))
    without = _index(tmp_path / "without", ["housing.txt", "water.txt"])
    try:
        yield whole, without
    finally:
        whole.close()
        without.close()


def test_a_traditional_question_finds_a_simplified_document(stores: tuple[IndexStore, IndexStore]) -> None:
    whole, _ = stores
    retriever = Retriever(whole, BigramEmbedder(), RetrievalSettings())
    for preset in ("bm25", "dense", "hybrid"):
        hits = retriever.search("儲能裝機容量達到多少？", 1, preset=preset).hits
        assert "25兆瓦" in hits[0].chunk.text, preset


@pytest.mark.parametrize("question", ["储能装机容量达到多少？", "保障性租赁住房新增多少套？", "水土保持补偿费由谁征收？"])
def test_excluded_documents_are_searched_as_if_not_indexed(stores: tuple[IndexStore, IndexStore],
                                                           question: str) -> None:
    whole, without = stores
    settings = RetrievalSettings()
    excluded = Filters(exclude_doc_ids=frozenset({"storage"}))
    for preset in ("dense", "hybrid"):
        got = Retriever(whole, BigramEmbedder(), settings).search(question, 5, excluded, preset=preset)
        expected = Retriever(without, BigramEmbedder(), settings).search(question, 5, preset=preset)
        assert all(h.chunk.doc_id != "storage" for h in got.hits)
        assert [h.chunk.chunk_id for h in got.hits] == [h.chunk.chunk_id for h in expected.hits], preset
        # the similarities a hit is measured against are those of the index without the document
        assert (got.dense_mean, got.dense_std) == pytest.approx((expected.dense_mean, expected.dense_std))
    plain = Retriever(whole, BigramEmbedder(), settings).search(question, 5, preset="bm25")
    bm25 = Retriever(whole, BigramEmbedder(), settings).search(question, 5, excluded, preset="bm25")
    assert [h.chunk.chunk_id for h in bm25.hits] == [h.chunk.chunk_id for h in plain.hits
                                                      if h.chunk.doc_id != "storage"]
    # combined with another filter, the exclusion still holds
    both = Filters(doc_id="storage", exclude_doc_ids=frozenset({"storage"}))
    assert Retriever(whole, BigramEmbedder(), settings).search(question, 5, both).hits == []


def test_a_document_named_by_title_is_missing_when_excluded(stores: tuple[IndexStore, IndexStore]) -> None:
    whole, _ = stores
    settings = Settings()
    qa = QAService(settings, Retriever(whole, BigramEmbedder(), settings.retrieval), build_answerer(settings))
    question = "《某市新型储能发展实施方案》提出储能装机容量达到多少？"
    excluded = Filters(exclude_doc_ids=frozenset({"storage"}))
    answer = qa.ask(question, 5, excluded).answer
    assert answer.refused and "文件中没有《某市新型储能发展实施方案》" in answer.text
    assert not qa.ask(question).answer.refused
