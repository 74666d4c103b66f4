"""Table-driven tests of the citation parser and verifier: raw model output → cleaned answer."""

from __future__ import annotations

from decimal import Decimal

import pytest

from service.answerers.base import REFUSAL, Passage
from service.answerers.citations import extract_quantities, is_refusal, split_sentences, verify_answer

A46 = "【济源市 第46条】"
A47 = "【济源市 第47条】"
Z12 = "【郑州市 第12条】"

# (raw model output, cleaned text, citation refs in order of first use, fragments expected in `dropped`)
CASES = [
    pytest.param(
        "济源市力争储能装机容量达到25兆瓦【济源市 第46条】。",
        f"济源市力争储能装机容量达到25兆瓦{A46}。",
        ["济源市 第46条"],
        [],
        id="clean-answer-kept",
    ),
    pytest.param(
        "储能装机容量达到25兆瓦【济源市 第46条】【郑州市 第99条】。",
        f"储能装机容量达到25兆瓦{A46}。",
        ["济源市 第46条"],
        ["【郑州市 第99条】（出处不存在"],
        id="hallucinated-key-removed-sentence-kept",
    ),
    pytest.param(
        "储能装机容量达到25兆瓦【洛阳市 第3条】。",
        "",
        [],
        ["【洛阳市 第3条】（出处不存在", "（未标注出处）"],
        id="only-hallucinated-key-drops-sentence",
    ),
    pytest.param(
        "储能装机容量达到25兆瓦【济源市 第46条】【济源市 第46条】。产值增长6.5%【济源市 第46条】。",
        f"储能装机容量达到25兆瓦{A46}。产值增长6.5%{A46}。",
        ["济源市 第46条"],
        [],
        id="duplicates-merged",
    ),
    pytest.param(
        "储能装机容量达到30兆瓦【济源市 第46条】。新增就业1.44万人【济源市 第47条】。",
        f"新增就业1.44万人{A47}。",
        ["济源市 第47条"],
        ["30兆瓦【济源市 第46条】。（数字不在所引条文中：30兆瓦）"],
        id="number-absent-from-cited-text",
    ),
    pytest.param(
        "新增就业1.44万人【济源市 第46条】。",
        "",
        [],
        ["数字不在所引条文中：1.44万人"],
        id="number-in-another-passage-than-the-cited-one",
    ),
    pytest.param(
        "完成重点项目投资300亿元。由市发展改革委负责【郑州市 第12条】。",
        f"由市发展改革委负责{Z12}。",
        ["郑州市 第12条"],
        ["完成重点项目投资300亿元。（未标注出处）"],
        id="missing-citation-dropped",
    ),
    pytest.param(
        "储能达到25兆瓦[1]；新增就业1.44万人【2】。投资300亿元[3]。改造2300户[7]。",
        f"储能达到25兆瓦{A46}；新增就业1.44万人{A47}。投资300亿元{Z12}。",
        ["济源市 第46条", "济源市 第47条", "郑州市 第12条"],
        ["【7】（出处不存在", "改造2300户。（未标注出处）"],
        id="numeric-references-mapped-to-labels",
    ),
    pytest.param(
        "储能达到25兆瓦[济源市 第46条]。就业1.44万人【 济源市第47条 】。投资300亿元［郑州市 第12条］。",
        f"储能达到25兆瓦{A46}。就业1.44万人{A47}。投资300亿元{Z12}。",
        ["济源市 第46条", "济源市 第47条", "郑州市 第12条"],
        [],
        id="half-width-brackets-and-stray-spaces",
    ),
    pytest.param(
        "储能达到25兆瓦【第46条】。",
        f"储能达到25兆瓦{A46}。",
        ["济源市 第46条"],
        [],
        id="unambiguous-partial-label",
    ),
    pytest.param(
        "由人力资源和社会保障局负责【济源市 第46条，济源市 第47条】。",
        f"由人力资源和社会保障局负责{A46}{A47}。",
        ["济源市 第46条", "济源市 第47条"],
        [],
        id="several-keys-in-one-bracket",
    ),
    pytest.param(
        "储能装机容量达到25兆瓦。【济源市 第46条】\n产值增长6.5%。[1]",
        f"储能装机容量达到25兆瓦{A46}。\n产值增长6.5%{A46}。",
        ["济源市 第46条"],
        [],
        id="citation-after-full-stop-moved-before-it",
    ),
    pytest.param(
        "储能达到２５兆瓦【济源市 第４６条】。产值增长６.５％【济源市 第46条】。就业１.５万人【济源市 第47条】。",
        f"储能达到25兆瓦{A46}。产值增长6.5%{A46}。",
        ["济源市 第46条"],
        ["数字不在所引条文中：1.5万人"],
        id="full-width-digits-and-percent",
    ),
    pytest.param(
        "改造老旧小区2300户【济源市 第47条】。",
        f"改造老旧小区2300户{A47}。",
        ["济源市 第47条"],
        [],
        id="thousands-separator-in-passage",
    ),
    pytest.param(
        "新增就业1.44万人次【济源市 第47条】。",
        "",
        [],
        ["数字不在所引条文中：1.44万人次"],
        id="different-unit-is-a-different-number",
    ),
    pytest.param(
        "根据第46条，由工业信息和科技局负责【济源市 第46条】。",
        f"根据第46条，由工业信息和科技局负责{A46}。",
        ["济源市 第46条"],
        [],
        id="ordinals-are-not-quantities",
    ),
    pytest.param(
        "1. 储能25兆瓦【济源市 第46条】\n2. 就业1.44万人【济源市 第47条】\n3. 投资500亿元【郑州市 第12条】",
        f"1. 储能25兆瓦{A46}\n2. 就业1.44万人{A47}",
        ["济源市 第46条", "济源市 第47条"],
        ["数字不在所引条文中：500亿元"],
        id="numbered-list-lines",
    ),
    pytest.param(
        "就业1.44万人【济源市 第47条】。储能25兆瓦【济源市 第46条】。就业目标由人社局负责【济源市 第47条】。",
        f"就业1.44万人{A47}。储能25兆瓦{A46}。就业目标由人社局负责{A47}。",
        ["济源市 第47条", "济源市 第46条"],
        [],
        id="citations-in-order-of-first-use",
    ),
    pytest.param(
        "这是一个很好的问题。\n储能达到25兆瓦【济源市 第46条】。\n希望对你有帮助！",
        f"储能达到25兆瓦{A46}。",
        ["济源市 第46条"],
        ["这是一个很好的问题。（未标注出处）", "希望对你有帮助！（未标注出处）"],
        id="chatter-without-citation-dropped",
    ),
    pytest.param("", "", [], [], id="empty-output"),
    pytest.param("<|im_end|>\n\n", "", [], ["（未标注出处）"], id="garbage-output"),
]


@pytest.mark.parametrize(("raw", "text", "refs", "dropped"), CASES)
def test_verify_answer_table(raw: str, text: str, refs: list[str], dropped: list[str], passages: list[Passage]) -> None:
    answer = verify_answer(raw, passages, backend="test")

    assert answer.text == text
    assert [c.ref for c in answer.citations] == refs
    assert answer.refused is False
    assert answer.backend == "test"
    assert answer.verification is not None
    for fragment in dropped:
        assert any(fragment in entry for entry in answer.verification.dropped), (fragment, answer.verification.dropped)
    assert len(answer.verification.dropped) == len(dropped)


@pytest.mark.parametrize(
    "raw",
    [
        REFUSAL,
        "文件中没有找到相关内容",
        "  回答：文件中 没有找到相关内容。",
        "文件中没有找到相关内容。储能达到25兆瓦【济源市 第46条】。",
    ],
)
def test_refusal_is_refused_without_citations(raw: str, passages: list[Passage]) -> None:
    answer = verify_answer(raw, passages)

    assert answer.refused is True
    assert answer.text == REFUSAL
    assert answer.citations == []


def test_refusal_sentence_needs_no_citation_mid_answer(passages: list[Passage]) -> None:
    answer = verify_answer(f"储能达到25兆瓦【济源市 第46条】。\n{REFUSAL}", passages)

    assert answer.text == f"储能达到25兆瓦{A46}。\n{REFUSAL}"
    assert answer.refused is False
    assert [c.ref for c in answer.citations] == ["济源市 第46条"]


def test_only_uncited_chatter_and_refusal_is_a_refusal(passages: list[Passage]) -> None:
    answer = verify_answer(f"我查了一下。\n{REFUSAL}", passages)

    assert answer.refused is True
    assert answer.verification is not None and len(answer.verification.dropped) == 1


def test_flag_mode_keeps_and_reports_unverified_numbers(passages: list[Passage]) -> None:
    answer = verify_answer("储能达到30兆瓦【济源市 第46条】。产值增长6.5%【济源市 第46条】。", passages, mode="flag")

    assert answer.text == f"储能达到30兆瓦{A46}。产值增长6.5%{A46}。"
    assert answer.verification is not None
    assert answer.verification.checked == 2
    assert answer.verification.dropped == [f"储能达到30兆瓦{A46}。（数字不在所引条文中：30兆瓦；已保留）"]


def test_allow_uncited_checks_numbers_against_all_passages(passages: list[Passage]) -> None:
    answer = verify_answer("投资300亿元。投资900亿元。", passages, allow_uncited=True)

    assert answer.text == "投资300亿元。"
    assert answer.citations == []


def test_structured_citation_resolves_to_the_chunk(passages: list[Passage]) -> None:
    citation = verify_answer("储能达到25兆瓦[1]。", passages).citations[0]

    assert (citation.ref, citation.doc_id, citation.measure, citation.region) == ("济源市 第46条", "doc", "46", "济源市")
    assert citation.text == passages[0].chunk.text
    assert citation.responsible_units == ["发展改革和统计局"]


def test_unknown_mode_is_rejected(passages: list[Passage]) -> None:
    with pytest.raises(ValueError, match="Choose from: drop, flag"):
        verify_answer("x", passages, mode="warn")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        ("甲。乙！丙？丁；戊", ["甲。", "乙！", "丙？", "丁；", "戊"]),
        ("甲\n\n乙", ["甲", "乙"]),
        ("甲【济源市 第46条；济源市 第47条】。", ["甲【济源市 第46条；济源市 第47条】。"]),
        ("甲。【1】乙。", ["甲【1】。", "乙。"]),
        ("增长6.5%。", ["增长6.5%。"]),
    ],
)
def test_split_sentences(text: str, sentences: list[str]) -> None:
    assert split_sentences(text) == sentences


@pytest.mark.parametrize(
    ("text", "quantities"),
    [
        ("达到25兆瓦", [("25兆瓦", "25", "", "兆瓦")]),
        ("达到25兆瓦时", [("25兆瓦时", "25", "", "兆瓦时")]),
        ("增长6.5％", [("6.5%", "6.5", "", "%")]),
        ("新增1.44万人", [("1.44万人", "1.44", "万", "人")]),
        ("投资300亿元以上", [("300亿元", "300", "亿", "元")]),
        ("改造2,300户", [("2,300户", "2300", "", "户")]),
        ("３００余家企业", [("300余家", "300", "", "家")]),
        ("第46条", []),
        ("125兆瓦", [("125兆瓦", "125", "", "兆瓦")]),
    ],
)
def test_extract_quantities(text: str, quantities: list[tuple[str, str, str, str]]) -> None:
    found = [(q.text, q.number, q.mult, q.unit) for q in extract_quantities(text)]
    assert found == [(t, Decimal(n), m, u) for t, n, m, u in quantities]


def test_substring_numbers_do_not_match(passages: list[Passage]) -> None:
    # 25兆瓦 occurs inside 125兆瓦 as a substring, but it is a different number.
    passage = passages[0]
    passage.chunk.text = "储能装机容量达到125兆瓦。"
    assert verify_answer("储能25兆瓦【济源市 第46条】。", [passage]).text == ""


def test_is_refusal() -> None:
    assert is_refusal(REFUSAL)
    assert not is_refusal("文件中找到了相关内容。")


def test_national_documents_and_two_sharing_a_label_are_cited_by_their_titles() -> None:
    from ingest.models import Chunk
    from service.qa import passage_keys

    def chunk(doc: str, title: str, measure: str, label: str) -> Chunk:
        return Chunk(f"{doc}:{measure}:0", doc, title, "全国", "", "", "regulation", "", "", measure, label, "", text="…")

    a = chunk("a", "网络交易监督管理办法", "13", "全国 第13条")
    b = chunk("b", "网络食品安全违法行为查处办法", "13", "全国 第13条")
    c = chunk("b", "网络食品安全违法行为查处办法", "前言", "全国 前言")
    assert passage_keys([a, b, c]) == ["网络交易监督管理办法 第13条", "网络食品安全违法行为查处办法 第13条",
                                       "网络食品安全违法行为查处办法 前言"]
    assert passage_keys([a]) == ["网络交易监督管理办法 第13条"]  # 全国 names no document
    local = Chunk("k:46:0", "k", "济源市若干措施", "济源市", "", "", "plan", "", "", "46", "济源市 第46条", "", text="…")
    assert passage_keys([local]) == ["济源市 第46条"]
