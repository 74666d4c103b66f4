"""Word 2007+ `.docx` files (python-docx): paragraphs in order, tables as rows, headings marked."""

from __future__ import annotations

import io
import re
import zipfile

from ingest.errors import CorruptFileError
from ingest.formats.base import LoadedText

__all__ = ["DocxReader"]

CELL_SEPARATOR = " | "
ZIP_MAGIC = b"PK\x03\x04"
# Built-in heading styles in English and Chinese Word; a document title style counts as a heading.
_HEADING_STYLE = re.compile(r"^(heading|标题|title)\s*\d*$", re.IGNORECASE)


def _is_heading(style_name: str) -> bool:
    return bool(_HEADING_STYLE.match(style_name.strip()))


class DocxReader:
    """`.docx`: body paragraphs and tables in document order."""

    name = "docx"
    suffixes: tuple[str, ...] = (".docx",)

    def sniff(self, head: bytes) -> bool:
        """A zip archive holding a Word document part."""
        return head.startswith(ZIP_MAGIC) and b"word/" in head

    def read(self, raw: bytes, name: str) -> LoadedText:
        """One line per paragraph, one line per table row (cells joined), headings as `# …`."""
        import docx
        from docx.opc.exceptions import PackageNotFoundError
        from docx.table import Table

        if not raw.startswith(ZIP_MAGIC):
            raise CorruptFileError(
                f"{name}: not a .docx file (a .docx is a zip archive and this is not one); "
                "open it in Word or WPS and save it as .docx again."
            )
        try:
            document = docx.Document(io.BytesIO(raw))
        except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
            raise CorruptFileError(
                f"{name}: the .docx file is damaged or not a Word document ({exc}); save it from Word again."
            ) from None
        lines: list[str] = []
        marked = False
        for block in document.iter_inner_content():
            if isinstance(block, Table):
                for row in block.rows:
                    cells: list[str] = []
                    for cell in row.cells:
                        text = " ".join(p.text.strip() for p in cell.paragraphs if p.text.strip())
                        if text and (not cells or cells[-1] != text):  # merged cells repeat their text
                            cells.append(text)
                    if cells:
                        lines.append(CELL_SEPARATOR.join(cells))
                continue
            text = block.text.strip()
            if not text:  # an empty paragraph is spacing; a blank line would invite page-break repair
                continue
            style = block.style.name if block.style is not None and block.style.name else ""
            if _is_heading(style) and "\n" not in text:
                lines.append("# " + text)
                marked = True
            else:
                lines.extend(text.splitlines())  # soft line breaks (Shift+Enter) are paragraph breaks too
        return LoadedText("\n".join(lines), markdown=marked)
