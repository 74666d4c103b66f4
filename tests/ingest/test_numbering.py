"""The numbering grammar, table-driven: every marker form, numerals, inline splits and 一是…二是… runs."""

from __future__ import annotations

import pytest

from ingest.numbering import (
    ARTICLE_REF,
    STRUCTURE_START,
    article_title,
    chinese_to_int,
    enumeration_items,
    int_to_chinese,
    match_marker,
    split_inline,
    strip_marker,
)


@pytest.mark.parametrize(("line", "kind", "number", "rest"), [
    ("第二编 分则", "part", 2, "分则"),
    ("第一章 总则", "chapter", 1, "总则"),
    ("第三节　监督检查", "division", 3, "监督检查"),
    ("第十二条 本办法所称企业，是指…", "article", 12, "本办法所称企业，是指…"),
    ("第105条 附则", "article", 105, "附则"),
    ("第十四条中小企业信用担保机构应当…", "article", 14, "中小企业信用担保机构应当…"),
    ("第四十九条第二类精神药品经营企业应当…", "article", 49, "第二类精神药品经营企业应当…"),  # 第二类 is no 第二款
    ("第二十七条　第二审人民法院决定发回重审的…", "article", 27, "第二审人民法院决定发回重审的…"),
    ("三、重点任务", "heading", 3, "重点任务"),
    ("（十一）强化要素保障", "paren", 11, "强化要素保障"),
    ("(二)优化营商环境", "paren", 2, "优化营商环境"),
    ("12.推进城市更新。", "item", 12, "推进城市更新。"),
    ("3、落实减税降费。", "item", 3, "落实减税降费。"),
    ("7．完善考核机制。", "item", 7, "完善考核机制。"),
    ("（2）申报材料", "paren_item", 2, "申报材料"),
    ("(4)资金拨付", "paren_item", 4, "资金拨付"),
    ("③强化监管。", "circled", 3, "强化监管。"),
    ("重点工作5：扩大有效投资", "key_task", 5, "扩大有效投资"),
    ("附件2：重点项目清单", "attachment", 2, "重点项目清单"),
    ("附件", "attachment", 0, ""),
])
def test_match_marker(line: str, kind: str, number: int, rest: str) -> None:
    marker = match_marker(line)
    assert marker is not None
    assert (marker.kind, marker.number, marker.rest) == (kind, number, rest)


@pytest.mark.parametrize("line", [
    "第三条规定的情形除外。",  # a cross reference, not an article
    "第五条、第六条所列事项，按规定办理。",
    "第三条中的期限，自受理之日起计算。",
    "第七条中规定的情形除外。",
    "第三条第二款规定的情形除外。",
    "第十二条第一项所列事项，按规定办理。",
    "依照第三条执行。",
    "附件是本通知的组成部分。",
    "一是加强组织领导。",
    "2024年是关键之年。",
    "各位代表：",
])
def test_lines_that_start_no_unit(line: str) -> None:
    assert match_marker(line) is None
    assert not STRUCTURE_START.match(line)


@pytest.mark.parametrize(("numeral", "value"), [
    ("一", 1), ("十", 10), ("十二", 12), ("二十", 20), ("四十六", 46), ("一百零五", 105), ("一百二十", 120),
    ("二〇二四", 2024), ("两百", 200), ("46", 46),
])
def test_chinese_to_int(numeral: str, value: int) -> None:
    assert chinese_to_int(numeral) == value


@pytest.mark.parametrize("value", [1, 9, 10, 11, 19, 20, 46, 99, 100, 105, 110, 120, 999])
def test_int_to_chinese_round_trips(value: int) -> None:
    assert chinese_to_int(int_to_chinese(value)) == value


@pytest.mark.parametrize(("line", "parts"), [
    ("第一章总则第一条为了规范专项资金管理，制定本办法。", ["第一章总则", "第一条为了规范专项资金管理，制定本办法。"]),
    ("第二章 申报 第五条 申报单位应当具备下列条件",
     ["第二章 申报", "第五条 申报单位应当具备下列条件"]),
    ("一、总体要求 1.甲项措施。 2.乙项措施，依照 第3条规定执行。",
     ["一、总体要求", "1.甲项措施。", "2.乙项措施，依照 第3条规定执行。"]),
    ("第一章所列事项另行规定。", ["第一章所列事项另行规定。"]),
])
def test_split_inline(line: str, parts: list[str]) -> None:
    assert split_inline(line) == parts


def test_enumeration_items_count_one_two_three() -> None:
    paragraph = "今年要抓好三件事：一是抓项目建设；二是抓招商引资；三是抓营商环境。"
    items = enumeration_items(paragraph)
    assert [n for n, _ in items] == [1, 2, 3]
    assert [paragraph[start:start + 2] for _, start in items] == ["一是", "二是", "三是"]
    assert enumeration_items("这是一件大事，一是要紧的。") == []  # one alone is no run


@pytest.mark.parametrize(("rest", "title"), [
    ("【定义】本办法所称专项资金，是指…", "定义"),
    ("（适用范围）本办法适用于…", "适用范围"),
    ("本办法适用于全市。", ""),
])
def test_article_title(rest: str, title: str) -> None:
    assert article_title(rest) == title


def test_strip_marker_and_article_references() -> None:
    assert strip_marker("46.能源新能源产业") == "能源新能源产业"
    assert strip_marker("第三条 依照第二条规定执行。") == "依照第二条规定执行。"
    assert strip_marker("一、总体要求", ("item",)) == "一、总体要求"
    assert [m.group("num") for m in ARTICLE_REF.finditer("第46条和第四十七条")] == ["46", "四十七"]
