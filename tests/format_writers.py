"""Writers of real files in every format ingest reads (docx, text PDF, scanned PDF, government page), for tests."""

from __future__ import annotations

import html
from collections.abc import Sequence
from pathlib import Path

__all__ = ["pdf_safe", "write_docx", "write_pdf", "write_scanned_pdf", "write_government_page", "write_bytes"]

RUNNING_HEADER = "济源市人民政府文件"
SITE_NAV = ["首页", "政务公开", "政策文件", "政策解读", "互动交流", "办事服务"]


def write_docx(paragraphs: Sequence[str], path: Path) -> Path:
    """A Word document (python-docx) with one Word paragraph per paragraph."""
    import docx

    document = docx.Document()
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    document.save(str(path))
    return path


def pdf_safe(text: str) -> str:
    """The text with the characters pdfminer cannot read back from reportlab's built-in CID font swapped.

    reportlab writes 「·」 (U+00B7) as a code that pdfminer's UniGB-UCS2-H CMap lacks, so pdfminer drops it
    (PDFium reads it). 「・」 is drawn with the glyph that pdfminer maps back to 「·」, so the text round-trips.
    Real Word/WPS PDFs embed their fonts with a ToUnicode map and do not meet this; it is a limit of the only
    Chinese font a test can use without a font file.
    """
    from pdfminer.cmapdb import CMapDB

    cmap = CMapDB.get_cmap("UniGB-UCS2-H")
    return "".join(c if c.isspace() or list(cmap.decode(c.encode("utf-16-be"))) else "・" for c in text)


def _wrap(text: str, width: float, font: str, size: float, indent: float) -> list[str]:
    """Hard line breaks at a fixed width, wherever they fall: inside words, numbers and sentences."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    lines: list[str] = []
    current = ""
    room = width - indent
    for char in text:
        if current and stringWidth(current + char, font, size) > room:
            lines.append(current)
            current, room = "", width
        current += char
    lines.append(current)
    return lines


def write_pdf(paragraphs: Sequence[str], path: Path, *, header: str = RUNNING_HEADER, page_numbers: bool = True,
              encrypt_password: str = "") -> Path:
    """A text PDF (reportlab, built-in CID font STSong-Light): first lines indented two characters, lines
    wrapped at a fixed width, a running header and 「- N -」 page numbers on every page."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    font, size, leading = "STSong-Light", 12.0, 20.0
    pdfmetrics.registerFont(UnicodeCIDFont(font))
    width, height = A4
    left, right, top, bottom = 72.0, 72.0, 90.0, 80.0
    text_width = width - left - right
    encrypt = None
    if encrypt_password:
        from reportlab.lib.pdfencrypt import StandardEncryption

        encrypt = StandardEncryption(encrypt_password, canPrint=0)
    pdf = canvas.Canvas(str(path), pagesize=A4, encrypt=encrypt)
    page = 1

    def furniture() -> None:
        pdf.setFont(font, 9)
        if header:
            pdf.drawCentredString(width / 2, height - 50, header)
        if page_numbers:
            pdf.drawCentredString(width / 2, 40, f"- {page} -")
        pdf.setFont(font, size)

    furniture()
    y = height - top
    for paragraph in paragraphs:
        indent = 2 * size
        for n, line in enumerate(_wrap(pdf_safe(paragraph), text_width, font, size, indent)):
            if y < bottom:
                pdf.showPage()
                page += 1
                furniture()
                y = height - top
            pdf.drawString(left + (indent if n == 0 else 0), y, line)
            y -= leading
    pdf.showPage()
    pdf.save()
    return path


def write_scanned_pdf(path: Path) -> Path:
    """A PDF whose pages are only drawings (as a scan is only an image): no text layer."""
    from reportlab.pdfgen import canvas

    pdf = canvas.Canvas(str(path))
    for _ in range(2):
        for row in range(40):
            pdf.rect(72, 760 - row * 16, 300 + (row * 37) % 150, 9, fill=1)
        pdf.showPage()
    pdf.save()
    return path


def write_government_page(paragraphs: Sequence[str], path: Path, *, title: str = "", encoding: str = "utf-8") -> Path:
    """A page as a government site publishes it: head with meta tags and scripts, site header and navigation,
    breadcrumbs, the article (title, info bar, body as <p> in a content div), related links, footer."""
    nav = "".join(f'<li><a href="/col{n}/index.html">{item}</a></li>' for n, item in enumerate(SITE_NAV))
    body = "\n".join(f'<p style="text-indent:2em;">{html.escape(p)}</p>' for p in paragraphs)
    related = "".join(f'<li><a href="/art/{n}.html">关于做好第{n}批项目申报工作的通知</a><span>2024-0{n}-12</span></li>'
                      for n in range(1, 7))
    meta_title = f'<meta name="ArticleTitle" content="{html.escape(title)}">' if title else ""
    page = f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta http-equiv="Content-Type" content="text/html; charset={encoding}">
<meta name="SiteName" content="济源市人民政府">
{meta_title}
<title>{html.escape(title or "政策文件")}_济源市人民政府</title>
<link rel="stylesheet" href="/css/main.css">
<script type="text/javascript">var _hmt = _hmt || []; document.write("统计代码加载中，请稍候");</script>
<style>.nav li {{ float: left; }}</style>
</head>
<body>
<div class="top-bar"><a href="/">无障碍浏览</a> | <a href="/en">English</a> | <a href="/m">手机版</a></div>
<div class="header"><img src="/logo.png" alt="济源市人民政府门户网站"><div class="search"><input type="text"
 placeholder="请输入关键字"><button>搜索</button></div></div>
<div class="nav"><ul>{nav}</ul></div>
<div class="crumbs">当前位置：<a href="/">首页</a> &gt; <a href="/zwgk">政务公开</a> &gt; <a href="/zcwj">政策文件</a></div>
<div class="main">
  <div class="article">
    <div class="info"><span>发布时间：2024-07-17</span><span>来源：市政府办公室</span><span>浏览次数：<script>document.write(12);</script></span></div>
    <div class="content">
{body}
    </div>
    <div class="share">分享到：<a href="#">微信</a><a href="#">微博</a></div>
  </div>
  <div class="related"><h3>相关文件</h3><ul>{related}</ul></div>
</div>
<div class="footer"><p>主办单位：济源市人民政府办公室 地址：济源市示范区政务服务中心</p>
<p>网站标识码：4190010001 豫ICP备00000000号 <a href="/sitemap">网站地图</a> <a href="/contact">联系我们</a></p></div>
<script src="/js/jquery.min.js"></script>
<script>$(function(){{ $(".nav li").hover(function(){{}}); }});</script>
</body>
</html>
"""
    # Sites that declare gb2312 serve GBK in practice (characters like 犇 are outside GB2312).
    path.write_bytes(page.encode("gb18030" if encoding.lower() in ("gb2312", "gbk") else encoding))
    return path


def write_bytes(path: Path, raw: bytes) -> Path:
    """Raw bytes, e.g. text in a legacy encoding."""
    path.write_bytes(raw)
    return path
