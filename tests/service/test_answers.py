"""Answers on odd input: clauses that are only punctuation, and measures past a document's last one."""

from __future__ import annotations

import pytest

from service.answerers.extractive import best_clause


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("。", ""),
        ("！？", ""),
        ("；。派出医护人员100名。", "派出医护人员100名"),
    ],
)
def test_best_clause_skips_sentences_without_clauses(body: str, expected: str) -> None:
    assert best_clause(body, ["医护人员"], want_number=True) == expected


@pytest.mark.parametrize(
    ("question", "hint"),
    [
        ("开封2024年下半年经济措施的第21条讲的是什么？", "共20条"),
        ("济源市第200条是什么？", "共154条"),
    ],
)
def test_a_measure_past_the_last_one_is_refused_with_the_count(corpus_qa, question: str, hint: str) -> None:  # type: ignore[no-untyped-def]
    outcome = corpus_qa.ask(question)
    assert outcome.answer.refused and outcome.answer.citations == []
    assert outcome.answer.text.startswith("文件中没有找到相关内容。") and hint in outcome.answer.text


def test_the_last_measure_itself_is_answered(corpus_qa) -> None:  # type: ignore[no-untyped-def]
    outcome = corpus_qa.ask("开封第20条讲的是什么？")
    assert not outcome.answer.refused
    assert [c.ref for c in outcome.answer.citations] == ["开封市 第20条"]


def test_a_topic_without_the_asked_fact_gets_a_partial_answer(corpus_qa) -> None:  # type: ignore[no-untyped-def]
    outcome = corpus_qa.ask("济源市住房公积金贷款最高额度是多少？")
    answer = outcome.answer
    assert answer.partial and answer.refused
    assert answer.text.startswith("文件提到") and "但没有写明具体数值" in answer.text
    assert len(answer.citations) == 1 and f"【{answer.citations[0].ref}】" in answer.text


def test_a_document_the_index_does_not_hold_is_refused_by_name(corpus_qa) -> None:  # type: ignore[no-untyped-def]
    outcome = corpus_qa.ask("济源市关于新能源汽车下乡的实施方案第3条讲什么？")
    assert outcome.answer.refused and not outcome.answer.partial
    assert outcome.answer.text == "文件中没有找到相关内容。文件中没有《济源市关于新能源汽车下乡的实施方案》。"
    assert not outcome.answer.citations
