"""The incremental lexical index: any series of adds and deletes scores exactly like a build from scratch."""

from __future__ import annotations

import random

import bm25s
import pytest

from ingest.index.lexical import LexicalIndex, token_string, tokenize

TEXTS = {
    "a:1:0": "力争储能装机容量达到25兆瓦，由发展改革和统计局负责。",
    "a:2:0": "推进老旧小区改造，完成28个老旧小区改造任务。",
    "a:3:0": "实施汽车以旧换新，支持新能源汽车消费。",
    "b:1:0": "建设储能电站，推动光伏、风电等新能源产业发展。",
    "b:2:0": "加快数字经济发展，培育数字产业集群。",
    "b:3:0": "开展家电以旧换新活动，给予消费者补贴。",
    "c:1:0": "。、，",  # no token at all
    "c:2:0": "优化营商环境，推行政务服务一网通办。",
}
QUERIES = ["储能装机容量目标是多少", "老旧小区改造", "以旧换新 以旧换新 汽车", "数字经济", "新能源", "营商环境 政务服务"]


def _scratch(ids: list[str]) -> LexicalIndex:
    return LexicalIndex.build(ids, [TEXTS[i] for i in ids])


def test_scores_match_bm25s_on_the_same_texts() -> None:
    ids = sorted(TEXTS)
    reference = bm25s.BM25()
    reference.index([tokenize(TEXTS[i]) or ["_"] for i in ids], show_progress=False)
    index = _scratch(ids)
    for query in QUERIES:
        tokens = [t for t in tokenize(query) if t in reference.vocab_dict]
        docs, scores = reference.retrieve([tokens], k=len(ids), show_progress=False, n_threads=1)
        expected = {ids[int(d)]: float(s) for d, s in zip(docs[0], scores[0]) if s > 0}
        got = index.scores(query)
        assert set(got) == set(expected), query
        for chunk_id, score in expected.items():
            assert got[chunk_id] == pytest.approx(score, rel=1e-5), (query, chunk_id)


def test_adds_deletes_and_re_adds_score_exactly_like_a_build_from_scratch() -> None:
    ids = sorted(TEXTS)
    index = LexicalIndex.build(ids[:3], [TEXTS[i] for i in ids[:3]])
    index.add((i, tokenize(TEXTS[i])) for i in ids[3:])
    index.delete(["a:2:0", "b:3:0", "not-there"])
    index.add([("a:2:0", tokenize(TEXTS["a:2:0"]))])  # re-added
    index.add([("a:1:0", tokenize(TEXTS["a:1:0"]))])  # replaced by itself
    live = [i for i in ids if i != "b:3:0"]
    scratch = _scratch(live)
    assert sorted(index.ids) == live
    for query in QUERIES:
        assert index.scores(query) == scratch.scores(query), query
        assert sorted(index.search(query, 3), key=lambda h: (-h[1], h[0])) == \
            sorted(scratch.search(query, 3), key=lambda h: (-h[1], h[0]))
    assert index.search("以旧换新", 5) == [("a:3:0", scratch.scores("以旧换新")["a:3:0"])]  # b:3:0 is gone


def test_a_replaced_text_is_found_by_its_new_words_only() -> None:
    index = _scratch(sorted(TEXTS))
    index.add([("b:2:0", tokenize("钠离子电池产业链。"))])
    assert index.search("钠离子电池", 3)[0][0] == "b:2:0"
    assert "b:2:0" not in dict(index.search("数字经济", 5))


def test_many_deletes_compact_and_keep_scores_exact() -> None:
    rng = random.Random(3)
    texts = {f"d{n}:{k}:0": rng.choice(list(TEXTS.values())) + f"第{n}批" for n in range(400) for k in range(8)}
    index = LexicalIndex.build(list(texts), list(texts.values()))
    gone = rng.sample(sorted(texts), 2500)  # more than the live ones and more than 1024: compaction runs
    index.delete(gone)
    live = [i for i in texts if i not in set(gone)]
    index.add((i, tokenize(texts[i])) for i in gone[:50])
    live += gone[:50]
    scratch = LexicalIndex.build(live, [texts[i] for i in live])
    assert len(index) == len(live)
    for query in QUERIES + ["第7批 储能"]:
        assert index.scores(query) == pytest.approx(scratch.scores(query), rel=1e-12), query


def test_search_within_allowed_ids_and_chunks_containing_a_token() -> None:
    index = _scratch(sorted(TEXTS))
    everywhere = dict(index.search("以旧换新", 10))
    assert set(everywhere) == {"a:3:0", "b:3:0"}
    assert index.search("以旧换新", 10, allowed={"b:3:0", "a:1:0", "unknown"}) == [("b:3:0", everywhere["b:3:0"])]
    assert index.search("以旧换新", 10, allowed=set()) == []
    assert index.containing([*tokenize("老旧小区"), "光伏", "不存在的词"]) == {"a:2:0", "b:1:0"}
    assert index.search("。", 5) == [] and index.search("储能", 0) == []


def test_stored_token_strings_round_trip() -> None:
    for text in TEXTS.values():
        stored = token_string(text)
        assert (stored.split(" ") if stored else []) == tokenize(text)


def test_frequencies_count_chunks_holding_a_term_without_the_excluded_ones() -> None:
    index = LexicalIndex.build(["a", "b", "c"], ["驾驶证有效期为六年。", "许可证有效期为五年。", "驾驶证申领条件。"])
    counts, chunks = index.frequencies(["驾驶证", "有效期", "无人机"])
    assert counts == {"驾驶证": 2, "有效期": 2, "无人机": 0} and chunks == 3
    counts, chunks = index.frequencies(["驾驶证", "有效期"], excluded=["a", "unknown"])
    assert counts == {"驾驶证": 1, "有效期": 1} and chunks == 2
    index.delete(["c"])
    assert index.frequencies(["驾驶证"]) == ({"驾驶证": 1}, 2)
