"""Follow-up rewriting: a table of follow-up shapes, each turned into a standalone question, or left alone."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from service.followup import rewrite_followup
from service.settings import APISettings

JIYUAN = "济源市储能装机容量目标是多少？"
JIYUAN_46 = "济源市第46条讲什么？"
KAIFENG = "开封市关于招商引资有哪些措施？"
ANSWER_46 = "力争储能装机容量达到25兆瓦【济源市 第46条】。"


def has(*parts: str, without: tuple[str, ...] = ()) -> Callable[[str], bool]:
    """The rewrite contains every part and none of `without`."""
    return lambda text: all(p in text for p in parts) and not any(w in text for w in without)


def same(text: str) -> Callable[[str], bool]:
    """The question is left exactly as asked."""
    return lambda rewritten: rewritten == text


# (previous question, follow-up, predicate on the standalone question)
CASES: list[tuple[str, str, Callable[[str], bool]]] = [
    # pronoun asks
    (JIYUAN, "它由谁负责？", has("济源市", "储能装机容量", "由谁负责")),
    (JIYUAN, "这个由谁负责？", has("济源市", "储能装机容量", "由谁负责", without=("这个",))),
    (JIYUAN, "该措施由哪个部门负责？", has("济源市", "储能", "由哪个部门负责", without=("该措施",))),
    (JIYUAN, "这个什么时候完成？", has("济源市", "储能装机容量", "什么时候完成")),
    (JIYUAN, "它什么时候完成？", has("济源市", "储能装机容量", "什么时候完成")),
    (KAIFENG, "它的目标是多少？", has("开封市", "招商引资", "目标是多少", without=("它", "的的"))),
    (KAIFENG, "该措施的具体内容是什么？", has("开封市", "招商引资", "具体内容是什么")),
    (JIYUAN, "这项工作由谁负责？", has("济源市", "储能", "由谁负责", without=("这项",))),
    (JIYUAN, "那它由谁牵头？", has("济源市", "储能", "由谁牵头", without=("它",))),
    # bare asks, no pronoun
    (JIYUAN, "由哪些部门负责？", has("济源市", "储能装机容量", "由哪些部门负责")),
    (JIYUAN, "谁负责？", has("济源市", "储能装机容量", "谁负责")),
    (KAIFENG, "金额是多少？", has("开封市", "招商引资", "金额是多少")),
    (JIYUAN, "什么时候？", has("济源市", "储能装机容量", "什么时候")),
    (JIYUAN, "什么时候完成？", has("济源市", "储能装机容量", "什么时候完成")),
    (KAIFENG, "具体内容是什么？", has("开封市", "招商引资", "具体内容是什么")),
    (KAIFENG, "有什么要求？", has("开封市", "招商引资", "有什么要求")),
    (JIYUAN, "目标是多少？", has("济源市", "储能装机容量目标是多少", without=("目标目标",))),
    # place swaps
    (JIYUAN, "那开封呢？", has("开封市", "储能装机容量目标", without=("济源",))),
    (JIYUAN, "换成郑州呢？", has("郑州市", "储能装机容量目标", without=("济源", "换成"))),
    (JIYUAN, "郑州的呢？", has("郑州市", "储能装机容量目标", without=("济源",))),
    (JIYUAN, "安阳有没有？", has("安阳市", "储能装机容量目标", without=("济源",))),
    (KAIFENG, "那安阳市呢？", has("安阳市", "招商引资", "有哪些措施", without=("开封",))),
    (KAIFENG, "那河南省呢？", has("河南省", "招商引资", without=("开封",))),
    # ordinal and measure swaps
    (JIYUAN_46, "第47条呢？", has("济源市", "第47条", without=("第46条",))),
    (JIYUAN_46, "下一条呢？", has("济源市", "第47条", without=("第46条",))),
    (JIYUAN_46, "上一条呢？", has("济源市", "第45条", without=("第46条",))),
    (JIYUAN_46, "第二条呢？", has("济源市", "第2条", without=("第46条",))),
    (JIYUAN, "第二条呢？", has("济源市", "第2条")),
    (JIYUAN_46, "第四十七条由谁负责？", has("济源市", "第47条", "由谁负责")),
    (JIYUAN_46, "那下一条呢？", has("济源市", "第47条")),
    # more of the same
    (KAIFENG, "还有吗？", has("开封市", "招商引资", "还有哪些")),
    (KAIFENG, "还有其他的吗？", has("开封市", "招商引资", "还有哪些")),
    (KAIFENG, "其他措施呢？", has("开封市", "招商引资", "还有哪些")),
    (KAIFENG, "还有别的吗？", has("开封市", "招商引资", "还有哪些")),
    # year swaps
    (JIYUAN, "那2023年呢？", has("2023年", "济源市", "储能装机容量")),
    ("2024年济源市储能装机容量目标是多少？", "那2023年呢？", has("2023年", "济源市", "储能", without=("2024",))),
    # standalone questions stay as asked
    (JIYUAN, "开封市招商引资由哪个单位负责？", same("开封市招商引资由哪个单位负责？")),
    (JIYUAN, "哪些城市提出发展低空经济？", same("哪些城市提出发展低空经济？")),
    (JIYUAN, "郑州重点工作4是什么？", same("郑州重点工作4是什么？")),
    (JIYUAN, "开封市第14条讲什么？", same("开封市第14条讲什么？")),
    (JIYUAN, "安阳全年新增规模以上工业企业多少家？", same("安阳全年新增规模以上工业企业多少家？")),
    (KAIFENG, "什么是新质生产力？", same("什么是新质生产力？")),
    (KAIFENG, "低空经济有哪些措施？", same("低空经济有哪些措施？")),
    (KAIFENG, "上海市的人才引进政策是什么？", same("上海市的人才引进政策是什么？")),
]


def conversation(previous: str, answer: str = ANSWER_46) -> list[dict[str, str]]:
    return [{"role": "user", "content": previous}, {"role": "assistant", "content": answer}]


def test_the_table_covers_the_shapes() -> None:
    assert len(CASES) >= 40


@pytest.mark.parametrize(("previous", "follow_up", "expected"), CASES, ids=[f"{p}→{f}" for p, f, _ in CASES])
def test_follow_up_becomes_standalone(previous: str, follow_up: str, expected: Callable[[str], bool]) -> None:
    rewritten = rewrite_followup(follow_up, conversation(previous), APISettings())
    assert expected(rewritten), rewritten


def test_no_history_leaves_the_question_alone() -> None:
    assert rewrite_followup("由哪些部门负责？", [], APISettings()) == "由哪些部门负责？"


def test_chained_follow_ups_keep_the_first_subject() -> None:
    history = conversation(JIYUAN) + conversation("那开封呢？", "……")
    rewritten = rewrite_followup("由哪些部门负责？", history, APISettings())
    assert has("开封市", "储能装机容量", "由哪些部门负责", without=("济源",))(rewritten), rewritten


def test_next_measure_follows_the_cited_answer() -> None:
    rewritten = rewrite_followup("下一条呢？", conversation(JIYUAN), APISettings())
    assert has("济源市", "第47条")(rewritten), rewritten
