"""The shipped dev set validates against the corpus, and the loader/validator report broken input."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from eval.dataset import (
    QUESTION_TYPES,
    DatasetError,
    EvalQuestion,
    load_dataset,
    normalize,
    validate_dataset,
)

ROOT = Path(__file__).parents[2]
CORPUS = ROOT / "data/corpus"
DEV = ROOT / "eval/datasets/dev.jsonl"

GOOD = {
    "id": "t1",
    "question": "济源市储能装机容量目标是多少？",
    "type": "numeric",
    "evidence": ["力争储能装机容量达到25兆瓦"],
    "answer_keys": ["25兆瓦"],
    "measures": ["济源市 第46条"],
    "answerable": True,
}


def _write(path: Path, rows: list[object]) -> Path:
    """Write rows as JSONL; strings are written as raw lines."""
    lines = [row if isinstance(row, str) else json.dumps(row, ensure_ascii=False) for row in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _corpus(tmp_path: Path) -> Path:
    """A one-file corpus with a page break inside a phrase."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "jiyuan.txt").write_text(
        "46.能源新能源产业……力争储能装机容量达到25兆瓦。\n3.配合建立全市科技型企业名录库,开\n\n展科技型企业债券融资培育行动。",
        encoding="utf-8",
    )
    return corpus


@pytest.fixture(scope="module")
def dev() -> list[EvalQuestion]:
    return load_dataset(DEV)


def test_normalize_removes_all_whitespace() -> None:
    assert normalize(" 3.5 亿元\n\n开\u3000展\t") == "3.5亿元开展"


def test_dev_set_validates_against_corpus(dev: list[EvalQuestion]) -> None:
    assert validate_dataset(dev, CORPUS) == []


def test_dev_set_size_and_mix(dev: list[EvalQuestion]) -> None:
    assert len(dev) >= 100
    types = Counter(q.type for q in dev)
    assert set(types) == set(QUESTION_TYPES)
    share = sum(not q.answerable for q in dev) / len(dev)
    assert 0.12 <= share <= 0.20, share
    assert types["unanswerable"] >= 17


def test_dev_set_rules(dev: list[EvalQuestion]) -> None:
    for q in dev:
        assert q.id and q.question
        assert q.answerable == (q.type != "unanswerable"), q.id
        for evidence in q.evidence:
            assert 8 <= len(normalize(evidence)) <= 40, (q.id, evidence)
        for label in q.measures:
            assert label.split(" ")[0] in {"开封市", "安阳市", "郑州市", "济源市"}, (q.id, label)


def test_dev_set_covers_every_document(dev: list[EvalQuestion]) -> None:
    regions = Counter(label.split(" ")[0] for q in dev for label in q.measures)
    assert all(regions[name] >= 10 for name in ("开封市", "安阳市", "郑州市", "济源市")), regions
    # 003 (the scraped multi-article page) has no fixed labels yet: answerable questions without measures
    assert sum(q.answerable and not q.measures for q in dev) >= 8


def test_dev_set_file_is_utf8_without_escapes() -> None:
    text = DEV.read_text(encoding="utf-8")
    assert "\\u" not in text
    assert "济源市" in text


def test_bad_evidence_is_reported(tmp_path: Path) -> None:
    bad = dict(GOOD, id="t2", evidence=["力争储能装机容量达到99兆瓦"])
    spaced = dict(GOOD, id="t3", evidence=["开展科技型企业债券融资培育行动"], answer_keys=["债券融资"])
    path = _write(tmp_path / "set.jsonl", [GOOD, bad, spaced])
    problems = validate_dataset(load_dataset(path), _corpus(tmp_path))
    assert len(problems) == 1, problems
    assert "t2 (line 2)" in problems[0]
    assert "evidence not found in corpus" in problems[0]
    assert "99兆瓦" in problems[0]


def test_malformed_line_is_reported_with_its_number(tmp_path: Path) -> None:
    path = _write(tmp_path / "set.jsonl", [GOOD, "", '{"id": "t2", "question": "缺了括号"'])
    with pytest.raises(DatasetError, match=r"set\.jsonl:3: malformed JSON"):
        load_dataset(path)


def test_wrong_field_type_is_reported_with_its_number(tmp_path: Path) -> None:
    path = _write(tmp_path / "set.jsonl", [GOOD, dict(GOOD, id="t2", evidence="不是列表")])
    with pytest.raises(DatasetError, match=r":2: field 'evidence' must be a list of strings"):
        load_dataset(path)
    path = _write(tmp_path / "set.jsonl", [{"id": "t1", "question": "?", "type": "numeric"}])
    with pytest.raises(DatasetError, match=r":1: missing field\(s\): answerable"):
        load_dataset(path)


def test_structural_problems_are_reported(tmp_path: Path) -> None:
    rows = [
        GOOD,
        dict(GOOD),  # duplicate id
        dict(GOOD, id="t3", type="opinion"),  # unknown type
        dict(GOOD, id="t4", evidence=[], answer_keys=[]),  # answerable without evidence/keys
        dict(GOOD, id="t5", type="unanswerable", answerable=False),  # unanswerable with evidence
        dict(GOOD, id="t6", evidence=["储能"]),  # too short
        dict(GOOD, id="t7", answer_keys=["30兆瓦"]),  # key not in corpus
    ]
    problems = validate_dataset(load_dataset(_write(tmp_path / "set.jsonl", rows)), _corpus(tmp_path))
    text = "\n".join(problems)
    assert "t1 (line 2): duplicate id, first used at t1 (line 1)" in text
    assert "t3 (line 3): unknown type 'opinion'" in text
    assert "t4 (line 4): answerable question without evidence" in text
    assert "t4 (line 4): answerable question without answer_keys" in text
    assert "t5 (line 5): unanswerable question with evidence" in text
    assert "t5 (line 5): unanswerable question with answer_keys" in text
    assert "t6 (line 6): evidence '储能' has 2 characters" in text
    assert "t7 (line 7): answer key not found in corpus: '30兆瓦'" in text


def test_empty_corpus_is_a_problem(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    problems = validate_dataset([EvalQuestion(**{k: v for k, v in GOOD.items()})], empty)
    assert problems and "no corpus files" in problems[0]


def test_round_trip_keeps_unknown_fields(tmp_path: Path) -> None:
    path = _write(tmp_path / "set.jsonl", [dict(GOOD, regions=["济源市"], note="人工核对")])
    (question,) = load_dataset(path)
    assert question.line == 1
    assert question.extra == {"note": "人工核对"}
    assert question.to_json() == dict(GOOD, regions=["济源市"], note="人工核对")


def test_validator_reads_html_text(tmp_path: Path) -> None:
    (tmp_path / "page.html").write_text(
        "<html><head><style>p{color:red}</style><script>var a = '不在正文';</script></head>"
        "<body><p>（一）加大稳岗&nbsp;支持力度。</p><p>返还失业保险费的50%</p></body></html>",
        encoding="utf-8",
    )
    row = {**GOOD, "evidence": ["加大稳岗支持力度。"], "answer_keys": ["50%"], "measures": []}
    assert validate_dataset([EvalQuestion(**{k: v for k, v in row.items()})], tmp_path) == []
    script = {**row, "evidence": ["var a = '不在正文'"], "answer_keys": ["不在正文"]}
    problems = validate_dataset([EvalQuestion(**script)], tmp_path)
    assert any("not found in corpus" in p for p in problems)
