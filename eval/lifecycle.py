"""Lifecycle evaluation: what documents say about their own validity, parsed and compared with hand-written truth.

One JSON object per document: `file` (and `document`, its position inside a multi-document file, default 0)
and any of `doc_number`, `effective_date`, `expiry_date`, `replaces`; only the fields a line gives are scored
(`""` / `[]` means the document states none, so a find is wrong). `python -m eval structure` scores the same
fields from its own files; `python -m eval lifecycle` reads sets that carry lifecycle truth only.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["LIFECYCLE_FIELDS", "LifecycleError", "ExpectedLifecycle", "LifecycleResult", "score_lifecycle",
           "load_lifecycle", "evaluate_lifecycle", "lifecycle_totals", "lifecycle_table"]

LIFECYCLE_FIELDS = ("doc_number", "effective_date", "expiry_date", "replaces")
_ISO = re.compile(r"\d{4}-\d{2}-\d{2}")


class LifecycleError(ValueError):
    """A lifecycle truth file that cannot be read."""


@dataclass
class ExpectedLifecycle:
    """The lifecycle one document states, as a careful reader writes it."""

    file: str
    fields: dict[str, Any]  # the scored fields: a subset of LIFECYCLE_FIELDS
    document: int = 0
    note: str = ""


@dataclass
class LifecycleResult:
    """One document's lifecycle checks (None: not applicable) and what was found."""

    file: str
    error: str
    checks: dict[str, bool | None]
    got: dict[str, Any] = field(default_factory=dict)
    want: dict[str, Any] = field(default_factory=dict)


def _norm(value: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", value))


def _same(name: str, got: Any, want: Any) -> bool:
    """Names compare after NFKC without whitespace (truth writes 文号 brackets 〔〕, as the parser does); the
    replaced documents in any order."""
    if name == "replaces":
        return sorted(map(_norm, got)) == sorted(map(_norm, want))
    return _norm(got) == _norm(want)


def score_lifecycle(want: Mapping[str, Any], document: Any | None) -> dict[str, bool | None]:
    """Each field of `want` (None when neither stated nor found) and "lifecycle": all of them right, None when the
    document states none of them."""
    checks: dict[str, bool | None] = {}
    for name, expected in want.items():
        got = getattr(document, name) if document is not None else type(expected)()
        checks[name] = _same(name, got, expected) if (got or expected) else None
    stated = any(want.values())
    checks["lifecycle"] = all(v is not False for v in checks.values()) if stated else None
    return checks


def _expected(data: Any, where: str) -> ExpectedLifecycle:
    if not isinstance(data, dict) or not data.get("file"):
        raise LifecycleError(f"{where}: expected a JSON object with a file")
    fields = {k: data[k] for k in LIFECYCLE_FIELDS if k in data}
    for name in ("effective_date", "expiry_date"):
        if fields.get(name) and not _ISO.fullmatch(fields[name]):
            raise LifecycleError(f"{where}: {name} {fields[name]!r} is not ISO yyyy-mm-dd (or \"\" when none is stated)")
    replaces = fields.get("replaces", [])
    if not isinstance(replaces, list) or not all(isinstance(r, str) for r in replaces):
        raise LifecycleError(f"{where}: replaces must be a list of strings (titles without 《》 and 文号s)")
    return ExpectedLifecycle(data["file"], fields, int(data.get("document", 0)), data.get("note", ""))


def load_lifecycle(path: str | Path) -> list[ExpectedLifecycle]:
    """Read a lifecycle truth JSONL file, raising `LifecycleError` with the line on bad input."""
    path = Path(path)
    if not path.exists():
        raise LifecycleError(f"{path}: no such file; give --expected a lifecycle truth JSONL file.")
    out = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            try:
                out.append(_expected(json.loads(line), f"{path}:{number}"))
            except json.JSONDecodeError as exc:
                raise LifecycleError(f"{path}:{number}: not JSON ({exc.msg})") from None
    return out


def evaluate_lifecycle(corpus: str | Path, expected: Sequence[ExpectedLifecycle]) -> list[LifecycleResult]:
    """Parse every expected file under `corpus` with the ingest dry-run path and score its lifecycle."""
    from ingest.pipeline import parse_file

    corpus = Path(corpus)
    if not corpus.is_dir():
        raise LifecycleError(f"{corpus}: no such folder; give --corpus the folder holding the documents.")
    results = []
    for exp in expected:
        parsed = parse_file(corpus / exp.file, max_chars=400)
        doc = parsed.documents[exp.document] if len(parsed.documents) > exp.document else None
        got = {name: getattr(doc, name) for name in exp.fields} if doc is not None else {}
        results.append(LifecycleResult(exp.file, parsed.error, score_lifecycle(exp.fields, doc), got, exp.fields))
    return results


def lifecycle_totals(results: Iterable[LifecycleResult]) -> dict[str, tuple[int, int]]:
    """(right, applicable) per field and for "lifecycle"."""
    totals: dict[str, tuple[int, int]] = {}
    for name in (*LIFECYCLE_FIELDS, "lifecycle"):
        values = [r.checks[name] for r in results if r.checks.get(name) is not None]
        totals[name] = (sum(bool(v) for v in values), len(values))
    return totals


def lifecycle_table(results: Sequence[LifecycleResult]) -> list[list[str]]:
    """Rows (header first): the documents whose lifecycle is wrong, with what was found and what is stated."""
    rows = [["file", "field", "got", "want"]]
    for r in results:
        for name, ok in r.checks.items():
            if ok is False and name != "lifecycle":
                rows.append([r.file, name, json.dumps(r.got.get(name), ensure_ascii=False),
                             json.dumps(r.want.get(name), ensure_ascii=False)])
        if r.error:
            rows.append([r.file, "error", r.error, ""])
    return rows
