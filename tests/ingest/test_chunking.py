"""Chunks of small handwritten documents: the opening chunk shows the title lines the document prints."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.chunking import HEADER_BUDGET, chunk_text_file
from ingest.documents import OVERRIDABLE_FIELDS, split_documents

NEWS = ("北京市出台政策鼓励用工\n为重点企业招人给予最高9万元补助\n"
        "为重点企业提供职业介绍服务的经营性人力资源服务机构，在疫情防控期间将给予最高9万元的一次性就业创业服务补助。\n"
        "北京市人力资源和社会保障局近日发布通知，明确了补助的申请条件。")
NOTICE = ("江西省人民政府办公厅关于做好复工复产工作的通知\n各市、县（区）人民政府，省政府各部门：\n"
          "当前，全省疫情防控工作正处在关键阶段。现就有关事项通知如下：\n"
          "一、明确复工时间。各地要分类有序推动企业复工复产。\n二、加强服务保障。各地要及时协调解决企业困难。")
ARTICLES = "某市养犬管理条例\n第一条 为了规范养犬行为，制定本条例。\n第二条 本条例适用于本市行政区域。"


def _chunks(raw: str, name: str = "doc.txt", max_chars: int = 400):
    return chunk_text_file(raw, Path(name), max_chars=max_chars)


def test_the_printed_title_lines_are_kept_as_the_documents_heading() -> None:
    doc = split_documents(NEWS, "news.txt", "news")[0]
    assert doc.title == "北京市出台政策鼓励用工"
    assert doc.heading == "北京市出台政策鼓励用工"
    assert not doc.text.startswith("北京市出台政策鼓励用工")
    assert "heading" not in OVERRIDABLE_FIELDS  # the file's own text, like `text`


def test_the_opening_chunk_starts_with_the_heading_and_runs_on_into_the_text() -> None:
    _, chunks = _chunks(NEWS)
    opening = chunks[0]
    assert opening.measure.endswith("导语")
    assert opening.text.startswith("北京市出台政策鼓励用工\n为重点企业招人给予最高9万元补助\n")
    # A passage quoted across the title and the first lines is found whole in one chunk.
    passage = "北京市出台政策鼓励用工为重点企业招人给予最高9万元补助为重点企业提供"
    assert passage in opening.text.replace("\n", "")
    # The title's words are in the embedded text once: the header leaves the title out.
    assert opening.embed_text.count("北京市出台政策鼓励用工") == 1
    # Readers can tell the heading from the measure's own words.
    assert opening.text[:opening.heading_chars] == "北京市出台政策鼓励用工\n"
    assert opening.text[opening.heading_chars:].startswith("为重点企业招人给予最高9万元补助\n")
    assert all(c.heading_chars == 0 for c in chunks[1:])


def test_later_chunks_keep_the_title_in_their_header_only() -> None:
    docs, chunks = _chunks(NOTICE)
    assert docs[0].heading == "江西省人民政府办公厅关于做好复工复产工作的通知"
    assert chunks[0].text.startswith(docs[0].heading + "\n各市、县（区）人民政府")
    later = [c for c in chunks if c.measure in ("一", "二")]
    assert len(later) == 2
    for chunk in later:
        assert docs[0].title not in chunk.text
        assert docs[0].title in chunk.embed_text


def test_a_document_opening_with_a_numbered_article_shows_no_heading() -> None:
    docs, chunks = _chunks(ARTICLES)
    assert docs[0].heading == "某市养犬管理条例"
    assert chunks[0].text.startswith("第一条")
    assert all(c.heading_chars == 0 for c in chunks)
    assert all("某市养犬管理条例" not in c.text for c in chunks)


@pytest.mark.parametrize("max_chars", [120, 400])
def test_the_heading_counts_against_the_window(max_chars: int) -> None:
    long_title = "关于" + "进一步做好疫情防控期间重点企业复工复产和稳定就业" * 2 + "工作的通知"
    body = "各有关单位：\n" + "为做好疫情防控期间企业复工复产工作，现就有关事项通知如下。" * 20
    _, chunks = _chunks(f"{long_title}\n{body}", max_chars=max_chars)
    assert chunks[0].text.startswith(long_title + "\n")
    assert all(len(c.embed_text) <= max_chars + HEADER_BUDGET for c in chunks)
