"""External question sets: selection, leave-gold-out questions, aggregate-only report halves, and the command end
to end on 3 tune documents of each set (skipped when external-dev is not on this machine)."""

from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from eval import external  # noqa: E402
from eval.cli import main  # noqa: E402
from eval.dataset import EvalQuestion  # noqa: E402
from eval.external import (HELD_OUT_SUFFIX, anchor_evidence, leave_gold_out, load_set, reserved_documents,  # noqa: E402
                           select)
from eval.runner import EvalReport, PresetReport, QuestionResult  # noqa: E402


def _question(qid: str, doc: str, evidence: str, split: str = "tune") -> EvalQuestion:
    return EvalQuestion(qid, f"{doc}的问题{qid}？", "external", True, [evidence], ["25兆瓦"],
                        extra={"doc": doc, "split": split})


def test_a_set_is_read_with_one_evidence_string_and_its_document(tmp_path: Path) -> None:
    row = {"id": "x1", "type": "external", "question": "储能装机容量达到多少？", "answerable": True, "doc": "a.txt",
           "evidence": "力争储能装机容量达到25兆瓦。", "answer_keys": ["25兆瓦"], "split": "report"}
    (tmp_path / "qa.jsonl").write_text(json.dumps(row, ensure_ascii=False) + "\n\n", encoding="utf-8")
    [q] = load_set(tmp_path)
    assert (q.evidence, q.answer_keys, q.measures) == (["力争储能装机容量达到25兆瓦。"], ["25兆瓦"], [])
    assert q.extra == {"doc": "a.txt", "split": "report"}


def test_a_sample_is_fixed_by_its_seed_grows_by_prefix_and_never_holds_a_reserved_document() -> None:
    questions = [_question(f"q{i}", f"d{i:02d}.txt", "证据") for i in range(20)]
    questions += [_question("r1", "r.txt", "证据", split="report"), _question("q0b", "d00.txt", "证据")]
    whole = select(questions, "tune", reserved=["d03.txt"])
    assert len(whole.files) == 19 and "d03.txt" not in whole.files and whole.reserved_skipped == ["d03.txt"]
    assert whole.split_documents == 20 and "r.txt" not in whole.files
    small = select(questions, "tune", docs=5, seed=7, reserved=["d03.txt"])
    assert small.files == select(questions, "tune", docs=5, seed=7, reserved=["d03.txt"]).files
    assert len(small.files) == 5 and set(small.files) <= set(select(questions, "tune", docs=9, seed=7).files)
    assert small.files != select(questions, "tune", docs=5, seed=8).files
    assert {q.extra["doc"] for q in small.questions} == set(small.files)  # only the sample's questions
    with pytest.raises(ValueError, match="Choose from: tune, report"):
        select(questions, "test")


def test_reserved_documents_are_read_without_comments(tmp_path: Path) -> None:
    (tmp_path / "sets").mkdir()
    (tmp_path / "reserved-documents.txt").write_text("# kept for acceptance\n\na.txt\n条例.txt\n", encoding="utf-8")
    assert reserved_documents(tmp_path / "sets") == {"a.txt", "条例.txt"}
    assert reserved_documents(tmp_path / "sets" / "none") is None


def test_a_question_is_unanswerable_without_its_gold_document_unless_another_holds_its_evidence() -> None:
    texts = {"a.txt": "力争储能装机容量\n达到25兆瓦。", "b.txt": "储能装机容量 达到25兆瓦。其他内容。", "c.txt": "新建充电桩1,200个。"}
    questions = [_question("q1", "a.txt", "储能装机容量达到25兆瓦"),  # b.txt holds it too (whitespace aside)
                 _question("q2", "c.txt", "新建充电桩1，200个"),  # only c.txt: the index's punctuation counts
                 EvalQuestion("u1", "问题？", "unanswerable", False, extra={"doc": "", "split": "tune"})]
    twins, elsewhere = leave_gold_out(questions, texts)
    assert elsewhere == 1
    [twin] = twins
    assert (twin.id, twin.question, twin.answerable, twin.type) == (f"q2{HELD_OUT_SUFFIX}", questions[1].question,
                                                                   False, "unanswerable")
    assert (twin.evidence, twin.answer_keys, twin.extra["doc"], twin.extra["held_out"]) == ([], [], "c.txt", True)
    filters = external.exclusion_filters({"c.txt": frozenset({"c", "c-d02"})})
    assert filters(twin).exclude_doc_ids == {"c", "c-d02"}
    assert filters(questions[1]) is None


def test_a_passage_no_chunk_holds_whole_is_scored_by_its_answer_bearing_part_as_indexed() -> None:
    # The passage runs from one measure's last words into the next measure's first sentence, which holds the key.
    passage = "现就有关事项通知如下：一、办理时间 社保中心将于2020年2月3日起对外办公。"
    question = EvalQuestion("q", "社保中心什么时候开始对外办公？", "external", True, [passage], ["2020年2月3日"],
                            extra={"doc": "a.txt", "split": "tune"})
    chunks = ["为做好疫情防控期间工作，现就有关事项通知如下：", "一、办理时间社保中心将于2020年2月3日起对外办公。其他事项另行通知。"]
    moved = anchor_evidence(question, chunks)
    assert moved is not None and moved.evidence == ["一、办理时间社保中心将于2020年2月3日起对外办公。"]
    assert moved.extra["evidence_as_published"] == [passage] and question.evidence == [passage]
    # A passage one chunk holds whole keeps it (whitespace aside, as the index stores text).
    assert anchor_evidence(question, ["现就有关事项通知如下：一、办理时间社保中心将于2020年2月3日起对外办公。"]) is None
    # Too little of the passage around the key (10 characters): the key could stand in any chunk; nothing moves.
    assert anchor_evidence(question, ["于2020年2月3日", "现就有关事项通知如下："]) is None
    # No key in the passage, or several passages: as published.
    assert anchor_evidence(replace(question, answer_keys=["2月4日"]), chunks) is None
    assert anchor_evidence(replace(question, evidence=[passage, "另一段"]), chunks) is None


def _fake_report(questions: list[EvalQuestion]) -> EvalReport:
    results = [QuestionResult(q.id, q.question, q.type, q.answerable, q.evidence, q.answer_keys, [], answer="没有",
                              refused=True, problems=["false refusal"]) for q in questions]
    preset = PresetReport("hybrid", results, {"recall@5": 0.5, "key_fact": 0.25, "refusal_recall": 1.0},
                          {"total_ms": {"p50": 1.0, "p95": 2.0}}, [0.5] * 10)
    meta = {"questions": len(questions), "answerable": len(questions), "answerable_questions": len(questions),
            "leave_gold_out": 0, "leave_gold_out_skipped": 0, "documents": 1, "split_documents": 1, "chunks": 3,
            "evidence_in_a_chunk": len(questions)}
    return EvalReport({"hybrid": preset}, meta)


@pytest.mark.parametrize("split", ["tune", "report"])
def test_a_report_half_writes_and_prints_aggregates_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                         capsys: pytest.CaptureFixture[str], split: str) -> None:
    questions = [_question("secret-id-1", "甲文件.txt", "唯一的证据字符串", split=split)]

    def fake(*args: Any, **kwargs: Any) -> tuple[EvalReport, list[EvalQuestion]]:
        return _fake_report(questions), questions

    monkeypatch.setattr(external, "evaluate_external", fake)
    out = tmp_path / "out"
    assert main(["external", "--set", "ncpqa", "--split", split, "--index", str(tmp_path / "i"), "--out", str(out),
                 "--no-progress"]) == 0
    printed = capsys.readouterr()
    data = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert data["summary"]["hybrid"]["metrics"]["recall@5"] == 0.5
    written = printed.out + printed.err + "".join(p.read_text(encoding="utf-8") for p in out.iterdir()
                                                  if p.suffix in (".json", ".md", ".jsonl"))
    rows = [questions[0].id, questions[0].question, questions[0].evidence[0]]
    if split == "report":
        assert data["meta"]["per_question"] is False and "presets" not in data
        assert not (out / "dataset.jsonl").exists()
        assert not any(row in written for row in rows)
    else:  # a tune half lists its questions and failures
        assert data["meta"]["per_question"] is True and data["presets"]["hybrid"]["questions"]
        assert all(row in written for row in rows)


def _external_dev() -> Path | None:
    try:
        return external.find_root()
    except FileNotFoundError:
        return None


@pytest.mark.parametrize("set_name", ["ncpqa", "legal-dc"])
def test_three_tune_documents_end_to_end(tmp_path: Path, set_name: str) -> None:
    root = _external_dev()
    if root is None:
        pytest.skip("external-dev is absent (looked in $POLICY_RAG_EXTERNAL_DEV, ../shared/external-dev and "
                    "/work/shared/external-dev)")
    out, index = tmp_path / "out", tmp_path / "index"
    args = ["external", "--set", set_name, "--split", "tune", "--docs", "3", "--seed", "1", "--index", str(index),
            "--out", str(out), "--no-progress"]
    assert main(args) == 0
    data = json.loads((out / "report.json").read_text(encoding="utf-8"))
    meta, metrics = data["meta"], data["summary"]["hybrid"]["metrics"]
    assert (meta["set"], meta["split"], meta["documents"], meta["reserved_checked"]) == (set_name, "tune", 3, True)
    assert meta["chunks"] > 0 and meta["embedded_now"] == meta["chunks"]
    assert meta["questions"] == meta["answerable_questions"] + meta["leave_gold_out"] > meta["answerable_questions"]
    for name in ("recall@5", "key_fact", "citation_precision", "false_refusal_rate", "refusal_precision",
                 "refusal_recall"):
        assert name in metrics, name
    assert 0.0 <= metrics["recall@5"] <= 1.0 and metrics["refusal_recall"] is not None
    dataset = [json.loads(line) for line in (out / "dataset.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(dataset) == meta["questions"] and all(q["split"] == "tune" for q in dataset)
    # Re-running reuses the index: nothing is embedded again.
    assert main(args) == 0
    again = json.loads((out / "report.json").read_text(encoding="utf-8"))["meta"]
    assert (again["embedded_now"], again["chunks"]) == (0, meta["chunks"])


def test_compare_puts_halves_side_by_side_with_their_gap(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    def write(name: str, recall: float, refusal_recall: float | None) -> str:
        data = {"meta": {"questions": 10, "answerable": 6, "dataset": f"ncpqa:{name}", "documents": 3, "chunks": 20,
                         "per_question": False},
                "summary": {"hybrid": {"metrics": {"recall@5": recall, "refusal_recall": refusal_recall}}}}
        (tmp_path / name).mkdir()
        (tmp_path / name / "report.json").write_text(json.dumps(data), encoding="utf-8")
        return f"{name}={tmp_path / name}"

    out = tmp_path / "corpora.md"
    args = ["compare", write("tune", 0.9, 0.5), write("report", 0.75, None), "--gap", "tune:report", "--out", str(out)]
    assert main(args) == 0
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[2].split("|")[1:-1] == [" metric ", " tune ", " report ", " report − tune "]
    cells = {line.split("|")[1].strip(): [c.strip() for c in line.split("|")[2:-1]] for line in lines[4:]}
    assert cells["recall@5"] == ["0.900", "0.750", "-0.150"]
    assert cells["refusal_recall"] == ["0.500", "—", "—"]
    assert cells["unanswerable"] == ["4", "4", ""] and cells["documents (chunks)"][:2] == ["3 (20)", "3 (20)"]
    assert main(["compare", f"tune={tmp_path / 'tune'}", "--gap", "tune:other"]) == 2
    assert "no report named other" in capsys.readouterr().err
