"""Structure evaluation: parse a corpus with the ingest dry-run path and score it against hand-written truth.

Each expected document (one JSON object per line) names its file, region, date, title, number of measures
and three sample measures with their units, and the lifecycle it states (doc_number, effective_date,
expiry_date, replaces). A file is parsed by `ingest.pipeline.parse_file` (no embedding, no index); the expected
document (the first unless `document` says otherwise) gives region, date, title and lifecycle, and its
numbered units are its measures.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from eval.lifecycle import LIFECYCLE_FIELDS, score_lifecycle

__all__ = [
    "ACCEPTANCE",
    "LIFECYCLE_FIELDS",
    "SampleMeasure",
    "ExpectedDocument",
    "ParsedMeasure",
    "SampleResult",
    "DocumentResult",
    "StructureReport",
    "StructureError",
    "normalize_text",
    "load_expected",
    "is_measure_label",
    "parsed_measures",
    "score_document",
    "evaluate_structure",
    "check_acceptance",
    "summary_table",
    "kind_table",
    "document_table",
    "write_structure_report",
]

# The acceptance thresholds of the real-corpus issue: share of documents right, per field.
ACCEPTANCE: dict[str, float] = {"region": 0.95, "date": 0.95, "title": 0.95, "measures": 0.90, "kept": 1.0,
                                "lifecycle": 0.90}
# A parsed document keeps at least this share of the body length its truth states (`chars`, approximate).
KEPT_SHARE = 0.5
# How far into a parsed measure (after normalisation) its expected start may lie: room for a printed label
# such as 第一百二十三条 or （十二）, not for a preceding measure.
_START_SLACK = 12
_DRY_RUN_MAX_CHARS = 480
_NUMERAL = re.compile(r"[0-9一二三四五六七八九十百千〇零]")
_LEAD_IN_SUFFIXES = ("说明", "导语")
_REPEAT = re.compile(r"-\d+$")  # the suffix chunking gives a label that repeats in one document  # the bundled embedder's window, as `python -m ingest --dry-run` uses


class StructureError(ValueError):
    """An expected-structure file that cannot be read."""


@dataclass
class SampleMeasure:
    """One measure a reader would cite, how to find it, and the units it names."""

    label: str
    text_start: str
    responsible_units: list[str] = field(default_factory=list)
    lead_units: list[str] = field(default_factory=list)


@dataclass
class ExpectedDocument:
    """The hand-written structure of one file."""

    file: str
    region: str
    date: str
    title: str
    measures: int
    sample_measures: list[SampleMeasure]
    region_level: str = ""
    doc_number: str = ""
    note: str = ""
    document: int = 0  # position of the document inside its file (multi-article pages hold several)
    effective_date: str = ""
    expiry_date: str = ""
    replaces: list[str] = field(default_factory=list)
    kind: str = ""  # the shape the file comes in (page, collapsed, markup-txt, report-docx), for the breakdown
    chars: int = 0  # the body's approximate length in characters, 0 when not stated


@dataclass
class ParsedMeasure:
    """One measure as the parser produced it (its first window when split)."""

    label: str
    text: str
    responsible_units: list[str]
    lead_units: list[str]


@dataclass
class SampleResult:
    """Whether one sample measure was found as a measure of its own and with the right units."""

    label: str
    found: bool
    units_right: bool
    got_label: str = ""
    got_responsible: list[str] = field(default_factory=list)
    got_lead: list[str] = field(default_factory=list)


@dataclass
class DocumentResult:
    """One file's score; a check is None when the document states nothing to check (no region, no date).

    A lifecycle field is checked where the document states it or the parser found one (a wrong find counts);
    `lifecycle` (every lifecycle field right, unstated ones empty) where the document states any.
    """

    file: str
    error: str
    expected: dict[str, Any]
    got: dict[str, Any]
    region: bool | None
    date: bool | None
    title: bool
    measures: bool
    samples: list[SampleResult]
    kind: str = ""
    kept: bool | None = None  # the parsed text holds at least half the stated body length; None when not stated
    doc_number: bool | None = None
    effective_date: bool | None = None
    expiry_date: bool | None = None
    replaces: bool | None = None
    lifecycle: bool | None = None


@dataclass
class StructureReport:
    """Every document's result and the totals."""

    documents: list[DocumentResult]
    meta: dict[str, Any] = field(default_factory=dict)

    def rate(self, check: str) -> tuple[int, int]:
        """(right, applicable) for region, date, title, measures, samples_found, sample_units, a lifecycle field
        or lifecycle."""
        if check in ("samples_found", "sample_units"):
            samples = [s for d in self.documents for s in d.samples]
            right = sum(s.found if check == "samples_found" else s.found and s.units_right for s in samples)
            return right, len(samples)
        values = [getattr(d, check) for d in self.documents]
        applicable = [v for v in values if v is not None]
        return sum(bool(v) for v in applicable), len(applicable)

    def totals(self) -> dict[str, dict[str, float | int | None]]:
        """Each check as right, of (applicable documents) and rate (None when nothing applies)."""
        out: dict[str, dict[str, float | int | None]] = {}
        for check in ("region", "date", "title", "measures", "kept", "samples_found", "sample_units",
                      *LIFECYCLE_FIELDS, "lifecycle"):
            right, total = self.rate(check)
            out[check] = {"right": right, "of": total, "rate": right / total if total else None}
        out["parse_errors"] = {"right": sum(bool(d.error) for d in self.documents), "of": len(self.documents),
                               "rate": None}
        return out


_PUNCT_CATEGORIES = ("P", "S", "Z", "C")


def normalize_text(text: str) -> str:
    """NFKC, no whitespace, no punctuation or symbols: how titles and measure starts are compared."""
    text = unicodedata.normalize("NFKC", text)
    return "".join(ch for ch in text if not unicodedata.category(ch).startswith(_PUNCT_CATEGORIES))


def _normalize_name(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def _units(value: Any, where: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(u, str) for u in value):
        raise StructureError(f"{where}: units must be a list of strings")
    return list(value)


def _expected(data: Any, where: str) -> ExpectedDocument:
    if not isinstance(data, dict):
        raise StructureError(f"{where}: expected a JSON object")
    missing = [k for k in ("file", "region", "date", "title", "measures", "sample_measures") if k not in data]
    if missing:
        raise StructureError(f"{where}: missing field(s) {', '.join(missing)}; see eval/DATASET.md")
    if data["date"] and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", data["date"]):
        raise StructureError(f"{where}: date {data['date']!r} is not ISO yyyy-mm-dd (or \"\" when none is stated)")
    for name in ("effective_date", "expiry_date"):
        if data.get(name) and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", data[name]):
            raise StructureError(f"{where}: {name} {data[name]!r} is not ISO yyyy-mm-dd (or \"\" when none is stated)")
    replaces = data.get("replaces", [])
    if not isinstance(replaces, list) or not all(isinstance(r, str) for r in replaces):
        raise StructureError(f"{where}: replaces must be a list of strings (titles without 《》 and 文号s)")
    if not isinstance(data["measures"], int) or data["measures"] < 0:
        raise StructureError(f"{where}: measures must be a whole number")
    samples = []
    for i, s in enumerate(data["sample_measures"]):
        if not isinstance(s, dict) or not s.get("text_start") or "label" not in s:
            raise StructureError(f"{where}: sample_measures[{i}] needs label and text_start")
        samples.append(SampleMeasure(s["label"], s["text_start"],
                                     _units(s.get("responsible_units", []), f"{where} sample {i}"),
                                     _units(s.get("lead_units", []), f"{where} sample {i}")))
    return ExpectedDocument(file=data["file"], region=data["region"], date=data["date"], title=data["title"],
                            measures=data["measures"], sample_measures=samples,
                            region_level=data.get("region_level", ""), doc_number=data.get("doc_number", ""),
                            note=data.get("note", ""), document=int(data.get("document", 0)),
                            effective_date=data.get("effective_date", ""), expiry_date=data.get("expiry_date", ""),
                            replaces=list(replaces), kind=str(data.get("kind", "")),
                            chars=int(data.get("chars", 0) or 0))


def load_expected(path: str | Path) -> list[ExpectedDocument]:
    """Read an expected-structure JSONL file, raising `StructureError` with the line on bad input."""
    path = Path(path)
    if not path.exists():
        raise StructureError(f"{path}: no such file; give --expected an expected-structure JSONL file.")
    docs: list[ExpectedDocument] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            raise StructureError(f"{path}:{number}: not JSON ({exc.msg})") from None
        docs.append(_expected(data, f"{path}:{number}"))
    keys = [f"{d.file}#{d.document}" for d in docs]
    twice = sorted({k for k in keys if keys.count(k) > 1})
    if twice:
        raise StructureError(f"{path}: document(s) listed twice: {', '.join(twice)}")
    return docs


def is_measure_label(label: str) -> bool:
    """Whether a unit's printed label numbers it: lead-in text (前言, 导语, 三（一）导语, 一、说明) is no measure."""
    label = _REPEAT.sub("", label)  # 「附件-2」: the second unit labelled 附件, not a numbered one
    return bool(_NUMERAL.search(label)) and not label.endswith(_LEAD_IN_SUFFIXES)


def parsed_measures(chunks: Sequence[Any], doc_id: str | Sequence[str] | None = None) -> list[ParsedMeasure]:
    """One entry per numbered unit (its first window) of one document (or several), or of all when doc_id is None."""
    ids = {doc_id} if isinstance(doc_id, str) else set(doc_id) if doc_id is not None else None
    return [ParsedMeasure(c.measure_label, c.text, list(c.responsible_units), list(c.lead_units))
            for c in chunks
            if c.part == 0 and is_measure_label(c.measure) and (ids is None or c.doc_id in ids)]


def _find_sample(sample: SampleMeasure, measures: Sequence[ParsedMeasure]) -> SampleResult:
    start = normalize_text(sample.text_start)
    for m in measures:
        at = normalize_text(m.text).find(start)
        if 0 <= at <= _START_SLACK:
            units_right = (sorted(m.responsible_units) == sorted(sample.responsible_units)
                           and sorted(m.lead_units) == sorted(sample.lead_units))
            return SampleResult(sample.label, True, units_right, m.label, m.responsible_units, m.lead_units)
    return SampleResult(sample.label, False, False)


def _region_right(got: str, expected: ExpectedDocument) -> bool | None:
    """Whether the region agrees; a national document (no place, level national) may be parsed as 全国."""
    if not expected.region and expected.region_level == "national":
        from ingest.metadata import NATIONAL

        return _normalize_name(got) in ("", NATIONAL)
    return (_normalize_name(got) == _normalize_name(expected.region)) if expected.region else None


def score_document(expected: ExpectedDocument, documents: Sequence[Any], chunks: Sequence[Any],
                   error: str = "", *, until: int | None = None) -> DocumentResult:
    """Compare one parsed file (its documents and chunks) with its expected structure.

    The measures are those of the expected document and of the documents parsed after it up to `until`
    (exclusive; default: it alone): a notice and the plan it issues are one expected document, two parsed ones.
    """
    first = documents[expected.document] if len(documents) > expected.document else None
    span = documents[expected.document: max(until or 0, expected.document + 1)]
    measures = parsed_measures(chunks, [d.doc_id for d in span]) if first else []
    got: dict[str, Any] = {"region": first.region if first else "", "date": first.date if first else "",
                           "title": first.title if first else "", "measures": len(measures),
                           "documents": len(documents), "labels": [m.label for m in measures],
                           "chars": sum(len(d.text) for d in span)}
    want: dict[str, Any] = {"region": expected.region, "date": expected.date, "title": expected.title,
                            "measures": expected.measures, "chars": expected.chars}
    for name in LIFECYCLE_FIELDS:
        got[name] = getattr(first, name) if first else type(getattr(expected, name))()
        want[name] = getattr(expected, name)
    region = _region_right(got["region"], expected)
    date = (got["date"] == expected.date) if expected.date else None
    title = bool(first) and normalize_text(got["title"]) == normalize_text(expected.title)
    samples = [_find_sample(s, measures) for s in expected.sample_measures]
    kept = got["chars"] >= KEPT_SHARE * expected.chars if expected.chars else None
    return DocumentResult(expected.file, error, want, got, region, date, title,
                          bool(first) and len(measures) == expected.measures, samples, expected.kind, kept,
                          **score_lifecycle({name: getattr(expected, name) for name in LIFECYCLE_FIELDS}, first))


def evaluate_structure(corpus: str | Path, expected: Sequence[ExpectedDocument], *,
                       max_chars: int | None = None) -> StructureReport:
    """Parse every expected file under `corpus` with the ingest dry-run path and score it."""
    from ingest.pipeline import parse_file, window_chars

    corpus = Path(corpus)
    if not corpus.is_dir():
        raise StructureError(f"{corpus}: no such folder; give --corpus the folder holding the documents.")
    limit = max_chars or window_chars(_DRY_RUN_MAX_CHARS)
    results = []
    parsed_files: dict[str, Any] = {}
    for exp in expected:
        if exp.file not in parsed_files:
            parsed_files[exp.file] = parse_file(corpus / exp.file, max_chars=limit)
        parsed = parsed_files[exp.file]
        # Parsed documents no expected line claims (the plan a notice issues) belong to the line before them.
        later = [e.document for e in expected if e.file == exp.file and e.document > exp.document]
        until = min(later, default=len(parsed.documents))
        results.append(score_document(exp, parsed.documents, parsed.chunks, parsed.error, until=until))
    return StructureReport(results, {"corpus": str(corpus), "documents": len(results), "max_chars": limit})


def check_acceptance(report: StructureReport, thresholds: dict[str, float] = ACCEPTANCE) -> list[str]:
    """A sentence for every check whose share of right documents is below its threshold."""
    problems = []
    for check, minimum in thresholds.items():
        right, total = report.rate(check)
        if total and right / total < minimum:
            problems.append(f"{check}: {right}/{total} = {right / total:.1%}, below the required {minimum:.0%}")
    return problems


def _mark(value: bool | None) -> str:
    return "—" if value is None else ("✓" if value else "✗")


def summary_table(report: StructureReport) -> list[list[str]]:
    """Rows (header first): each check with right, applicable, rate and the acceptance threshold."""
    rows = [["check", "right", "of", "rate", "required"]]
    for check, t in report.totals().items():
        rate = "—" if t["rate"] is None else f"{t['rate']:.1%}"
        required = f"{ACCEPTANCE[check]:.0%}" if check in ACCEPTANCE else ""
        rows.append([check, str(t["right"]), str(t["of"]), rate, required])
    return rows


def kind_table(report: StructureReport) -> list[list[str]]:
    """Rows (header first): each kind of document (page, collapsed, …) with its rate per check; [] without kinds."""
    kinds = sorted({d.kind for d in report.documents if d.kind})
    if not kinds:
        return []
    checks = ["region", "date", "title", "measures", "kept", "samples_found", "sample_units", "lifecycle"]
    rows = [["kind", "documents", *checks]]
    for kind in kinds:
        part = StructureReport([d for d in report.documents if d.kind == kind])
        cells = []
        for check in checks:
            right, total = part.rate(check)
            cells.append(f"{right}/{total}" if total else "—")
        rows.append([kind, str(len(part.documents)), *cells])
    return rows


def document_table(report: StructureReport) -> list[list[str]]:
    """Rows (header first): one per document, each check marked and the figures that missed shown."""
    rows = [["file", "region", "date", "title", "measures", "samples", "units", "lifecycle", "notes"]]
    for d in report.documents:
        notes = []
        if d.error:
            notes.append(d.error)
        for key in ("region", "date", "title", *LIFECYCLE_FIELDS):
            if getattr(d, key) is False:
                notes.append(f"{key}: got {d.got[key]!r}, want {d.expected[key]!r}")
        if d.kept is False:
            notes.append(f"text: {d.got['chars']} characters kept of about {d.expected['chars']}")
        measures = f"{d.got['measures']}/{d.expected['measures']}"
        found = sum(s.found for s in d.samples)
        units = sum(s.found and s.units_right for s in d.samples)
        rows.append([d.file, _mark(d.region), _mark(d.date), _mark(d.title),
                     ("✓ " if d.measures else "✗ ") + measures, f"{found}/{len(d.samples)}",
                     f"{units}/{len(d.samples)}", _mark(d.lifecycle), "; ".join(notes).replace("|", "/")])
    return rows


def _markdown(rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(rows[0]) + " |", "|" + "|".join("---" for _ in rows[0]) + "|"]
    return "\n".join(lines + ["| " + " | ".join(row) + " |" for row in rows[1:]])


def write_structure_report(report: StructureReport, out: str | Path) -> list[Path]:
    """Write report.json (everything) and report.md (summary and per-document tables) into `out`."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    data = {"meta": report.meta, "totals": report.totals(), "acceptance": ACCEPTANCE, "by_kind": kind_table(report),
            "documents": [asdict(d) for d in report.documents]}
    json_path = out / "report.json"
    json_path.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    kinds = kind_table(report)
    by_kind = f"## By kind\n\n{_markdown(kinds)}\n\n" if kinds else ""
    md_path = out / "report.md"
    md_path.write_text(
        f"# Structure evaluation\n\nCorpus: `{report.meta.get('corpus', '')}`, {len(report.documents)} documents.\n\n"
        f"## Totals\n\n{_markdown(summary_table(report))}\n\n{by_kind}"
        f"## Documents\n\n{_markdown(document_table(report))}\n", encoding="utf-8")
    return [json_path, md_path]
