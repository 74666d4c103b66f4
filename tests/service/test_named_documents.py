"""A document named in 《》 that the index does not hold: refused as missing, unless a passage writes its name out
(news on the document answers about it); a certificate in 《》 is no document at all."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from helpers import qa_over  # noqa: E402
from service.qa import QAService  # noqa: E402

# Handwritten: a news item on a guide the index does not hold, and a regulation on a licence. Not real documents.
DOCUMENTS = {
    "news.txt": "某市税务部门出台惠企举措\n某市税务局日前发布《支持企业复工复产税费政策指引》，"
                "涵盖减免税费、延期申报、出口退税等八个方面共计58条税费政策措施。\n"
                "纳税人可通过电子税务局查询各项政策的适用条件。\n",
    "licence.txt": "某省食品经营许可管理办法\n第一条 为了规范食品经营许可，制定本办法。\n"
                   "第二条 《食品经营许可证》有效期为5年。有效期届满需要延续的，应当在届满前30个工作日提出申请。\n"
                   "第三条 本办法自2020年1月1日起施行。\n",
}


@pytest.fixture(scope="module")
def qa(tmp_path_factory: pytest.TempPathFactory) -> QAService:
    return qa_over(DOCUMENTS, tmp_path_factory.mktemp("corpus"), tmp_path_factory.mktemp("index"))


def test_a_document_only_news_writes_out_is_searched_not_refused(qa: QAService) -> None:
    answer = qa.ask("《支持企业复工复产税费政策指引》共有多少条措施？").answer
    assert not answer.refused and "58条" in answer.text, answer.text


def test_a_document_nothing_names_is_refused_as_missing(qa: QAService) -> None:
    answer = qa.ask("《某市个体工商户扶持资金管理细则》规定的扶持金额是多少？").answer
    assert answer.refused and "文件中没有《某市个体工商户扶持资金管理细则》" in answer.text, answer.text


def test_a_certificate_in_book_title_marks_is_asked_about_like_any_words(qa: QAService) -> None:
    answer = qa.ask("《食品经营许可证》有效期是几年？").answer
    assert not answer.refused and "5年" in answer.text, answer.text
    assert [c.measure for c in answer.citations] == ["2"]
