"""PDF files with a text layer (pdfplumber): lines rejoined into paragraphs, page furniture dropped.

pdfplumber gives each line's position, which is what tells a hard line break inside a sentence (the line
runs to the right margin and the next one is not indented) from a real paragraph break, and a running
header (the same line at the same height on most pages) from body text.
"""

from __future__ import annotations

import io
import re
from collections import Counter
from dataclasses import dataclass
from statistics import median

from ingest.errors import CorruptFileError, EncryptedFileError, NoTextLayerError
from ingest.formats.base import LoadedText

__all__ = ["PdfReader", "pdf_lines_to_paragraphs", "PdfLine"]

PDF_MAGIC = b"%PDF-"
# Page numbers as Chinese documents print them: 「- 3 -」「—3—」「第3页」「第3页 共12页」「3/12」「Page 3 of 12」, bare 3.
_PAGE_NUMBER = re.compile(
    r"^(?:[-—–－]\s*\d{1,4}\s*[-—–－]|第\s*\d{1,4}\s*页(?:\s*[,，/]?\s*共\s*\d{1,4}\s*页)?|"
    r"\d{1,4}\s*/\s*\d{1,4}|\d{1,4}|page\s*\d{1,4}(?:\s*(?:of|/)\s*\d{1,4})?)$",
    re.IGNORECASE,
)
# A line ending like this finished its sentence (or its clause, its bracketed note): the next line starts anew.
_ENDS_SENTENCE = re.compile(r"[。！？；：:!?;）)」』”…]$")


@dataclass
class PdfLine:
    """One printed line: its text and where it sits on its page (points)."""

    text: str
    x0: float
    x1: float
    top: float
    page: int
    size: float


def _page_lines(page: object, number: int) -> list[PdfLine]:
    lines = []
    for line in page.extract_text_lines(strip=True, return_chars=True):  # type: ignore[attr-defined]
        text = line["text"].strip()
        if not text:
            continue
        sizes = [c.get("size", 0.0) for c in line.get("chars", [])] or [line["bottom"] - line["top"]]
        lines.append(PdfLine(text, float(line["x0"]), float(line["x1"]), float(line["top"]), number, median(sizes)))
    return lines


def _shape(text: str) -> str:
    """A line with its digits masked: 「第3页」 and 「第4页」 are the same running footer."""
    return re.sub(r"\d+", "#", re.sub(r"\s+", "", text))


def _furniture(pages: list[list[PdfLine]]) -> set[tuple[str, int]]:
    """(shape, height band) of lines repeated at the same place on most pages: running headers and footers."""
    if len(pages) < 2:
        return set()
    seen: Counter[tuple[str, int]] = Counter()
    for lines in pages:
        seen.update({(_shape(line.text), round(line.top / 4)) for line in lines})
    return {key for key, count in seen.items() if count >= 2 and count * 2 > len(pages)}


def _is_page_number(line: PdfLine, lines: list[PdfLine]) -> bool:
    """A page-number pattern among the first or last two lines of its page (bare digits: the very first or last)."""
    text = re.sub(r"\s+", " ", line.text)
    if not _PAGE_NUMBER.match(text):
        return False
    edge = lines[:1] + lines[-1:] if text.isdigit() else lines[:2] + lines[-2:]
    return any(line is other for other in edge)


def pdf_lines_to_paragraphs(pages: list[list[PdfLine]]) -> list[str]:
    """Body lines joined into paragraphs, with page numbers and running headers/footers removed."""
    furniture = _furniture(pages)
    body = [
        line
        for lines in pages
        for line in lines
        if (_shape(line.text), round(line.top / 4)) not in furniture and not _is_page_number(line, lines)
    ]
    if not body:
        return []
    em = median(line.size for line in body) or 10.0
    left = Counter(round(line.x0) for line in body).most_common(1)[0][0]
    right = max(line.x1 for line in body)
    # Documents that indent first lines mark every paragraph start, so a full line ending in 。 may still continue.
    indents = sum(1 for line in body if left + 0.8 * em < line.x0 < left + 4.5 * em)
    indented_style = indents >= 2
    paragraphs: list[str] = []
    previous: PdfLine | None = None
    for line in body:
        indented = line.x0 > left + 0.8 * em
        continues = (
            previous is not None
            and previous.x1 >= right - 1.5 * em  # the previous line ran to the margin: a wrap, not a break
            and previous.x1 - previous.x0 >= 0.6 * (right - left)  # not a short centred line (a title, a header)
            and not indented
            and (indented_style or not _ENDS_SENTENCE.search(previous.text))
        )
        if continues:
            paragraphs[-1] += line.text
        else:
            paragraphs.append(line.text)
        previous = line
    return paragraphs


class PdfReader:
    """`.pdf` with a text layer; scans and password-protected files fail with a sentence saying so."""

    name = "pdf"
    suffixes: tuple[str, ...] = (".pdf",)

    def sniff(self, head: bytes) -> bool:
        """The PDF header (within the first kilobyte, as readers allow)."""
        return PDF_MAGIC in head[:1024]

    def read(self, raw: bytes, name: str) -> LoadedText:
        """Paragraphs of the text layer, one per line."""
        import pdfplumber
        from pdfminer.pdfdocument import PDFPasswordIncorrect

        if PDF_MAGIC not in raw[:1024]:
            raise CorruptFileError(f"{name}: not a PDF file (no %PDF header); check that it is the right file.")
        try:
            with pdfplumber.open(io.BytesIO(raw)) as pdf:
                pages = [_page_lines(page, n) for n, page in enumerate(pdf.pages, start=1)]
        except Exception as exc:  # pdfminer raises many types; anything here means we cannot read the file
            cause = exc.__cause__ or exc.__context__ or exc
            if isinstance(exc, PDFPasswordIncorrect) or isinstance(cause, PDFPasswordIncorrect) or \
                    "password" in str(exc).lower():
                raise EncryptedFileError(
                    f"{name}: this PDF is password-protected; save an unprotected copy and ingest that."
                ) from None
            raise CorruptFileError(f"{name}: the PDF is damaged and cannot be read ({type(exc).__name__}: {exc}).") from None
        paragraphs = pdf_lines_to_paragraphs(pages)
        if not paragraphs:
            raise NoTextLayerError(f"{name}: this PDF has no text layer (a scanned image?); OCR it first.")
        return LoadedText("\n".join(paragraphs))
