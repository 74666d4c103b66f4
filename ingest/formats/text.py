"""Plain text and markdown files (UTF-8, UTF-16 with BOM, GB18030/GBK; CRLF or LF)."""

from __future__ import annotations

import re

from ingest.errors import InvalidMetadataError
from ingest.formats.base import LoadedText
from ingest.formats.encoding import decode_bytes
from ingest.formats.overrides import split_front_matter

__all__ = ["TextReader", "MarkdownReader"]

_MARKDOWN_HEADING = re.compile(r"^#{1,6}\s", re.MULTILINE)
# A line bold throughout: the headings of documents pasted from markdown (「**一、坚持稳中求进**」).
_BOLD_HEADING = re.compile(r"^\s*\*\*[^*\n]{2,80}\*\*\s*$", re.MULTILINE)


def _is_markdown(text: str) -> bool:
    """`#` headings, or at least two lines bold throughout."""
    return bool(_MARKDOWN_HEADING.search(text)) or len(_BOLD_HEADING.findall(text)) >= 2


class TextReader:
    """`.txt`: decoded as is; `#` headings or bold heading lines make it markdown, as people paste markdown into
    .txt files (a .txt holding HTML is read by the HTML reader: see `ingest.formats.reader_for`)."""

    name = "text"
    suffixes: tuple[str, ...] = (".txt",)

    def sniff(self, head: bytes) -> bool:
        """Text has no magic number: the fallback reader, never sniffed."""
        return False

    def read(self, raw: bytes, name: str) -> LoadedText:
        """The decoded text; front matter a saver put on top (source, title) describes the page, it sets nothing."""
        text = decode_bytes(raw, name)
        page: dict[str, str] = {}
        if _is_markdown(text):
            try:
                fields, text = split_front_matter(text, name)
            except InvalidMetadataError:
                fields = {}
            page = {key: fields[key] for key in _PAGE_FIELDS if fields.get(key)}
        return LoadedText(text, markdown=_is_markdown(text), page=page)


_PAGE_FIELDS = ("title", "date")


class MarkdownReader:
    """`.md`: decoded text with optional YAML front matter giving document fields."""

    name = "markdown"
    suffixes: tuple[str, ...] = (".md", ".markdown")

    def sniff(self, head: bytes) -> bool:
        """Markdown has no magic number either."""
        return False

    def read(self, raw: bytes, name: str) -> LoadedText:
        """The text after the front matter, which becomes overrides."""
        overrides, text = split_front_matter(decode_bytes(raw, name), name)
        return LoadedText(text, markdown=True, overrides=overrides)
