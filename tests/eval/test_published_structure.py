"""Documents as sites and crawlers publish them (issue 18): the gathered corpus meets the structure floors, per kind.

The documents live outside the repository (POLICY_RAG_PUBLISHED_CORPUS, /work/published-corpus or
../shared/published-corpus); eval/datasets/published_structure.jsonl holds their hand-written truth and
eval/datasets/published_sources.json their sources and hashes. Absent either, the test skips and says why.
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


def _published_corpus() -> Path | None:
    """The gathered documents: POLICY_RAG_PUBLISHED_CORPUS, else /work/published-corpus, else ../shared/published-corpus."""
    env = os.environ.get("POLICY_RAG_PUBLISHED_CORPUS")
    candidates = [Path(env)] if env else [Path("/work/published-corpus"), ROOT.parent / "shared" / "published-corpus"]
    return next((c for c in candidates if c.is_dir()), None)


def test_the_published_corpus_meets_the_structure_floors_for_every_kind() -> None:
    corpus = _published_corpus()
    if corpus is None:
        pytest.skip("published corpus absent: set POLICY_RAG_PUBLISHED_CORPUS, or put it at /work/published-corpus or "
                    "../shared/published-corpus (see eval/datasets/published_sources.json)")
    if not PUBLISHED_STRUCTURE.is_file():
        pytest.skip(f"no hand-written truth at {PUBLISHED_STRUCTURE.relative_to(ROOT)} (it comes with the corpus manifest)")
    if PUBLISHED_SOURCES.is_file():
        for source in json.loads(PUBLISHED_SOURCES.read_text(encoding="utf-8"))["documents"]:
            data = (corpus / source["file"]).read_bytes()
            assert hashlib.sha256(data).hexdigest() == source["sha256"], f"{source['file']} differs from the manifest"
    expected = load_expected(PUBLISHED_STRUCTURE)
    report = evaluate_structure(corpus, expected)
    assert not [d.file for d in report.documents if d.error]
    problems = check_acceptance(report)
    assert not problems, "published corpus below the issue's floors: " + "; ".join(problems)
    assert report.rate("kept")[1] == len(expected), "every truth row states its body length"
    kinds = {row[0] for row in kind_table(report)[1:]}
    assert {"page", "collapsed", "markup-txt"} <= kinds
    for kind in kinds:  # each kind on its own, not only the whole
        part = type(report)([d for d in report.documents if d.kind == kind])
        assert not check_acceptance(part, {k: v for k, v in ACCEPTANCE.items() if k != "measures"}), (kind, kind_table(part))
