"""Turning one source file's text into documents: multi-article pages, news prefaces, titles."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Any

from ingest.cleaning import clean_text
from ingest.errors import EmptyDocumentError, InvalidMetadataError
from ingest.metadata import infer_metadata, infer_region_path, site_tag
from ingest.models import Document

__all__ = ["OVERRIDABLE_FIELDS", "apply_overrides", "split_documents"]

# Document fields a sidecar .meta.json or front matter may set; the text and its bookkeeping are the file's own.
OVERRIDABLE_FIELDS = tuple(f.name for f in dataclasses.fields(Document) if f.name not in {"doc_id", "text", "source", "offset"})
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

_SEPARATOR = re.compile(r"^\s*-\s*$")
_ARTICLE_TITLE = re.compile(r"^\s*【[^】]+】")
_PAGE_DATE = re.compile(r"^\s*(\d{4}-\d{2}-\d{2})\s*$")
_PREFACE_END = re.compile(r"^\s*原文如下\s*[:：]?\s*$")
_QUOTED_TITLE = re.compile(r"《([^》]{6,60})》")


def _is_multi_article(lines: list[str]) -> bool:
    seps = [i for i, line in enumerate(lines) if _SEPARATOR.match(line)]
    titled = [i for i in seps if i + 1 < len(lines) and _ARTICLE_TITLE.match(lines[i + 1])]
    return len(titled) >= 2


def _articles(lines: list[str]) -> list[list[str]]:
    blocks: list[list[str]] = []
    for line in lines:
        if _SEPARATOR.match(line):
            blocks.append([])
        elif blocks:
            blocks[-1].append(line)
    return [b for b in blocks if any(line.strip() for line in b)]


def _title_of(paragraphs: list[str], fallback: str) -> tuple[str, int]:
    """A document's title and how many leading paragraphs it used."""
    first = paragraphs[0]
    if len(first) <= 60 and "。" not in first:
        return first, 1
    quoted = _QUOTED_TITLE.search(first)
    if quoted:
        return quoted.group(1), 0
    return fallback, 0


def _document(doc_id: str, source: str, paragraphs: list[str], *, title: str = "", tag: str = "",
              page_date: str = "", preface: str = "") -> Document:
    body_start = 0
    if not title:
        title, body_start = _title_of(paragraphs, Path(source).stem)
    body = paragraphs[body_start:]
    text = "\n".join(body)
    meta = infer_metadata(title, paragraphs, text=preface + text, tag=tag, fallback_date=page_date)
    return Document(doc_id=doc_id, title=title, text=text, source=source, preface=preface, **vars(meta))


def apply_overrides(doc: Document, overrides: dict[str, str], source: str) -> Document:
    """The document with hand-set fields replacing the inferred ones."""
    unknown = sorted(set(overrides) - set(OVERRIDABLE_FIELDS))
    if unknown:
        raise InvalidMetadataError(
            f"{Path(source).name}: unknown document field(s) {', '.join(unknown)} in its metadata; "
            f"valid fields: {', '.join(OVERRIDABLE_FIELDS)}."
        )
    if "date" in overrides and overrides["date"] and not _ISO_DATE.match(overrides["date"]):
        raise InvalidMetadataError(f"{Path(source).name}: date '{overrides['date']}' must be written yyyy-mm-dd.")
    changes: dict[str, Any] = dict(overrides)
    if changes.get("region") and "region_path" not in changes:  # the hand-set place brings its own parents
        changes["region_path"] = infer_region_path(changes["region"])
    return dataclasses.replace(doc, **changes)


def split_documents(raw: str, source: str, doc_id: str, *, markdown: bool = False,
                    overrides: dict[str, str] | None = None) -> list[Document]:
    """Split a file's text into cleaned documents (one, or one per article of a scraped page).

    `overrides` (from a sidecar .meta.json or front matter) replace inferred fields in every document.
    """
    lines = raw.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    docs: list[Document] = []
    if _is_multi_article(lines):
        for n, block in enumerate(_articles(lines), start=1):
            page_date = ""
            dates = [i for i, line in enumerate(block) if _PAGE_DATE.match(line)]
            if dates:
                page_date = _PAGE_DATE.match(block[dates[-1]]).group(1)  # type: ignore[union-attr]
                block = block[: dates[-1]]
            title_line = next(line for line in block if line.strip())
            rest = block[block.index(title_line) + 1:]
            tag, title = site_tag(clean_text(title_line)[0])
            title = title.strip("《》")
            paragraphs = clean_text("\n".join(rest), markdown=markdown)
            if not paragraphs:
                continue
            docs.append(_document(f"{doc_id}-a{n:02d}", source, paragraphs, title=title, tag=tag,
                                  page_date=page_date))
    else:
        preface = ""
        cut = next((i for i, line in enumerate(lines) if _PREFACE_END.match(line)), None)
        if cut is not None:
            preface = "\n".join(clean_text("\n".join(lines[:cut])))
            lines = lines[cut + 1:]
        paragraphs = clean_text("\n".join(lines), markdown=markdown)
        if paragraphs:
            docs.append(_document(doc_id, source, paragraphs, preface=preface))
    if not docs:
        raise EmptyDocumentError(f"{Path(source).name}: no text left after cleaning.")
    if overrides:
        docs = [apply_overrides(doc, overrides, source) for doc in docs]
    return docs
