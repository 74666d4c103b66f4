"""Regions across provinces: a province or city filter finds a county's document; places outside the index."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from helpers import retriever_over  # noqa: E402
from service.retrieval.query import analyze  # noqa: E402
from service.retrieval.retriever import Filters, Retriever  # noqa: E402

# Handwritten documents from two provinces, in the style of real ones.
DOCUMENTS = {
    "shandong.txt": "山东省人民政府关于支持民营经济高质量发展的若干措施\n鲁政发〔2023〕6号\n各市人民政府，省政府各部门：\n"
                    "一、优化营商环境\n1.全面落实公平竞争审查制度，清理妨碍统一市场的规定。（省市场监管局负责）\n"
                    "2.推行惠企政策免申即享，年内兑现资金50亿元。（省财政厅负责）\n山东省人民政府\n2023年4月12日\n",
    "lankao.txt": "兰考县2024年农业产业发展工作方案\n兰考县人民政府办公室\n"
                  "一、发展特色产业\n1.建设蜜瓜种植基地2万亩，培育品牌3个。（县农业农村局负责）\n"
                  "2.完善冷链物流体系，新建冷库10座。（县商务局负责）\n兰考县人民政府办公室\n2024年3月5日\n",
}


@pytest.fixture(scope="module")
def two_province_retriever(tmp_path_factory: pytest.TempPathFactory) -> Retriever:
    """A real index (chromadb on disk, the bundled embedder) of one Shandong and one Henan county document."""
    return retriever_over(DOCUMENTS, tmp_path_factory.mktemp("corpus"), tmp_path_factory.mktemp("index"))


def test_documents_know_their_region_path(two_province_retriever: Retriever) -> None:
    chunks = two_province_retriever.store.all_chunks().values()
    assert {(c.region, tuple(c.region_path), c.doc_number) for c in chunks} == {
        ("山东省", ("山东省",), "鲁政发〔2023〕6号"),
        ("兰考县", ("河南省", "开封市", "兰考县"), ""),
    }


@pytest.mark.parametrize("wanted", ["河南省", "河南", "开封市", "兰考县"])
def test_a_province_or_city_filter_finds_the_county_document(two_province_retriever: Retriever, wanted: str) -> None:
    hits = two_province_retriever.search("冷库建设", 10, Filters(region=wanted)).hits
    assert hits and {h.chunk.region for h in hits} == {"兰考县"}


def test_a_city_named_in_the_question_restricts_to_its_counties(two_province_retriever: Retriever) -> None:
    hits = two_province_retriever.search("开封市冷库和营商环境", 10).hits
    assert hits and {h.chunk.region for h in hits} == {"兰考县"}


@pytest.mark.parametrize(("question", "refused_for"), [
    ("山东省支持民营经济有哪些措施？", ""),  # another province, but in the index: not foreign
    ("山东惠企政策兑现多少资金？", ""),
    ("上海市支持民营经济有哪些措施？", "上海市"),
    ("阿坝州蜜瓜种植基地有多大？", "阿坝藏族羌族自治州"),
    ("郑州市冷库建设目标是多少？", "郑州市"),  # Henan, but no Zhengzhou document here
])
def test_places_the_index_does_not_hold_are_out_of_scope(two_province_retriever: Retriever, question: str,
                                                          refused_for: str) -> None:
    analysis = analyze(question)
    reason = two_province_retriever.search(question, 5, analysis=analysis).out_of_scope
    assert two_province_retriever.foreign_places(analysis) == ([refused_for] if refused_for else [])
    if refused_for:
        assert refused_for in reason
    else:
        assert reason == ""
