"""What a file really is, from its first bytes rather than its name (uploads name files as they like)."""

from __future__ import annotations

import re

from ingest.errors import UnsupportedFormatError
from ingest.loading import SUPPORTED_SUFFIXES

__all__ = ["sniff_suffix", "checked_suffix"]

_HTML = re.compile(rb"<(?:!doctype\s+html|html|head|body|p|div|table|br)[\s/>]", re.IGNORECASE)
_NAMES = {".pdf": "a PDF file", ".docx": "a zip archive (Word .docx)", ".html": "an HTML page"}


def sniff_suffix(raw: bytes, name: str = "") -> str:
    """The suffix the bytes call for: .pdf, .docx (any zip), .html, or .md/.txt for other text."""
    head = raw[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"%PDF-"):
        return ".pdf"
    if head.startswith(b"PK\x03\x04"):
        return ".docx"
    if _HTML.search(head):
        return ".html"
    return ".md" if name.lower().endswith((".md", ".markdown")) else ".txt"


def checked_suffix(raw: bytes, name: str = "") -> str:
    """`sniff_suffix`, or UnsupportedFormatError when the ingester cannot read that kind of file."""
    suffix = sniff_suffix(raw, name)
    if suffix not in SUPPORTED_SUFFIXES:
        raise UnsupportedFormatError(
            f"{name or 'the upload'}: this is {_NAMES.get(suffix, suffix)}, which this ingester does not read; "
            f"supported: {', '.join(SUPPORTED_SUFFIXES)} (UTF-8 or GB18030/GBK text).")
    return suffix
