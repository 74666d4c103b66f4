"""From measures to index chunks: one per measure, long units windowed with overlap, context headers."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from ingest.documents import split_documents
from ingest.models import Chunk, Document, Measure, measure_label
from ingest.numbering import article_title, match_marker, strip_marker
from ingest.parsing import CLOSING, LEAD_IN, PREAMBLE, parse_document
from ingest.script import index_form, is_traditional
from ingest.units import responsibility

__all__ = ["CHUNKER_VERSION", "HEADER_BUDGET", "chunk_document", "chunk_text_file", "split_window", "join_windows",
           "measure_title"]

CHUNKER_VERSION = "4"
_SENTENCE_END = re.compile(r"(?<=[。！？；])")


def measure_title(text: str) -> str:
    """A measure's bracketed title (「第三条【定义】」), else its first sentence without its number, ≤ 60 characters."""
    marker = match_marker(text.strip())
    body = strip_marker(text, ("item", "article", "key_task"))
    title = article_title(body) if marker and marker.kind in ("item", "article") else ""
    return title or re.split(r"[。；\n]", body, maxsplit=1)[0][:60]


def split_window(text: str, max_chars: int, overlap: int) -> list[str]:
    """Cut text into windows of at most max_chars at sentence ends, each starting with ~overlap chars of the last."""
    if len(text) <= max_chars:
        return [text]
    pieces: list[str] = []
    for sentence in _SENTENCE_END.split(text):
        while len(sentence) > max_chars:  # a sentence longer than the window is cut hard
            pieces.append(sentence[:max_chars - overlap])
            sentence = sentence[max_chars - overlap:]
        if sentence:
            pieces.append(sentence)
    windows: list[str] = []
    current = ""
    for piece in pieces:
        if current and len(current) + len(piece) > max_chars:
            windows.append(current)
            tail = current[-overlap:] if overlap else ""
            current = tail if len(tail) + len(piece) <= max_chars else ""
        current += piece
    if current:
        windows.append(current)
    return windows


def join_windows(windows: Sequence[str]) -> str:
    """The text consecutive windows of `split_window` were cut from: each window's repeat of the last is dropped."""
    text = windows[0] if windows else ""
    for window in windows[1:]:
        repeat = next((n for n in range(min(len(text), len(window)), 0, -1) if text.endswith(window[:n])), 0)
        text += window[repeat:]
    return text


def _header(doc: Document, measure: Measure, *, titled: bool = True) -> str:
    parts = [doc.region, doc.title if titled else "", measure.section, measure.subsection]
    return "｜".join(p for p in parts if p)


def _opens(doc: Document, measure: Measure, first: bool) -> str:
    """The title lines the document prints above this measure, when it is the unnumbered text right under them
    (a notice's 导语): its first chunk shows them, so a passage that runs on from the title is found whole."""
    return doc.heading if first and doc.heading and measure.measure.endswith((PREAMBLE, LEAD_IN)) else ""


HEADER_BUDGET = 80  # characters of context header the window leaves room for


def chunk_document(doc: Document, *, max_chars: int = 400, overlap: int = 80) -> list[Chunk]:
    """All chunks of one document, in order; no embed text exceeds max_chars + HEADER_BUDGET."""
    chunks: list[Chunk] = []
    labels: dict[str, int] = {}
    traditional = is_traditional(doc.title + doc.text)  # indexed simplified, shown and cited as written
    for number, measure in enumerate(parse_document(doc)):
        key = measure.measure
        labels[key] = labels.get(key, 0) + 1
        if labels[key] > 1:  # a repeated unit label inside one document stays unique
            key = f"{key}-{labels[key]}"
        # A numbered measure's units; a section unit's only where labelled (「一、…激励 …（责任单位：…）」).
        if measure.numbered:
            responsible, leads = responsibility(measure.text)
        elif not measure.measure.endswith((PREAMBLE, LEAD_IN, CLOSING)):
            responsible, leads = responsibility(measure.text, labels_only=True)
        else:
            responsible, leads = [], []
        place = doc.region if not doc.doc_id.rsplit("-a", 1)[-1].isdigit() else doc.title
        label = measure_label(place, key, numbered=measure.numbered, doc_title=doc.title)
        header = _header(doc, measure)
        heading = _opens(doc, measure, number == 0)
        # The opening chunk's header leaves out the title its text now starts with (its words count once).
        opening_header = _header(doc, measure, titled=False) if heading else header
        # A header longer than its budget shrinks the window, so header + text always fits the model.
        lead = len(opening_header) + 1 + len(heading) if heading else len(header)
        width = max_chars - max(0, max(len(header), lead) + 1 - HEADER_BUDGET)
        windows = split_window(measure.text, width, min(overlap, width // 3))
        cursor = 0
        for part, window in enumerate(windows):
            opening = bool(heading) and part == 0
            shown = f"{heading}\n{window}" if opening else window
            found = measure.text.find(window, cursor)
            local = found if found >= 0 else cursor
            cursor = max(cursor, local)
            chunks.append(Chunk(
                chunk_id=f"{doc.doc_id}:{key}:{part}",
                doc_id=doc.doc_id,
                doc_title=doc.title,
                region=doc.region,
                issuer=doc.issuer,
                date=doc.date,
                doc_type=doc.doc_type,
                section=measure.section,
                subsection=measure.subsection,
                measure=key,
                measure_label=label,
                measure_title=measure_title(measure.text),
                responsible_units=responsible,
                lead_units=leads,
                region_path=list(doc.region_path),
                doc_number=doc.doc_number,
                source=doc.source,
                span_start=doc.offset + measure.start + local,
                span_end=doc.offset + measure.start + local + len(window),
                part=part,
                parts=len(windows),
                heading_chars=len(shown) - len(window),
                text=shown,
                embed_text=index_form(_embed(opening_header if opening else header, shown), traditional),
            ))
    return chunks


def _embed(header: str, text: str) -> str:
    return f"{header}\n{text}" if header else text


def chunk_text_file(raw: str, source: Path, *, max_chars: int = 400, overlap: int = 80) -> tuple[list[Document], list[Chunk]]:
    """Documents and chunks of one decoded file."""
    docs = split_documents(raw, source.name, source.stem, markdown=_is_markdown(source, raw))
    chunks = [c for d in docs for c in chunk_document(d, max_chars=max_chars, overlap=overlap)]
    return docs, chunks


def _is_markdown(source: Path, raw: str) -> bool:
    return source.suffix.lower() == ".md" or bool(re.search(r"^#{1,6}\s", raw, re.MULTILINE))
