"""HTML as government sites publish it: the article body of a whole saved page, or a bare fragment.

The body is found by content density, not by site-specific selectors: every run of Chinese text credits
the element that holds its paragraph, links count for nothing, and the element holding the most wins.
"""

from __future__ import annotations

import re
from collections import defaultdict

from selectolax.lexbor import LexborHTMLParser, LexborNode

from ingest.errors import EmptyDocumentError
from ingest.formats.base import LoadedText
from ingest.formats.encoding import decode_as, decode_bytes
from ingest.lifecycle import REPEALED, is_repeal_mark
from ingest.units import column_role, task_line

__all__ = ["HtmlReader", "html_to_text", "page_metadata", "page_attachments", "page_status"]

CELL_SEPARATOR = " | "
# Never article text. Skipped while walking rather than removed: lexbor frees removed nodes, and a nav inside a
# removed header would then be a dangling reference.
_DROP = {"script", "style", "noscript", "template", "iframe", "nav", "header", "footer", "aside", "form", "select",
         "button", "object", "svg", "head", "title", "meta", "link", "-comment"}
_BLOCK = {
    "address", "article", "blockquote", "body", "center", "dd", "div", "dl", "dt", "figcaption", "figure", "h1",
    "h2", "h3", "h4", "h5", "h6", "hr", "li", "main", "ol", "p", "pre", "section", "table", "tbody", "td", "tfoot",
    "th", "thead", "tr", "ul", "caption",
}
_PARAGRAPH = {"p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "dd", "dt", "pre", "blockquote", "span", "font"}
# Class or id names that mark page furniture on most sites (the convention readability relies on too), unless
# they also say the element is the article.
_FURNITURE = re.compile(r"footer|header|\bnav|menu|crumb|sidebar|share|related|copyright|banner|toolbar|top-?bar|"
                        r"search|pagination|pager|comment|friend-?link", re.IGNORECASE)
_ARTICLE = re.compile(r"article|body|content|main", re.IGNORECASE)
_HEADING = {"h1", "h2", "h3", "h4", "h5", "h6"}
_BOLD = {"b", "strong"}
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_META_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.IGNORECASE)
_SENTENCE_END = re.compile(r"[。！？；]")
_TITLE_LINES = 6  # how far into the body a page's own title may stand (after a 令 heading, a number)
_MOST = 0.8  # the share of a page's prose that the article's container holds (the rest: summaries, notes)
_PROSE = re.compile(r"[。，；！？]")


def _decode(raw: bytes, name: str) -> str:
    """BOM first, then the page's own <meta charset>, then detection."""
    if not raw.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        declared = _META_CHARSET.search(raw[:4096])
        if declared:
            text = decode_as(raw, declared.group(1).decode("ascii"))
            if text is not None:
                return text
    return decode_bytes(raw, name)


def _nearest_block(node: LexborNode) -> LexborNode | None:
    parent = node.parent
    while parent is not None and parent.tag not in _BLOCK and parent.tag not in _PARAGRAPH:
        parent = parent.parent
    return parent


def _in_link(node: LexborNode) -> bool:
    parent = node.parent
    while parent is not None:
        if parent.tag == "a":
            return True
        if parent.tag in _BLOCK:
            return False
        parent = parent.parent
    return False


def _dropped(node: LexborNode) -> bool:
    """Inside a script, a navigation bar, a page header or footer, or the like."""
    parent: LexborNode | None = node
    while parent is not None and parent.tag not in ("body", "html"):
        if parent.tag in _DROP:
            return True
        if parent.tag != "-text":
            names = f"{parent.attributes.get('class') or ''} {parent.attributes.get('id') or ''}"
            if _FURNITURE.search(names) and not _ARTICLE.search(names):
                return True
        parent = parent.parent
    return False


def _prose_blocks(body: LexborNode) -> dict[int, tuple[LexborNode, int]]:
    """Block id → (block, Chinese characters) of every block of prose: text with sentence punctuation, outside
    links and page furniture, in a block where links hold no more than half the words."""
    texts: dict[int, list[str]] = defaultdict(list)
    linked: dict[int, int] = defaultdict(int)
    blocks: dict[int, LexborNode] = {}
    for node in body.traverse(include_text=True):
        if node.tag != "-text" or _dropped(node):
            continue
        block = _nearest_block(node)
        if block is None:
            continue
        words = len(_CJK.findall(node.text_content or ""))
        if _in_link(node):
            linked[block.mem_id] += words
            continue
        texts[block.mem_id].append(node.text_content or "")
        blocks[block.mem_id] = block
    out: dict[int, tuple[LexborNode, int]] = {}
    for key, parts in texts.items():
        text = "".join(parts)
        words = len(_CJK.findall(text))
        if _PROSE.search(text) and words > linked[key]:  # menus, info bars and link lists have no sentences
            out[key] = (blocks[key], words)
    return out


def _content_node(body: LexborNode) -> LexborNode:
    """The element holding the article: the deepest one that still holds most of the page's prose.

    Every block of prose credits all its ancestors; from the body down, the walk follows the child holding the
    most while it holds `_MOST` of the whole, so an article spread over many paragraphs (or many sibling
    containers) is kept whole, and a page's share bar, related links or footer are left out.
    """
    credit: dict[int, int] = defaultdict(int)
    for block, words in _prose_blocks(body).values():
        node: LexborNode | None = block
        while node is not None:
            credit[node.mem_id] += words
            if node.mem_id == body.mem_id:
                break
            node = node.parent
    total = credit.get(body.mem_id, 0)
    if not total:
        return body
    node = body
    while True:
        children = [c for c in node.iter() if credit.get(c.mem_id, 0)]
        best = max(children, key=lambda c: credit[c.mem_id], default=None)
        if best is None or credit[best.mem_id] < _MOST * total:
            break
        node = best
    while node.tag in _PARAGRAPH and node.parent is not None and node.mem_id != body.mem_id:
        node = node.parent  # the paragraph's container: its signature, tables and attachments sit beside it
    return _widen(node)


_BESIDE_BODY = {"table", "tbody", "thead", "tfoot", "tr", "td", "th", "caption", "h1", "h2", "h3", "h4", "h5", "h6"}


def _widen(node: LexborNode) -> LexborNode:
    """Climb to the parent while everything beside the node there is a table or a heading: the article's data
    tables and its title often sit next to the text container, an info bar or a menu never counts."""
    while node.parent is not None and node.parent.tag not in ("body", "html"):
        for sibling in node.parent.iter(include_text=True):
            if sibling.mem_id == node.mem_id or _dropped(sibling):
                continue
            text = sibling.text_content if sibling.tag == "-text" else _text(sibling)
            if (text or "").strip() and sibling.tag not in _BESIDE_BODY:
                return node
        node = node.parent
    return node


class _Lines:
    """Text collected into lines; block boundaries start a new line."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.current: list[str] = []

    def add(self, text: str) -> None:
        self.current.append(text)

    def newline(self) -> None:
        line = re.sub(r"[ \t\r\n\f]+", " ", "".join(self.current)).strip()
        if line:
            self.lines.append(line)
        self.current = []


def _text(node: LexborNode) -> str:
    return re.sub(r"\s+", " ", node.text(deep=True, separator="")).strip()


def _is_bold_only(node: LexborNode) -> bool:
    """A paragraph whose every visible character sits inside <b>/<strong>: a heading in disguise."""
    text = _text(node)
    if not text or _SENTENCE_END.search(text) or len(text) > 60:
        return False
    bold = "".join(_text(b) for b in node.css("b, strong"))
    return bold.replace(" ", "") == text.replace(" ", "")


def _cells(tr: LexborNode) -> list[LexborNode]:
    return [c for c in tr.iter() if c.tag in ("td", "th")]


def _row(tr: LexborNode) -> str | None:
    """A data row as one line of cells; None for a layout row: one holding a table, or one cell holding
    paragraphs (a page laid out in a table). Word's tables hold a paragraph in every cell and are data."""
    cells = _cells(tr)
    if any(c.css_first("table") is not None for c in cells):
        return None
    texts = [_text(c) for c in cells]
    if sum(bool(t) for t in texts) <= 1 and any(c.css_first("p, div, br") is not None for c in cells):
        return None
    return CELL_SEPARATOR.join(t for t in texts if t)


def _rows(table: LexborNode) -> list[LexborNode]:
    """The table's own rows (not those of tables nested in its cells)."""
    return [tr for tr in table.css("tr") if _closest_table(tr) is not None and _closest_table(tr).mem_id == table.mem_id]  # type: ignore[union-attr]


def _closest_table(node: LexborNode) -> LexborNode | None:
    parent = node.parent
    while parent is not None and parent.tag != "table":
        parent = parent.parent
    return parent


def _task_lines(table: LexborNode) -> list[str] | None:
    """A task-division table (a header naming 牵头单位/责任单位/配合单位 columns) as one line per task, its units
    labelled as `ingest.units.responsibility` reads them; rows of one cell (「一、…方面」) stay as they are.
    None for any other table."""
    rows = _rows(table)
    if len(rows) < 2:
        return None
    header = [_text(c) for c in _cells(rows[0])]
    roles = [column_role(h) for h in header]
    if not any(r not in ("", "number") for r in roles) or all(r for r in roles):
        return None
    lines = []
    for tr in rows[1:]:
        cells = [_text(c) for c in _cells(tr)]
        filled = [c for c in cells if c]
        if len(filled) == 1:
            lines.append(filled[0])
        elif len(cells) == len(roles):
            lines.append(task_line(roles, cells))
        elif filled:
            lines.append(CELL_SEPARATOR.join(filled))
    return lines


def _emit(node: LexborNode, out: _Lines) -> bool:
    """Append a node's children as lines; returns whether a heading was marked."""
    marked = False
    for child in node.iter(include_text=True):
        tag = child.tag
        if tag in _DROP or (tag != "-text" and _dropped(child)):
            continue
        if tag == "-text":
            out.add(child.text_content or "")
        elif tag == "br":
            out.newline()
        elif tag == "table" and (tasks := _task_lines(child)) is not None:
            out.newline()
            for line in tasks:
                out.add(line)
                out.newline()
        elif tag == "tr":
            out.newline()
            row = _row(child)
            if row is None:
                marked |= _emit(child, out)
            else:
                out.add(row)
            out.newline()
        elif tag in _HEADING or (tag in ("p", "div") and _is_bold_only(child)):
            out.newline()
            out.add("# " + _text(child))
            out.newline()
            marked = True
        elif tag in _BLOCK:
            out.newline()
            marked |= _emit(child, out)
            out.newline()
        else:
            marked |= _emit(child, out)
    return marked


def _title_line(tree: LexborHTMLParser, content: LexborNode) -> str:
    """The page's article title when the body does not print it: the last h1-h3 before the body (government
    CMSs put the title above the text container). The ArticleTitle meta or a 信息公开 table's 标题 is page
    metadata: the title only where the text prints none (sites abridge it: see `ingest.documents`)."""
    order = {n.mem_id: i for i, n in enumerate(tree.root.traverse())} if tree.root is not None else {}
    start = order.get(content.mem_id, 0)
    inside = {n.mem_id for n in content.traverse()}
    before = [h for h in tree.css("h1, h2, h3")
              if order.get(h.mem_id, start) < start and h.mem_id not in inside and not _dropped(h)]
    return _text(before[-1]) if before else ""


# <meta name=…> of Chinese government CMSs (the national site-building guideline) → page field.
_META_FIELDS = {"articletitle": "title", "pubdate": "date", "firstpublishedtime": "date", "contentsource": "issuer",
                "columnname": "column", "sitename": "site"}
# The labelled cells of the 信息公开 table that government sites print above an article.
_TABLE_FIELDS = {"标题": "title", "成文日期": "signed", "发文机关": "issuer", "发文机构": "issuer", "发文字号": "number",
                 "发布日期": "date"}
# The same fields printed as a list: 「[发文字号] 京发改〔2026〕341号」「成文日期：2026-03-06」.
_LISTED_FIELD = re.compile(r"^[\[【]?\s*(?P<label>[^\]】:：\s]{2,6})\s*[\]】:：]\s*(?P<value>.+)$")
_PAGE_DATE = re.compile(r"(\d{4})\s*[-年/.]\s*(\d{1,2})\s*[-月/.]\s*(\d{1,2})")
# An info bar's date when the page has no PubDate: 「发布时间：2024-03-05」「成文日期：2024年3月1日」.
_LABELLED_DATE = re.compile(r"(?:发布|成文|印发|公开)(?:时间|日期)\s*[:：]\s*(\d{4}\s*[-年/.]\s*\d{1,2}\s*[-月/.]\s*\d{1,2})")
# Files a page offers as its attachments: by the link's file type, or a link text that says 附件.
_FILE_LINK = re.compile(r"\.(?:pdf|docx?|wps|xlsx?|et|ofd|zip|rar|7z)(?:$|[?#])", re.IGNORECASE)
_ATTACHMENT_TEXT = re.compile(r"^\s*附件\s*\d{0,2}")


def _iso(text: str) -> str:
    m = _PAGE_DATE.search(text)
    if not m:
        return ""
    year, month, day = (int(g) for g in m.groups())
    return f"{year:04d}-{month:02d}-{day:02d}" if 1900 <= year <= 2100 and 1 <= month <= 12 and 1 <= day <= 31 else ""


def page_metadata(tree: LexborHTMLParser) -> dict[str, str]:
    """What the page says about itself: title, date (ISO), issuer, column and site from its <meta> tags; title,
    signed (成文日期), issuer, number and date from a 信息公开 table; the date of a 「发布时间：」 info bar when
    nothing else gives one."""
    page: dict[str, str] = {}
    for meta in tree.css("meta[name]"):
        key = _META_FIELDS.get((meta.attributes.get("name") or "").strip().lower())
        value = re.sub(r"\s+", " ", meta.attributes.get("content") or "").strip()
        if key and value and key not in page:
            page[key] = _iso(value) if key == "date" else value
    for cell in tree.css("td, th"):  # the 信息公开 table above an article: 「标 题：」 | 「…」
        label = _TABLE_FIELDS.get(re.sub(r"[\s：:]", "", _text(cell)))
        if label is None or label in page:
            continue
        beside = cell.next
        while beside is not None and beside.tag not in ("td", "th"):
            beside = beside.next
        if beside is not None and _text(beside):
            page[label] = _iso(_text(beside)) if label in ("date", "signed") else _text(beside)
    for item in tree.css("li"):
        m = _LISTED_FIELD.match(_text(item))
        label = _TABLE_FIELDS.get(m.group("label")) if m else None
        if m and label and label not in page:
            value = m.group("value").strip()
            page[label] = _iso(value) if label in ("date", "signed") else re.sub(r"\s+", "" if label == "number" else " ", value)
    if not page.get("date") and tree.body is not None:
        m = _LABELLED_DATE.search(tree.body.text(separator=" "))
        if m:
            page["date"] = _iso(m.group(1))
    return {k: v for k, v in page.items() if v}


def page_attachments(content: LexborNode) -> list[str]:
    """The names of the files the article links as attachments (附件), in page order, once each."""
    names: list[str] = []
    for link in content.css("a"):
        if _dropped(link):
            continue
        name = _text(link)
        href = link.attributes.get("href") or ""
        if name and (_FILE_LINK.search(href) or _ATTACHMENT_TEXT.match(name)) and name not in names:
            names.append(name)
    return names


def _attachment_scope(content: LexborNode) -> LexborNode:
    """Where a page lists the article's attachments: the content, or the block just around it."""
    parent = content.parent
    return parent if parent is not None and parent.tag not in ("body", "html") else content


def html_to_text(html: str) -> tuple[str, bool]:
    """The article body as one paragraph per line, and whether headings were marked with `#`."""
    page = _read_page(html)
    return page.text, page.markdown


def _read_page(html: str) -> LoadedText:
    """The article body, the page's metadata and its attachments."""
    tree = LexborHTMLParser(html)
    body = tree.body or tree.root
    if body is None:
        return LoadedText("")
    content = _content_node(body)
    out = _Lines()
    marked = _emit(content, out)
    out.newline()
    lines = out.lines
    title = _title_line(tree, content)
    head = re.sub(r"[\s#]", "", "".join(lines[:_TITLE_LINES]))
    if title and re.sub(r"\s", "", title) not in head:  # the body does not print it (maybe over two lines)
        lines.insert(0, title)
    return LoadedText("\n".join(lines), markdown=marked, page=page_metadata(tree),
                      attachments=page_attachments(_attachment_scope(content)))


def page_status(html: str) -> str:
    """REPEALED when the page marks its document repealed outside the article text: a <meta> whose content is
    the mark (「已废止」, 「失效」) or a short mark line (「时效性：失效」) in the page's info bars, not in a link."""
    tree = LexborHTMLParser(html)
    for meta in tree.css("meta[content]"):
        if is_repeal_mark(meta.attributes.get("content") or "") and len(meta.attributes.get("content") or "") <= 8:
            return REPEALED
    body = tree.body or tree.root
    if body is None:
        return ""
    for node in body.traverse(include_text=True):
        if node.tag == "-text" and not _in_link(node) and not _dropped(node) and is_repeal_mark(node.text_content or ""):
            return REPEALED
    return ""


class HtmlReader:
    """`.html`/`.htm`: the article text of a saved page or a fragment."""

    name = "html"
    suffixes: tuple[str, ...] = (".html", ".htm", ".xhtml", ".shtml")

    def sniff(self, head: bytes) -> bool:
        """A document type or <html> element at the start."""
        start = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
        return start.startswith((b"<!doctype html", b"<html")) or (start.startswith(b"<?xml") and b"<html" in start)

    def read(self, raw: bytes, name: str) -> LoadedText:
        """The article text; a page with no text raises EmptyDocumentError."""
        html = _decode(raw, name)
        loaded = _read_page(html)
        if not loaded.text.strip():
            raise EmptyDocumentError(f"{name}: the page holds no article text.")
        status = page_status(html)  # a mark beside the article, which its text leaves out
        if status:
            loaded.overrides = {**loaded.overrides, "status": status}
        return loaded
