"""An opening chunk shows its document's title lines; answerers quote the measure's own words, not the title."""

from __future__ import annotations

from pathlib import Path

from ingest.chunking import chunk_text_file
from service.answerers.extractive import measure_body

NEWS = ("江苏出台政策支持农产品保供主体复工复产\n"
        "对稳产保供主体，在规定贴息期内新发生的贷款给予不超过2%的贴息支持，单户贴息总额原则上不超过50万元。")


def test_measure_body_leaves_the_heading_out() -> None:
    _, chunks = chunk_text_file(NEWS, Path("news.txt"))
    opening = chunks[0]
    assert opening.text.startswith("江苏出台政策支持农产品保供主体复工复产\n")
    body = measure_body(opening)
    assert "江苏出台政策" not in body
    assert body.startswith("对稳产保供主体")


def test_measure_body_leaves_a_news_credit_line_out() -> None:
    _, chunks = chunk_text_file(NEWS.replace("\n", "\n新华社南京2月13日电（记者某某）"), Path("news.txt"))
    assert "（记者某某）" in chunks[0].text  # the index keeps the page as published
    assert measure_body(chunks[0]).startswith("对稳产保供主体")


def test_a_hit_joining_the_opening_window_keeps_the_heading_apart() -> None:
    from service.retrieval.retriever import Hit, one_per_measure

    body = "".join(f"第{n}批稳产保供主体名单已经公布，相关贷款贴息支持按规定执行。" for n in range(1, 25))
    _, chunks = chunk_text_file(f"江苏出台政策支持农产品保供主体复工复产\n{body}", Path("news.txt"))
    opening = [c for c in chunks if c.measure == chunks[0].measure]
    assert len(opening) >= 2 and opening[0].heading_chars > 0 and opening[1].heading_chars == 0
    [merged] = one_per_measure([Hit(opening[1], 1.0), Hit(opening[0], 0.9)])
    assert merged.chunk.chunk_id == opening[1].chunk_id  # the best part leads, the text starts with part 0's
    assert merged.chunk.text.startswith("江苏出台政策支持农产品保供主体复工复产\n")
    assert merged.chunk.heading_chars == opening[0].heading_chars
    assert measure_body(merged.chunk).startswith("第1批稳产保供主体")
