"""What every format reader gives back, and the small protocol a reader implements."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

__all__ = ["LoadedText", "FormatReader"]


@dataclass
class LoadedText:
    """A file turned into text: one paragraph per line, blank lines allowed between paragraphs.

    `markdown` says that heading lines start with `#` (markdown files, and HTML/DOCX headings the reader
    marked); `overrides` holds document fields from a sidecar `.meta.json` or markdown front matter, or from
    the page itself (an HTML page marked 已废止 beside its article sets `status`), which replace what the text says; `page` holds what a web page says about itself (title, date, issuer, site,
    column: see `ingest.formats.html.page_metadata`), used only where the text says nothing; `attachments`
    names the files a page links as its attachments.
    """

    text: str
    markdown: bool = False
    overrides: dict[str, str] = field(default_factory=dict)
    page: dict[str, str] = field(default_factory=dict)
    attachments: list[str] = field(default_factory=list)


class FormatReader(Protocol):
    """One file format: the suffixes it claims, a content sniffer and a reader of the whole file's bytes."""

    name: str
    suffixes: tuple[str, ...]

    def sniff(self, head: bytes) -> bool:
        """Whether the first bytes of a file look like this format."""
        ...

    def read(self, raw: bytes, name: str) -> LoadedText:
        """The file's text; raises an InputError subclass naming the file and the fix."""
        ...
