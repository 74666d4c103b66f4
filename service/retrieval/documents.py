"""Documents a question names by title (「青岛市古树名木保护管理办法」, 《…》), and whether the index holds them."""

from __future__ import annotations

import re
from collections.abc import Iterable

from ingest import find_regions, mentions

__all__ = ["named_documents", "missing_document", "covers"]

# The kinds of document Chinese official titles end in (the grammar of titles, not a list of documents).
_KIND = r"(?:若干规定|暂行规定|实施办法|管理办法|实施细则|实施意见|实施方案|行动方案|工作方案|工作要点|政府工作报告|" \
        r"规定|办法|条例|意见|方案|措施|通知|决定|细则|规则|规划|纲要|报告|公告|通告)"
_QUOTED = re.compile(r"《([^《》]{2,60})》")
# 《药品生产许可证》, 《营业执照》: regulations put certificates and forms in 《》 too; they are no documents to look for.
_CERTIFICATE = re.compile(r"(?:证|证书|执照|卡|表)$")
_NAMED = re.compile(rf"(?:^|(?<=[，,。？?；;、和与及在按据照中]))([^，,。？?；;、《》和与及在按据照]{{2,40}}?{_KIND})(?=第|中|里|的|哪|是|规定|提出|有|怎|对|关于|[，,。？?；;和与及]|$)")
# A phrase that asks something is a question about measures (「有哪些措施」), not a title.
_ASKING = re.compile(r"哪|什么|怎|多少|吗|几|谁|是否|(?<!任)何|方面")
# 「…企业发出通知」, 「下发通知」: the act of issuing a notice, not its title; 「出具虚假报告」「提交年度报告」: the act of
# making or handing in a report, not a document's name.
_ISSUING = re.compile(r"(?:发出|下发|印发|发布|出台|下达|转发)\s*(?:了|一份|一个)?\s*" + _KIND + "$"
                      r"|(?:出具|提交|提供|编制|报送|作出|填报)[^，,。？?]{0,6}" + _KIND + "$")
# Words any title may carry that say nothing about which document it is; the state's name heads every national
# law's title (「中华人民共和国数据安全法」 is not 「中华人民共和国食品安全法实施条例」 for sharing it).
_FILLER = re.compile(r"中华人民共和国|关于|若干|暂行|实施|试行|修订|的|人民政府|办公厅|办公室|" + _KIND)


def named_documents(question: str) -> list[str]:
    """Titles the question names: in 《》 (not a certificate's name), or a phrase ending in a document kind (…条例,
    …实施办法)."""
    quoted = [name for name in _QUOTED.findall(question) if not _CERTIFICATE.search(name)]
    if quoted:
        return quoted
    return [m.group(1) for m in _NAMED.finditer(question)
            if _distinctive(m.group(1)) and not _ASKING.search(m.group(1)) and not _ISSUING.search(m.group(1))]


def _distinctive(name: str) -> str:
    """The characters that tell one document from another: no places, no filler words."""
    for m in sorted(mentions(name), key=lambda m: -m.start):
        name = name[:m.start] + name[m.end:]
    for region in find_regions(name):
        name = name.replace(region, "")
    return re.sub(r"\s", "", _FILLER.sub("", name))


def covers(title: str, name: str, min_share: float = 0.8) -> bool:
    """Whether a document's title is the one named: it holds most of the name's distinctive characters."""
    return _holds(title, _distinctive(name), min_share)


def _holds(title: str, core: str, min_share: float = 0.8) -> bool:
    return not core or sum(ch in title for ch in core) >= min_share * len(core)


def missing_document(named: Iterable[str], titles: Iterable[str]) -> str:
    """The first named title that no indexed title covers, or '' (each name read once, not once per title)."""
    titles = list(titles)
    for name in named:
        core = _distinctive(name)
        if not any(_holds(title, core) for title in titles):
            return name
    return ""
