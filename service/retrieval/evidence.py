"""Whether a clause answers a question: what is asked, what the question is about, and what a clause carries.

Every test here is lexical and dimensionless (a share of the question's topic words, the presence of a
value of the asked kind), so it means the same thing on any corpus and with any embedder.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import jieba.posseg as posseg

from ingest import ANSWER_KIND_WORDS, GENERIC_TERMS, VALUE_KIND_WORDS, Chunk, is_place_name, tokenize
from service.retrieval.documents import named_documents

__all__ = ["SOFT_KINDS", "IMPLIED_MONEY", "Asked", "asked", "topic_terms", "coverage", "char_coverage", "has_quantity",
           "has_date", "names_units", "carries", "states_units", "in_unit", "sentence_carries",
           "best_sentence_coverage"]

_NUMERAL = r"(?:\d+(?:[.．]\d+)?|[〇零一二两三四五六七八九十百千万亿]+(?:点[〇零一二三四五六七八九]+)?)"
# Measure words and units a quantity is stated in (generic Chinese grammar, not the vocabulary of one corpus).
_UNIT = (r"(?:%|％|‰|倍|成|[万亿千百]?(?:元|美元|吨|斤|公斤|千克|克|亩|公顷|人|户|家|个|项|件|条|所|座|处|张|台|辆|套|间|名|位|只|株|棵|次|批"
         r"|场|届|列|对|类|种|部|本|期|片|栋|层|床|架|艘)|平方米|平方公里|立方米|公里|千米|米|厘米|毫米|千瓦时?|兆瓦|千伏|瓦|度|分钟|小时|工作日|日|天|周|年|个月|月|岁|分|学分"
         r"|周岁|万人次|人次|门|路|级|星|G|GB|MW|kW|km|m)")
# A number of five digits or more states a value without a unit: a telephone or hotline number, a code.
_QUANTITY = re.compile(rf"{_NUMERAL}\s*{_UNIT}|[百千万]分之[〇零一二三四五六七八九十百\d]+|{_NUMERAL}\s*[-—~～至到]\s*{_NUMERAL}\s*{_UNIT}"
                       r"|(?<![\d.])\d{5,}(?![\d.])")
_ORDINAL = re.compile(r"第[〇零一二两三四五六七八九十百千\d]+[条款项章节编届次批]|[一二三四五六七八九十]是")
_DATE = re.compile(
    r"(?:\d{4}|[〇零一二三四五六七八九]{4})\s*年(?:\s*(?:\d{1,2}|[一二三四五六七八九十]{1,3})\s*月"
    r"(?:\s*(?:\d{1,2}|[一二三四五六七八九十]{1,3})\s*[日号])?)?|"
    r"(?:\d{1,2}|[一二三四五六七八九十]{1,3})\s*月\s*(?:\d{1,2}|[一二三四五六七八九十]{1,3})\s*[日号]|"
    r"[年月]底|[年月]初|[上下]半年|年内|季度|农历|每年|每月|之日起|起施行|以前|以后|之前|届满|期满|前完成")
_AGENCY = re.compile(r"[\u4e00-\u9fff]{1,16}?(?:部门|机关|机构|政府|委员会|办公室|办事处|局|厅|委|办|中心|站|队|院|所|处|部|会|公司|银行|单位|企业|个人|组织)")

_CLOSING_UNITS = re.compile(r"（[^（）]*(?:负责|牵头)[^（）]*）\s*[。；]?\s*$")
_ITSELF = re.compile(r"本(?:规定|办法|条例|细则|意见|方案|措施|通知|决定|规则|规划|纲要)"
                     r"|^\s*[（(]\s*\d{4}\s*年[^（）()]*(?:发布|公布|通过|印发|颁布)")  # or its promulgation note
# How a question asks for each kind of fact.
_ASKS_DATE = re.compile(r"什么时候|何时|哪天|哪一天|哪一周|哪个月|几号|哪一年|哪年|几月|日期|时间节点|截止|期限(?![^，。？?]{0,6}?(?:多少|几|多长|多久))|起施行|开始实施|什么时间|多久以前"
                        r"|[先早晚](?:施行|实施|生效|出台|发布|印发)|施行日期|生效日期")
_ASKS_QUANTITY = re.compile(r"多少|多大|多长|多高|多远|多久|多重|(?<!哪)几[个家项条年月天次倍日周所座类种批名人户]|(?<![哪])几[十百千万]|比例|比重|标准是|额度|金额|幅度|上限|下限|面积|数量|规模|产量|增速|增长.{0,4}[多几]")
# A sanction asked (the 法律责任 of a regulation: 「会受到什么处罚」), and what states one. A soft kind: a clause
# stating one is preferred, and one stating none can still answer (a sanction may be put in words no list holds).
SOFT_KINDS = frozenset({"sanction"})
_ASKS_SANCTION = re.compile(r"(?:什么|哪些|何种|怎样的?|哪种)(?:行政)?(?:处罚|处分|法律责任|罚则)|(?:如何|怎么|怎样)(?:处罚|处分)|罚则")
_SANCTION = re.compile(r"罚款|罚金|警告|责令|吊销|没收|拘留|撤销|取消|处分|停业|停产|停止|暂停|追究|不予受理|通报批评|列入|记入|处以|处罚")
# A way to reach someone asked (「举报电话是多少」「联系方式是什么」「捐款账户信息」「拨打哪个电话」): a number or an
# address states it, not the sentence that only says a hotline was opened.
_ASKS_CONTACT = re.compile(r"(?:电话|热线|联系方式|号码|账号|账户|邮箱|信箱)(?:信息)?(?:是|为)?(?:多少|什么|哪个|哪些)\s*[？?]?\s*$"
                           r"|(?:哪个|哪些|什么)(?:电话|热线|号码|邮箱)|如何(?:电话|打电话|拨打)|拨打哪")
_CONTACT = re.compile(r"(?<![\d.])\d(?:[\d\-—－]|\s(?=\d)){3,}\d(?![\d.])|[\w.\-]+@[\w\-]+\.[\w.]+")
_ASKS_UNITS = re.compile(r"谁|哪[个些家]?(?:单位|部门|机构|机关|主管)|由哪|什么部门|什么机构|什么单位|责任单位|牵头单位|负责单位|主管部门|归哪")
# The unit right after 多少/几 (多少元, 几个月, 多少万吨, 多少个工作日).
_ASKED_UNIT = re.compile(r"(?:多少|几)\s*(?:个)?[十百千万亿]*(元|美元|吨|斤|公斤|亩|公顷|平方米|平方公里|公里|米|小时|分钟|工作日|日|天|周|年|月|倍|岁|人|户|家|所|座|辆)")
# A day asked for (「哪天开幕」): a year alone does not answer it.
_ASKS_DAY = re.compile(r"哪天|哪一天|几号|几月几[日号]|哪一日")
_DAY = re.compile(r"(?:\d{1,2}|[一二三四五六七八九十]{1,3})\s*[日号]|初[一二三四五六七八九十]|[一二三四五六七八九十]{1,3}[日号]")
# An amount of money asked without its unit (「罚多少」, 「补贴多少」, 「报销多少」): the answer is in 元, or a share of
# the money stated in figures (「个人负担部分财政负担80%」, 「减免三成」; not in words, 「减半」): IMPLIED_MONEY as the
# asked unit.
IMPLIED_MONEY = "钱"
_MONEY_OR_SHARE = ("元", "美元", "%", "％", "成")
_ASKS_MONEY = re.compile(r"(?:罚款?|钱|费用?|金额|资金|投资|补贴|补助|奖励|奖金|赔偿?)[^，。？,?]{0,4}(?:多少|几)(?![个天日年月])|多少钱|几块钱")
# Units that measure the same thing: a question in 天 is answered by 日 or 工作日.
_UNIT_FAMILIES = (("天", "日", "工作日"), ("周", "星期"), ("元", "美元"), ("斤", "公斤", "千克"), ("亩", "公顷"),
                  ("米", "公里", "千米"), ("平方米", "平方公里"))
# Classifiers of countable things, for which the general classifier 个 also counts.
_COUNTED = ("家", "所", "座", "辆", "户")
# Validity questions: what is asked of a document's lifecycle (a facet of lifecycle.FACETS), asked of the document
# itself: the words follow a document's name (《…》, …办法, 这个文件) with only filler or question words between.
_VALIDITY = (
    ("replaces", re.compile(r"(?:废止|替代|取代|代替)了?(?=哪|什么)")),
    ("expiry", re.compile(r"有效期|有效至|(?<!开始)到期")),
    ("effective", re.compile(r"(?:施行|实施|生效)(?=了?的?(?:吗|呢|日期|时间|[？?]|$))")),
    ("status", re.compile(r"(?:有效|失效|废止|作废)(?=了?(?:吗|么|呢|没有?|[？?]|$))|是否(?:仍然?|还|已经?)?(?:有效|失效|废止)")),
)
_DOCUMENT = re.compile(r"(?:》|文件|政策|规定|办法|条例|细则|意见|方案|措施|通知|决定|规则|规划|纲要|公告|通告)")
_FILLER = re.compile(r"[\s自的是否还仍然现在目前当前已经从于在到底具体哪一天几号日期什么时候何时间月年起开始正式，,、]*")
_VALIDITY_DATE = re.compile(r"哪|什么时|何时|几号|几月|日期|时间|起")  # 「哪天起施行」:施行 asked as a date


@dataclass(frozen=True)
class Asked:
    """What a question asks for: kinds of fact ('quantity', 'date', 'units'), its topic, the word beside the value.
    Shared: `asked` hands the same reading to search and to the answerability decision."""

    kinds: list[str] = field(default_factory=list)
    topic: list[str] = field(default_factory=list)
    focus: list[str] = field(default_factory=list)  # words next to the asked value: it must sit beside one
    unit: str = ""  # the unit the question wants the value in (多少元 → 元, 几个月 → 月), if it says
    weights: dict[str, float] = field(default_factory=dict)  # topic word → weight (nouns 1, verbs ½)
    phrases: list[str] = field(default_factory=list)  # runs of adjacent topic words: 城镇新增就业, 固体废物综合治理行动
    subject: list[str] = field(default_factory=list)  # whose value is asked (「逢石河抽水蓄能电站的装机容量」) or
    # which kind of thing (「有什么育儿补贴」): the answering sentence must name it too
    validity: tuple[str, ...] = ()  # lifecycle facets asked of a document (kind 'validity'): status, expiry, …


def asked(question: str, regions: Sequence[str] = ()) -> Asked:
    """Read what kinds of fact the question wants and what it is about (once per question: search reads its names,
    the answerability decision the rest, and tagging the words is the costly part)."""
    return _read(question, tuple(regions))


@lru_cache(maxsize=1024)
def _read(question: str, regions: tuple[str, ...]) -> Asked:
    kinds = []
    if _ASKS_QUANTITY.search(question):
        kinds.append("quantity")
    if _ASKS_DATE.search(question):
        kinds.append("date")
    if _ASKS_UNITS.search(question):
        kinds.append("units")
    if _ASKS_SANCTION.search(question):
        kinds.append("sanction")
    if _ASKS_CONTACT.search(question):
        kinds.append("contact")
    words = _content_words(question, regions)
    weights: dict[str, float] = {}
    for word, _, weight in words:
        weights[word] = max(weight, weights.get(word, 0.0))
    unit = _ASKED_UNIT.search(question)
    money = IMPLIED_MONEY if "quantity" in kinds and _ASKS_MONEY.search(question) else ""
    day = "日" if kinds == ["date"] and _ASKS_DAY.search(question) else ""
    focus = _focus(question, words)
    validity = _validity(question)
    if validity:
        kinds.append("validity")
    return Asked(kinds, list(weights), focus, unit.group(1) if unit else money or day, weights,
                 _phrases(words), _subject(question, words, focus), validity)


def _validity(question: str) -> tuple[str, ...]:
    """The lifecycle facets the question asks of a document: 「《X》现在还有效吗」 → status, 「有效期多久」 → expiry,
    「哪天起施行」 → effective, 「废止了哪个文件」 → replaces. The words must follow the document's name with only
    filler between (「许可证有效期多久」 asks about a licence, not a document)."""
    found = []
    for facet, pattern in _VALIDITY:
        for m in pattern.finditer(question):
            before = question[: m.start()]
            document = None
            for d in _DOCUMENT.finditer(before):
                document = d
            if document is None or _FILLER.fullmatch(before[document.end():]) is None \
                    or document.group() == "》" and not named_documents(before[before.rfind("《"):]):
                continue  # 《药品生产许可证》有效期: a certificate's term, not a document's
            if facet == "effective" and not _VALIDITY_DATE.search(question):
                continue
            found.append(facet)
            break
    return tuple(dict.fromkeys(found))


def _phrases(words: Sequence[tuple[str, int, float]]) -> list[str]:
    """Runs of two or more adjacent topic words, four characters or more (「城镇新增就业」): a name that a passage
    holding the words apart does not use."""
    runs: list[list[str]] = []
    end = -1
    for word, start, _ in words:
        if runs and start == end:
            runs[-1].append(word)
        else:
            runs.append([word])
        end = start + len(word)
    return [name for name in ("".join(run) for run in runs if len(run) > 1) if len(name) >= 4]


_WHAT = re.compile(r"什么|哪些|哪种|哪类|哪几种|哪几类")


def _subject(question: str, words: Sequence[tuple[str, int, float]], focus: Sequence[str]) -> list[str]:
    """The words a question's value belongs to: the noun phrase owning the asked noun (「逢石河抽水蓄能电站的装机容量」
    → 石河, 抽水, 蓄能, 电站), and the compound noun right after 什么/哪些 (「有什么育儿补贴」 → 育儿, 补贴)."""
    at = {start: (word, weight) for word, start, weight in words}
    ending = {start + len(word): (word, start, weight) for word, start, weight in words}

    def run_after(pos: int) -> list[str]:
        out = []
        while pos in at and at[pos][1] == 1.0:
            out.append(at[pos][0])
            pos += len(at[pos][0])
        return out

    def run_before(end: int) -> list[str]:
        if end not in ending or ending[end][2] != 1.0:  # a noun phrase ends with its noun: 「引进的人才」 has none
            return []
        out: list[str] = []
        while end in ending:
            word, end, _ = ending[end]
            out.insert(0, word)
        return out

    subject: list[str] = []
    for word, start, _ in words:
        if word in focus and question[start - 1: start] == "的":
            subject += run_before(start - 1)
    for m in _WHAT.finditer(question):
        kind = run_after(m.end())
        if len(kind) > 1:  # 「什么育儿补贴」 names a particular thing; 「什么条件」 only the kind of answer
            subject += kind
    return list(dict.fromkeys(subject))


def _focus(question: str, words: Sequence[tuple[str, int, float]]) -> list[str]:
    """The noun next to each value the question asks for (「押金最多可以收几个月」 → 押金), from the same clause:
    the nearest before it, else those after it; a clause asking with verbs only (「能延长多久」) adds none."""
    focus: list[str] = []
    for m in _ASKING.finditer(question):
        start = max(question.rfind(p, 0, m.start()) for p in "，,；;？?。、") + 1
        ends = [i for i in (question.find(p, m.end()) for p in "，,；;？?。、") if i >= 0]
        end = min(ends, default=len(question))
        nouns = [(w, at) for w, at, weight in words if weight == 1.0 and start <= at < end]
        before = [w for w, at in nouns if at < m.start()]
        after = [w for w, at in nouns if at >= m.end()]
        for word in before[-1:] or after:
            if word not in focus:
                focus.append(word)
    return focus


_QUESTIONING = re.compile(r"哪|什么|怎|谁|多少|几|吗|呢|能不能|可不可以|是不是|有没有")
_A_NOT_A = re.compile(r"([\u4e00-\u9fff])[不没]\1")
_NOUNS = ("n", "nz", "nt", "nr", "ns", "vn", "an", "l", "i", "j", "eng")
_VERBS = ("v", "vd", "a")
_ASKING = re.compile(_ASKS_QUANTITY.pattern + "|" + _ASKS_DATE.pattern + "|" + _ASKS_UNITS.pattern)


def _content_words(text: str, regions: Sequence[str]) -> list[tuple[str, int, float]]:
    """(word, position, weight) for the content words of a question: nouns weigh 1, verbs and adjectives ½.
    jieba's place tag is only a guess (陡坡, 城市): the gazetteer decides what is a place."""
    text = _A_NOT_A.sub(lambda m: "，" * len(m.group()), text)  # 「会不会」「要不要」 ask yes or no: no topic
    place_chars = "".join(r.rstrip("市县区省") + r for r in regions)
    skip = ANSWER_KIND_WORDS | GENERIC_TERMS | VALUE_KIND_WORDS
    asking = [m.span() for m in _ASKING.finditer(text)]
    out, pos = [], 0
    for token in posseg.cut(text):
        word, flag, start = token.word, token.flag, pos
        pos += len(word)
        if len(word) < 2 or word in skip or word in place_chars or _QUESTIONING.search(word) \
                or any(a <= start < b for a, b in asking) or (flag.startswith("ns") and is_place_name(word)):
            continue
        if flag.startswith(_NOUNS):
            out.append((word, start, 1.0))
        elif flag.startswith(_VERBS):
            out.append((word, start, 0.5))
    return out


def topic_terms(question: str, regions: Sequence[str] = ()) -> list[str]:
    """The question's content words, without places, question words and generic words."""
    return list(dict.fromkeys(w for w, _, _ in _content_words(question, regions)))


def coverage(weights: dict[str, float], text: str) -> float:
    """The weighted share of the topic words the text holds, each word by the share of its characters there
    (a paraphrase such as 充电的桩子 for 充电桩 still counts most of the way)."""
    if not weights:
        return 1.0
    total = sum(weights.values())
    return sum(w * (1.0 if t in text else 0.8 * char_coverage([t], text)) for t, w in weights.items()) / total


def char_coverage(terms: Sequence[str], text: str) -> float:
    """The share of the topic's characters found in the text: paraphrase-tolerant (充电的桩子 ~ 充电桩)."""
    chars = "".join(terms)
    return sum(ch in text for ch in chars) / len(chars) if chars else 1.0


def _near(term: str, sentence: str) -> bool:
    # 古树 ~ 树冠, 被扣 ~ 暂扣: one character of two; more than half of a longer word (产值 is not 生产总值)
    share = char_coverage([term], sentence)
    return term in sentence or share > 0.5 or (len(term) == 2 and share == 0.5)


def sentence_carries(kind: str, asked: Asked, text: str, chunk: Chunk | None = None) -> bool:
    """Whether one sentence of the text holds a value of the kind beside what the question asks about (the noun
    next to the asked value in the question, when it has one)."""
    if kind == "units" and (chunk is not None and states_units(chunk) or _CLOSING_UNITS.search(text)):
        return True  # the units a measure closes with are responsible for all of it
    before = ""  # the sentence before names what this one goes on about: 「…单位和个人要及时举报。举报电话：12345。」
    for sentence in re.split(r"(?<=[。；！？\n])", text):
        if chunk is not None and _ITSELF.search(sentence):  # 「本规定自…起施行」 is about the document itself
            sentence += chunk.doc_title
        if carries(kind, sentence, unit=asked.unit) and (not asked.focus or any(_near(t, sentence) for t in asked.focus)) \
                and names_subject(asked, sentence, f"{before}\n{chunk.doc_title if chunk is not None else ''}"):
            return True
        before = sentence
    return False


def names_subject(asked: Asked, sentence: str, context: str = "") -> bool:
    """Whether a sentence (read with its context) names what the asked value belongs to (see `Asked.subject`)."""
    return all(_near(t, f"{sentence}\n{context}") for t in asked.subject)


def best_sentence_coverage(asked: Asked, text: str, context: str = "") -> float:
    """The topic coverage of the text's best sentence holding a value of every asked kind (any sentence when
    none is asked): how squarely one sentence answers, where chunk-level coverage can add up scattered words.
    `context` (the document's title, the clause's headings) is what every sentence of it is about: a question
    naming 「某县矿产资源管理条例」 does not prefer the articles that repeat the title."""
    best = 0.0
    for sentence in re.split(r"(?<=[。；！？\n])", text):
        if all(carries(kind, sentence, unit=asked.unit) for kind in asked.kinds if kind != "units") \
                and names_subject(asked, sentence, context):
            best = max(best, coverage(asked.weights, f"{sentence}\n{context}"))
    return best


def has_quantity(text: str) -> bool:
    """A number with its unit (25兆瓦, 两个工作日, 十五倍, 万分之五); ordinals such as 第三条 do not count."""
    return bool(_QUANTITY.search(_DATE.sub("", _ORDINAL.sub("", text))))


def has_date(text: str) -> bool:
    """A date or a deadline (2025年底, 5月1日, 上半年, 之日起)."""
    return bool(_DATE.search(text))


def states_units(chunk: Chunk) -> bool:
    """Whether a measure names who is responsible for all of it: its parsed units, or a closing parenthesis
    naming them (「（税务总局、财政部负责，排在第一位的部门为牵头部门）」)."""
    return bool(chunk.responsible_units) or bool(_CLOSING_UNITS.search(chunk.text))


def names_units(text: str, chunk: Chunk | None = None) -> bool:
    """A responsible unit: the measure's own units, or an agency named in the text."""
    return bool(chunk is not None and chunk.responsible_units) or bool(_AGENCY.search(text))


def in_unit(text: str, unit: str) -> bool:
    """Whether the text states a quantity in the unit (or one measuring the same thing: 天 ~ 日 ~ 工作日)."""
    family = _MONEY_OR_SHARE if unit == IMPLIED_MONEY else next((f for f in _UNIT_FAMILIES if unit in f), (unit,))
    units = [re.escape(u) for u in family]
    # 个 is the classifier of any countable thing: 「进驻了多少家企业」 is answered by 「进驻11个企业」
    units += ["个(?![月人])"] if unit in _COUNTED else []
    pattern = rf"{_NUMERAL}\s*(?:个)?[十百千万亿]*(?:{'|'.join(sorted(units, key=len, reverse=True))})"
    return bool(re.search(pattern, _DATE.sub("", _ORDINAL.sub("", text))))


def carries(kind: str, text: str, chunk: Chunk | None = None, unit: str = "") -> bool:
    """Whether the text holds a value of the asked kind (in the asked unit, when one is asked)."""
    if kind == "quantity":
        return in_unit(text, unit) if unit else has_quantity(text)
    if kind == "date":
        return bool(_DAY.search(text)) if unit == "日" else has_date(text)
    if kind == "units":
        return names_units(text, chunk)
    if kind == "validity":
        return has_date(text) or bool(re.search(r"有效|失效|废止|施行", text))
    if kind == "sanction":
        return bool(_SANCTION.search(text))
    if kind == "contact":
        return bool(_CONTACT.search(text))
    return True
