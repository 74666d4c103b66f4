"""Lifecycle evaluation: scoring, the truth file format, the CLI, and the Legal-DC tune documents."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from eval.cli import main
from eval.lifecycle import LifecycleError, evaluate_lifecycle, lifecycle_totals, load_lifecycle, score_lifecycle
from ingest.models import Document

ROOT = Path(__file__).parents[2]
LEGAL_DC_TRUTH = ROOT / "eval/datasets/legal_dc_lifecycle.jsonl"
REGULATION = ("某某市物业管理办法\n第一条 为了规范物业管理，制定本办法。\n"
              "第二条 本办法自2022年1月1日起施行，有效期五年。《某某市物业管理暂行办法》（某政〔2015〕3号）同时废止。\n")


def _legal_dc_docs() -> Path | None:
    """Legal-DC's documents: POLICY_RAG_LEGAL_DC_DOCS, else ../shared/external-dev/legal-dc/docs."""
    env = os.environ.get("POLICY_RAG_LEGAL_DC_DOCS")
    candidates = [Path(env)] if env else [ROOT.parent / "shared" / "external-dev" / "legal-dc" / "docs"]
    return next((c for c in candidates if c.is_dir()), None)


def test_only_the_fields_a_line_gives_are_scored() -> None:
    doc = Document(doc_id="a", title="t", text="x", source="a.txt", doc_number="某政〔2024〕1号",
                   effective_date="2024-01-01", replaces=["甲办法"])
    checks = score_lifecycle({"effective_date": "2024-01-01", "replaces": ["甲办法"]}, doc)
    assert checks == {"effective_date": True, "replaces": True, "lifecycle": True}  # doc_number not asked
    assert score_lifecycle({"expiry_date": "", "replaces": []}, doc)["replaces"] is False  # a find where none is
    assert score_lifecycle({"expiry_date": "", "replaces": []}, doc)["lifecycle"] is None  # nothing stated
    assert score_lifecycle({"effective_date": "2024-01-01"}, None) == {"effective_date": False, "lifecycle": False}


def test_a_small_corpus_is_scored_through_the_parser_and_the_cli(tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    corpus = tmp_path / "docs"
    corpus.mkdir()
    (corpus / "wuye.txt").write_text(REGULATION, encoding="utf-8")
    right = {"file": "wuye.txt", "effective_date": "2022-01-01", "expiry_date": "2026-12-31",
             "replaces": ["某政〔2015〕3号", "某某市物业管理暂行办法"]}
    wrong = {**right, "expiry_date": "2027-01-01"}
    truth = tmp_path / "truth.jsonl"
    truth.write_text(json.dumps(right, ensure_ascii=False) + "\n", encoding="utf-8")
    assert lifecycle_totals(evaluate_lifecycle(corpus, load_lifecycle(truth)))["lifecycle"] == (1, 1)
    assert main(["lifecycle", "--corpus", str(corpus), "--expected", str(truth), "--strict"]) == 0
    truth.write_text(json.dumps(wrong, ensure_ascii=False) + "\n", encoding="utf-8")
    assert main(["lifecycle", "--corpus", str(corpus), "--expected", str(truth), "--strict"]) == 1
    out = capsys.readouterr().out
    assert "expiry_date" in out and '"2026-12-31"' in out and '"2027-01-01"' in out


@pytest.mark.parametrize("line, message", [
    ('{"effective_date": "2024-01-01"}', "with a file"),
    ('{"file": "a.txt", "expiry_date": "2024年1月1日"}', "expiry_date"),
    ('{"file": "a.txt", "replaces": "甲办法"}', "replaces must be a list"),
    ("{", "not JSON"),
])
def test_broken_truth_files_are_refused_with_the_line(tmp_path: Path, line: str, message: str) -> None:
    path = tmp_path / "x.jsonl"
    path.write_text(line + "\n", encoding="utf-8")
    with pytest.raises(LifecycleError, match=message):
        load_lifecycle(path)


def test_the_legal_dc_tune_documents_meet_the_acceptance() -> None:
    docs = _legal_dc_docs()
    if docs is None:
        pytest.skip("Legal-DC documents absent: set POLICY_RAG_LEGAL_DC_DOCS or put shared/ next to the repository")
    results = evaluate_lifecycle(docs, load_lifecycle(LEGAL_DC_TRUTH))
    right, total = lifecycle_totals(results)["lifecycle"]
    assert total == 53 and right / total >= 0.9, [(r.file, r.got, r.want) for r in results if not r.checks["lifecycle"]]
