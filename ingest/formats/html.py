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

__all__ = ["HtmlReader", "html_to_text", "page_status"]

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


def _content_node(body: LexborNode) -> LexborNode:
    """The element that directly holds the most Chinese prose (blocks with sentence punctuation, links excluded)."""
    texts: dict[int, list[str]] = defaultdict(list)
    holders: dict[int, LexborNode] = {}
    for node in body.traverse(include_text=True):
        if node.tag != "-text" or _in_link(node) or _dropped(node):
            continue
        block = _nearest_block(node)
        # Text in a paragraph credits the paragraph's container; text loose in a div credits the div.
        holder = block.parent if block is not None and block.tag in _PARAGRAPH else block
        if holder is None:
            continue
        key = block.mem_id if block is not None else holder.mem_id
        texts[key].append(node.text_content or "")
        holders[key] = holder
    scores: dict[int, int] = defaultdict(int)
    nodes: dict[int, LexborNode] = {}
    for key, parts in texts.items():
        text = "".join(parts)
        if _PROSE.search(text):  # menus, info bars and footers have words but no sentences
            holder = holders[key]
            scores[holder.mem_id] += len(_CJK.findall(text))
            nodes[holder.mem_id] = holder
    if not scores:
        return body
    return _widen(nodes[max(scores, key=lambda k: scores[k])])


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


def _row(tr: LexborNode) -> str | None:
    """A data row as one line of cells; None for a layout row whose cells hold paragraphs."""
    cells = [c for c in tr.iter() if c.tag in ("td", "th")]
    if any(c.css_first("p, div, table, br") is not None for c in cells):
        return None
    texts = [_text(c) for c in cells]
    return CELL_SEPARATOR.join(t for t in texts if t)


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
    """The page's article title when the body does not start with it: the ArticleTitle meta or the last
    h1-h3 before the body (government CMSs put the title above the text container)."""
    meta = tree.css_first('meta[name="ArticleTitle"], meta[name="articletitle"]')
    if meta is not None and (meta.attributes.get("content") or "").strip():
        return (meta.attributes.get("content") or "").strip()
    order = {n.mem_id: i for i, n in enumerate(tree.root.traverse())} if tree.root is not None else {}
    start = order.get(content.mem_id, 0)
    inside = {n.mem_id for n in content.traverse()}
    before = [h for h in tree.css("h1, h2, h3")
              if order.get(h.mem_id, start) < start and h.mem_id not in inside and not _dropped(h)]
    return _text(before[-1]) if before else ""


def html_to_text(html: str) -> tuple[str, bool]:
    """The article body as one paragraph per line, and whether headings were marked with `#`."""
    tree = LexborHTMLParser(html)
    body = tree.body or tree.root
    if body is None:
        return "", False
    content = _content_node(body)
    out = _Lines()
    marked = _emit(content, out)
    out.newline()
    lines = out.lines
    title = _title_line(tree, content)
    if title and (not lines or lines[0].lstrip("# ") != title):
        lines.insert(0, title)
    return "\n".join(lines), marked


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
        text, marked = html_to_text(html)
        if not text.strip():
            raise EmptyDocumentError(f"{name}: the page holds no article text.")
        status = page_status(html)  # a mark beside the article, which its text leaves out
        return LoadedText(text, markdown=marked, overrides={"status": status} if status else {})
