"""The answerability heuristics as small functions: what is asked, what a clause carries, which document is named."""

from __future__ import annotations

import pytest

from ingest import Chunk
from service.retrieval.answerability import judge, known_coverage, rarity, support
from service.retrieval.documents import covers, missing_document, named_documents
from service.retrieval.evidence import (IMPLIED_MONEY, asked, best_sentence_coverage, carries, char_coverage, coverage,
                                        has_date, has_quantity, in_unit, names_units, sentence_carries, topic_terms)
from service.retrieval.retriever import Hit


def _chunk(text: str, *, units: tuple[str, ...] = (), title: str = "某市若干规定", measure: str = "1") -> Chunk:
    return Chunk(chunk_id=f"c{abs(hash(text))}", doc_id="d1", doc_title=title, region="", issuer="", date="",
                 doc_type="regulation", section="", subsection="", measure=measure, measure_label=f"第{measure}条",
                 measure_title="", responsible_units=list(units), text=text, embed_text=text)


@pytest.mark.parametrize(("question", "kinds"), [
    ("储能装机容量目标是多少？谁负责？", ["quantity", "units"]),
    ("本规定是从什么时候开始施行的？", ["date", "validity"]),  # asked of the document itself: its lifecycle
    ("古树归谁养护？", ["units"]),
    ("有哪几个地方试点？", []),  # 「哪几个」 asks for a list, not a number
    ("第七条讲的是什么？", []),
    ("这两个规定哪个先施行？", ["date"]),  # which came first is a question of dates
    ("临时号牌有效期限是多少天？", ["quantity"]),  # a term in days, not a date
    ("合同期限一般有多长？", ["quantity"]),  # a few words between the term and how long: still a length
    ("申报期限是哪一天？", ["date"]),
    ("雇佣非拍卖师主持拍卖活动会受到什么处罚？", ["sanction"]),  # the 法律责任 of a regulation
    ("伪造证书应该怎么处罚？", ["sanction"]),
    ("对驳回的决定不服的如何处理？", []),  # a remedy, not a sanction
    ("擅自移动界桩要罚多少？", ["quantity"]),  # the amount, not the kind of sanction
    ("民政局咨询电话是多少？", ["quantity", "contact"]),  # a way to reach someone: a number states it
    ("慈善总会接收捐款账户信息是什么？", ["contact"]),
    ("出现症状可拨打哪个电话进行咨询？", ["contact"]),
    ("如何电话举报不执行防控命令的人？", ["contact"]),
    ("从什么时间开始开通爱心服务热线？", ["date"]),  # when the hotline opened, not its number
    ("12345热线共受理咨询多少件？", ["quantity"]),
])
def test_kinds_of_fact_asked(question: str, kinds: list[str]) -> None:
    assert asked(question).kinds == kinds


@pytest.mark.parametrize(("question", "unit"), [
    ("押金最多可以收几个月的房租？", "月"),
    ("收到申请后多少个工作日内作出决定？", "工作日"),
    ("青稞产量目标是多少万吨？", "吨"),
    ("擅自移动界桩要罚多少元？", "元"),
    ("擅自移动界桩要罚多少？", IMPLIED_MONEY),  # an amount of money asked without its unit
    ("去年帮企业省下了多少钱？", IMPLIED_MONEY),
    ("疑似患者医疗费用可以报销多少？", IMPLIED_MONEY),
    ("要建设多少个充电桩？", ""),
])
def test_the_unit_a_question_wants(question: str, unit: str) -> None:
    assert asked(question).unit == unit


def test_topic_words_leave_out_places_and_question_words() -> None:
    topic = topic_terms("嘉兴市住房租赁押金最多可以收几个月的房租？", ["嘉兴市"])
    assert "押金" in topic and "房租" in topic
    assert not any(w in topic for w in ("嘉兴", "嘉兴市", "几个", "可以", "最多"))


def test_topic_words_keep_nouns_jieba_mistakes_for_places_and_drop_document_genres() -> None:
    topic = topic_terms("哪些地方的法规禁止在二十五度以上的陡坡开荒？")
    assert "陡坡" in topic  # jieba tags it ns; the gazetteer knows no such place
    assert "法规" not in topic  # the kind of document asked about, not its topic
    assert "郑州" not in topic_terms("郑州的出租车管理规定有哪些？")  # a place both jieba and the gazetteer know


def test_a_yes_or_no_form_is_not_a_topic_word() -> None:
    assert topic_terms("郑州地铁票价会不会调整？") == ["地铁", "票价", "调整"]


def test_focus_is_the_noun_next_to_the_asked_value() -> None:
    assert asked("嘉兴市住房租赁押金最多可以收几个月的房租？", ["嘉兴市"]).focus == ["押金"]
    assert asked("逢石河抽水蓄能电站的装机容量是多少？").focus == ["装机容量"]
    assert asked("违法案件要在多少天内结案？能延长多久？").focus == ["案件"]  # 「能延长多久」 has no noun
    assert asked("要翻新多少个老房子小区？").focus == ["老房子", "小区"]  # nouns after the asked value


@pytest.mark.parametrize(("text", "expected"), [
    ("力争储能装机容量达到25兆瓦", True),
    ("应当在两个工作日内撤除", True),
    ("按日加收滞纳部分万分之五的滞纳金", True),
    ("处二千元以上二万元以下罚款", True),
    ("依照本条例第三条的规定执行", False),  # an ordinal is not a quantity
    ("本规定自2018年8月1日起施行", False),  # nor is a date
    ("加强组织领导，压实工作责任", False),
])
def test_quantities(text: str, expected: bool) -> None:
    assert has_quantity(text) is expected


def test_units_of_the_same_measure_match() -> None:
    assert in_unit("应当在两个工作日内撤除", "天")
    assert in_unit("60日内结案", "天")
    assert not in_unit("押金不超过三千元", "月")
    assert not in_unit("本规定自2018年8月1日起施行", "月")
    assert in_unit("新建绿地5平方公里", "平方米") and not in_unit("修建道路5公里", "平方米")  # area is not length
    assert in_unit("补贴200美元", "元") and in_unit("每日工作8小时", "小时")


def test_money_asked_without_its_unit_is_answered_in_yuan_or_as_a_share_of_it() -> None:
    assert in_unit("疑似患者医疗费用个人负担部分省财政负担80%", IMPLIED_MONEY)
    assert in_unit("处5千元以上1万元以下罚款", IMPLIED_MONEY) and in_unit("减免三成", IMPLIED_MONEY)
    assert not in_unit("疑似患者医疗费用个人负担部分省财政负担80%", "元")  # 「多少元」 wants 元
    assert not in_unit("延期3个月", IMPLIED_MONEY) and not in_unit("新建绿地5平方公里", IMPLIED_MONEY)


def test_dates_and_units() -> None:
    assert has_date("本规定自2013年2月1日起施行") and has_date("2025年底前完成") and not has_date("加强监管")
    assert names_units("由市交通运输行政主管部门负责") and not names_units("加强宣传教育")
    assert names_units("开展试点", _chunk("开展试点", units=("税务总局",)))


def test_coverage_counts_paraphrases_part_way() -> None:
    weights = {"充电": 1.0, "桩子": 1.0}
    assert coverage(weights, "新建充电桩2000个") == pytest.approx((1.0 + 0.8 * 0.5) / 2)
    assert coverage({}, "任何文字") == 1.0
    assert char_coverage(["押金"], "租金") == 0.5


def test_a_value_must_sit_beside_what_is_asked() -> None:
    question = asked("押金最多可以收几个月的房租？")
    beside = _chunk("出租人收取押金的，不得超过三个月租金。本规定自2018年8月1日起施行。")
    elsewhere = _chunk("出租人应当与承租人签订合同。合同期限不得超过二十年。本规定自2018年8月1日起施行。")
    assert sentence_carries("quantity", question, beside.text, beside)
    assert not sentence_carries("quantity", question, elsewhere.text, elsewhere)


def test_a_promulgation_note_under_the_title_dates_the_document_itself() -> None:
    question = asked("《某行业管理暂行条例》是何时发布的？")
    opening = _chunk("某行业管理暂行条例\n（1993年4月22日国务院令第112号发布）", title="某行业管理暂行条例", measure="前言")
    assert sentence_carries("date", question, opening.text, opening)
    # a date in the body names no document: it dates something else
    body = _chunk("某行业管理暂行条例\n1993年4月22日起开展行业检查。", title="某行业管理暂行条例", measure="前言")
    assert not sentence_carries("date", question, body.text, body)


def test_names_are_runs_of_adjacent_topic_words() -> None:
    assert asked("哪些省份今年部署了固体废物综合治理行动？").phrases == ["固体废物综合治理行动"]
    assert asked("荣誉市民称号怎么评选？").phrases == ["荣誉市民称号"]
    assert asked("安阳要给引进的人才准备多少套房子？").phrases == []  # words apart, and short


def test_the_answer_names_whose_value_is_asked() -> None:
    station = asked("逢石河抽水蓄能电站的装机容量是多少？")
    assert station.focus == ["装机容量"] and station.subject == ["石河", "抽水", "蓄能", "电站"]
    assert sentence_carries("quantity", station, "逢石河抽水蓄能电站装机容量120万千瓦。")
    # the asked value of another thing is no answer: 「储能装机容量」 is not the station's
    assert not sentence_carries("quantity", station, "力争储能装机容量达到25兆瓦。")
    assert asked("安阳要给引进的人才准备多少套房子？").subject == []  # 「引进的」 is no noun phrase
    subsidy = asked("对生育二孩的家庭有什么育儿补贴？")
    assert subsidy.kinds == [] and subsidy.subject == ["育儿", "补贴"]
    assert best_sentence_coverage(subsidy, "探索出台补贴政策鼓励节能家电消费，推动绿色家电下乡。") == 0.0
    assert best_sentence_coverage(subsidy, "对生育二孩的家庭发放育儿补贴每孩每年3600元。") > 0.5
    assert asked("荣誉市民能享受哪些待遇？").subject == []  # a bare noun after 哪些 is the kind of answer


def test_a_paraphrase_beside_the_value_needs_more_than_half_of_a_long_word() -> None:
    question = asked("地区生产总值增长目标是多少？")
    assert question.focus == ["生产总值"]
    assert not sentence_carries("quantity", question, "力争开发区新增产值突破800亿元。")
    assert sentence_carries("quantity", question, "全市生产总值增长6%左右。")
    assert sentence_carries("quantity", asked("古树保护范围有多大？"), "树冠垂直投影外5米范围内为保护范围。")


def test_a_sentence_about_the_document_itself_carries_its_title() -> None:
    question = asked("商品包装物减量若干规定是从什么时候开始实施的？")
    chunk = _chunk("本规定自2013年2月1日起施行。", title="上海市商品包装物减量若干规定")
    assert sentence_carries("date", question, chunk.text, chunk)


def test_a_question_asking_no_value_needs_one_sentence_about_it() -> None:
    question = asked("地铁票价会不会调整？")
    assert question.kinds == [] and set(question.topic) == {"地铁", "票价", "调整"}
    scattered = Hit(_chunk("推进轨道交通建设。优化票务服务。完善运营调度。", title="某市重点工作"), 1.0, dense=0.9)
    squarely = Hit(_chunk("地铁票价实行里程分段计价，由价格主管部门适时调整。", title="某市重点工作"), 1.0, dense=0.9)
    args = dict(dense_mean=0.6, dense_std=0.1, min_support=0.3, lexical_share=0.7)
    assert judge(question, [scattered], **args).verdict == "partial"  # type: ignore[arg-type]
    assert judge(question, [squarely], **args).verdict == "answer"  # type: ignore[arg-type]


def test_words_of_the_document_title_hold_for_every_sentence() -> None:
    mining = asked("某县矿产资源管理条例哪一条讲禁止开采的范围？")
    banned = "禁止在水库保护范围内开采。"
    assert best_sentence_coverage(mining, banned) == 0.5
    assert best_sentence_coverage(mining, banned, "某县矿产资源管理条例") == 1.0


def test_support_mixes_coverage_with_relative_similarity() -> None:
    question = asked("押金最多可以收几个月？")
    hit = Hit(_chunk("出租人收取押金的，不得超过三个月租金。"), 1.0, dense=0.9)
    lexical_only = support(hit, question, 0.8, 0.0, 0.5)  # no spread to compare with: coverage alone
    assert lexical_only == pytest.approx(1.0)
    far_above = support(hit, question, 0.5, 0.1, 0.5)  # 4 standard deviations above the candidates
    level = support(hit, question, 0.9, 0.1, 0.5)  # no better than the candidates
    assert far_above == pytest.approx(1.0) and level == pytest.approx(0.5)


def test_judge_answers_partly_or_refuses() -> None:
    question = asked("押金最多可以收几个月？")
    answering = Hit(_chunk("出租人收取押金的，不得超过三个月租金。", measure="6"), 1.0, dense=0.9)
    topical = Hit(_chunk("出租人收取押金的，应当出具收据。", measure="7"), 1.0, dense=0.9)
    unrelated = Hit(_chunk("加强组织领导。", measure="8"), 1.0, dense=0.5)
    args = dict(dense_mean=0.6, dense_std=0.1, min_support=0.55, lexical_share=0.5)
    verdict = judge(question, [topical, answering, unrelated], **args)  # type: ignore[arg-type]
    assert verdict.verdict == "answer" and verdict.hits[0] is answering
    rental = asked("住房租赁押金最多可以收几个月？")
    scattered = Hit(_chunk("住房租赁应当签订合同。押金不得超过三个月租金。", measure="10"), 1.0, dense=0.9)
    squarely = Hit(_chunk("住房租赁的押金不得超过三个月租金。", measure="11"), 1.0, dense=0.9)
    assert judge(rental, [scattered, squarely], **args).hits[0] is squarely  # type: ignore[arg-type]
    # Equally square clauses keep the retrieval order, which already weighs similarity (not the raw cosine alone).
    first = Hit(_chunk("住房租赁的押金不得超过两个月租金。", measure="12"), 1.0, dense=0.80)
    second = Hit(_chunk("住房租赁的押金不得超过三个月租金。", measure="13"), 0.9, dense=0.85)
    assert judge(rental, [first, second], **args).hits[:2] == [first, second]  # type: ignore[arg-type]
    partial = judge(question, [topical, unrelated], **args)  # type: ignore[arg-type]
    assert partial.verdict == "partial" and partial.missing == ["quantity"] and partial.hits == [topical]
    assert judge(question, [unrelated], **args).verdict == "refuse"  # type: ignore[arg-type]


@pytest.mark.parametrize(("question", "named"), [
    ("青岛市古树名木保护管理办法哪一条规定养护费用谁出？", ["青岛市古树名木保护管理办法"]),
    ("《上海市商品包装物减量若干规定》何时施行？", ["上海市商品包装物减量若干规定"]),
    ("景宁荣誉市民条例和浚县古城保护条例哪个先施行？", ["景宁荣誉市民条例", "浚县古城保护条例"]),
    ("济源市增强外贸出口推动力有哪些措施？", []),  # asks about measures; names no document
    ("济南市对破损山体的修复治理有哪些规定？", []),
    ("东城区政府向住房租赁企业发出通知，从业人员要怎么做？", []),  # issuing a notice names none
    ("检验检测项目中出具虚假报告的机构受到哪些处罚？", []),  # making a report names none
    ("企业未按期提交年度报告的怎么处理？", []),
    ("《药品生产许可证》有效期是几年？", []),  # a certificate in 《》, no document
    ("申领《营业执照》需要《设立登记申请表》吗？", []),
])
def test_documents_named_by_title(question: str, named: list[str]) -> None:
    assert named_documents(question) == named


def test_a_named_document_must_be_indexed() -> None:
    titles = ["北京市实施《中华人民共和国国家通用语言文字法》若干规定", "重庆市宪法宣誓实施办法"]
    assert covers(titles[1], "重庆市宪法宣誓实施办法")
    assert missing_document(["重庆市宪法宣誓实施办法"], titles) == ""
    assert missing_document(["北京市关于议案的若干暂行规定"], titles) == "北京市关于议案的若干暂行规定"


def test_the_state_name_every_national_law_carries_tells_no_law_from_another() -> None:
    food = "中华人民共和国食品安全法实施条例"
    assert not covers(food, "中华人民共和国数据安全法")  # it shared 中华人民共和国 and 安全法: 10 of 12 characters
    assert covers("中华人民共和国数据安全法", "中华人民共和国数据安全法") and covers("数据安全法", "中华人民共和国数据安全法")
    assert missing_document(["中华人民共和国数据安全法"], [food]) == "中华人民共和国数据安全法"
    assert missing_document(["食品安全法实施条例"], [food]) == ""


def test_a_day_asked_for_needs_a_day() -> None:
    question = asked("菊花文化节具体哪天开幕？")
    assert question.kinds == ["date"] and question.unit == "日"
    assert not sentence_carries("date", question, "举办第42届菊花文化节、2024年度文旅大会。")
    assert sentence_carries("date", question, "菊花文化节于10月18日开幕。")


def test_a_district_question_reaches_its_city_documents() -> None:
    from service.retrieval.retriever import enclosing, in_scope

    assert enclosing("浦东新区") == ["上海市"] and enclosing("尉氏县") == ["开封市", "河南省"]
    city = _chunk("法律援助机构应当在十个工作日内作出决定。")
    city.region, city.region_path = "上海市", ["上海市"]
    other_district = _chunk("区块链电子单证。")
    other_district.region, other_district.region_path = "徐汇区", ["上海市", "徐汇区"]
    assert in_scope(city, ["浦东新区"]) and not in_scope(other_district, ["浦东新区"])


def test_comparisons_take_each_region_in_turn() -> None:
    from service.retrieval.compare import interleave

    assert interleave([["开1", "开2", "开3"], ["安1"]], 3) == ["开1", "安1", "开2"]
    assert interleave([["开1"], ["安1"], ["洛1"]], 2) == ["开1", "安1", "洛1"]  # every region keeps one
    assert interleave([], 5) == []


@pytest.mark.parametrize(("question", "region", "alone"), [
    ("河北、吉林、西藏2026年城镇新增就业目标分别是多少？", "吉林省", "吉林2026年城镇新增就业目标分别是多少？"),
    ("河北、吉林、西藏2026年城镇新增就业目标分别是多少？", "西藏自治区", "西藏2026年城镇新增就业目标分别是多少？"),
    ("内蒙古和河北2026年城镇新增就业目标哪个高？", "内蒙古自治区", "内蒙古2026年城镇新增就业目标哪个高？"),
    ("弄死古树名木，青岛和浚县对单位的罚款标准有什么不同？", "浚县", "弄死古树名木，浚县对单位的罚款标准有什么不同？"),
    ("济南山体保护和浚县古城保护分别由谁负责？", "浚县", "浚县古城保护分别由谁负责？"),  # the other place's phrase too
    ("郑州第3条讲什么？", "河南省", "郑州第3条讲什么？"),  # a place not named stays as asked
])
def test_a_comparison_is_asked_of_each_place_alone(question: str, region: str, alone: str) -> None:
    from service.retrieval.compare import about_one

    assert about_one(question, region) == alone


def test_questions_asking_which_places_take_each_place_once() -> None:
    from service.retrieval.compare import spread
    from service.retrieval.listing import per_place
    from service.retrieval.query import analyze

    assert analyze("哪些省份今年部署了固体废物综合治理行动？").intent.asks_places
    assert analyze("哪些地方的法规禁止在陡坡开荒？").intent.asks_places
    assert not analyze("济南哪些地方禁止开山采石？").intent.asks_places  # names its place: asks within it
    assert not analyze("有哪些措施支持外贸？").intent.asks_places
    assert spread(["青1", "青2", "浚1", "青3", "济1"], lambda s: s[0], 4) == ["青1", "浚1", "济1", "青2"]

    def hit(region: str, text: str, title: str = "某规定") -> Hit:
        chunk = _chunk(text, title=title)
        chunk.region = region
        return Hit(chunk, 1.0)

    topic = asked("哪些地方的法规对古树名木保护作了专门规定？").weights
    places = per_place([hit("青岛市", "建设项目涉及古树名木的，应当提出避让措施。", "青岛市古树名木保护管理办法"),
                        hit("青岛市", "古树名木由管理部门鉴定。", "青岛市古树名木保护管理办法"),
                        hit("浚县", "绿化主管部门应当加强古树名木的保护。", "浚县古城保护条例"),
                        hit("郑州市", "出租汽车应当安装计价器。", "郑州市客运管理规定")], topic, 5)
    assert [h.chunk.region for h in places] == ["青岛市", "浚县"]  # Zhengzhou's hit is not about old trees


def test_a_penalty_is_about_the_article_it_cites() -> None:
    from ingest import ChunkCatalog
    from service.retrieval.references import cited_articles, cited_text

    assert cited_articles("违反本规定第四条规定从事客运经营的，处一千元以上五千元以下罚款。") == ["4"]
    assert cited_articles("对违反本办法第九条、第十条或第十一条规定的，予以处罚。") == ["9", "10", "11"]
    assert cited_articles("违反本条例第二十一条第二款规定的，处罚款。") == ["21"]
    assert cited_articles("依照《中华人民共和国水法》第三十七条处罚。") == []  # another law's article

    def article(n: int, text: str) -> Chunk:
        chunk = _chunk(text, title="某市客运管理规定", measure=str(n))
        chunk.chunk_id = f"d1:{n}:0"
        return chunk

    rule = article(4, "禁止利用三轮车、老年代步车等车辆从事客运经营。")
    penalty = article(10, "违反本规定第四条规定从事客运经营的，由主管部门处一千元以上五千元以下罚款。")
    other = article(9, "未经许可从事出租汽车客运经营的，处一万元以上三万元以下罚款。")
    catalog = ChunkCatalog.build({c.chunk_id: c for c in (rule, penalty, other)})
    assert cited_text(penalty, catalog) == rule.text and cited_text(other, catalog) == ""

    question = asked("用三轮车、老年代步车拉客，罚款多少？")
    hits = [Hit(other, 1.0, dense=0.8), Hit(penalty, 0.9, dense=0.8)]
    args = dict(dense_mean=0.6, dense_std=0.1, min_support=0.45, lexical_share=0.7)
    assert judge(question, hits, **args).hits[0].chunk is other  # type: ignore[arg-type]
    cited = {penalty.chunk_id: cited_text(penalty, catalog)}
    assert judge(question, hits, cited=cited, **args).hits[0].chunk is penalty  # type: ignore[arg-type]


def test_a_sanction_asked_prefers_the_article_stating_one_and_does_not_refuse_without_it() -> None:
    rule = _chunk("拍卖人不得有下列行为：（七）雇佣非拍卖师主持拍卖活动。", title="拍卖监督管理办法", measure="5")
    penalty = _chunk("拍卖人雇佣非拍卖师主持拍卖活动的，由市场监督管理部门予以警告，并可处10000元以下的罚款。",
                     title="拍卖监督管理办法", measure="13")
    question = asked("雇佣非拍卖师主持拍卖活动会受到什么处罚？")
    assert carries("sanction", penalty.text) and not carries("sanction", rule.text)
    args = dict(dense_mean=0.6, dense_std=0.1, min_support=0.45, lexical_share=0.7)
    both = judge(question, [Hit(rule, 1.0, dense=0.8), Hit(penalty, 0.9, dense=0.8)], **args)  # type: ignore[arg-type]
    assert both.verdict == "answer" and both.hits[0].chunk is penalty  # the article stating the sanction first
    alone = judge(question, [Hit(rule, 1.0, dense=0.8)], **args)  # type: ignore[arg-type]
    assert alone.verdict == "answer" and alone.hits[0].chunk is rule  # a soft kind: no partial answer for want of it


def test_a_contact_asked_is_stated_by_a_number_or_an_address_not_by_a_hotline_opened() -> None:
    for text in ("举报电话：12320。", "热线电话：0771—2818453（24小时）", "账号：613257485006", "电话：0523-86391105",
                 "发送至邮箱gxcszh2013@163.com"):
        assert carries("contact", text), text
    for text in ("开通24小时爱心服务热线，提供咨询服务。", "自2020年2月3日起对外办公。", "热线开通以来共受理咨询590件。"):
        assert not carries("contact", text), text
    opened = _chunk("开通疫情防控期间24小时爱心服务热线，为上述人员提供咨询与服务。", title="某区民政局通告", measure="2")
    number = _chunk("疫情防控期间爱心服务热线：88202020。", title="某区民政局通告", measure="3")
    question = asked("某区爱心服务热线是多少？")
    args = dict(dense_mean=0.6, dense_std=0.1, min_support=0.45, lexical_share=0.7)
    both = judge(question, [Hit(opened, 1.0, dense=0.8), Hit(number, 0.9, dense=0.8)], **args)  # type: ignore[arg-type]
    assert both.verdict == "answer" and both.hits[0].chunk is number
    alone = judge(question, [Hit(opened, 1.0, dense=0.8)], **args)  # type: ignore[arg-type]
    assert alone.verdict != "answer"  # a hard kind: opening a hotline does not say its number


def test_a_measure_listing_the_items_itself_answers_a_list_question_alone() -> None:
    from ingest import ChunkCatalog, LexicalIndex
    from service.retrieval.listing import enumerates, expand_list
    from service.retrieval.query import analyze
    from service.retrieval.retriever import Filters

    def article(n: int, text: str) -> Chunk:
        chunk = _chunk(text, title="某市法律援助条例", measure=str(n))
        chunk.chunk_id, chunk.region = f"d1:{n}:0", "某市"
        return chunk

    where = article(8, "公民申请法律援助，应当向所在地的法律援助机构提出申请。")
    items = article(5, "经济困难的公民可以对下列事项申请法律援助：（一）劳动合同纠纷；（二）工伤赔偿；（三）家庭暴力。")
    words = article(30, "本条例下列用语的含义：（一）法律援助，是指为经济困难的公民提供法律服务；（二）申请人，是指申请法律援助的公民。")
    assert enumerates(items, ["申请", "法律援助"]) and not enumerates(words, ["申请", "法律援助"])
    chunks = {c.chunk_id: c for c in (where, items, words)}
    catalog = ChunkCatalog.build(chunks)
    lexical = LexicalIndex.build(list(chunks), [c.text for c in chunks.values()])
    question = analyze("哪些事情可以申请法律援助？")
    listed = expand_list(catalog, lexical, question, [Hit(where, 1.0), Hit(items, 0.9)], Filters(), 10)
    assert [h.chunk for h in listed] == [items]  # second in the ranking, but it lists the items asked for


def test_a_list_item_holds_the_topic_in_one_sentence_or_shares_the_first_items_heading() -> None:
    from ingest import ChunkCatalog, LexicalIndex
    from service.retrieval.listing import expand_list
    from service.retrieval.query import analyze
    from service.retrieval.retriever import Filters

    def passage(doc: str, text: str, section: str = "") -> Chunk:
        chunk = _chunk(text, title=f"{doc}新闻")
        chunk.chunk_id, chunk.doc_id, chunk.section = f"{doc}:导语:0", doc, section
        return chunk

    answer = passage("a", "我区建立了一线医务人员轮休制度，出台了加大防护培训、合理排班等措施，确保医务人员健康。")
    # a long news item sharing the question's words across sentences that each say something else
    scattered = passage("b", "医疗队抵达武汉。当地建立了方舱医院。医务人员轮流值守。部分患者出院休养。")
    sibling = passage("a", "为医务人员子女提供线上辅导。", section="关爱医务人员")
    answer.section = "关爱医务人员"
    chunks = {c.chunk_id: c for c in (answer, scattered)}
    catalog = ChunkCatalog.build(chunks)
    lexical = LexicalIndex.build(list(chunks), [c.text for c in chunks.values()])
    question = analyze("建立一线医务人员轮休制度基础上，还出台了哪些措施确保医务人员健康？")
    listed = expand_list(catalog, lexical, question, [Hit(answer, 1.0), Hit(scattered, 0.9)], Filters(), 10)
    assert [h.chunk for h in listed] == [answer]
    # when no measure of the index holds the topic, the supported hits are the answer: those holding it, or
    # sharing the first one's heading
    chunks = {c.chunk_id: c for c in (scattered,)}
    catalog = ChunkCatalog.build(chunks)
    lexical = LexicalIndex.build(list(chunks), [c.text for c in chunks.values()])
    listed = expand_list(catalog, lexical, question, [Hit(answer, 1.0), Hit(scattered, 0.9), Hit(sibling, 0.8)],
                         Filters(), 10)
    assert [h.chunk for h in listed] == [answer, sibling]


def test_a_list_of_measures_comes_from_the_top_documents_measures_unless_regions_are_compared() -> None:
    from ingest import ChunkCatalog, LexicalIndex
    from service.retrieval.listing import expand_list
    from service.retrieval.query import analyze
    from service.retrieval.retriever import Filters

    def measure(doc: str, region: str, n: int, text: str) -> Chunk:
        chunk = _chunk(text, title=f"{region}支持小微企业若干措施", measure=str(n))
        chunk.chunk_id, chunk.doc_id, chunk.region = f"{doc}:{n}:0", doc, region
        return chunk

    first = measure("a", "洛阳市", 1, "对小微企业减免三个月房租。")
    second = measure("a", "洛阳市", 2, "对小微企业给予贷款贴息。")
    elsewhere = measure("b", "开封市", 1, "对小微企业发放稳岗补贴。")
    chunks = {c.chunk_id: c for c in (first, second, elsewhere)}
    catalog = ChunkCatalog.build(chunks)
    lexical = LexicalIndex.build(list(chunks), [c.text for c in chunks.values()])
    hits = [Hit(first, 1.0), Hit(elsewhere, 0.9), Hit(second, 0.8)]
    # whose measures a list holds: the top document's, not a mix of two issuers'
    listed = expand_list(catalog, lexical, analyze("对小微企业有哪些支持措施？"), hits, Filters(), 10)
    assert [h.chunk for h in listed] == [first, second]
    # two places compared: each one's measures
    listed = expand_list(catalog, lexical, analyze("洛阳市和开封市对小微企业有哪些支持措施？"), hits, Filters(), 10)
    assert {h.chunk.doc_id for h in listed} == {"a", "b"}


def test_the_sentence_before_a_value_names_whose_value_it_is() -> None:
    from service.retrieval.evidence import sentence_carries

    question = asked("举报违反防疫要求的单位和个人的电话是多少？")
    text = "发现违反防疫要求的单位和个人要及时举报。举报电话：86222616、12345。"
    assert sentence_carries("quantity", question, text, _chunk(text))
    other = "各单位要做好消毒。举报电话：86222616、12345。"  # no sentence names whose number it is
    assert not sentence_carries("quantity", question, other, _chunk(other))


def test_the_general_classifier_counts_things_asked_in_their_own_classifier() -> None:
    assert in_unit("组成工作组进驻11个消杀企业", "家") and in_unit("新建3个学校", "所")
    assert not in_unit("延期3个月", "家") and not in_unit("进驻11个企业", "元")


def test_a_long_number_states_a_value_without_a_unit() -> None:
    assert has_quantity("咨询电话：0523-86391105、0523-86391112。") and has_quantity("举报电话：12320。")
    assert not has_quantity("2020年起施行") and not has_quantity("电话另行公布")
    assert sentence_carries("quantity", asked("海陵区民政局咨询电话是多少？"), "咨询电话：0523-86391105。")


def test_a_phrase_asking_what_a_rule_says_names_no_document() -> None:
    assert named_documents("广西对机关单位职工食堂卫生管理有何规定？") == []
    assert named_documents("任何单位应当遵守的青岛市古树名木保护管理办法第三条") != []


def test_search_gives_each_measure_once_at_the_rank_of_its_best_part() -> None:
    from service.retrieval.retriever import one_per_measure

    def part(measure: str, n: int, score: float = 1.0) -> Hit:
        chunk = _chunk(f"第{measure}条第{n}部分。", measure=measure)
        chunk.chunk_id, chunk.part, chunk.parts = f"d1:{measure}:{n}", n, 3
        return Hit(chunk, score)

    hits = [part("6", 1), part("6", 0), part("7", 0), part("6", 2, 0.5), part("8", 0)]
    merged = one_per_measure(hits)
    assert [h.chunk.chunk_id for h in merged] == ["d1:6:1", "d1:7:0", "d1:8:0"]
    # Parts scoring close to the best join it, in document order; a part far below stays out.
    assert merged[0].chunk.text == "第6条第0部分。第6条第1部分。" and merged[1].chunk.text == "第7条第0部分。"


def test_a_long_measure_found_in_two_windows_reads_as_its_text() -> None:
    from ingest.chunking import split_window
    from service.retrieval.retriever import one_per_measure

    text = "".join(f"第{n}项，门楼号按主出入口编排，每个单元编排一个单元号，附号依次编排。" for n in range(1, 41))
    windows = split_window(text, 400, 80)
    assert len(windows) >= 3 and windows[1][:80] == windows[0][-80:]  # the windows repeat 80 characters
    hits = []
    for n, window in enumerate(windows):
        chunk = _chunk(window, measure="6")
        chunk.chunk_id, chunk.part, chunk.parts = f"d1:6:{n}", n, len(windows)
        chunk.span_start, chunk.span_end = 400 * n, 400 * n + len(window)
        hits.append(Hit(chunk, 1.0))
    [first_two] = one_per_measure([hits[1], hits[0]])
    assert first_two.chunk.text == text[: len(windows[0]) + len(windows[1]) - 80]
    assert text.startswith(first_two.chunk.text) and first_two.chunk.chunk_id == "d1:6:1"
    assert (first_two.chunk.span_start, first_two.chunk.span_end) == (0, 400 + len(windows[1]))
    [apart] = one_per_measure([hits[2], hits[0]])  # parts that do not touch are joined with an ellipsis
    assert apart.chunk.text == f"{windows[0]}……{windows[2]}"


def test_rarity_weighs_words_the_searchable_chunks_hold() -> None:
    rare = rarity({"驾驶证": 1, "有效期": 9, "火星": 0}, 10)
    assert rare["火星"] > rare["驾驶证"] > rare["有效期"] > 0  # a word no chunk holds is the rarest
    weights = {"驾驶证": 1.0, "有效期": 1.0}
    assert known_coverage(weights, rare, "许可证有效期为五年") < 0.5  # the rare word is missing
    assert known_coverage(weights, rare, "驾驶证有效期为六年") == 1.0
    # 「火星基地」 asked of an index that never says 火星: a passage on another 基地 holds the lesser part of the topic
    rare = rarity({"火星": 0, "基地": 3}, 10)
    assert known_coverage({"火星": 1.0, "基地": 1.0}, rare, "打造全省现代中药生产基地") < 0.35
    assert known_coverage({}, rare, "无关") == 1.0


def test_a_partial_answer_comes_only_from_a_clause_on_the_topic_asked() -> None:
    question = asked("机动车驾驶证申领费用是多少？")
    neighbour = Hit(_chunk("《医疗机构制剂许可证》申领费用按规定收取。", title="药品管理法实施条例"), 1.0, dense=0.7)
    topical = Hit(_chunk("机动车驾驶证申领按规定办理。", title="道路交通安全法实施条例"), 1.0, dense=0.7)
    rare = rarity({w: (1 if w in ("驾驶证", "机动车") else 50) for w in question.weights}, 100)
    args = dict(dense_mean=0.6, dense_std=0.1, min_support=0.3, lexical_share=0.7, rare=rare, min_known=0.3,
                known_semantic=0.5)
    assert judge(question, [neighbour], **args).verdict == "refuse"  # type: ignore[arg-type]
    partial = judge(question, [neighbour, topical], **args)  # type: ignore[arg-type]
    assert partial.verdict == "partial" and partial.hits == [topical]  # the clause on the topic, not the first one
    # similarity alone makes no partial answer, though it can make an answer (a paraphrase)
    assert judge(question, [Hit(neighbour.chunk, 1.0, dense=0.9)], **args).verdict == "refuse"  # type: ignore[arg-type]


def test_a_neighbouring_value_without_the_rare_topic_words_does_not_answer() -> None:
    question = asked("机动车驾驶证有效期是多久？")
    neighbour = Hit(_chunk("《医疗机构制剂许可证》有效期为5年。", title="药品管理法实施条例"), 1.0, dense=0.7)
    gold = Hit(_chunk("机动车驾驶证有效期为6年。", title="道路交通安全法实施条例"), 1.0, dense=0.7)
    rare = rarity({w: (1 if w in ("驾驶证", "机动车") else 50) for w in question.weights}, 100)
    args = dict(dense_mean=0.6, dense_std=0.1, min_support=0.3, lexical_share=0.7, rare=rare, known_semantic=0.5)
    assert judge(question, [neighbour], min_known=0.0, **args).verdict == "answer"  # type: ignore[arg-type]
    assert judge(question, [neighbour], min_known=0.3, **args).verdict != "answer"  # type: ignore[arg-type]
    assert judge(question, [gold], min_known=0.3, **args).verdict == "answer"  # type: ignore[arg-type]
    # a clause far more similar than the other candidates answers whatever its words
    close = Hit(neighbour.chunk, 1.0, dense=0.9)
    similar = judge(question, [close], min_known=0.3, **args)  # type: ignore[arg-type]
    assert similar.verdict == "answer" and similar.similar_only  # it answers by similarity alone, and says so
    assert not judge(question, [gold], min_known=0.3, **args).similar_only  # type: ignore[arg-type]
