"""Document metadata from many provinces: places, region paths, issuers, document numbers and dates."""

from __future__ import annotations

import pytest

from ingest.gazetteer import find_places, find_regions, lookup, region_matches, region_path
from ingest.metadata import (NATIONAL, document_genre, infer_date, infer_doc_number, infer_issuer, infer_metadata,
                             infer_region, strip_byline)


@pytest.mark.parametrize(("text", "expected"), [
    ("济源第46条讲什么", ["济源市"]),
    ("山东省人民政府关于印发", ["山东省"]),
    ("山东推进新旧动能转换", ["山东省"]),
    ("阿坝州人民政府办公室", ["阿坝藏族羌族自治州"]),
    ("阿坝藏族羌族自治州", ["阿坝藏族羌族自治州"]),
    ("开封、安阳、济源今年", ["开封市", "安阳市", "济源市"]),
    ("南京市鼓楼区人民政府", ["南京市", "鼓楼区"]),
    ("福州市鼓楼区", ["福州市", "鼓楼区"]),
    ("鼓楼区推进老旧小区改造", []),  # four 鼓楼区 in China: no parent named, no place
    ("推进城区道路改造", []),  # 城区 is a word before it is a district
    ("周口店遗址保护", []),  # 周口 is not a word here
    ("两种方案大同小异", []),
    ("尉氏今年新建学校", []),  # a county's short form alone
    ("尉氏县政府工作报告：尉氏今年新建学校", ["尉氏县"]),
    ("青海省海南州", ["青海省", "海南藏族自治州"]),
    ("海南加快自由贸易港建设", ["海南省"]),
    ("北京市海淀区", ["北京市", "海淀区"]),
    ("广西壮族自治区南宁市", ["广西壮族自治区", "南宁市"]),
    ("邮政管理部门会同县级以上地方人民政府", []),  # 会同 + 县级, not the county 会同县
    ("开封市级财政资金", ["开封市"]),  # 开封 + 市级: still 开封
])
def test_places_named_in_a_text(text: str, expected: list[str]) -> None:
    assert [p.name for p in find_places(text)] == expected


def test_the_same_district_name_takes_the_parent_named_beside_it() -> None:
    nanjing = find_places("南京市鼓楼区")[-1]
    fuzhou = find_places("福州市鼓楼区")[-1]
    assert nanjing.path == ("江苏省", "南京市", "鼓楼区")
    assert fuzhou.path == ("福建省", "福州市", "鼓楼区")


@pytest.mark.parametrize(("name", "path"), [
    ("尉氏县", ["河南省", "开封市", "尉氏县"]),
    ("尉氏", ["河南省", "开封市", "尉氏县"]),
    ("济源", ["河南省", "济源市"]),
    ("山东", ["山东省"]),
    ("阿坝州", ["四川省", "阿坝藏族羌族自治州"]),
    ("汶川县", ["四川省", "阿坝藏族羌族自治州", "汶川县"]),
    ("海淀区", ["北京市", "海淀区"]),
    ("全国", ["全国"]),
])
def test_region_path_climbs_to_the_province(name: str, path: list[str]) -> None:
    assert region_path(name) == path


@pytest.mark.parametrize(("path", "wanted", "matches"), [
    (["河南省", "开封市", "尉氏县"], "开封市", True),
    (["河南省", "开封市", "尉氏县"], "开封", True),
    (["河南省", "开封市", "尉氏县"], "河南", True),
    (["河南省", "开封市", "尉氏县"], "尉氏县", True),
    (["河南省", "开封市"], "尉氏县", False),  # a city's document is not a county's
    (["河南省", "开封市", "尉氏县"], "山东省", False),
    ("济源市", "济源", True),
    (["全国"], "全国", True),
    ([], "河南省", False),
])
def test_region_matches_by_enclosing_unit(path: list[str] | str, wanted: str, matches: bool) -> None:
    assert region_matches(path, wanted) is matches


def test_lookup_refuses_names_it_cannot_settle() -> None:
    assert lookup("鼓楼区") is None and lookup("不存在的地方") is None
    lookup_jinan = lookup("济南")
    assert lookup_jinan is not None and lookup_jinan.name == "济南市"


def test_find_regions_keeps_the_most_specific_places() -> None:
    assert find_regions("河南济源市和山东的政策") == ["济源市", "山东省"]


# Short handwritten documents in the style of real ones: (title, paragraphs, tag,
#   region, region_path, issuer, doc_number, date).
DOCUMENTS = [
    pytest.param(
        "山东省人民政府关于支持民营经济发展的若干意见",
        ["山东省人民政府关于支持民营经济发展的若干意见", "鲁政发〔2019〕3号", "各市人民政府，省政府各部门：",
         "为支持民营经济发展，现提出如下意见。", "山东省人民政府", "2019年3月1日"],
        "", "山东省", ["山东省"], "山东省人民政府", "鲁政发〔2019〕3号", "2019-03-01", id="shandong-province"),
    pytest.param(
        "阿坝州人民政府办公室关于印发阿坝州文化旅游提质增效行动方案的通知",
        ["阿坝州人民政府办公室关于印发阿坝州文化旅游提质增效行动方案的通知", "阿府办发[2023]15号",
         "各县（市）人民政府，州级各部门：", "现将方案印发给你们，请认真贯彻执行。", "阿坝州人民政府办公室",
         "二〇二三年六月十二日"],
        "", "阿坝藏族羌族自治州", ["四川省", "阿坝藏族羌族自治州"], "阿坝州人民政府办公室", "阿府办发〔2023〕15号",
        "2023-06-12", id="aba-prefecture"),
    pytest.param(
        "关于进一步做好稳就业工作的通知",
        ["关于进一步做好稳就业工作的通知", "文号：穗府办函【2022】88号", "各区人民政府，市政府各部门：",
         "广州市将进一步做好稳就业工作。广州市各区要落实责任。", "广州市人民政府办公厅 2022年8月5日"],
        "", "广州市", ["广东省", "广州市"], "广州市人民政府办公厅", "穗府办函〔2022〕88号", "2022-08-05",
        id="guangzhou-signature-on-one-line"),
    pytest.param(
        "2024年江宁区政府工作报告",
        ["2024年江宁区政府工作报告", "2024年1月30日在南京市江宁区第十八届人民代表大会第四次会议上",
         "南京市江宁区人民政府区长 王某", "各位代表：现在，我代表区人民政府向大会报告工作。"],
        "", "江宁区", ["江苏省", "南京市", "江宁区"], "江宁区人民政府", "", "2024-01-30", id="work-report-district"),
    pytest.param(
        "国务院办公厅关于加快发展保障性租赁住房的意见",
        ["国务院办公厅关于加快发展保障性租赁住房的意见", "国办发［2021］22号",
         "各省、自治区、直辖市人民政府，国务院各部委、各直属机构：", "现提出以下意见。", "国务院办公厅",
         "2021年6月24日"],
        "", NATIONAL, [NATIONAL], "国务院办公厅", "国办发〔2021〕22号", "2021-06-24", id="national"),
    pytest.param(
        "兰考县2024年重点民生实事",
        ["兰考县2024年重点民生实事", "兰考县将新建学校3所。兰考今年还将改造老旧小区。"],
        "", "兰考县", ["河南省", "开封市", "兰考县"], "", "", "", id="county-keeps-the-county"),
    pytest.param(
        "文旅消费提振行动",
        ["文旅消费提振行动", "为落实《浙江省人民政府办公厅关于提振消费的通知》（浙政办发〔2024〕5号）要求，"
         "杭州市推出以下举措。杭州市各区县（市）要抓好落实。杭州将发放消费券。"],
        "", "杭州市", ["浙江省", "杭州市"], "", "", "", id="cited-number-is-not-its-own"),
    pytest.param(
        "招商引资再提速",
        ["招商引资再提速", "今年以来，项目建设持续推进。"],
        "兰考县", "兰考县", ["河南省", "开封市", "兰考县"], "", "", "", id="site-tag"),
    pytest.param(  # a regulation naming other places in its body is still the State Council's
        "某行业管理条例",
        ["某行业管理条例", "（2019年3月2日中华人民共和国国务院令第700号公布　根据2020年3月2日修订）", "第一章　总则",
         "第一条　为了规范某行业，制定本条例。",
         "第三十条　香港特别行政区、澳门特别行政区的经营者在内地从事某行业，参照本条例执行。"],
        "", NATIONAL, [NATIONAL], "中华人民共和国国务院", "", "2020-03-02",  # the date of the text as revised
        id="decree-of-the-state-council"),
    pytest.param(
        "某商品质量监督办法",
        ["某商品质量监督办法", "（2021年3月15日国家市场监督管理总局令第40号公布）",
         "第一条　邮政管理部门会同县级以上地方人民政府有关部门实施监督。"],
        "", NATIONAL, [NATIONAL], "国家市场监督管理总局", "", "2021-03-15", id="decree-of-a-ministry"),
    pytest.param(
        "某产品生产许可证管理条例",
        ["某产品生产许可证管理条例", "（2005年6月29日国务院第97次常务会议通过　2005年7月9日中华人民共和国国务院令第440号公布）",
         "第一条　为了保证产品质量，制定本条例。"],
        "", NATIONAL, [NATIONAL], "中华人民共和国国务院", "", "2005-07-09", id="adopted-then-decreed"),
    pytest.param(
        "某商标评审规则",
        ["某商标评审规则", "（1995年11月2日国家工商行政管理局第37号令公布）", "第一条　为规范商标评审，制定本规则。"],
        "", NATIONAL, [NATIONAL], "国家工商行政管理局", "", "1995-11-02", id="numbered-before-decree"),
    pytest.param(  # issued jointly (no one body before 令), then revised by one ministry's decree of a year
        "某投资管理办法",
        ["某投资管理办法", "（2005年12月31日商务部、国家税务总局令第28号公布  根据2015年10月28日商务部令2015年第2号修订）",
         "第一条　为了规范投资，制定本办法。"],
        "", NATIONAL, [NATIONAL], "商务部", "", "2015-10-28", id="decree-numbered-by-year"),
    pytest.param(  # made jointly: the first maker leads
        "某商品修理责任规定",
        ["某商品修理责任规定", "（2001年9月17日国家质量监督检验检疫总局、国家工商行政管理总局、信息产业部令第4号公布）",
         "第一条　为了保护消费者，制定本规定。"],
        "", NATIONAL, [NATIONAL], "国家质量监督检验检疫总局", "", "2001-09-17", id="joint-decree"),
    pytest.param(  # approved by one body, issued by another, with no decree number
        "某价格行为处罚规定",
        ["某价格行为处罚规定", "(1999年7月10日国务院批准　1999年8月1日国家发展计划委员会发布)",
         "第一条　为了依法惩处价格违法行为，制定本规定。"],
        "", NATIONAL, [NATIONAL], "国家发展计划委员会", "", "1999-08-01", id="approved-then-issued"),
    pytest.param(
        "某省物业管理条例",
        ["某省物业管理条例", "（2020年11月27日浙江省第十三届人民代表大会常务委员会第二十五次会议通过）",
         "第一条　为了规范物业管理活动，制定本条例。"],
        "", "浙江省", ["浙江省"], "浙江省人民代表大会常务委员会", "", "2020-11-27", id="adopted-by-a-congress"),
    pytest.param(  # an autonomous county's regulation: made by its congress, approved by the province's
        "某自治县荣誉市民条例",
        ["某自治县荣誉市民条例", "2021年3月19日 景宁畲族自治县第九届人民代表大会第五次会议审议通过",
         "2021年5月28日 经浙江省第十三届人民代表大会常务委员会第二十九次会议批准", "第一条　为了鼓励贡献，制定本条例。"],
        "", "景宁畲族自治县", ["浙江省", "丽水市", "景宁畲族自治县"], "景宁畲族自治县人民代表大会", "", "2021-05-28",
        id="adopted-and-approved"),
]


@pytest.mark.parametrize(("title", "paragraphs", "tag", "region", "path", "issuer", "number", "date"), DOCUMENTS)
def test_document_metadata(title: str, paragraphs: list[str], tag: str, region: str, path: list[str], issuer: str,
                           number: str, date: str) -> None:
    meta = infer_metadata(title, paragraphs, tag=tag)
    assert (meta.region, meta.region_path, meta.issuer, meta.doc_number, meta.date) == (
        region, path, issuer, number, date)


@pytest.mark.parametrize(("text", "region"), [
    # the dateline names where the story was filed; the story is about 湖北省
    ("某部门预拨补助资金新华社北京2月15日电（记者某某）经批准，某部门预拨资金80亿元，其中对湖北省预拨35亿元。", "湖北省"),
    ("中新网武汉2月10日电 会议研究部署全省春耕工作，河南省各地抓紧落实。", "河南省"),
    ("本报北京3月1日讯 记者从有关部门获悉，相关政策已经出台。", ""),  # nothing but the dateline names a place
    ("北京市各区抓紧落实春耕备耕工作。", "北京市"),  # a place named in the text, not in a dateline, still counts
])
def test_a_news_dateline_does_not_name_the_region(text: str, region: str) -> None:
    assert infer_region("", text) == region


@pytest.mark.parametrize(("line", "words"), [
    ("新华社重庆2月13日电（记者李松）为有效切断传染链条，重庆已设置95个观察点。", "为有效切断传染链条，重庆已设置95个观察点。"),
    ("重庆日报讯（记者杨永芹）2月16日，来自市交通局消息称，包车已恢复。", "2月16日，来自市交通局消息称，包车已恢复。"),
    ("某省在线消息（记者某某摄影某某）为缓解企业困难，省政府出台十三条。", "为缓解企业困难，省政府出台十三条。"),
    ("（首席记者某某）2月19日，记者从市科协获悉。", "2月19日，记者从市科协获悉。"),
    ("此外，各部门要做好审批服务。（记者某某）", "此外，各部门要做好审批服务。"),
    # not a credit line: a unit in charge, a source named in the sentence, a 记者 who is the subject
    ("（一）加强组织领导（市卫健委负责）", "（一）加强组织领导（市卫健委负责）"),
    ("据新华社消息，国务院常务会议决定延长假期。", "据新华社消息，国务院常务会议决定延长假期。"),
    ("记者从省人社厅获悉，补贴已发放。", "记者从省人社厅获悉，补贴已发放。"),
])
def test_a_news_credit_line_is_no_part_of_the_words(line: str, words: str) -> None:
    assert strip_byline(line) == words


@pytest.mark.parametrize(("paragraphs", "expected"), [
    (["标题", "正文。", "2024年6月27日"], "2024-06-27"),
    (["标题", "正文。", "（2024年6月27日）", "（此件公开发布）"], "2024-06-27"),
    (["标题", "正文。", "二〇二四年一月三十日"], "2024-01-30"),
    (["标题（2023年12月5日）", "正文。"], "2023-12-05"),
    (["标题", "2024年1月30日在市第十六届人民代表大会第三次会议上", "正文。"], "2024-01-30"),
    (["标题", "6月30日前完成2024年度任务。"], ""),  # a deadline is not the date, no full date anywhere
    (["标题", "2024年6月30日前完成建设任务。"], ""),
    (["标题", "正文。", "2O24年6月27日"], ""),  # letter O in the year
    (["标题", "正文。", "20244年6月27日"], ""),
    (["标题", "正文。", "2024年13月2日"], ""),
    (["标题", "正文。", "2024年2月30日"], ""),
])
def test_dates(paragraphs: list[str], expected: str) -> None:
    assert infer_date(paragraphs) == expected


@pytest.mark.parametrize(("paragraphs", "expected"), [
    # a regulation's history under its title: the last step that made the current text
    (["某市河道管理条例", "2011年3月2日 某市人民代表大会常务委员会第五次会议通过",
      "2011年5月6日 某省人民代表大会常务委员会第九次会议批准", "第一条 为了管理河道，制定本条例。"], "2011-05-06"),
    (["某省养犬规定", "（2005年1月4日某省人民代表大会常务委员会通过 根据2016年7月8日某省人民代表大会常务委员会"
      "《关于修改部分地方性法规的决定》修正）", "第一条 为了规范养犬，制定本规定。"], "2016-07-08"),
    (["某省养犬规定", "（2005年1月4日某省人民代表大会常务委员会通过", "根据2016年7月8日某省人民代表大会常务委员会"
      "《关于修改部分地方性法规的决定》修正", "2020年9月1日某省人民代表大会常务委员会修订）", "第一条 …"], "2020-09-01"),
    # an amendment a city adopted and the province approved later: the approval finishes the step
    (["某市办法", "1999年2月3日 某市人民代表大会常务委员会通过",
      "2012年6月5日 某市人民代表大会常务委员会通过并经2012年7月20日某省人民代表大会常务委员会批准的决定修正",
      "第一条 …"], "2012-07-20"),
    # publication and entry into force make no new text
    (["某市办法", "2001年3月1日 某市人民代表大会常务委员会通过", "2001年4月2日 某市人民代表大会常务委员会公告公布",
      "2001年6月1日 施行", "第一条 …"], "2001-03-01"),
    # a report gives the day it was delivered under its title, whatever page chrome stands above it
    (["打印", "收藏", "2030年某省政府工作报告", "——2030年1月20日在某省第三届人民代表大会第四次会议上",
      "来源：某省日报", "时间：2030-02-01", "各位代表："], "2030-01-20"),
    # a text with no other date: the day it takes effect
    (["某市规定", "第一条 为了…，制定本规定。", "第九条 本规定自2013年2月1日起施行。"], "2013-02-01"),
    # a date in running text is not a history line
    (["某市规定", "第一条 2010年1月1日以前通过审批的项目，依照原规定执行。", "2015年3月3日"], "2015-03-03"),
    (["某市规定", "第一条 为了…，制定本规定。", "2010年1月1日以前通过审批的项目，依照原规定执行。",
      "2015年3月3日"], "2015-03-03"),
])
def test_history_delivery_and_effective_dates(paragraphs: list[str], expected: str) -> None:
    assert infer_date(paragraphs) == expected


def test_a_page_date_is_only_a_fallback() -> None:
    assert infer_date(["标题", "正文。"], fallback="2025-07-07") == "2025-07-07"
    assert infer_date(["标题", "正文。", "2024年6月27日"], fallback="2025-07-07") == "2024-06-27"


@pytest.mark.parametrize(("title", "paragraphs", "expected"), [
    ("关于印发方案的通知", ["关于印发方案的通知", "豫政办〔2024〕12号"], "豫政办〔2024〕12号"),
    ("关于印发方案的通知", ["关于印发方案的通知", "京政发(2020)7号"], "京政发〔2020〕7号"),
    ("关于印发方案的通知", ["关于印发方案的通知", "发文字号：苏政办发〔2021〕第 9 号"], "苏政办发〔2021〕9号"),
    ("关于印发方案的通知（湘政发〔2022〕1号）", ["正文。"], "湘政发〔2022〕1号"),
    ("方案", ["方案", "按照《意见》（豫政〔2023〕8号）要求，制定本方案。"], ""),
])
def test_document_numbers(title: str, paragraphs: list[str], expected: str) -> None:
    assert infer_doc_number(title, paragraphs) == expected


@pytest.mark.parametrize(("title", "paragraphs", "expected"), [
    ("河南济源市人民政府关于明确重点工作的通知", [], "济源市人民政府"),
    ("关于做好春耕工作的通知", ["关于做好春耕工作的通知", "正文。", "黑龙江省农业农村厅", "2024年3月2日"], "黑龙江省农业农村厅"),
    ("关于做好春耕工作的通知", ["关于做好春耕工作的通知", "正文。", "联系我们"], ""),
    ("支持措施", ["7月1日，成都市人民政府关于印发支持措施的通知发布。"], "成都市人民政府"),
])
def test_issuers(title: str, paragraphs: list[str], expected: str) -> None:
    assert infer_issuer(title, paragraphs) == expected


@pytest.mark.parametrize(("title", "genre"), [
    ("淄博市水土保持若干规定", "regulation"),
    ("河南省实施《中华人民共和国中小企业促进法》办法", "regulation"),
    ("关于印发《某市物业管理办法》的通知", "regulation"),
    ("某市养犬管理规定（试行）", "regulation"),
    ("某某自治县促进茶产业发展条例", "regulation"),
    ("国务院关于支持自由贸易试验区深化改革创新若干措施的通知", "measures"),
    ("国务院办公厅关于印发《政府网站集约化试点工作方案》的通知", "measures"),
    ("2026年吉林省政府工作报告", "work_report"),
    ("某市人民政府关于明确政府工作报告提出的2024年重点工作责任单位的通知", "responsibility_notice"),
    ("探索农业发展新方法", "news"),
])
def test_a_documents_genre_is_read_from_its_title(title: str, genre: str) -> None:
    assert document_genre(title) == genre
