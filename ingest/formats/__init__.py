"""File formats: one reader per format, chosen by what the file's bytes are, else by its suffix."""

from __future__ import annotations

import re
from pathlib import Path

from ingest.errors import UnsupportedFormatError
from ingest.formats.base import FormatReader, LoadedText
from ingest.formats.docx import DocxReader
from ingest.formats.encoding import decode_bytes
from ingest.formats.html import HtmlReader
from ingest.formats.pdf import PdfReader
from ingest.formats.text import MarkdownReader, TextReader

__all__ = ["READERS", "SUPPORTED_SUFFIXES", "FormatReader", "LoadedText", "decode_bytes", "reader_for", "sniff_suffix"]

READERS: dict[str, FormatReader] = {
    reader.name: reader
    for reader in (TextReader(), MarkdownReader(), HtmlReader(), DocxReader(), PdfReader())
}
SUPPORTED_SUFFIXES = tuple(suffix for reader in READERS.values() for suffix in reader.suffixes)
_BY_SUFFIX = {suffix: reader for reader in READERS.values() for suffix in reader.suffixes}
# Formats people have that we do not read, and what to do instead.
_LEGACY = {".doc": "Word 97-2003", ".wps": "WPS", ".et": "WPS spreadsheet", ".rtf": "RTF", ".xls": "Excel 97-2003"}
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # old Office and WPS binary files


def _unsupported(name: str, suffix: str) -> UnsupportedFormatError:
    return UnsupportedFormatError(
        f"{name}: unsupported format '{suffix or '(none)'}'; supported: {', '.join(SUPPORTED_SUFFIXES)}."
    )


def reader_for(path: Path, head: bytes) -> FormatReader:
    """The reader for a file: by sniffed content (a .pdf saved as .txt is still a PDF), else by suffix."""
    suffix = path.suffix.lower()
    if suffix in _LEGACY or head.startswith(_OLE_MAGIC):
        kind = _LEGACY.get(suffix, "old Office/WPS binary")
        raise UnsupportedFormatError(
            f"{path.name}: {kind} files are not supported; open it in Word or WPS and save it as .docx "
            f"(supported: {', '.join(SUPPORTED_SUFFIXES)})."
        )
    sniffed = next((reader for reader in READERS.values() if reader.sniff(head)), None)
    if sniffed is None and suffix in _PLAIN and _is_markup(head):
        sniffed = READERS["html"]  # a page saved, or crawled, into a .txt file
    reader = sniffed or _BY_SUFFIX.get(suffix)
    if reader is None:
        raise _unsupported(path.name, path.suffix)
    return reader


# A bare page fragment (「<p style=…>」 without <html>) has no document type to sniff.
_FRAGMENT = re.compile(rb"^\s*<(?:p|div|table|span|section|article|h[1-6]|br)[\s/>]", re.IGNORECASE)
# Elements that hold or break text; plain text and markdown name none of them, so several mean markup.
_TEXT_TAG = re.compile(rb"</?(?:p|div|span|br|table|tr|td|h[1-6]|li|ul|strong|b|font|a|body|head|meta|title)[\s/>]",
                       re.IGNORECASE)
_MARKUP_TAGS = 5
_PLAIN = (".txt", "")


def _is_markup(head: bytes) -> bool:
    """Whether the start of a text file is HTML: it opens with an element, or holds several text elements."""
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    return bool(_FRAGMENT.match(start)) or len(_TEXT_TAG.findall(head)) >= _MARKUP_TAGS


def sniff_suffix(raw: bytes, name: str = "") -> str:
    """The suffix the bytes call for, whatever the name says (uploads name files as they like).

    Old Office/WPS binaries raise UnsupportedFormatError; text is .md when the name says markdown, else .txt.
    """
    head = raw[:4096].lstrip(b"\xef\xbb\xbf")
    if head.startswith(_OLE_MAGIC):
        reader_for(Path(name or "upload.doc"), head)  # raises the message that says to save as .docx
    sniffed = next((reader for reader in READERS.values() if reader.sniff(head)), None)
    if sniffed is not None:
        return sniffed.suffixes[0]
    if _FRAGMENT.match(head) or (_is_markup(head) and not name.lower().endswith((".md", ".markdown"))):
        return READERS["html"].suffixes[0]
    return ".md" if name.lower().endswith((".md", ".markdown")) else ".txt"
