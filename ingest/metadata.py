"""Document-level metadata inferred from the text: region, date, issuer, document type."""

from __future__ import annotations

import re
from collections import Counter

__all__ = ["CITIES", "COUNTIES", "infer_region", "infer_date", "infer_issuer", "infer_doc_type", "find_regions"]

# Henan's prefecture-level cities (济源 is a directly administered city) and the counties we have met.
CITIES = [
    "郑州", "开封", "洛阳", "平顶山", "安阳", "鹤壁", "新乡", "焦作", "濮阳", "许昌",
    "漯河", "三门峡", "南阳", "商丘", "信阳", "周口", "驻马店", "济源",
]
COUNTIES = {"尉氏县": "开封市", "兰考县": "开封市", "杞县": "开封市", "通许县": "开封市", "巩义市": "郑州市",
            "新密市": "郑州市", "登封市": "郑州市", "新郑市": "郑州市", "中牟县": "郑州市", "林州市": "安阳市"}
# Other provinces and big cities, so that questions naming them are recognised as out of the corpus.
OTHER_PLACES = [
    "北京", "上海", "天津", "重庆", "广州", "深圳", "杭州", "南京", "武汉", "成都", "西安", "长沙", "合肥",
    "济南", "青岛", "石家庄", "太原", "苏州", "厦门", "福州", "昆明", "贵阳", "南昌", "哈尔滨", "长春", "沈阳",
    "大连", "兰州", "银川", "西宁", "乌鲁木齐", "拉萨", "呼和浩特", "南宁", "海口",
    "河北", "山东", "山西", "湖北", "湖南", "广东", "江苏", "浙江", "安徽", "四川", "陕西", "福建", "江西",
    "云南", "贵州", "辽宁", "吉林", "黑龙江", "甘肃", "青海", "宁夏", "新疆", "西藏", "内蒙古", "广西", "海南",
]

_TAG = re.compile(r"^【([^】]{2,8}?)(?:招商|资讯|新闻|要闻)?】")


def find_regions(text: str) -> list[str]:
    """Every Henan city or known county named in a text, in canonical form, first mention first."""
    found: list[tuple[int, str]] = []
    for county in COUNTIES:
        for m in re.finditer(county[:-1], text):
            found.append((m.start(), county))
    for city in CITIES:
        for m in re.finditer(city, text):
            found.append((m.start(), city + "市"))
    seen: list[str] = []
    for _, name in sorted(found):
        if name not in seen:
            seen.append(name)
    return seen


def _canonical_place(name: str) -> str:
    name = name.strip()
    if name in ("河南", "河南省"):
        return "河南省"
    for county in COUNTIES:
        if name in (county, county[:-1]):
            return county
    for city in CITIES:
        if name in (city, city + "市"):
            return city + "市"
    return name


def infer_region(title: str, text: str, tag: str = "") -> str:
    """The place a document is about: a place in its title, then its site tag, then the most named city."""
    for place in find_regions(title):
        return place
    if tag:
        return _canonical_place(tag)
    counts: Counter[str] = Counter()
    for county in COUNTIES:
        counts[county] += 2 * text.count(county[:-1])
    for city in CITIES:
        counts[city + "市"] += text.count(city)
    if counts and counts.most_common(1)[0][1] > 0:
        return counts.most_common(1)[0][0]
    return "河南省" if "河南" in title + text else ""


_FULL_DATE = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_MONTH_DAY = re.compile(r"(?<![\d年])(\d{1,2})月(\d{1,2})日")


def _iso(y: str, m: str, d: str) -> str:
    return f"{int(y):04d}-{int(m):02d}-{int(d):02d}"


def infer_date(paragraphs: list[str], *, fallback: str = "") -> str:
    """The document's own date: a signature date on its own line, one at the head, or month-day plus year."""
    for para in reversed(paragraphs[-3:]):
        m = _FULL_DATE.fullmatch(para.strip())
        if m:
            return _iso(*m.groups())
    head = "".join(paragraphs[:2])[:300]
    for m in _FULL_DATE.finditer(head):
        after = head[m.end(): m.end() + 3]
        if not after.startswith(("前", "底", "以", "至", "起")):
            return _iso(*m.groups())
    if fallback:
        return fallback
    joined = "".join(paragraphs)
    md = _MONTH_DAY.search(joined)
    years = Counter(re.findall(r"(20\d{2})年", joined))
    if md and years:
        return _iso(years.most_common(1)[0][0], *md.groups())
    return ""


def infer_issuer(title: str, text: str, region: str = "") -> str:
    """The issuing authority where the text states it."""
    m = re.match(r"^(.{2,12}?(?:人民政府办公室|人民政府|办公室|委员会))关于", title)
    if m:
        return m.group(1)
    if region and re.search(f"{region}人民政府[县市区]长", text[:400]):
        return region + "人民政府"
    return ""


def infer_doc_type(title: str, text: str) -> str:
    """One of measures, responsibility_notice, work_report, news."""
    if "政府工作报告" in title and "责任单位" not in title:
        return "work_report"
    if "责任单位" in title or "重点工作" in title:
        return "responsibility_notice"
    if "措施" in title or "方案" in title or "意见" in title:
        return "measures"
    return "news"


def site_tag(title_line: str) -> tuple[str, str]:
    """Split 【尉氏县招商】title into (tag place, title)."""
    m = _TAG.match(title_line)
    if not m:
        return "", title_line
    return m.group(1), title_line[m.end():]
