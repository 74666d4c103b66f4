"""A question naming a year is answered from documents dated in or speaking of it, and from a document that is
neither dated nor names any year (a news item that says 「1月25日晚上」): it may be of any year."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from helpers import qa_over  # noqa: E402
from service.qa import QAService  # noqa: E402

# Handwritten, no real place: an undated news item, and a notice dated and speaking of another year.
DOCUMENTS = {
    "undated.txt": "两办联合下发通知要求做好疫情防控\n1月25日晚上，省委办公厅、省政府办公厅联合下发通知，"
                   "要求在机场、火车站、客运码头等人员密集场所开展并强化体温检测。\n",
    "dated.txt": "关于做好春运安全工作的通知\n2019年1月20日，省交通运输厅发出通知，要求在客运码头、汽车站等场所"
                 "加强安全检查，严禁旅客携带危险品进站。\n",
}


@pytest.fixture(scope="module")
def qa(tmp_path_factory: pytest.TempPathFactory) -> QAService:
    return qa_over(DOCUMENTS, tmp_path_factory.mktemp("corpus"), tmp_path_factory.mktemp("index"))


def test_an_undated_document_answers_a_question_naming_a_year(qa: QAService) -> None:
    answer = qa.ask("2020年1月25日晚上，省委办公厅、省政府办公厅联合下发的通知要求在机场、火车站等人员密集场所做什么？").answer
    assert not answer.refused and "体温检测" in answer.text, answer.text


def test_a_document_of_another_year_does_not(qa: QAService) -> None:
    answer = qa.ask("2020年省交通运输厅要求在客运码头、汽车站等场所加强什么检查？").answer
    assert "安全检查" not in answer.text, answer.text
    assert not qa.ask("2019年省交通运输厅要求在客运码头、汽车站等场所加强什么检查？").answer.refused
