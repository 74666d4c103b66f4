"""A question restricted to a place also finds the passages of other places' documents that name it."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from service.answerers import build_answerer  # noqa: E402
from service.qa import QAService  # noqa: E402
from service.retrieval.retriever import Filters, Retriever, names_place  # noqa: E402
from service.settings import Settings  # noqa: E402
from helpers import retriever_over  # noqa: E402

DOCUMENTS = {
    "hubei.txt": "湖北省人民政府办公厅关于做好城乡居民医保缴费工作的通知\n各市、州、县人民政府：\n"
                 "一、延长缴费期限\n城乡居民基本医疗保险费集中缴费截止日期延长至3月31日。\n"
                 "二、推行线上缴费\n鼓励缴费人通过手机银行等线上渠道缴费。\n湖北省人民政府办公厅\n2020年2月20日\n",
    "ministry.txt": "财政部关于下达疫情防控补助资金的通知\n各省、自治区、直辖市财政厅（局）：\n"
                    "一、预拨补助资金\n财政部预拨第二批疫情防控补助资金80亿元，其中对湖北省预拨35亿元。\n"
                    "二、加强资金监管\n各地财政部门要加强补助资金使用监管，确保专款专用。\n财政部\n2020年2月14日\n",
    "zhengzhou.txt": "郑州市查处非法客运规定\n第一条 为了规范本市客运市场秩序，制定本规定。\n"
                     "第二条 市交通运输行政主管部门和公安机关交通管理部门查处非法客运行为，可以实行联合执法。\n"
                     "第三条 查处非法客运行为，有关部门应当建立沟通协调机制，依法共享执法信息。\n",
    "airport.txt": "关于支持自由贸易试验区发展的若干措施\n一、支持航空发展\n"
                   "（一）支持郑州机场开通国际货运航线，允许外国航空公司经郑州承载客货业务。"
                   "（负责部门：民航局）\n",
    "hospital.txt": "湖北省加快建设应急收治医院\n为应对疫情，全省各地加快改建收治场所。"
                    "团风县将县体育馆改建为方舱医院，计划5天内建成投入使用，设置床位300张。\n",
    "shandong.txt": "山东省财政厅关于拨付疫情防控资金的通知\n各市财政局：\n"
                    "一、拨付防控资金\n省财政拨付疫情防控补助资金5亿元，支持各市开展防控工作。\n"
                    "山东省财政厅\n2020年2月10日\n",
}


@pytest.fixture(scope="module")
def retriever(tmp_path_factory: pytest.TempPathFactory) -> Retriever:
    """A real index (chromadb on disk, the bundled embedder) of a Hubei notice, a ministry's and a Shandong one."""
    return retriever_over(DOCUMENTS, tmp_path_factory.mktemp("corpus"), tmp_path_factory.mktemp("index"))


def _regions(retriever: Retriever) -> dict[str, str]:
    return {c.source: c.region for c in retriever.store.all_chunks().values()}


def test_the_ministry_notice_is_not_a_hubei_document(retriever: Retriever) -> None:
    regions = _regions(retriever)
    assert regions["hubei.txt"] == "湖北省"
    assert regions["ministry.txt"] != "湖北省" and regions["shandong.txt"] == "山东省"


def test_a_passage_naming_the_place_joins_the_places_own_documents(retriever: Retriever) -> None:
    hits = retriever.search("财政部给湖北预拨了多少疫情防控补助资金？", 10).hits
    sources = {(h.chunk.source, h.chunk.measure) for h in hits}
    assert ("ministry.txt", "一") in sources  # names 湖北省, though the ministry's document is not Hubei's
    assert ("ministry.txt", "二") not in sources  # the same document's passage naming no place stays out
    assert all(h.chunk.source != "shandong.txt" for h in hits)
    assert any(h.chunk.source == "hubei.txt" for h in hits)


def test_filters_still_hold_for_the_passages_naming_the_place(retriever: Retriever) -> None:
    hubei = next(c.doc_id for c in retriever.store.all_chunks().values() if c.source == "hubei.txt")
    hits = retriever.search("财政部给湖北预拨了多少疫情防控补助资金？", 10, Filters(doc_id=hubei)).hits
    assert hits and {h.chunk.source for h in hits} == {"hubei.txt"}


def test_without_restriction_nothing_is_widened(retriever: Retriever) -> None:
    retriever.settings.region_mode = "off"
    try:
        hits = retriever.search("财政部给湖北预拨了多少疫情防控补助资金？", 10).hits
    finally:
        retriever.settings.region_mode = "restrict"
    assert any(h.chunk.source == "shandong.txt" for h in hits)


def test_a_passage_that_only_names_the_place_does_not_answer_who_is_responsible(retriever: Retriever) -> None:
    # The airport measure names 郑州 and its unit, but it is not about what is asked: the city's own article answers.
    settings = Settings()
    qa = QAService(settings, retriever, build_answerer(settings))
    question = "郑州查处非法客运由哪些部门联合执法？"
    searched = qa.search(question, 20).hits
    assert any(h.chunk.source == "airport.txt" for h in searched)  # a candidate, since it names the city
    answer = qa.ask(question).answer
    assert not answer.refused and "公安机关交通管理部门" in answer.text
    assert answer.citations and answer.citations[0].doc_id.startswith("zhengzhou")


@pytest.mark.parametrize(("text", "title", "names", "expected"), [
    ("其中对湖北省预拨35亿元。", "财政部通知", ("湖北省", "湖北"), True),
    ("支持各地开展防控工作。", "湖北省财政厅通知", ("湖北省",), True),  # the title names it
    ("支持各地开展防控工作。", "财政部通知", ("湖北省", "湖北"), False),
    ("支持各地开展防控工作。", "财政部通知", (), False),
])
def test_names_place(text: str, title: str, names: tuple[str, ...], expected: bool) -> None:
    from ingest.models import Chunk

    chunk = Chunk("d:1:0", "d", title, "", "", "", "", "", "", "1", "1", "", text=text)
    assert names_place(chunk, names) is expected


def test_a_place_no_document_is_about_is_answered_from_a_passage_naming_it(retriever: Retriever) -> None:
    # No document is 团风县's, but the province's news names it: not out of scope, and answered from that passage.
    settings = Settings()
    qa = QAService(settings, retriever, build_answerer(settings))
    named = qa.ask("团风县的方舱医院计划几天内建成？")
    assert not named.answer.refused and "5天" in named.answer.text, named.answer.text
    assert [c.doc_id for c in named.answer.citations] == [_doc(retriever, "hospital.txt")]
    # A place nothing names stays out of scope.
    assert "团风县" not in qa.search("团风县的方舱医院计划几天内建成？").out_of_scope
    unnamed = "麻城市的方舱医院计划几天内建成？"
    assert qa.ask(unnamed).answer.refused and "麻城市" in qa.search(unnamed).out_of_scope


def _doc(retriever: Retriever, source: str) -> str:
    return next(c.doc_id for c in retriever.store.all_chunks().values() if c.source == source)
