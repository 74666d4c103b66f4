"""Evaluation questions: the JSONL format, its loader and a validator that checks it against a corpus."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = [
    "QUESTION_TYPES",
    "EVIDENCE_MIN_CHARS",
    "EVIDENCE_MAX_CHARS",
    "CORPUS_SUFFIXES",
    "DatasetError",
    "EvalQuestion",
    "normalize",
    "parse_question",
    "load_dataset",
    "read_corpus",
    "html_text",
    "validate_dataset",
]

QUESTION_TYPES: tuple[str, ...] = (
    "numeric",
    "responsible",
    "locate",
    "paraphrase",
    "cross_doc",
    "comparison",
    "list",
    "unanswerable",
)
EVIDENCE_MIN_CHARS = 8
EVIDENCE_MAX_CHARS = 40
CORPUS_SUFFIXES: tuple[str, ...] = (".txt", ".md", ".markdown", ".text", ".html", ".htm")
_HTML_SUFFIXES = (".html", ".htm")

_WHITESPACE = re.compile(r"\s+")
_REQUIRED = ("id", "question", "type", "answerable")
_STRING_LISTS = ("evidence", "answer_keys", "measures", "regions")


class DatasetError(ValueError):
    """A dataset file that cannot be read: bad JSON, a missing field or a field of the wrong type."""


@dataclass
class EvalQuestion:
    """One evaluation question with its gold evidence, answer keys and measure labels."""

    id: str
    question: str
    type: str
    answerable: bool
    evidence: list[str] = field(default_factory=list)
    answer_keys: list[str] = field(default_factory=list)
    measures: list[str] = field(default_factory=list)
    regions: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)  # unknown fields, kept for round trips
    line: int = 0  # 1-based line in the source file, 0 when built in code

    def to_json(self) -> dict[str, Any]:
        """The JSON object this question is written as (without `line`)."""
        data: dict[str, Any] = {
            "id": self.id,
            "question": self.question,
            "type": self.type,
            "evidence": list(self.evidence),
            "answer_keys": list(self.answer_keys),
            "measures": list(self.measures),
            "answerable": self.answerable,
        }
        if self.regions:
            data["regions"] = list(self.regions)
        data.update(self.extra)
        return data


def normalize(text: str) -> str:
    """Remove all whitespace (including full-width spaces and line breaks); the matching rule everywhere."""
    return _WHITESPACE.sub("", text)


def parse_question(data: Any, line: int = 0) -> EvalQuestion:
    """Build an `EvalQuestion` from one decoded JSON object, raising `DatasetError` on shape problems."""
    if not isinstance(data, dict):
        raise DatasetError(f"expected a JSON object, got {type(data).__name__}")
    missing = [key for key in _REQUIRED if key not in data]
    if missing:
        raise DatasetError(f"missing field(s): {', '.join(missing)}")
    for key in ("id", "question", "type"):
        if not isinstance(data[key], str):
            raise DatasetError(f"field {key!r} must be a string")
    if not isinstance(data["answerable"], bool):
        raise DatasetError("field 'answerable' must be true or false")
    lists: dict[str, list[str]] = {}
    for key in _STRING_LISTS:
        value = data.get(key, [])
        if value is None:
            value = []
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise DatasetError(f"field {key!r} must be a list of strings")
        lists[key] = list(value)
    known = set(_REQUIRED) | set(_STRING_LISTS)
    extra = {key: value for key, value in data.items() if key not in known}
    return EvalQuestion(
        id=data["id"],
        question=data["question"],
        type=data["type"],
        answerable=data["answerable"],
        extra=extra,
        line=line,
        **lists,
    )


def load_dataset(path: str | Path) -> list[EvalQuestion]:
    """Read a UTF-8 JSONL dataset; blank lines are skipped, a bad line raises `DatasetError` naming it."""
    path = Path(path)
    questions: list[EvalQuestion] = []
    with path.open(encoding="utf-8-sig") as handle:
        for number, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            try:
                data = json.loads(raw)
            except json.JSONDecodeError as exc:
                raise DatasetError(f"{path}:{number}: malformed JSON line ({exc.msg} at column {exc.colno})") from None
            try:
                questions.append(parse_question(data, line=number))
            except DatasetError as exc:
                raise DatasetError(f"{path}:{number}: {exc}") from None
    return questions


class _TextOfHtml(HTMLParser):
    """Collects the text of an HTML page, skipping script and style elements."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def html_text(markup: str) -> str:
    """The visible text of an HTML page (tags, scripts and styles removed, entities decoded)."""
    parser = _TextOfHtml()
    parser.feed(markup)
    parser.close()
    return "\n".join(parser.parts)


def read_corpus(corpus_dir: str | Path) -> dict[str, str]:
    """Normalized text of every corpus file under `corpus_dir` (by suffix), keyed by relative path."""
    root = Path(corpus_dir)
    texts: dict[str, str] = {}
    for path in sorted(root.rglob("*")):
        if not path.is_file() or path.suffix.lower() not in CORPUS_SUFFIXES:
            continue
        if any(part.startswith(".") for part in path.relative_to(root).parts):
            continue
        raw = path.read_bytes()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = raw.decode("gb18030", errors="replace")
        if path.suffix.lower() in _HTML_SUFFIXES:
            text = html_text(text)
        texts[path.relative_to(root).as_posix()] = normalize(text)
    return texts


def _label(question: EvalQuestion) -> str:
    """How a problem names its question: id and, when known, the line."""
    return f"{question.id or '<no id>'} (line {question.line})" if question.line else question.id or "<no id>"


def _check_strings(
    question: EvalQuestion, kind: str, values: Iterable[str], corpus: dict[str, str]
) -> list[str]:
    """Problems with one list of strings that must each occur somewhere in the corpus."""
    problems: list[str] = []
    seen: set[str] = set()
    for value in values:
        norm = normalize(value)
        if not norm:
            problems.append(f"{_label(question)}: empty {kind} string")
            continue
        if norm in seen:
            problems.append(f"{_label(question)}: duplicate {kind} {value!r}")
        seen.add(norm)
        if kind == "evidence" and not EVIDENCE_MIN_CHARS <= len(norm) <= EVIDENCE_MAX_CHARS:
            problems.append(
                f"{_label(question)}: evidence {value!r} has {len(norm)} characters, "
                f"expected {EVIDENCE_MIN_CHARS}-{EVIDENCE_MAX_CHARS}"
            )
        if not any(norm in text for text in corpus.values()):
            problems.append(f"{_label(question)}: {kind} not found in corpus: {value!r}")
    return problems


def validate_dataset(questions: list[EvalQuestion], corpus_dir: str | Path) -> list[str]:
    """Every problem found in `questions` checked against the files in `corpus_dir`; empty when valid."""
    problems: list[str] = []
    corpus = read_corpus(corpus_dir)
    if not corpus:
        problems.append(f"no corpus files ({', '.join(CORPUS_SUFFIXES)}) under {corpus_dir}")
    seen_ids: dict[str, str] = {}
    for question in questions:
        label = _label(question)
        if not question.id.strip():
            problems.append(f"{label}: empty id")
        elif question.id in seen_ids:
            problems.append(f"{label}: duplicate id, first used at {seen_ids[question.id]}")
        else:
            seen_ids[question.id] = label
        if not question.question.strip():
            problems.append(f"{label}: empty question")
        if question.type not in QUESTION_TYPES:
            problems.append(f"{label}: unknown type {question.type!r} (expected one of {', '.join(QUESTION_TYPES)})")
        if question.answerable:
            if question.type == "unanswerable":
                problems.append(f"{label}: type 'unanswerable' but answerable is true")
            if not question.evidence:
                problems.append(f"{label}: answerable question without evidence")
            if not question.answer_keys:
                problems.append(f"{label}: answerable question without answer_keys")
        else:
            if question.type != "unanswerable":
                problems.append(f"{label}: answerable is false but type is {question.type!r}")
            if question.evidence:
                problems.append(f"{label}: unanswerable question with evidence")
            if question.answer_keys:
                problems.append(f"{label}: unanswerable question with answer_keys")
            if question.measures:
                problems.append(f"{label}: unanswerable question with measures")
        if corpus:
            problems.extend(_check_strings(question, "evidence", question.evidence, corpus))
            problems.extend(_check_strings(question, "answer key", question.answer_keys, corpus))
    return problems
