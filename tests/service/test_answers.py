"""Answers on odd input: clauses that are only punctuation, and measures past a document's last one."""

from __future__ import annotations

import pytest

from service.answerers.extractive import best_clause


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("。", ""),
        ("！？", ""),
        ("；。派出医护人员100名。", "派出医护人员100名"),
    ],
)
def test_best_clause_skips_sentences_without_clauses(body: str, expected: str) -> None:
    assert best_clause(body, ["医护人员"], want_number=True) == expected


@pytest.mark.parametrize(
    ("question", "hint"),
    [
        ("开封2024年下半年经济措施的第21条讲的是什么？", "共20条"),
        ("济源市第200条是什么？", "共154条"),
    ],
)
def test_a_measure_past_the_last_one_is_refused_with_the_count(corpus_qa, question: str, hint: str) -> None:  # type: ignore[no-untyped-def]
    outcome = corpus_qa.ask(question)
    assert outcome.answer.refused and outcome.answer.citations == []
    assert outcome.answer.text.startswith("文件中没有找到相关内容。") and hint in outcome.answer.text


def test_the_last_measure_itself_is_answered(corpus_qa) -> None:  # type: ignore[no-untyped-def]
    outcome = corpus_qa.ask("开封第20条讲的是什么？")
    assert not outcome.answer.refused
    assert [c.ref for c in outcome.answer.citations] == ["开封市 第20条"]


def test_a_topic_without_the_asked_fact_gets_a_partial_answer(corpus_qa) -> None:  # type: ignore[no-untyped-def]
    # 济源 starts selling finished commercial housing on trial; the documents give no figure for it (nor do they
    # mention 住房公积金 at all: a question about that is refused, not answered with some other 贷款's clause)
    outcome = corpus_qa.ask("济源市商品房现房销售试点的规模是多少？")
    answer = outcome.answer
    assert answer.partial and answer.refused
    assert answer.text.startswith("文件提到") and "但没有写明具体数值" in answer.text
    assert len(answer.citations) == 1 and f"【{answer.citations[0].ref}】" in answer.text
    assert "现房销售试点" in answer.text and answer.citations[0].ref == "济源市 第84条"
    unknown = corpus_qa.ask("济源市住房公积金贷款最高额度是多少？").answer
    assert unknown.refused and not unknown.partial and not unknown.citations, unknown.text


def test_a_topic_word_no_document_uses_is_not_answered_by_a_neighbouring_figure(corpus_qa) -> None:  # type: ignore[no-untyped-def]
    outcome = corpus_qa.ask("济源市火星基地建设目标是多少？")  # no document says 火星; 济源 has other 基地 with figures
    assert outcome.answer.refused and not outcome.answer.partial, outcome.answer.text  # nor a partial on another 基地
    assert not outcome.answer.citations


def test_a_document_the_index_does_not_hold_is_refused_by_name(corpus_qa) -> None:  # type: ignore[no-untyped-def]
    outcome = corpus_qa.ask("济源市关于新能源汽车下乡的实施方案第3条讲什么？")
    assert outcome.answer.refused and not outcome.answer.partial
    assert outcome.answer.text == "文件中没有找到相关内容。文件中没有《济源市关于新能源汽车下乡的实施方案》。"
    assert not outcome.answer.citations


def test_a_list_quotes_an_untitled_article_by_its_best_clause() -> None:
    from ingest import Chunk
    from service.answerers.base import Intent, Passage
    from service.answerers.extractive import ExtractiveAnswerer

    def article(n: int, text: str) -> Chunk:
        return Chunk(chunk_id=f"d:{n}:0", doc_id="d", doc_title="某市山体保护办法", region="某市", issuer="", date="",
                     doc_type="regulation", section="", subsection="", measure=str(n), measure_label=f"第{n}条",
                     measure_title="", responsible_units=[], text=text, embed_text=text)

    passages = [Passage("某市 第7条", article(7, "违反本办法规定，有下列行为之一的，由主管部门责令停止违法行为，可以并处罚款：（一）在陡坡地开垦种植的；（二）擅自采石的。")),
                Passage("某市 第8条", article(8, "禁止在二十五度以上陡坡地开垦种植农作物。"))]
    answer = ExtractiveAnswerer().answer("哪些条款禁止在陡坡开垦？", passages, Intent(asks_list=True))
    lines = answer.text.splitlines()
    assert lines[0] == "共找到2条相关内容：" and len(lines) == 3
    assert "：：" not in answer.text  # no cut-off opening glued in front of the clause
    assert lines[2] == "2. 禁止在二十五度以上陡坡地开垦种植农作物【某市 第8条】"


def test_a_year_named_is_answered_only_from_documents_of_that_year(corpus_qa) -> None:  # type: ignore[no-untyped-def]
    # The county's 2021 report states a 2021 growth target; it does not answer for Kaifeng's 2024.
    later = corpus_qa.ask("开封市2024年地区生产总值增长目标是多少？")
    assert later.answer.refused
    assert not any("2021" in c.doc_title for c in later.answer.citations)
    same = corpus_qa.ask("尉氏县2021年生产总值增长目标是多少？")
    assert not same.answer.refused and "8%" in same.answer.text


def test_a_second_value_asked_is_quoted_too() -> None:
    from service.answerers.extractive import answer_span
    from service.retrieval.evidence import asked

    wanted = asked("某市水土保持违法案件要在多少天内结案？能延长多久？")
    terms = ["水土", "保持", "水土保持", "违法", "案件", "结案", "延长"]  # jieba's search mode gives the parts too
    body = "水土保持违法案件，应当从立案之日起60日内结案。因特殊情况不能结案的，一次性延长办案期限最多不超过30日。"
    span = answer_span(body, terms, wanted.kinds, wanted.focus, unit=wanted.unit)
    assert "60日" in span and "30日" in span


def test_the_models_runner_up_is_quoted_beside_its_choice_in_the_measures_order() -> None:
    from service.answerers.extractive import answer_span

    body = ("疫情防控期间开通24小时爱心服务热线。为特困供养对象提供生活救助。热线电话：88202020。"
            "服务由区民政局负责。")
    terms = ["爱心", "服务", "热线"]
    chosen = "疫情防控期间开通24小时爱心服务热线。"
    assert answer_span(body, terms, [], chosen=chosen) == "疫情防控期间开通24小时爱心服务热线"
    both = answer_span(body, terms, [], chosen=chosen, also="热线电话：88202020。")
    assert both == "疫情防控期间开通24小时爱心服务热线。热线电话：88202020"  # the choice, then the runner-up
    assert answer_span(body, terms, [], chosen="热线电话：88202020。", also=chosen) == both  # the measure's order
    # a runner-up that would make the answer too long, or is not a sentence of the body, is left out
    assert answer_span(body, terms, [], chosen=chosen, also="热线电话：88202020。", max_chars=20) == \
        "疫情防控期间开通24小时爱心服务热线"
    assert answer_span(body, terms, [], chosen=chosen, also="别处的句子。") == "疫情防控期间开通24小时爱心服务热线"
    # a choice too long to quote whole: its best clauses, then the runner-up
    long = ("为做好疫情防控工作，保障特困供养对象、困境儿童和老年人的生活，区民政局开通24小时爱心服务热线，"
            "为上述人员提供日常生活必需品采购、照料护理、生活救助等咨询与服务。热线电话：88202020。")
    span = answer_span(long, terms, [], chosen=long.split("。")[0] + "。", also="热线电话：88202020。", max_chars=60)
    assert span.endswith("。热线电话：88202020") and "爱心服务热线" in span and len(span) <= 90


def test_a_short_sentence_repeating_the_question_is_no_answer() -> None:
    from service.answerers.extractive import answer_span

    question = "某市发展改革委对不能正常开工的企业如何降低用电成本？"
    terms = ["发展改革委", "正常", "开工", "企业", "降低", "用电", "成本"]
    body = "某市发展改革委降低企业用电成本。对因疫情停工的企业，暂停用电不受15天期限限制，减免容量电费。"
    assert answer_span(body, terms, [], question=question) == "某市发展改革委降低企业用电成本"  # the question's words
    span = answer_span(body, terms, [], question=question, restating=True)
    assert span.startswith("对因疫情停工的企业") and "15天" in span
    # 「哪部分提到…」: the sentence naming what is asked is where it is, so it is kept
    heading = "加快樟木镇恢复重建。健全政府与企业常态化沟通协商机制。"
    assert answer_span(heading, ["樟木镇", "恢复", "重建"], [], question="哪部分提到樟木镇恢复重建？") == "加快樟木镇恢复重建"


def test_a_list_question_quotes_the_sentence_introducing_the_items() -> None:
    from service.answerers.extractive import answer_span

    body = ("市人民政府设立畲族文化保护与开发专项资金。专项资金来源于政府拨款和社会捐赠，并用于：\n"
            "（一）抢救保护濒临消失的畲族传统文化；\n（二）扶助畲族文化产业发展；\n（三）奖励。\n专项资金的具体办法由市人民政府制定。")
    terms = ["畲族", "文化", "保护", "开发", "专项", "资金", "专项资金"]
    assert answer_span(body, terms, []) == "市人民政府设立畲族文化保护与开发专项资金"
    listed = answer_span(body, terms, [], items=True)
    assert listed.startswith("专项资金来源于") and "（二）扶助畲族文化产业发展" in listed and "（三）奖励" in listed


def test_a_sanction_cut_at_a_semicolon_is_quoted_with_its_whole_sentence() -> None:
    from service.answerers.extractive import answer_span

    body = ("维修者未按规定填写维修记录的，由主管部门给予警告，限期改正；逾期拒不改正的，处100元以下罚款。"
            "维修者应当使用符合标准的量具。")
    terms = ["维修者", "按规定", "填写", "维修", "记录", "受到", "处罚"]
    span = answer_span(body, terms, [])
    assert span.startswith("维修者未按规定填写维修记录的") and "100元以下罚款" in span
    assert "量具" not in span  # the next sentence is not part of the group
    # a group longer than the bound keeps only its best part
    assert answer_span(body, terms, [], max_chars=40) == "维修者未按规定填写维修记录的，由主管部门给予警告，限期改正"


def test_a_sentence_introducing_the_items_asked_for_comes_before_the_models_choice() -> None:
    from service.answerers.extractive import answer_span

    body = "市人民政府设立文化保护专项资金。专项资金用于：（一）整理出版文献；（二）扶助文化产业发展。"
    chosen = "市人民政府设立文化保护专项资金。"
    span = answer_span(body, ["专项资金", "用在"], [], items=True, chosen=chosen, question="专项资金可以用在哪些方面？")
    assert "（一）整理出版文献" in span and "（二）扶助文化产业发展" in span
    # no list asked: the model's sentence
    assert answer_span(body, ["专项资金", "设立"], [], chosen=chosen, question="谁设立专项资金？") == chosen.rstrip("。")


def test_a_list_item_adds_a_detail_beyond_its_title() -> None:
    from ingest import Chunk
    from service.answerers.base import Intent, Passage
    from service.answerers.extractive import ExtractiveAnswerer

    def measure(n: int, title: str, text: str) -> Chunk:
        return Chunk(chunk_id=f"d:{n}:0", doc_id="d", doc_title="某市工作报告", region="某市", issuer="", date="",
                     doc_type="report", section="", subsection="", measure=str(n), measure_label=f"第{n}条",
                     measure_title=title, responsible_units=[], text=text, embed_text=text)

    passages = [Passage("某市 第1条", measure(1, "深化绿色转型发展", "深化绿色转型发展。推进57个城郊村实现生活垃圾转运，提高绿色低碳发展水平。")),
                Passage("某市 第2条", measure(2, "培育绿色再生产业", "培育绿色再生产业。"))]
    lines = ExtractiveAnswerer().answer("某市推动绿色转型有哪些措施？", passages, Intent(asks_list=True)).text.splitlines()
    assert lines[1].startswith("1. 深化绿色转型发展：") and "57个城郊村" in lines[1]
    assert lines[2] == "2. 培育绿色再生产业【某市 第2条】"  # nothing beyond the title: the title alone


def test_a_tie_between_sentences_goes_to_the_one_holding_the_question_in_its_order() -> None:
    from service.answerers.extractive import answer_span

    body = ("冒领或者非法检查他人快件，尚不构成犯罪的，依法给予治安管理处罚。"
            "企业非法扣留快件的，由邮政管理部门责令改正，并处5万元以上10万元以下的罚款。")
    terms = ["扣留", "快件", "受到", "处罚"]  # each sentence holds two of them
    assert answer_span(body, terms, []).startswith("冒领")  # without the question: the earlier one
    assert "5万元以上10万元以下" in answer_span(body, terms, [], question="非法扣留快件的会受到什么处罚？")


@pytest.mark.parametrize(("question", "parts"), [
    ("在青岛弄死了古树名木，个人要被罚多少钱、怎么赔？", ["在青岛弄死了古树名木，个人要被罚多少钱", "怎么赔"]),
    ("处置单位最长隔多久去收一次？疫情期间呢？", ["处置单位最长隔多久去收一次", "疫情期间呢"]),
    ("由哪个单位牵头，哪些单位配合？", ["由哪个单位牵头", "哪些单位配合"]),
    ("古树名木、古城墙由谁负责？", ["古树名木、古城墙由谁负责"]),  # a list of nouns asks one thing
])
def test_a_question_is_cut_into_the_parts_that_ask(question: str, parts: list[str]) -> None:
    from service.answerers.extractive import asked_parts

    assert asked_parts(question) == parts


def test_two_values_asked_are_both_answered_each_cited_to_its_measure() -> None:
    from ingest import Chunk
    from service.answerers.base import Intent, Passage
    from service.answerers.extractive import ExtractiveAnswerer

    def article(n: int, text: str) -> Chunk:
        return Chunk(chunk_id=f"d:{n}:0", doc_id="d", doc_title="某市古树名木保护办法", region="某市", issuer="", date="",
                     doc_type="regulation", section="", subsection="", measure=str(n), measure_label=f"第{n}条",
                     measure_title="", responsible_units=[], text=text, embed_text=text)

    passages = [Passage("某市 第14条", article(14, "古树名木受害导致死亡的，对个人罚款一千元至二千元。")),
                Passage("某市 第15条", article(15, "致古树名木死亡的，责令按树木价值的十五倍至二十倍赔偿损失。")),
                Passage("某市 第12条", article(12, "古树名木的养护费用，由养护单位或个人承担。"))]
    answer = ExtractiveAnswerer().answer("弄死了古树名木，个人要被罚多少钱、怎么赔？", passages, Intent(asks_number=True))
    assert "一千元至二千元【某市 第14条】" in answer.text and "十五倍至二十倍赔偿损失【某市 第15条】" in answer.text
    assert [c.measure for c in answer.citations] == ["14", "15"]  # 第12条 is not quoted: not cited
    one = ExtractiveAnswerer().answer("弄死了古树名木，个人要被罚多少钱？", passages, Intent(asks_number=True))
    assert [c.measure for c in one.citations] == ["14"]


def test_a_best_clause_runs_on_to_what_is_done_within_the_bound() -> None:
    sentence = "监察专员说，国家卫健委坚决把医疗资源集中到一线，从全国29个省份调集2万多名医护人员，组成180多个医疗队。"
    terms = ["卫健委", "医疗", "资源", "集中", "一线"]
    assert best_clause(sentence, terms, want_number=False, max_chars=80) == \
        "国家卫健委坚决把医疗资源集中到一线，从全国29个省份调集2万多名医护人员，组成180多个医疗队"
    assert best_clause(sentence, terms, want_number=False, max_chars=40) == \
        "国家卫健委坚决把医疗资源集中到一线，从全国29个省份调集2万多名医护人员"


def test_a_best_clause_reaches_the_value_of_the_kind_asked() -> None:
    sentence = ("为切断病毒通过城市公交车传播的途径，根据市指挥部办公室安排部署，从2020年1月28日10时起，"
                "全市所有公交线路暂停运营，恢复时间另行通知。")
    terms = ["全市", "公交线路", "暂停"]
    # asked 「从什么时间起暂停」: the date clause before the best one comes with it
    assert best_clause(sentence, terms, want_number=False, max_chars=60, kinds=["date"]) == \
        "从2020年1月28日10时起，全市所有公交线路暂停运营，恢复时间另行通知"
    # asked nothing of a kind: the best clauses and what follows them, as before
    assert best_clause(sentence, terms, want_number=False, max_chars=60) == "全市所有公交线路暂停运营，恢复时间另行通知"
    # the value too far for the bound: left out rather than cutting the best clause
    assert best_clause(sentence, terms, want_number=False, max_chars=25, kinds=["date"]) == \
        "全市所有公交线路暂停运营，恢复时间另行通知"


def test_a_sentence_keeps_the_closing_quotation_mark_that_follows_its_end() -> None:
    from service.answerers.extractive import measure_sentences

    body = "他说：“要做好防控。”通过视频，专家讲述了救治经验。“先摸摸底！”他说；第三句？"
    assert measure_sentences(body) == \
        ["他说：“要做好防控。”", "通过视频，专家讲述了救治经验。", "“先摸摸底！”", "他说；", "第三句？"]
