"""Lifecycle clauses: effective and expiry dates, replaced documents, repeal marks (table-driven)."""

from __future__ import annotations

import pytest

from ingest.lifecycle import REPEALED, add_term, infer_lifecycle, infer_status

SIGNED = "2024-05-06"  # the document's own date, which 「自印发之日起」 refers to

# (text, effective_date, expiry_date, replaces)
CASES = [
    # effective dates
    ("第二十八条 本规定自1995年12月1日起施行", "1995-12-01", "", []),
    ("本办法自2018年5月1日起施行。", "2018-05-01", "", []),
    ("本方案自2024年1月1日起正式实施。", "2024-01-01", "", []),
    ("本通知自二〇二三年十月一日起执行。", "2023-10-01", "", []),
    ("本规定自2020年7月1日施行。", "2020-07-01", "", []),
    ("本意见自2021年3月15日起生效。", "2021-03-15", "", []),
    ("本实施细则自印发之日起施行。", SIGNED, "", []),
    ("本办法自发布之日起施行。", SIGNED, "", []),
    ("本办法自公布之日起施行。", SIGNED, "", []),
    ("第二十八条 本办法自发布之日起30日后施行。", "2024-06-05", "", []),
    ("本试行规范于2007年1月1日正式实施。", "2007-01-01", "", []),
    ("本通告自2020年2月21日零时施行。", "2020-02-21", "", []),  # an hour after the date
    ("本通告自2020年2月21日0时起执行。", "2020-02-21", "", []),
    ("各地于2020年3月1日起实施复工备案。", "", "", []),  # 「于」 dates what the text regulates
    # terms counted from the effective date: the day before the anniversary
    ("本实施细则自印发之日起施行，有效期3年。", SIGNED, "2027-05-05", []),
    ("本措施自2024年3月1日起施行，有效期三年。", "2024-03-01", "2027-02-28", []),
    ("本办法自2023年1月1日起施行，有效期为两年。", "2023-01-01", "2024-12-31", []),
    ("本细则自2022年7月1日起施行，有效期五年。", "2022-07-01", "2027-06-30", []),
    ("本政策自2024年1月1日起实施，有效期暂定十年。", "2024-01-01", "2033-12-31", []),
    ("本方案自2024年2月1日起实施，有效期6个月。", "2024-02-01", "2024-07-31", []),
    ("本方案有效期两年。本方案自2023年5月1日起施行。", "2023-05-01", "2025-04-30", []),
    # expiry dates written out
    ("本措施自2024年3月1日起实施，有效期至2027年2月28日。", "2024-03-01", "2027-02-28", []),
    ("本措施自2024年3月1日起实施，有效期至2027年2月28日止。", "2024-03-01", "2027-02-28", []),
    ("本通知自印发之日起施行，有效期截至2026年12月31日。", SIGNED, "2026-12-31", []),
    ("本政策执行期至2025年12月31日。", "", "2025-12-31", []),
    ("有效期自2024年1月1日至2025年12月31日止。", "2024-01-01", "2025-12-31", []),
    ("本办法有效期为2024年1月1日至2028年12月31日。", "2024-01-01", "2028-12-31", []),
    ("本通知执行期至2027年底。", "", "2027-12-31", []),
    ("本意见自印发之日起实施，有效期至二〇二六年六月三十日。", SIGNED, "2026-06-30", []),
    # replaced documents: titles without 《》 and 文号s, in order
    ("本办法自2024年1月1日起施行，《新乡市中小企业发展专项资金管理办法（试行）》（新政办〔2019〕12号）同时废止。",
     "2024-01-01", "", ["新乡市中小企业发展专项资金管理办法（试行）", "新政办〔2019〕12号"]),
    ("本规定自2022年1月1日起施行。原《某某市物业管理办法》同时废止。",
     "2022-01-01", "", ["某某市物业管理办法"]),
    ("本通知自发布之日起施行，《关于加强甲的通知》（甲发[2018]3号）和《关于做好乙的意见》停止执行。",
     SIGNED, "", ["关于加强甲的通知", "甲发〔2018〕3号", "关于做好乙的意见"]),
    ("此前印发的《某县就业补助资金管理办法》（某政〔2020〕7号）不再执行。", "", "",
     ["某县就业补助资金管理办法", "某政〔2020〕7号"]),
    ("本细则自2023年6月1日起施行，有效期5年，《某区人才引进办法》同时废止。", "2023-06-01", "2028-05-31",
     ["某区人才引进办法"]),
    ("第十九条 本办法自2002年12月1日起施行，原某局1996年公布的《某某产品管理办法（试行）》（某综发〔1996〕22号）同时废止。",
     "2002-12-01", "", ["某某产品管理办法（试行）", "某综发〔1996〕22号"]),
    ("某部2015年公布，根据2017年某部《关于修改部分规章的决定》修正的《某某许可管理办法》同时废止。", "", "",
     ["某某许可管理办法"]),  # the amending decision is the repealed text's history
    ("（2023年2月25日某总局令第72号公布 自2023年5月1日起施行）", "2023-05-01", "", []),
    ("原某局1999年发布的《某某素管理办法》（试行）同时废止。", "", "", ["某某素管理办法（试行）"]),
    ("某局发布的《某某资质管理办法》（某发〔2012〕7号，某发〔2019〕13号修订）同时废止。", "", "",
     ["某某资质管理办法", "某发〔2012〕7号"]),
    ("本通告自发布之日起执行，有效期至本地应急响应解除之日止。", SIGNED, "", []),  # an event, not a date
    ("（2008年10月6日某院第28次常务会议通过　2008年10月9日某院令第536号公布　自公布之日起施行）", SIGNED, "", []),
    ("某项规定已经某局局务会议通过，现予公告，自发布之日起施行。", SIGNED, "", []),
    # one period written out, where nothing else states the document's dates: a temporary measure's window
    ("二、降价措施 自2020年2月1日起至6月30日止，电网企业按原到户电价的95%结算。", "2020-02-01", "2020-06-30", []),
    ("一、模拟运行自11月18日起至12月底止。", "2024-11-18", "2024-12-31", []),  # the year of the document's date
    ("自2024年11月1日起至2月28日止暂停收费。", "2024-11-01", "2025-02-28", []),  # over the new year
    # what is not the document's own lifecycle
    ("一、自2024年1月1日起至3月31日止减免租金。二、自2024年4月1日起至6月30日止减半收取。", "", "", []),  # two windows
    ("本办法自2024年1月1日起施行。对企业自2024年1月1日起至2025年12月31日止给予补贴。", "2024-01-01", "", []),
    ("第二十九条 行政法规应当自公布之日起30日后施行。", "", "", []),  # a rule for other texts
    ("对自2024年1月1日起实施的项目给予补贴。", "", "", []),
    ("各电力企业自2024年7月1日起执行新的收费标准。", "", "", []),
    ("注册人对使用管理规则的任何修改，应报经审查核准，并自公告之日起生效。", "", "", []),
    ("《购用证明》由某局统一印制，有效期为3个月。", "", "", []),
    ("第二十五条 许可证发证日期为许可决定作出的日期，有效期为5年。", "", "", []),
    ("本办法所称许可证，有效期为三年。", "", "", []),
    ("该项政策执行期限由原“疫情防控期间”延长至2020年6月30日。", "", "", []),
    ("排污许可证有效期为五年。", "", "", []),
    ("探矿权人在勘查许可证有效期内，有权优先取得采矿权。", "", "", []),
    ("对区内企业，不再执行《外商投资建筑业企业管理规定》中关于工程承包范围的限制性规定。", "", "", []),
    ("各省要在本意见印发之日起30日内，制定出台具体实施办法。", "", "", []),
    ("《中华人民共和国民法典》自2021年1月1日起施行后，本市相关规定同步调整。", "", "", []),
    ("修改废止和宣布失效政府规章10部、规范性文件44件。", "", "", []),
    ("到2025年，全市新增就业10万人。", "", "", []),
]


@pytest.mark.parametrize(("text", "effective", "expiry", "replaces"), CASES, ids=[c[0][:18] for c in CASES])
def test_lifecycle_clauses(text: str, effective: str, expiry: str, replaces: list[str]) -> None:
    life = infer_lifecycle("某文件", text, date=SIGNED)
    assert (life.effective_date, life.expiry_date, life.replaces) == (effective, expiry, replaces)
    stated = bool(effective or expiry or replaces)
    assert bool(life.lifecycle_clause) == stated
    if stated:
        assert life.lifecycle_clause in text


@pytest.mark.parametrize(("clause", "effective"), [
    ("本规则自发布之日起施行，有效期五年。", "2024-09-13"),  # 发布: the day the page published it
    ("本办法自公布之日起30日后施行。", "2024-10-13"),
    ("本方案自印发之日起施行。", "2024-09-10"),  # 印发: the day it was signed
])
def test_published_and_signed_dates_are_told_apart(clause: str, effective: str) -> None:
    assert infer_lifecycle("某规则", clause, date="2024-09-10", published="2024-09-13").effective_date == effective


def test_clause_is_the_first_stating_sentence_verbatim() -> None:
    text = "第一条 为了规范管理，制定本办法。\n第三十条 本办法自2019年12月1日起施行。\n第三十一条 其他。"
    assert infer_lifecycle("某办法", text).lifecycle_clause == "第三十条 本办法自2019年12月1日起施行。"


def test_issue_date_unknown_leaves_effective_date_empty_but_keeps_the_clause() -> None:
    life = infer_lifecycle("某方案", "本方案自印发之日起实施，有效期2年。", date="")
    assert (life.effective_date, life.expiry_date) == ("", "")
    assert life.lifecycle_clause == "本方案自印发之日起实施，有效期2年。"


@pytest.mark.parametrize(("effective", "count", "unit", "expiry"), [
    ("2024-03-01", 3, "年", "2027-02-28"),
    ("2024-01-01", 1, "年", "2024-12-31"),
    ("2024-02-29", 1, "年", "2025-02-28"),
    ("2023-03-15", 2, "年", "2025-03-14"),
    ("2024-01-31", 1, "个月", "2024-02-29"),
    ("2024-11-10", 3, "个月", "2025-02-09"),
])
def test_add_term_ends_the_day_before_the_anniversary(effective: str, count: int, unit: str, expiry: str) -> None:
    assert add_term(effective, count, unit) == expiry


# (title, text head, status)
STATUS_CASES = [
    ("关于印发某某办法的通知", "已废止\n第一条 为了…", REPEALED),
    ("关于印发某某办法的通知", "【已失效】\n第一条 为了…", REPEALED),
    ("关于印发某某办法的通知", "发文字号：\n某政〔2019〕3号\n时效性：\n失效\n各区县：", REPEALED),
    ("关于印发某某办法的通知", "有效性：已废止 | 发布日期：2019-03-01", REPEALED),
    ("关于印发某某办法的通知（已废止）", "第一条 为了…", REPEALED),
    ("关于印发某某办法的通知", "时效性：现行有效\n第一条 为了…", ""),
    ("关于印发某某办法的通知", "第一条 本办法自2024年1月1日起施行，原办法同时废止。", ""),
    ("关于清理规范性文件的决定", "对以下文件予以废止或宣布失效，具体如下：", ""),
]


@pytest.mark.parametrize(("title", "text", "status"), STATUS_CASES)
def test_repeal_marks(title: str, text: str, status: str) -> None:
    assert infer_status(title, text) == status
    assert infer_lifecycle(title, text).status == status
