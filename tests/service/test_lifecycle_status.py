"""Lifecycle statuses at query time: the status rule, repeals between documents, notices, validity questions,
the in-force-first order and the per-generation cache."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from ingest import Chunk, ChunkCatalog
from service.retrieval.evidence import asked
from service.retrieval.lifecycle import (DocumentStatus, Lifecycles, Statuses, chinese_date, clause_chunk,
                                         clauses_first, in_force_first, lifecycle_answer, lifecycle_partial, notice,
                                         status_at)
from service.retrieval.retriever import Filters, Hit


@pytest.mark.parametrize(("as_of", "facts", "expected"), [
    ("2024-06-01", {}, (None, "")),  # nothing stated: unknown
    ("2024-06-01", {"effective_date": "2024-01-01"}, (True, "")),  # effective, no expiry
    ("2024-01-01", {"effective_date": "2024-01-01"}, (True, "")),  # the effective day itself
    ("2023-12-31", {"effective_date": "2024-01-01"}, (False, "not_yet")),
    ("2024-06-01", {"effective_date": "2021-03-01", "expiry_date": "2023-12-31"}, (False, "expired")),
    ("2023-12-31", {"effective_date": "2021-03-01", "expiry_date": "2023-12-31"}, (True, "")),  # the last valid day
    ("2022-06-01", {"effective_date": "2021-03-01", "expiry_date": "2023-12-31"}, (True, "")),  # within validity
    ("2022-06-01", {"expiry_date": "2023-12-31"}, (True, "")),  # only an expiry, not passed
    ("2024-06-01", {"expiry_date": "2023-12-31"}, (False, "expired")),
    ("2024-06-01", {"status": "repealed"}, (False, "repealed")),
    ("2024-06-01", {"effective_date": "2024-01-01", "status": "repealed"}, (False, "repealed")),
    ("2024-06-01", {"effective_date": "2021-01-01", "replaced": True}, (False, "replaced")),
    ("2024-06-01", {"replaced": True}, (False, "replaced")),
])
def test_status_on_a_date(as_of: str, facts: dict[str, Any], expected: tuple[bool | None, str]) -> None:
    assert status_at(as_of, **facts) == expected


def _record(title: str, number: str = "", **facts: Any) -> dict[str, Any]:
    return {"title": title, "doc_number": number, "date": facts.pop("date", ""), **facts}


RECORDS = {
    "old": _record("某市临时救助办法", "某府办〔2021〕5号", effective_date="2021-03-01", expiry_date="2023-12-31",
                   lifecycle_clause="本办法自2021年3月1日起施行，有效期至2023年12月31日。"),
    "new": _record("某市临时救助实施办法", "某府办〔2023〕18号", effective_date="2024-01-01",
                   replaces=["某市临时救助办法", "某府办〔2021〕5号"],
                   lifecycle_clause="本办法自2024年1月1日起施行，《某市临时救助办法》（某府办〔2021〕5号）同时废止。"),
    "wrapped": _record("关于印发某市养老服务补贴办法的通知", "某府〔2019〕2号"),
    "by_title": _record("某市养老服务补贴实施细则", date="2020-05-01", replaces=["某市养老服务补贴办法"]),
    "by_number": _record("某县就业补助办法", "某县政〔2018〕7号"),
    "bracket_variant": _record("某县就业补助实施办法", effective_date="2019-01-01", replaces=["某县政[2018]7号"]),
    "silent": _record("某市政府工作报告", date="2024-01-20"),
}


def _statuses(as_of: str) -> Statuses:
    class Store:
        def catalog(self) -> object:
            return CATALOG

        def documents(self) -> dict[str, dict[str, Any]]:
            return RECORDS

    return Lifecycles(Store()).statuses(as_of)  # type: ignore[arg-type]


CATALOG = ChunkCatalog.build({})


@pytest.mark.parametrize(("as_of", "doc_id", "in_force", "reason"), [
    ("2024-06-01", "old", False, "replaced"),  # repealed by 「…同时废止」 once the new one took effect
    ("2024-06-01", "new", True, ""),
    ("2022-06-01", "old", True, ""),  # before the new one took effect, the old one is in force
    ("2022-06-01", "new", False, "not_yet"),
    ("2021-01-01", "wrapped", False, "replaced"),  # named by its title inside 「关于印发…的通知」, repealed 2020-05-01
    ("2021-01-01", "by_title", None, ""),  # it states no dates of its own
    ("2020-01-01", "wrapped", None, ""),  # before the repealing document's date: not repealed yet
    ("2024-06-01", "by_number", False, "replaced"),  # 〔〕 and [] name the same 文号
    ("2024-06-01", "silent", None, ""),
])
def test_statuses_with_repeals_between_documents(as_of: str, doc_id: str, in_force: bool | None, reason: str) -> None:
    status = _statuses(as_of).of(doc_id)
    assert (status.in_force, status.reason) == (in_force, reason)


def test_a_repealing_document_knows_what_it_repeals_and_the_sets_are_per_date() -> None:
    statuses = _statuses("2024-06-01")
    assert [s.doc_id for s in statuses.of("new").replacing] == ["old"]
    assert statuses.not_in_force == {"old", "wrapped", "by_number"}
    assert _statuses("2022-06-01").not_in_force == {"new", "wrapped", "by_number"}


def test_statuses_are_computed_once_per_generation_and_date() -> None:
    calls = []

    class Store:
        catalog_object: object = ChunkCatalog.build({})

        def catalog(self) -> object:
            return self.catalog_object

        def documents(self) -> dict[str, dict[str, Any]]:
            calls.append(1)
            return RECORDS

    store = Store()
    lifecycles = Lifecycles(store)  # type: ignore[arg-type]
    first = lifecycles.statuses("2024-06-01")
    assert lifecycles.statuses("2024-06-01") is first and len(calls) == 1
    assert lifecycles.statuses("2022-06-01") is not first and len(calls) == 1  # another date: same records
    store.catalog_object = ChunkCatalog.build({})  # a new generation
    assert lifecycles.statuses("2024-06-01") is not first and len(calls) == 2


@pytest.mark.parametrize(("doc_id", "as_of", "alone", "expected"), [
    ("old", "2024-06-01", True, "注意：该文件已被《某市临时救助实施办法》（某府办〔2023〕18号）废止。"),
    ("new", "2022-06-01", True, "注意：该文件尚未施行（2024年1月1日起施行）。"),
    ("new", "2022-06-01", False, "注意：《某市临时救助实施办法》尚未施行（2024年1月1日起施行）。"),
    ("new", "2024-06-01", True, ""),
    ("silent", "2024-06-01", True, ""),
])
def test_notices(doc_id: str, as_of: str, alone: bool, expected: str) -> None:
    assert notice(_statuses(as_of).of(doc_id), alone=alone) == expected


def test_notice_of_an_expired_or_repealed_document() -> None:
    expired = DocumentStatus("d", "某办法", expiry_date="2023-12-31", in_force=False, reason="expired")
    assert notice(expired) == "注意：该文件有效期至2023年12月31日，已失效。"
    assert notice(DocumentStatus("d", "某办法", status="repealed", in_force=False, reason="repealed")) == "注意：该文件已废止。"
    assert chinese_date("2024-03-01") == "2024年3月1日"


@pytest.mark.parametrize(("question", "facets"), [
    ("《某市临时救助办法》现在还有效吗？", ("status",)),
    ("这个文件是否仍然有效？", ("status",)),
    ("本办法是否已经失效？", ("status",)),
    ("这个办法有效期多久？", ("expiry",)),
    ("该规定有效期到哪一天？", ("expiry",)),
    ("《某市临时救助实施办法》哪天起施行？", ("effective",)),
    ("这个方案什么时候开始实施？", ("effective",)),
    ("该规定自何时起施行？", ("effective",)),
    ("新办法废止了哪个文件？", ("replaces",)),
    ("营业执照有效期多久？", ()),  # a licence's term, not a document's
    ("《某办法》规定的证书有效期多久？", ()),
    ("《药品生产许可证》有效期是几年？", ()),  # a certificate in 《》: its term, not a document's
    ("项目什么时候开始实施？", ()),
    ("临时救助标准是多少？", ()),
])
def test_validity_questions_are_a_kind_of_fact_asked(question: str, facets: tuple[str, ...]) -> None:
    reading = asked(question)
    assert reading.validity == facets
    assert ("validity" in reading.kinds) == bool(facets)


def test_validity_answers_state_the_facts_and_cite_the_clause() -> None:
    now, then = _statuses("2024-06-01"), _statuses("2022-06-01")
    cite = {"old": "某市 第5条", "new": "某市临时救助实施办法 5"}
    assert lifecycle_answer(["effective"], now.of("new"), cite) == \
        "《某市临时救助实施办法》自2024年1月1日起施行，现行有效【某市临时救助实施办法 5】。"
    assert lifecycle_answer(["status"], then.of("old"), cite) == \
        "《某市临时救助办法》自2021年3月1日起施行，有效期至2023年12月31日，现行有效【某市 第5条】。"
    assert lifecycle_answer(["status"], now.of("old"), cite) == (
        "《某市临时救助办法》自2021年3月1日起施行，有效期至2023年12月31日，已被《某市临时救助实施办法》"
        "（某府办〔2023〕18号）废止【某市 第5条】【某市临时救助实施办法 5】。")
    assert lifecycle_answer(["replaces"], now.of("new"), cite) == \
        "《某市临时救助实施办法》施行后，《某市临时救助办法》（某府办〔2021〕5号）同时废止【某市临时救助实施办法 5】。"
    assert lifecycle_answer(["expiry"], now.of("new"), cite) == ""  # it states no expiry: not answered from the facts
    assert lifecycle_answer(["status"], now.of("silent"), cite) == ""


def test_a_term_asked_is_answered_in_the_documents_words_with_the_day_it_ends() -> None:
    clause = "本规则自发布之日起施行，有效期五年。"
    live = DocumentStatus("d", "某规则", effective_date="2024-09-13", expiry_date="2029-09-12", clause=clause,
                          in_force=True)
    assert lifecycle_answer(["expiry"], live, {"d": "全国 第51条"}) == \
        "《某规则》自2024年9月13日起施行，有效期五年，至2029年9月12日，现行有效【全国 第51条】。"
    lapsed = replace(live, in_force=False, reason="expired")
    assert lifecycle_answer(["status"], lapsed, {"d": "全国 第51条"}) == \
        "《某规则》自2024年9月13日起施行，有效期五年，至2029年9月12日，已失效【全国 第51条】。"


def _chunk(doc_id: str, measure: str, text: str) -> Chunk:
    return Chunk(chunk_id=f"{doc_id}:{measure}:0", doc_id=doc_id, doc_title=doc_id, region="", issuer="", date="",
                 doc_type="", section="", subsection="", measure=measure, measure_label=f"第{measure}条",
                 measure_title="", text=text)


def test_the_clause_is_found_in_its_chunk() -> None:
    chunks = [_chunk("old", "4", "申请临时救助应当向乡镇人民政府提出。"),
              _chunk("old", "5", "5.本办法自2021年3月1日起施行，\n有效期至2023年12月31日。")]
    catalog = ChunkCatalog.build({c.chunk_id: c for c in chunks})
    found = clause_chunk(_statuses("2024-06-01").of("old"), catalog)
    assert found is not None and found.measure == "5"
    assert clause_chunk(DocumentStatus("old"), catalog) is None


def test_a_notice_cites_the_clause_of_the_plan_it_issues_from_the_same_file_only() -> None:
    clause = "本方案自印发之日起施行，有效期3年。"
    notice = replace(_chunk("notice", "前言", "现将《实施方案》印发给你们，请认真贯彻执行。"), source="a.html")
    plan = replace(_chunk("plan-of-a", "9", "9.本方案自印发之日起施行，有效期3年。"), source="a.html")
    other = replace(_chunk("other", "9", "9.本方案自印发之日起施行，有效期3年。"), source="b.html")
    catalog = ChunkCatalog.build({c.chunk_id: c for c in (notice, other, plan)})
    found = clause_chunk(DocumentStatus("notice", clause=clause), catalog)
    assert found is not None and found.doc_id == "plan-of-a"
    alone = ChunkCatalog.build({c.chunk_id: c for c in (notice, other)})
    assert clause_chunk(DocumentStatus("notice", clause=clause), alone) is None  # another file's clause is not its


def test_not_in_force_hits_go_after_comparable_in_force_ones() -> None:
    statuses = _statuses("2024-06-01")

    def hit(doc_id: str, score: float) -> Hit:
        return Hit(_chunk(doc_id, "3", doc_id), score)

    ranked = [hit("old", 2.0), hit("new", 1.8), hit("silent", 1.7)]
    assert [h.chunk.doc_id for h in in_force_first(ranked, statuses, 0.25)] == ["new", "old", "silent"]
    far = [hit("old", 2.0), hit("new", 1.0)]  # a much better hit keeps its rank
    assert [h.chunk.doc_id for h in in_force_first(far, statuses, 0.25)] == ["old", "new"]
    unknown = [hit("old", 2.0), hit("silent", 1.9)]  # only documents known in force go first
    assert [h.chunk.doc_id for h in in_force_first(unknown, statuses, 0.25)] == ["old", "silent"]
    assert [h.chunk.doc_id for h in in_force_first(ranked, statuses, 0.0)] == ["old", "new", "silent"]
    assert [h.chunk.doc_id for h in in_force_first(ranked, _statuses("2022-06-01"), 0.25)] == ["old", "new", "silent"]


def test_in_force_filters_accept_by_document() -> None:
    keep_current = Filters(in_force=True, excluded=frozenset({"old"}))
    only_superseded = Filters(in_force=False, within=frozenset({"old"}))
    assert not keep_current.accepts(_chunk("old", "1", "")) and keep_current.accepts(_chunk("silent", "1", ""))
    assert only_superseded.accepts(_chunk("old", "1", "")) and not only_superseded.accepts(_chunk("new", "1", ""))


def test_a_title_quoting_another_keeps_one_pair_of_book_title_marks() -> None:
    status = DocumentStatus("d", "河南省实施《中华人民共和国中小企业促进法》办法", effective_date="2008-08-01",
                            in_force=True)
    assert lifecycle_answer(["effective"], status, {"d": "河南省 第29条"}) == \
        "《河南省实施〈中华人民共和国中小企业促进法〉办法》自2008年8月1日起施行，现行有效【河南省 第29条】。"


def test_a_partial_answer_says_what_the_document_does_not_state() -> None:
    status = _statuses("2024-06-01").of("new")
    assert lifecycle_partial(["expiry"], status, {"new": "某市 第5条"}) == \
        "文件提到《某市临时救助实施办法》自2024年1月1日起施行，现行有效【某市 第5条】，但没有写明有效期。"
    assert lifecycle_partial(["effective"], status, {"new": "某市 第5条"}) == ""  # it does state that


def test_a_validity_question_finds_each_top_documents_clause_first() -> None:
    chunks = [_chunk("old", "3", "临时救助标准为每人每次最高2000元。"),
              _chunk("old", "5", "本办法自2021年3月1日起施行，有效期至2023年12月31日。"),
              _chunk("silent", "1", "某市政府工作报告。")]
    catalog = ChunkCatalog.build({c.chunk_id: c for c in chunks})
    hits = [Hit(chunks[2], 2.0), Hit(chunks[0], 1.5)]
    ordered = clauses_first(hits, _statuses("2024-06-01"), catalog, Filters())
    assert [(h.chunk.doc_id, h.chunk.measure) for h in ordered] == [("silent", "1"), ("old", "5"), ("old", "3")]
    assert ordered[1].score == 1.5  # at its document's rank
    assert clauses_first(hits, _statuses("2024-06-01"), catalog, Filters(excluded=frozenset({"old"}))) == hits
