"""Hand-computed cases for every metric in eval.metrics."""

from __future__ import annotations

import math

import pytest

from eval.metrics import (
    citation_precision,
    citation_recall,
    is_relevant,
    key_fact_accuracy,
    mean,
    mrr_at_k,
    ndcg_at_k,
    percentile,
    recall_at_k,
    refusal_scores,
)

EV_A = "力争储能装机容量达到25兆瓦"
EV_B = "新增城镇就业1.44万人"
CHUNK_A = "46.能源新能源产业……重点实施申能风电、“源网荷储”一体化、用户侧储能等项目,力争储能装机容量达到25兆瓦。"
CHUNK_B = "138.抓好高校毕业生……新增城镇就业1.44万人。(人力资源和社会保障局负责)"
CHUNK_X = "22.争取沿太行高速焦济段建成通车。(交通运输局负责)"


def test_is_relevant_ignores_whitespace() -> None:
    # the evidence is split by a page break and spaces in the chunk; whitespace is dropped on both sides
    chunk = "开\n\n展科技型企业债券融资培育行动。力争全年全区技术合同成交额超过 3.5 亿元"
    assert is_relevant(chunk, ["开展科技型企业债券融资培育行动"])
    assert is_relevant(chunk, ["技术合同成交额超过3.5亿元"])
    assert is_relevant(CHUNK_A, [EV_B, EV_A])  # one of two is enough
    assert not is_relevant(CHUNK_X, [EV_A, EV_B])
    assert not is_relevant(CHUNK_A, [])  # no evidence: nothing is relevant
    assert not is_relevant(CHUNK_A, ["   "])  # blank evidence never matches everything


def test_recall_at_k() -> None:
    ranked = [CHUNK_X, CHUNK_A, CHUNK_X, CHUNK_B]
    # top-1 = [X]: 0 of 2 evidence strings found -> 0/2 = 0.0
    assert recall_at_k(ranked, [EV_A, EV_B], 1) == 0.0
    # top-2 = [X, A]: EV_A found, EV_B not -> 1/2 = 0.5
    assert recall_at_k(ranked, [EV_A, EV_B], 2) == 0.5
    # top-4 contains A and B -> 2/2 = 1.0
    assert recall_at_k(ranked, [EV_A, EV_B], 4) == 1.0
    # k larger than the list is fine -> still 2/2
    assert recall_at_k(ranked, [EV_A, EV_B], 10) == 1.0
    # duplicate evidence (after whitespace removal) counts once: {EV_A} found in top-2 -> 1/1
    assert recall_at_k(ranked, [EV_A, EV_A.replace("25", "25 ")], 2) == 1.0
    assert recall_at_k(ranked, [], 3) == 0.0
    with pytest.raises(ValueError):
        recall_at_k(ranked, [EV_A], 0)


def test_mrr_at_k() -> None:
    # first relevant chunk at rank 2 -> 1/2
    assert mrr_at_k([CHUNK_X, CHUNK_A, CHUNK_B], [EV_A, EV_B]) == 0.5
    # first relevant at rank 3 -> 1/3
    assert mrr_at_k([CHUNK_X, CHUNK_X, CHUNK_B], [EV_A, EV_B]) == pytest.approx(1 / 3)
    # relevant only at rank 3 but k=2 -> 0.0
    assert mrr_at_k([CHUNK_X, CHUNK_X, CHUNK_B], [EV_B], k=2) == 0.0
    # rank 1 -> 1.0
    assert mrr_at_k([CHUNK_B], [EV_B]) == 1.0
    assert mrr_at_k([], [EV_B]) == 0.0


def test_ndcg_at_k() -> None:
    # two evidence strings, relevant chunks at ranks 2 and 4, k=10
    # DCG  = 1/log2(3) + 1/log2(5) = 0.6309298 + 0.4306766 = 1.0616064
    # IDCG = min(2, 10) = 2 relevant at the top: 1/log2(2) + 1/log2(3) = 1 + 0.6309298 = 1.6309298
    # nDCG = 1.0616064 / 1.6309298 = 0.6509209
    ranked = [CHUNK_X, CHUNK_A, CHUNK_X, CHUNK_B]
    expected = (1 / math.log2(3) + 1 / math.log2(5)) / (1 + 1 / math.log2(3))
    assert ndcg_at_k(ranked, [EV_A, EV_B]) == pytest.approx(expected)
    assert ndcg_at_k(ranked, [EV_A, EV_B]) == pytest.approx(0.6509209, abs=1e-6)
    # same ranking with k=2: DCG = 1/log2(3) = 0.6309298, IDCG = min(2, 2) -> 1.6309298, nDCG = 0.3868528
    assert ndcg_at_k(ranked, [EV_A, EV_B], k=2) == pytest.approx(0.3868528, abs=1e-6)
    # one evidence string found at rank 1 -> DCG = 1, IDCG = 1 -> 1.0
    assert ndcg_at_k([CHUNK_A, CHUNK_X], [EV_A]) == 1.0
    # one evidence string found at rank 3 -> DCG = 1/log2(4) = 0.5, IDCG = 1 -> 0.5
    assert ndcg_at_k([CHUNK_X, CHUNK_X, CHUNK_A], [EV_A]) == pytest.approx(0.5)
    # the same evidence in two chunks (济源 repeats measures in its preface):
    # DCG = 1 + 1/log2(3) = 1.63 > IDCG = 1, capped at 1.0
    assert ndcg_at_k([CHUNK_A, "导语:" + CHUNK_A], [EV_A]) == 1.0
    # nothing relevant -> 0.0; no evidence -> 0.0
    assert ndcg_at_k([CHUNK_X], [EV_A]) == 0.0
    assert ndcg_at_k([CHUNK_A], []) == 0.0


def test_key_fact_accuracy() -> None:
    answer = "济源市力争储能装机容量达到 25 兆瓦（第46条），由发展改革和统计局、工业信息和科技局负责。"
    # both keys present ("25 兆瓦" matches "25兆瓦" once whitespace is removed) -> 2/2
    assert key_fact_accuracy(answer, ["25兆瓦", "发展改革和统计局"]) == 1.0
    # 2 of 3 keys present -> 2/3
    assert key_fact_accuracy(answer, ["25兆瓦", "发展改革和统计局", "生态环境局"]) == pytest.approx(2 / 3)
    # 0 of 1 -> 0.0
    assert key_fact_accuracy("我不知道。", ["25兆瓦"]) == 0.0
    # no keys (unanswerable questions) -> 1.0
    assert key_fact_accuracy("文档中没有相关信息。", []) == 1.0


@pytest.mark.parametrize(("answer", "key"), [
    ("使用最大起飞重量不超过150千克的农用无人驾驶航空器", "１５０千克"),  # a full-width key, an ASCII answer
    ("最大起飞重量不超过１５０千克", "150千克"),  # and the other way round
    ("执行ＧＢ　１８５８２标准", "GB18582"),  # full-width letters and an ideographic space
    ("担保费率降至1%以下", "１％"),
    ("设立专项资金(5亿元)", "（5亿元）"),  # punctuation as the index writes it
])
def test_key_facts_compare_full_width_forms_as_the_index_reads_them(answer: str, key: str) -> None:
    assert key_fact_accuracy(answer, [key]) == 1.0
    assert key_fact_accuracy(answer, [key + "以上"]) == 0.0


def test_citation_precision() -> None:
    # 3 cited chunks, 2 contain gold evidence -> 2/3
    assert citation_precision([CHUNK_A, CHUNK_X, CHUNK_B], [EV_A, EV_B]) == pytest.approx(2 / 3)
    # 1 cited, relevant -> 1/1
    assert citation_precision([CHUNK_B], [EV_A, EV_B]) == 1.0
    # citing something for a question without evidence -> 0/1
    assert citation_precision([CHUNK_X], []) == 0.0
    # nothing cited -> None (undefined, left out of means)
    assert citation_precision([], [EV_A]) is None


def test_citation_recall() -> None:
    # 2 evidence strings, citations cover only EV_A -> 1/2
    assert citation_recall([CHUNK_A, CHUNK_X], [EV_A, EV_B]) == 0.5
    # both covered -> 2/2
    assert citation_recall([CHUNK_B, CHUNK_A], [EV_A, EV_B]) == 1.0
    # evidence but nothing cited -> 0/2
    assert citation_recall([], [EV_A, EV_B]) == 0.0
    # no evidence -> None
    assert citation_recall([CHUNK_A], []) is None


def test_refusal_scores() -> None:
    # (refused, answerable):
    #   refused & unanswerable  -> TP: 2
    #   refused & answerable    -> FP: 1
    #   answered & unanswerable -> FN: 1
    #   answered & answerable   -> TN: 3
    pairs = [
        (True, False),
        (True, False),
        (True, True),
        (False, False),
        (False, True),
        (False, True),
        (False, True),
    ]
    scores = refusal_scores(pairs)
    # precision = TP/(TP+FP) = 2/3; recall = TP/(TP+FN) = 2/3; F1 = 2*(2/3)*(2/3)/(4/3) = 2/3
    assert scores["precision"] == pytest.approx(2 / 3)
    assert scores["recall"] == pytest.approx(2 / 3)
    assert scores["f1"] == pytest.approx(2 / 3)
    assert scores["true_refusals"] == 2
    assert scores["false_refusals"] == 1
    assert scores["missed_refusals"] == 1
    assert scores["answered_answerable"] == 3
    assert scores["refused"] == 3
    assert scores["unanswerable"] == 3
    assert scores["total"] == 7


def test_refusal_scores_edge_cases() -> None:
    # never refused: precision undefined (None); 1 unanswerable missed -> recall 0/1 = 0.0; F1 undefined
    scores = refusal_scores([(False, True), (False, False)])
    assert scores["precision"] is None
    assert scores["recall"] == 0.0
    assert scores["f1"] is None
    # refused only answerable questions and there are no unanswerable ones:
    # precision = 0/(0+1) = 0.0, recall undefined (no positives)
    scores = refusal_scores([(True, True)])
    assert scores["precision"] == 0.0
    assert scores["recall"] is None
    # precision 0/1 and recall 0/1 -> F1 = 0.0 rather than a division by zero
    scores = refusal_scores([(True, True), (False, False)])
    assert scores["precision"] == 0.0 and scores["recall"] == 0.0 and scores["f1"] == 0.0
    assert refusal_scores([])["total"] == 0


def test_percentile() -> None:
    values = [10.0, 20.0, 30.0, 40.0]
    # p50: position = (4-1)*0.5 = 1.5 -> 20 + 0.5*(30-20) = 25
    assert percentile(values, 50) == 25.0
    # p95: position = 3*0.95 = 2.85 -> 30 + 0.85*(40-30) = 38.5
    assert percentile(values, 95) == pytest.approx(38.5)
    # p0 and p100 are the extremes
    assert percentile(values, 0) == 10.0
    assert percentile(values, 100) == 40.0
    # unsorted input with a None: [3, 1, 2] -> sorted [1, 2, 3]; p25: position 0.5 -> 1 + 0.5*(2-1) = 1.5
    assert percentile([3, None, 1, 2], 25) == 1.5
    # a single value is every percentile
    assert percentile([7.0], 90) == 7.0
    assert percentile([], 50) == 0.0
    with pytest.raises(ValueError):
        percentile(values, 101)


def test_mean() -> None:
    # (1 + 0.5 + 0) / 3 = 0.5; None is skipped
    assert mean([1.0, None, 0.5, 0.0]) == 0.5
    # booleans count as 1/0: (1 + 0 + 1) / 3
    assert mean([True, False, True]) == pytest.approx(2 / 3)
    assert mean([None, None]) == 0.0
    assert mean([]) == 0.0
