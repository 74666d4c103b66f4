"""Reports after the base install: without matplotlib the report is written and says how to get the charts."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from eval.report import write_report
from eval.runner import EvalReport, PresetReport, QuestionResult


def _report() -> EvalReport:
    question = QuestionResult(id="q1", question="济源市储能装机容量目标是多少？", type="numeric", answerable=True,
                              evidence=["25兆瓦"], answer_keys=["25兆瓦"], measures=["46"])
    preset = PresetReport(preset="hybrid", questions=[question], metrics={"recall@5": 1.0},
                          latency={"total_ms": {"p50": 10.0, "p95": 20.0}}, recall_curve=[1.0] * 10)
    return EvalReport({"hybrid": preset}, meta={"mode": "in-process", "questions": 1})


def test_report_without_matplotlib_says_how_to_get_charts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [m for m in sys.modules if m == "matplotlib" or m.startswith("matplotlib.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # makes `import matplotlib` raise ImportError

    written = write_report(_report(), tmp_path)

    assert [p.name for p in written] == ["report.json", "report.md"]
    markdown = (tmp_path / "report.md").read_text(encoding="utf-8")
    assert "pip install 'policy-rag[eval]'" in markdown
    assert "recall@5" in markdown.lower()
    assert not list(tmp_path.glob("*.png"))


def test_the_stricter_gate_figures_are_written_and_printed(tmp_path: Path) -> None:
    import json

    from eval.report import stricter_table

    report = _report()
    assert stricter_table(report) == ""  # a run without a gate weighs nothing
    report.presets["hybrid"].stricter_gate = [
        {"threshold": 0.5, "key_fact": 0.75, "citation_precision": 0.9, "false_refusal_rate": 0.05,
         "refusal_recall": 0.8, "refusal_precision": 0.95}]
    write_report(report, tmp_path, charts=False, per_question=False)
    markdown = (tmp_path / "report.md").read_text(encoding="utf-8")
    assert "## A stricter answerability gate" in markdown
    assert "| 0.50 | 0.750 | 0.900 | 0.050 | 0.800 | 0.950 |" in markdown
    summary = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))["summary"]["hybrid"]
    assert summary["stricter_gate"][0]["refusal_recall"] == 0.8  # aggregates: kept in a report half's file too
    assert stricter_table(report).splitlines()[0] == "hybrid: a stricter answerability gate"


def test_the_answers_by_evidence_rank_are_written_and_printed(tmp_path: Path) -> None:
    import json

    from eval.report import evidence_rank_table, further_tables

    report = _report()
    assert evidence_rank_table(report) == further_tables(report) == ""  # a run that answered nothing splits nothing
    report.presets["hybrid"].by_evidence_rank = [
        {"evidence": "first", "questions": 8, "share": 0.8, "key_fact": 0.9, "citation_precision": 0.975,
         "false_refusal_rate": 0.0},
        {"evidence": "second to fifth", "questions": 2, "share": 0.2, "key_fact": 0.5, "citation_precision": 0.0,
         "false_refusal_rate": 0.5}]
    write_report(report, tmp_path, charts=False, per_question=False)
    markdown = (tmp_path / "report.md").read_text(encoding="utf-8")
    assert "## Answers by where the evidence ranked" in markdown
    assert "| second to fifth | 2 (20.0%) | 0.500 | 0.000 | 0.500 |" in markdown
    summary = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))["summary"]["hybrid"]
    assert summary["by_evidence_rank"][0]["key_fact"] == 0.9  # aggregates: kept in a report half's file too
    printed = further_tables(report).splitlines()  # what eval run and eval external print
    assert printed[0] == "hybrid: answers by where the evidence ranked" and printed[2].startswith("first")
