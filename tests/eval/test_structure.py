"""Structure evaluation: the bundled samples match their expected structure, the real corpus meets the issue."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest

from eval.cli import main
from eval.structure import (
    ACCEPTANCE,
    ExpectedDocument,
    SampleMeasure,
    StructureError,
    check_acceptance,
    evaluate_structure,
    is_measure_label,
    load_expected,
    normalize_text,
)

ROOT = Path(__file__).parents[2]
SAMPLES = ROOT / "data/corpus"
SAMPLE_STRUCTURE = ROOT / "eval/datasets/sample_structure.jsonl"
REAL_STRUCTURE = ROOT / "eval/datasets/real_structure.jsonl"
REAL_SOURCES = ROOT / "eval/datasets/real_sources.json"


def _real_corpus() -> Path | None:
    """The real-document folder: POLICY_RAG_REAL_CORPUS, else /work/real-corpus, else ../shared/real-corpus."""
    env = os.environ.get("POLICY_RAG_REAL_CORPUS")
    candidates = [Path(env)] if env else [Path("/work/real-corpus"), ROOT.parent / "shared" / "real-corpus"]
    return next((c for c in candidates if c.is_dir()), None)


def test_every_sample_document_is_parsed_as_written_by_hand() -> None:
    expected = load_expected(SAMPLE_STRUCTURE)
    assert {e.file for e in expected} == {p.name for p in SAMPLES.iterdir() if p.suffix == ".txt"}
    report = evaluate_structure(SAMPLES, expected)
    for doc in report.documents:
        assert not doc.error, doc.error
        assert doc.title, (doc.file, doc.got["title"], doc.expected["title"])
        assert doc.region in (True, None), (doc.file, doc.got["region"], doc.expected["region"])
        assert doc.date in (True, None), (doc.file, doc.got["date"], doc.expected["date"])
        assert doc.measures, (doc.file, doc.got["measures"], doc.expected["measures"])
        for sample in doc.samples:
            assert sample.found and sample.units_right, (doc.file, sample)
    assert check_acceptance(report) == []


def test_the_jiyuan_notice_has_154_measures_and_measure_46_names_two_units() -> None:
    expected = {e.file: e for e in load_expected(SAMPLE_STRUCTURE)}["004_1db4aff5efda3015.txt"]
    assert expected.measures == 154
    m46 = next(s for s in expected.sample_measures if s.label == "第46条")
    assert m46.responsible_units == ["发展改革和统计局", "工业信息和科技局"]


def test_a_wrong_expectation_is_reported_as_wrong() -> None:
    good = load_expected(SAMPLE_STRUCTURE)[-1]
    wrong = ExpectedDocument(file=good.file, region="开封市", date="2020-01-01", title=good.title + "补充",
                             measures=good.measures + 1,
                             sample_measures=[SampleMeasure("第46条", good.sample_measures[-1].text_start,
                                                            ["发展改革和统计局"], []),
                                              SampleMeasure("x", "这句话不在文中出现", [], [])],
                             effective_date="2024-07-01",
                             chars=1_000_000)  # far more text than the notice holds: "kept" fails too
    report = evaluate_structure(SAMPLES, [wrong])
    doc = report.documents[0]
    assert (doc.region, doc.date, doc.title, doc.measures, doc.kept, doc.lifecycle) == (False,) * 6
    assert doc.samples[0].found and not doc.samples[0].units_right
    assert not doc.samples[1].found
    assert len(check_acceptance(report)) == len(ACCEPTANCE)


def test_a_missing_file_counts_as_a_failure_not_a_crash() -> None:
    report = evaluate_structure(SAMPLES, [ExpectedDocument("nope.txt", "济源市", "", "标题", 3, [])])
    doc = report.documents[0]
    assert doc.error and doc.title is False and doc.measures is False and doc.region is False


@pytest.mark.parametrize("got, region, level, right", [
    ("全国", "", "national", True),    # a State Council document: the parser names the whole country
    ("", "", "national", True),        # or no place at all
    ("北京市", "", "national", False),  # a place is wrong for a national document
    ("全国", "济源市", "city", False),
    ("济源市", "济源市", "city", True),
    ("全国", "", "", None),             # no place and no level: nothing to check
])
def test_a_national_document_may_be_parsed_as_quanguo_or_as_no_place(got: str, region: str, level: str,
                                                                     right: bool | None) -> None:
    from eval.structure import score_document
    from ingest.models import Document

    expected = ExpectedDocument("a.txt", region, "", "标题", 0, [], region_level=level)
    doc = Document(doc_id="a", title="标题", text="正文", source="a.txt", region=got)
    assert score_document(expected, [doc], []).region is right


def test_a_notice_and_the_plan_it_issues_are_scored_as_the_one_document_written_by_hand(tmp_path: Path) -> None:
    (tmp_path / "n.txt").write_text(
        "某市人民政府关于印发某市节水行动方案的通知\n各区人民政府：\n现将《某市节水行动方案》印发给你们，请认真贯彻执行。\n"
        "某市人民政府\n2030年3月1日\n附件\n某市节水行动方案\n一、推进农业节水\n二、推进工业节水\n三、推进城镇节水\n",
        encoding="utf-8")
    alone = ExpectedDocument("n.txt", "", "2030-03-01", "某市人民政府关于印发某市节水行动方案的通知", 3, [])
    doc = evaluate_structure(tmp_path, [alone]).documents[0]
    assert doc.got["documents"] == 2 and doc.got["measures"] == 3 and doc.measures
    plan = ExpectedDocument("n.txt", "", "", "某市节水行动方案", 3, [], document=1)
    notice = ExpectedDocument("n.txt", "", "2030-03-01", "某市人民政府关于印发某市节水行动方案的通知", 0, [])
    both = evaluate_structure(tmp_path, [notice, plan]).documents  # each line keeps its own measures
    assert [d.got["measures"] for d in both] == [0, 3] and all(d.measures for d in both)


LIFECYCLE = {"doc_number": "某政办〔2024〕12号", "effective_date": "2024-03-01", "expiry_date": "2027-02-28",
             "replaces": ["某某市旧办法", "某政办〔2019〕5号"]}


@pytest.mark.parametrize("changes, wrong", [
    ({}, set()),
    ({"doc_number": "某政办[2024]12号"}, {"doc_number"}),  # as the document writes it, not normalised
    ({"replaces": ["某政办〔2019〕5号", "某某市旧办法"]}, set()),  # the order does not matter
    ({"replaces": ["某某市旧办法"]}, {"replaces"}),
    ({"expiry_date": ""}, {"expiry_date"}),
    ({"effective_date": "2024-03-02"}, {"effective_date"}),
])
def test_lifecycle_fields_are_scored_each_and_together(changes: dict[str, object], wrong: set[str]) -> None:
    from eval.structure import LIFECYCLE_FIELDS, score_document
    from ingest.models import Document

    expected = ExpectedDocument("a.txt", "", "", "标题", 0, [], **LIFECYCLE)  # type: ignore[arg-type]
    doc = Document(doc_id="a", title="标题", text="正文", source="a.txt", **{**LIFECYCLE, **changes})  # type: ignore[arg-type]
    result = score_document(expected, [doc], [])
    assert {name for name in LIFECYCLE_FIELDS if getattr(result, name) is False} == wrong
    assert result.lifecycle is (not wrong)


def test_a_lifecycle_found_where_none_is_stated_is_wrong_but_the_document_is_not_counted() -> None:
    from eval.structure import score_document
    from ingest.models import Document

    expected = ExpectedDocument("a.txt", "", "", "标题", 0, [])
    result = score_document(expected, [Document(doc_id="a", title="标题", text="正文", source="a.txt",
                                                 expiry_date="2030-01-01")], [])
    assert (result.expiry_date, result.effective_date, result.lifecycle) == (False, None, None)


def test_titles_compare_without_punctuation_or_spacing() -> None:
    assert normalize_text("关于印发《X 实施方案》的通知") == normalize_text("关于印发〈X实施方案〉的通知 ")
    assert normalize_text("若干措施（试行）") == normalize_text("若干措施(试行)")
    assert normalize_text("若干措施") != normalize_text("若干规定")


def test_lead_in_units_are_not_measures() -> None:
    assert is_measure_label("46") and is_measure_label("三（二）") and is_measure_label("重点工作4")
    assert not is_measure_label("前言") and not is_measure_label("导语") and not is_measure_label("二、说明")


@pytest.mark.parametrize("line, message", [
    ('{"file": "a.txt"}', "missing field"),
    ('{"file": "a.txt", "region": "", "date": "2024/1/1", "title": "t", "measures": 1, '
     '"sample_measures": []}', "ISO"),
    ("not json", "not JSON"),
    ('{"file": "a.txt", "region": "", "date": "", "title": "t", "measures": 1, "sample_measures": [], '
     '"effective_date": "2024年1月1日"}', "effective_date"),
    ('{"file": "a.txt", "region": "", "date": "", "title": "t", "measures": 1, "sample_measures": [], '
     '"replaces": "某某办法"}', "replaces must be a list"),
])
def test_broken_expected_files_are_refused_with_the_line(tmp_path: Path, line: str, message: str) -> None:
    path = tmp_path / "x.jsonl"
    path.write_text(line + "\n", encoding="utf-8")
    with pytest.raises(StructureError, match=message):
        load_expected(path)


def test_cli_writes_json_and_markdown_reports(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "structure"
    assert main(["structure", "--corpus", str(SAMPLES), "--expected", str(SAMPLE_STRUCTURE),
                 "--out", str(out), "--strict"]) == 0
    data = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert data["totals"]["measures"]["rate"] == 1.0
    assert "| check | right | of | rate | required |" in (out / "report.md").read_text(encoding="utf-8")
    assert "measures" in capsys.readouterr().out


def test_the_real_corpus_manifest_matches_its_expected_structure() -> None:
    sources = json.loads(REAL_SOURCES.read_text(encoding="utf-8"))["documents"]
    expected = load_expected(REAL_STRUCTURE)
    assert sorted(s["file"] for s in sources) == sorted(e.file for e in expected)
    assert len(expected) >= 40
    assert len({s["province"] for s in sources}) >= 12
    assert {"md", "txt", "html"} <= {s["format"] for s in sources}
    for e in expected:
        assert len(e.sample_measures) == 3, e.file


def test_the_real_corpus_meets_the_acceptance_thresholds() -> None:
    corpus = _real_corpus()
    if corpus is None:
        pytest.skip("real corpus absent: set POLICY_RAG_REAL_CORPUS, or put it at /work/real-corpus or "
                    "../shared/real-corpus (see eval/datasets/real_sources.json)")
    for source in json.loads(REAL_SOURCES.read_text(encoding="utf-8"))["documents"]:
        data = (corpus / source["file"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == source["sha256"], f"{source['file']} differs from the manifest"
    report = evaluate_structure(corpus, load_expected(REAL_STRUCTURE))
    problems = check_acceptance(report)
    assert not problems, "real corpus below the issue's acceptance: " + "; ".join(problems)
