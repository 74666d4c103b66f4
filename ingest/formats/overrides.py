"""Document fields a user sets by hand: a sidecar `<name>.meta.json` or front matter at the top of a `.md`."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import yaml

from ingest.errors import InvalidMetadataError
from ingest.models import Document

__all__ = ["SIDECAR_SUFFIX", "LIST_SEPARATOR", "LIST_FIELDS", "is_sidecar", "sidecar_for", "read_sidecar",
           "split_front_matter", "split_list"]

SIDECAR_SUFFIX = ".meta.json"
# Document fields that hold lists (replaces, region_path): written as a JSON/YAML list, or as text with the items
# separated by 「；」. Overrides travel as text, so a list is joined with the separator until it is applied.
LIST_FIELDS = frozenset(f.name for f in dataclasses.fields(Document) if str(f.type).startswith("list"))
LIST_SEPARATOR = "；"
_LIST_SPLIT = re.compile(r"[；;\n]")
_FRONT_MATTER = re.compile(r"\A\ufeff?---[ \t]*\r?\n(.*?)\r?\n(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.DOTALL)


def is_sidecar(path: Path) -> bool:
    """Whether a file holds another file's metadata (and is therefore not a document)."""
    return path.name.lower().endswith(SIDECAR_SUFFIX)


def sidecar_for(path: Path) -> Path | None:
    """`report.pdf.meta.json`, else `report.meta.json`, next to the file; None when neither exists."""
    for candidate in (path.with_name(path.name + SIDECAR_SUFFIX), path.with_name(path.stem + SIDECAR_SUFFIX)):
        if candidate.is_file():
            return candidate
    return None


def _as_fields(data: Any, where: str) -> dict[str, str]:
    """A mapping of field name to text; dates written bare in YAML become ISO strings."""
    if not isinstance(data, dict):
        raise InvalidMetadataError(f"{where}: expected an object of document fields, e.g. {{\"title\": \"…\"}}.")
    fields: dict[str, str] = {}
    for key, value in data.items():
        if isinstance(value, (dt.date, dt.datetime)):
            value = value.strftime("%Y-%m-%d")
        if key in LIST_FIELDS and isinstance(value, list) and all(isinstance(v, str) for v in value):
            value = LIST_SEPARATOR.join(v.strip() for v in value)
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            raise InvalidMetadataError(f"{where}: field '{key}' must be text, not {type(value).__name__}.")
        fields[str(key)] = str(value)
    return fields


def split_list(value: str) -> list[str]:
    """A list field's items from its text form: 「甲〔2019〕3号；某某办法」 → [甲〔2019〕3号, 某某办法]."""
    return [item.strip() for item in _LIST_SPLIT.split(value) if item.strip()]


def read_sidecar(path: Path) -> dict[str, str]:
    """The fields of a document's sidecar file, or an empty dict when it has none."""
    sidecar = sidecar_for(path)
    if sidecar is None:
        return {}
    try:
        data = json.loads(sidecar.read_text(encoding="utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidMetadataError(f"{sidecar.name}: not valid UTF-8 JSON ({exc}); fix or remove the file.") from None
    return _as_fields(data, sidecar.name)


def split_front_matter(text: str, name: str) -> tuple[dict[str, str], str]:
    """Front matter fields (`---\\ntitle: …\\n---`) and the text after it; no front matter gives ({}, text)."""
    match = _FRONT_MATTER.match(text)
    if not match:
        return {}, text
    try:
        data = yaml.safe_load(match.group(1))
    except yaml.YAMLError as exc:
        raise InvalidMetadataError(f"{name}: the front matter is not valid YAML ({exc}).") from None
    return _as_fields(data or {}, f"{name} front matter"), text[match.end():]
