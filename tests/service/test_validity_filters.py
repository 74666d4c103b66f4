"""A validity question (「…何时起施行」) is answered only from documents the search may read: a document the filters
drop, or one the evaluation leaves out (leave-gold-out), is not read for its lifecycle facts."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from helpers import qa_over  # noqa: E402
from service.qa import QAService  # noqa: E402
from service.retrieval.retriever import Filters  # noqa: E402

# Handwritten regulations of two provinces, with their lifecycle clauses: not real documents.
DOCUMENTS = {
    "express.txt": "浙江省快递市场管理办法\n（2021年5月8日浙江省人民政府令第390号公布）\n"
                   "第一条 为了规范快递市场秩序，保护用户合法权益，制定本办法。\n"
                   "第二条 经营快递业务的企业应当依法取得快递业务经营许可。\n"
                   "第三条 本办法自2021年7月1日起施行。\n",
    "seeds.txt": "湖南省农作物种子管理办法\n（2019年3月2日湖南省人民政府令第288号公布）\n"
                 "第一条 为了规范农作物种子生产经营，制定本办法。\n"
                 "第二条 种子生产经营者应当建立种子生产经营档案。\n"
                 "第三条 本办法自2019年5月1日起施行。\n",
}
QUESTION = "《浙江省快递市场管理办法》何时开始施行？"


@pytest.fixture(scope="module")
def qa(tmp_path_factory: pytest.TempPathFactory) -> QAService:
    return qa_over(DOCUMENTS, tmp_path_factory.mktemp("corpus"), tmp_path_factory.mktemp("index"))


def _doc_id(qa: QAService, source: str) -> str:
    return next(c.doc_id for c in qa.retriever.store.all_chunks().values() if c.source == source)


def test_the_named_document_answers_when_it_is_searched(qa: QAService) -> None:
    answer = qa.ask(QUESTION).answer
    assert not answer.refused and "2021年7月1日起施行" in answer.text
    assert [c.doc_id for c in answer.citations] == [_doc_id(qa, "express.txt")]


@pytest.mark.parametrize("dropping", ["exclude_doc_ids", "doc_id", "region"])
def test_a_document_the_filters_drop_is_not_read_for_its_lifecycle(qa: QAService, dropping: str) -> None:
    express, seeds = _doc_id(qa, "express.txt"), _doc_id(qa, "seeds.txt")
    filters = {"exclude_doc_ids": Filters(exclude_doc_ids=frozenset({express})),
               "doc_id": Filters(doc_id=seeds), "region": Filters(region="湖南省")}[dropping]
    answer = qa.ask(QUESTION, filters=filters).answer
    assert "2021年7月1日" not in answer.text, answer.text
    assert express not in [c.doc_id for c in answer.citations]
