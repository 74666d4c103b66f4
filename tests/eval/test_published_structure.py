"""Documents as sites and crawlers publish them (issue 18): the manifest and hand-written truth agree, the files are
the ones listed, and the parser meets the structure floors on them, for each kind.

The documents live outside the repository (POLICY_RAG_PUBLISHED_CORPUS, ../shared/published-corpus or
/work/published-corpus); eval/datasets/published_structure.jsonl holds their hand-written truth and
eval/datasets/published_sources.json their sources and hashes. Absent the folder, the tests that need it skip.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest

from eval.structure import ACCEPTANCE, check_acceptance, evaluate_structure, kind_table, load_expected

ROOT = Path(__file__).parents[2]
PUBLISHED_STRUCTURE = ROOT / "eval/datasets/published_structure.jsonl"
PUBLISHED_SOURCES = ROOT / "eval/datasets/published_sources.json"
KINDS = {"page", "collapsed", "markup-txt", "report-txt", "report-docx"}


def _published_corpus() -> Path | None:
    """POLICY_RAG_PUBLISHED_CORPUS, else ../shared/published-corpus, else /work/published-corpus."""
    env = os.environ.get("POLICY_RAG_PUBLISHED_CORPUS")
    candidates = [Path(env)] if env else [ROOT.parent / "shared" / "published-corpus", Path("/work/published-corpus")]
    return next((c for c in candidates if c.is_dir()), None)


def _truth_lines() -> list[dict[str, object]]:
    return [json.loads(line) for line in PUBLISHED_STRUCTURE.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_the_published_manifest_matches_its_expected_structure() -> None:
    sources = json.loads(PUBLISHED_SOURCES.read_text(encoding="utf-8"))["documents"]
    expected = load_expected(PUBLISHED_STRUCTURE)
    assert sorted(s["file"] for s in sources) == sorted(e.file for e in expected)
    assert len(expected) >= 40
    assert len({s["id"] for s in sources}) == len(sources)
    for source in sources:
        assert source["repo"] and source["commit"] and source["path"] and source["obtained"], source["file"]
        assert len(source["sha256"]) == 64, source["file"]
    for e in expected:
        assert 2 <= len(e.sample_measures) <= 3, e.file


def test_every_published_truth_line_states_its_kind_size_and_lifecycle() -> None:
    lines = _truth_lines()
    assert {"page", "collapsed", "markup-txt", "report-txt"} <= {line["kind"] for line in lines}
    for line in lines:
        assert line["kind"] in KINDS, line["file"]
        assert isinstance(line["chars"], int) and line["chars"] > 0, line["file"]
        for key in ("effective_date", "expiry_date"):
            value = line[key]
            assert isinstance(value, str) and (not value or len(value) == 10), (line["file"], key)
        assert isinstance(line["replaces"], list), line["file"]
    assert sum(line["kind"] == "collapsed" for line in lines) >= 10


def test_the_published_files_are_the_ones_the_manifest_lists() -> None:
    corpus = _published_corpus()
    if corpus is None:
        pytest.skip("published corpus absent: set POLICY_RAG_PUBLISHED_CORPUS, or put it at ../shared/published-corpus "
                    "or /work/published-corpus (see eval/datasets/published_sources.json)")
    for source in json.loads(PUBLISHED_SOURCES.read_text(encoding="utf-8"))["documents"]:
        data = (corpus / source["file"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == source["sha256"], f"{source['file']} differs from the manifest"


def test_the_published_corpus_meets_the_structure_floors_for_every_kind() -> None:
    corpus = _published_corpus()
    if corpus is None:
        pytest.skip("published corpus absent: set POLICY_RAG_PUBLISHED_CORPUS, or put it at ../shared/published-corpus "
                    "or /work/published-corpus (see eval/datasets/published_sources.json)")
    expected = load_expected(PUBLISHED_STRUCTURE)
    report = evaluate_structure(corpus, expected)
    assert not [d.file for d in report.documents if d.error]
    problems = check_acceptance(report)
    assert not problems, "published corpus below the issue's floors: " + "; ".join(problems)
    assert report.rate("kept")[1] == len(expected), "every truth row states its body length"
    kinds = {row[0] for row in kind_table(report)[1:]}
    assert {"page", "collapsed", "markup-txt"} <= kinds
    # Each kind on its own, not only the whole (issue 18). Lifecycle's floor is over all the documents that state
    # one (issue 20), not per kind: the few of a kind stating one would make a floor of one or two documents.
    per_kind = {k: v for k, v in ACCEPTANCE.items() if k != "lifecycle"}
    for kind in kinds:
        part = type(report)([d for d in report.documents if d.kind == kind])
        assert not check_acceptance(part, per_kind), (kind, kind_table(part))
