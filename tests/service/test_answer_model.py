"""The learned answer decision: features of (question, sentence) pairs, the model file's checks, the decision."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from ingest import Chunk, ConfigError
from service.answerers.answer_model import AnswerModel, default_model, load_model, parameters_sha256
from service.answerers.features import (FEATURES, GATE_FEATURES, RANK_FEATURES, candidates, measure_vectors,
                                        question_vector, sentences_of)
from service.qa import QAService
from service.retrieval.answerability import Judgement
from service.retrieval.evidence import asked
from service.retrieval.retriever import Hit


def _hit(text: str, *, score: float, dense: float | None = 0.8, region: str = "济源市", measure: str = "46",
         title: str = "济源市2024年重点工作", section: str = "") -> Hit:
    chunk = Chunk(chunk_id=f"d:{measure}", doc_id="d", doc_title=title, region=region, issuer="", date="",
                  doc_type="", section=section, subsection="", measure=measure, measure_label=f"{region} 第{measure}条",
                  measure_title="", responsible_units=[], text=text, embed_text=text)
    return Hit(chunk, score, dense=dense, lexical=1.0)


STORAGE = _hit("46.加快储能项目建设。力争储能装机容量达到25兆瓦，产值增长6.5%。", score=0.9, dense=0.85)
JOBS = _hit("47.全年城镇新增就业1.44万人。完成老旧小区改造2300户。", score=0.6, dense=0.7, measure="47",
            region="郑州市", section="稳就业", title="郑州市2024年重点工作")


def _pool(question: str, hits: list[Hit], **kwargs: object):  # type: ignore[no-untyped-def]
    return candidates(asked(question, ["济源市"]), hits, dense_mean=0.6, dense_std=0.1, regions=["济源市"], **kwargs)


def test_every_sentence_of_every_hit_is_a_candidate_with_every_feature() -> None:
    pool = _pool("济源市储能装机容量目标是多少兆瓦？", [STORAGE, JOBS])
    assert [c.sentence for c in pool] == [*sentences_of(STORAGE), *sentences_of(JOBS)]
    assert sentences_of(STORAGE) == ["加快储能项目建设。", "力争储能装机容量达到25兆瓦，产值增长6.5%"]
    for c in pool:
        assert set(c.features) == set(FEATURES) and len(c.vector()) == len(FEATURES)
        assert all(isinstance(v, float) for v in c.vector())


def test_the_sentence_holding_the_asked_value_stands_out() -> None:
    first, value, jobs, _ = _pool("济源市储能装机容量目标是多少？", [STORAGE, JOBS])
    assert (value.features["asks_quantity"], value.features["asks_unit"]) == (1.0, 0.0)
    assert (value.features["kinds_in_sentence"], first.features["kinds_in_sentence"]) == (1.0, 0.0)
    assert jobs.features["quantity_in_sentence"] == 1.0 and first.features["quantity_in_sentence"] == 0.0
    assert value.features["sentence_topic"] > first.features["sentence_topic"] > jobs.features["sentence_topic"]
    assert value.features["focus_near"] == 1.0 and jobs.features["focus_near"] < 1.0
    assert value.features["kinds_in_measure"] == 1.0 and jobs.features["kinds_in_measure"] == 0.0


def test_a_value_in_the_asked_unit_is_told_from_another_number() -> None:
    subsidy = _hit("8.发放育儿补贴。每户补助3000元。惠及200户。", score=1.0)
    _, money, households = _pool("育儿补贴每户补助多少元？", [subsidy])
    assert money.features["asks_unit"] == 1.0
    assert (money.features["unit_in_sentence"], households.features["unit_in_sentence"]) == (1.0, 0.0)
    assert (money.features["kinds_in_sentence"], households.features["kinds_in_sentence"]) == (1.0, 0.0)


def test_retrieval_place_and_position_features() -> None:
    first, value, jobs, second_jobs = _pool("济源市储能装机容量目标是多少？", [STORAGE, JOBS])
    assert (first.features["rank_inverse"], jobs.features["rank_inverse"]) == (1.0, 0.5)
    assert first.features["fused_relative"] == 1.0 and jobs.features["fused_relative"] == pytest.approx(0.6 / 0.9)
    assert first.features["margin_next"] == pytest.approx(0.3 / 0.9) and jobs.features["margin_next"] == 0.0
    assert first.features["dense_z"] == pytest.approx(0.25 / 0.1 / 4)
    assert (first.features["place_named"], jobs.features["place_named"]) == (1.0, 0.0)
    assert (first.features["position"], value.features["position"]) == (0.0, 1.0)
    assert (first.features["first_sentence"], value.features["first_sentence"]) == (1.0, 0.0)


def test_a_question_asking_who_counts_agencies_and_the_rules_verdict_is_a_feature() -> None:
    unit = _hit("12.加强监管。由市场监督管理部门负责组织实施。", score=1.0)
    [plain, agency] = _pool("谁负责组织实施？", [unit], supported={id(unit)}, answering=set())
    assert agency.features["asks_units"] == 1.0 and agency.features["agency_in_sentence"] == 1.0
    assert plain.features["agency_in_sentence"] == 0.0
    assert (agency.features["rule_supported"], agency.features["rule_answering"]) == (1.0, 0.0)


def _model_file(path: Path, **change: object) -> Path:
    model: dict[str, object] = {"format": 5, "features": list(FEATURES), "mean": [0.0] * len(FEATURES),
                                "scale": [1.0] * len(FEATURES), "coef": [0.0] * len(FEATURES), "intercept": 0.0,
                                "trees": None, "blend": 1.0, "threshold": 0.5, "veto": 0.2, "gate": None,
                                "ranker": None}
    model["coef"] = [4.0 if name == "kinds_in_sentence" else 0.0 for name in FEATURES]
    model["intercept"] = -2.0
    model.update({k: v for k, v in change.items() if k != "sha256"})
    model["sha256"] = parameters_sha256(model)
    model.update({k: v for k, v in change.items() if k == "sha256"})
    path.write_text(json.dumps(model), encoding="utf-8")
    return path


def test_a_model_file_loads_and_scores_with_a_dot_product_and_a_sigmoid(tmp_path: Path) -> None:
    model = load_model(_model_file(tmp_path / "m.json"))
    first, value, *_ = _pool("济源市储能装机容量目标是多少？", [STORAGE, JOBS])
    assert model.probability(value) == pytest.approx(1 / (1 + 2.718281828459045 ** -2))
    assert model.probability(first) == pytest.approx(1 / (1 + 2.718281828459045 ** 2))
    assert model.best([first, value]) == (value, model.probability(value))


@pytest.mark.parametrize("key", ["threshold", "veto"])
def test_an_altered_model_file_fails_clearly(tmp_path: Path, key: str) -> None:
    path = _model_file(tmp_path / "m.json")
    data = json.loads(path.read_text(encoding="utf-8"))
    data[key] = 0.1  # edited by hand without retraining
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ConfigError, match="does not match its sha256.*python -m eval train"):
        load_model(path)


@pytest.mark.parametrize(("fmt", "added", "message"), [
    (1, ("veto",), "lacks veto"),  # format 2 added the veto
    (2, ("trees", "blend"), "lacks trees, blend"),  # format 3 the trees and their blend
    (3, ("gate",), "lacks gate"),  # format 4 the gate
    (4, ("ranker",), "lacks ranker"),  # format 5 the measure ranker
])
def test_a_model_file_of_an_earlier_format_names_the_fix(tmp_path: Path, fmt: int, added: tuple[str, ...],
                                                           message: str) -> None:
    path = _model_file(tmp_path / "m.json")
    data = json.loads(path.read_text(encoding="utf-8"))
    for key in added:
        del data[key]
    data["format"] = fmt
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ConfigError, match=f"{message}.*python -m eval train"):
        load_model(path)


# one tree: kinds_in_sentence ≤ 0.5 → log-odds −1, else a second split on dense ≤ 0.8 → +1, else +3
_TREE = {"base": 0.5, "feature": [[FEATURES.index("kinds_in_sentence"), -1, FEATURES.index("dense"), -1, -1]],
         "threshold": [[0.5, 0.0, 0.8, 0.0, 0.0]], "left": [[1, -1, 3, -1, -1]], "right": [[2, -1, 4, -1, -1]],
         "value": [[0.0, -1.5, 0.0, 0.5, 2.5]]}


def _sigmoid(z: float) -> float:
    return 1 / (1 + 2.718281828459045 ** -z)


def test_boosted_trees_are_walked_and_blended_with_the_regression(tmp_path: Path) -> None:
    model = load_model(_model_file(tmp_path / "m.json", trees=_TREE, blend=0.25))
    assert model.trees is not None and model.trees.depth == 2
    first, value, *_ = _pool("济源市储能装机容量目标是多少？", [STORAGE, JOBS])  # STORAGE's dense: 0.85 > 0.8
    assert model.probability(value) == pytest.approx(0.25 * _sigmoid(2) + 0.75 * _sigmoid(0.5 + 2.5))
    assert model.probability(first) == pytest.approx(0.25 * _sigmoid(-2) + 0.75 * _sigmoid(0.5 - 1.5))
    low = _hit("46.力争储能装机容量达到25兆瓦。", score=0.9, dense=0.7)
    [weak] = _pool("济源市储能装机容量目标是多少？", [low])
    assert model.probability(weak) == pytest.approx(0.25 * _sigmoid(2) + 0.75 * _sigmoid(0.5 + 0.5))
    assert model.probabilities([first, value, weak]) == [model.probability(c) for c in (first, value, weak)]
    assert model.best([first, value, weak]) == (value, model.probability(value))


@pytest.mark.parametrize(("change", "message"), [
    ({"blend": 0.5}, "a blend below 1 needs trees"),
    ({"trees": _TREE}, "trees need a blend below 1"),
    ({"trees": dict(_TREE, left=[[1, -1, 0, -1, -1]]), "blend": 0.5}, "malformed trees.*node 2 points outside"),
    ({"trees": dict(_TREE, value=[[0.0]]), "blend": 0.5}, "malformed trees.*fields of different lengths"),
    ({"trees": {"base": 0.0}, "blend": 0.5}, "malformed trees"),
])
def test_trees_that_do_not_hold_together_fail_clearly(tmp_path: Path, change: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_model(_model_file(tmp_path / "m.json", **change))


def test_a_model_trained_on_other_features_fails_naming_them(tmp_path: Path) -> None:
    names = [n for n in FEATURES if n != "dense_z"] + ["words_from_one_corpus"]
    model: dict[str, object] = {"format": 5, "features": names, "mean": [0.0] * len(names),
                                "scale": [1.0] * len(names), "coef": [0.0] * len(names), "intercept": 0.0,
                                "trees": None, "blend": 1.0, "threshold": 0.5, "veto": 0.0, "gate": None,
                                "ranker": None}
    model["sha256"] = parameters_sha256(model)
    path = tmp_path / "m.json"
    path.write_text(json.dumps(model), encoding="utf-8")
    with pytest.raises(ConfigError, match="missing features: dense_z; unknown features: words_from_one_corpus"):
        load_model(path)


def test_a_missing_or_unreadable_model_file_names_the_fix(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="No answer model at .*POLICY_RAG_ANSWER__MODEL=off"):
        load_model(tmp_path / "absent.json")
    (tmp_path / "bad.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(ConfigError, match="cannot be read"):
        load_model(tmp_path / "bad.json")
    _model_file(tmp_path / "short.json", sha256=None)
    data = json.loads((tmp_path / "short.json").read_text(encoding="utf-8"))
    del data["sha256"]
    (tmp_path / "short.json").write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ConfigError, match="lacks sha256"):
        load_model(tmp_path / "short.json")


def test_the_shipped_model_loads() -> None:
    model = default_model()
    assert model.features == FEATURES and 0.0 < model.threshold < 1.0 and 0.0 < model.veto < model.threshold
    assert model.trees is None and model.blend == 1.0  # the regression alone (eval.train.BLEND)
    assert model.gate is not None and 0.0 < model.gate.threshold < 1.0
    assert model.ranker is not None and len(model.ranker.coef) == len(RANK_FEATURES)


# the gate: answerable when the pool's largest kinds_in_sentence is high (weight 4 on max_kinds_in_sentence)
def _gate(**change: object) -> dict[str, object]:
    gate: dict[str, object] = {"mean": [0.0] * len(GATE_FEATURES), "scale": [1.0] * len(GATE_FEATURES),
                               "coef": [4.0 if n == "max_kinds_in_sentence" else 0.0 for n in GATE_FEATURES],
                               "intercept": -2.0, "threshold": 0.5}
    gate.update(change)
    return gate


def test_the_gate_weighs_the_whole_pool_and_refuses_an_answer_below_its_threshold(tmp_path: Path) -> None:
    model = load_model(_model_file(tmp_path / "m.json", gate=_gate()))
    assert model.gate is not None
    pool = _pool("济源市储能装机容量目标是多少？", [STORAGE, JOBS])  # one sentence holds the asked value
    vector = question_vector([c.vector() for c in pool])
    assert len(vector) == len(GATE_FEATURES) == 2 * len(FEATURES)
    assert vector[GATE_FEATURES.index("max_kinds_in_sentence")] == 1.0
    held = [c.features["kinds_in_sentence"] for c in pool]
    assert vector[GATE_FEATURES.index("mean_kinds_in_sentence")] == pytest.approx(sum(held) / len(held))
    assert 0.0 < sum(held) / len(held) < 1.0
    assert model.gate.probability(pool) == pytest.approx(_sigmoid(2.0))
    answer = Judgement("answer", [STORAGE, JOBS], supported=[STORAGE], answering=[STORAGE])
    assert QAService._gated(answer, pool, model, model.gate.threshold) is answer
    assert answer.answerability == pytest.approx(_sigmoid(2.0))
    # the same question over measures none of whose sentences holds a value
    plain = _hit("46.加快储能项目建设。推进储能示范应用。", score=0.9, dense=0.85)
    weak = _pool("济源市储能装机容量目标是多少？", [plain])
    assert model.gate.probability(weak) == pytest.approx(_sigmoid(-2.0))
    refused = QAService._gated(Judgement("answer", [plain], supported=[plain]), weak, model, model.gate.threshold)
    assert refused.verdict == "refuse" and refused.supported == [plain] and not refused.hits
    assert refused.answerability == pytest.approx(_sigmoid(-2.0))  # what refused it, for the caller to see
    calibrated = Judgement("answer", [plain], supported=[plain])  # an index's own threshold, below the pool's 0.12
    assert QAService._gated(calibrated, weak, model, 0.1) is calibrated
    # a stricter threshold (a caller's min_answerability) refuses the answer the file's threshold lets through
    assert QAService._gated(Judgement("answer", [STORAGE], supported=[STORAGE]), pool, model, 0.9).verdict == "refuse"
    partial = Judgement("partial", [plain], ["quantity"])
    # a partial answer already says what is missing
    assert QAService._gated(partial, weak, model, model.gate.threshold) is partial
    ungated = load_model(_model_file(tmp_path / "n.json"))
    assert ungated.gate is None and QAService._gated(answer, weak, ungated, 0.5) is answer


@pytest.mark.parametrize(("gate", "message"), [
    (_gate(coef=[0.0]), "malformed gate.*values where the gate's features are"),
    (_gate(scale=[0.0] * len(GATE_FEATURES)), "malformed gate.*scale that is not positive"),
    ({"mean": []}, "malformed gate.*lacks scale, coef, intercept, threshold"),
])
def test_a_gate_that_does_not_fit_fails_clearly(tmp_path: Path, gate: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_model(_model_file(tmp_path / "m.json", gate=gate))


# the ranker: a measure whose sentence holds the asked value ranks first (weight 4 on kinds_in_sentence)
def _ranker(**change: object) -> dict[str, object]:
    ranker: dict[str, object] = {"mean": [0.0] * len(RANK_FEATURES), "scale": [1.0] * len(RANK_FEATURES),
                                 "coef": [4.0 if n == "kinds_in_sentence" else 0.0 for n in RANK_FEATURES],
                                 "intercept": 0.0}
    ranker.update(change)
    return ranker


def test_the_ranker_orders_measures_by_their_strongest_sentence(tmp_path: Path) -> None:
    plain = _hit("45.推进储能示范应用。加快储能项目建设。", score=0.95, dense=0.9, measure="45")
    jobs = _hit("47.做好稳就业工作。", score=0.92, dense=0.7, measure="47")
    pool = _pool("济源市储能装机容量目标是多少？", [plain, jobs, STORAGE])
    vectors = measure_vectors(pool, 3)
    assert len(RANK_FEATURES) == len(FEATURES) - 4 + 1  # the rule decision's four left out, the fused rank added
    assert not any(name.startswith("rule") for name in RANK_FEATURES) and RANK_FEATURES[-1] == "log_rank"
    kinds, rank = RANK_FEATURES.index("kinds_in_sentence"), RANK_FEATURES.index("log_rank")
    assert [v[kinds] for v in vectors] == [0.0, 0.0, 1.0]  # the largest over each measure's sentences
    assert [v[rank] for v in vectors] == pytest.approx([0.0, math.log(2), math.log(3)])
    topic = RANK_FEATURES.index("sentence_topic")
    assert vectors[0][topic] == max(c.features["sentence_topic"] for c in pool if c.hit is plain)
    assert measure_vectors(pool[:2], 4)[3] == [0.0] * (len(RANK_FEATURES) - 1) + [math.log(4)]  # no sentences
    model = load_model(_model_file(tmp_path / "m.json", ranker=_ranker()))
    assert model.ranker is not None and model.ranker.order(vectors) == [2, 0, 1]  # a tie keeps fused order
    assert model.ranker.order([]) == []
    assert load_model(_model_file(tmp_path / "n.json")).ranker is None


@pytest.mark.parametrize(("ranker", "message"), [
    (_ranker(coef=[1.0]), "malformed ranker.*values where the ranker's features are"),
    (_ranker(scale=[-1.0] * len(RANK_FEATURES)), "malformed ranker.*scale that is not positive"),
    ({"coef": []}, "malformed ranker.*lacks mean, scale, intercept"),
])
def test_a_ranker_that_does_not_fit_fails_clearly(tmp_path: Path, ranker: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_model(_model_file(tmp_path / "m.json", ranker=ranker))


def test_topic_words_no_chunk_holds_and_the_rarest_held_word_are_features() -> None:
    licence = _hit("5.《医疗机构制剂许可证》有效期为5年。", score=1.0, title="药品管理办法")
    question = "机动车驾驶证有效期是多久？"
    weights = asked(question).weights
    rare = {"驾驶证": 3.0, "有效期": 1.0, "机动车": 5.0}
    [held] = candidates(asked(question), [licence], dense_mean=0.6, dense_std=0.1, rare=rare, unheld={"机动车"})
    assert held.features["topic_unheld"] == pytest.approx(weights["机动车"] / sum(weights.values()))
    assert held.features["rarest_held"] == 0.0  # 驾驶证, the rarest word some chunk holds, is not in the measure
    [found] = candidates(asked(question), [licence], dense_mean=0.6, dense_std=0.1, rare={"有效期": 1.0})
    assert (found.features["topic_unheld"], found.features["rarest_held"]) == (0.0, 1.0)


def test_rare_topic_words_held_are_features() -> None:
    licence = _hit("5.《医疗机构制剂许可证》有效期为5年。期满前申请换发。", score=1.0, title="药品管理办法")
    question = "机动车驾驶证有效期是多久？"
    rare = {"驾驶证": 3.0, "有效期": 1.0}  # 机动车: held by no searchable chunk, so it weighs nothing
    valid, renew = candidates(asked(question), [licence], dense_mean=0.6, dense_std=0.1, rare=rare)
    weights = asked(question).weights
    share = weights["有效期"] / (weights["有效期"] + 3.0 * weights["驾驶证"])
    assert valid.features["known_sentence"] == pytest.approx(share) and renew.features["known_sentence"] == 0.0
    assert valid.features["known_measure"] == pytest.approx(share)
    assert valid.features["best_known_in_pool"] == renew.features["best_known_in_pool"] == pytest.approx(share)
    [unweighed, _] = candidates(asked(question), [licence], dense_mean=0.6, dense_std=0.1)
    assert unweighed.features["known_sentence"] == 1.0  # no rarity given: nothing to look for


def test_the_decision_answers_from_the_best_sentence_or_refuses_below_the_threshold(tmp_path: Path) -> None:
    pool = _pool("济源市储能装机容量目标是多少？", [STORAGE, JOBS])
    rules = Judgement("refuse", reason="检索到的条目与问题关联太弱")
    model = load_model(_model_file(tmp_path / "m.json"))
    answered = QAService._learned(rules, pool, model)
    assert (answered.verdict, answered.sentence) == ("answer", "力争储能装机容量达到25兆瓦，产值增长6.5%")
    assert answered.hits == [STORAGE, JOBS] and answered.supported == [STORAGE]
    strict = AnswerModel(model.features, model.mean, model.scale, model.coef, model.intercept, threshold=0.99)
    assert QAService._learned(rules, pool, strict).verdict == "refuse"
    partial = Judgement("partial", [STORAGE], ["quantity"])
    assert QAService._learned(partial, pool, strict) is partial  # the rules' partial answer stays


def test_the_veto_refuses_a_rules_answer_below_it_and_quotes_a_sentence_above_the_threshold(tmp_path: Path) -> None:
    pool = _pool("济源市储能装机容量目标是多少？", [STORAGE, JOBS])  # best probability 1/(1+e^-2) ≈ 0.88
    model = load_model(_model_file(tmp_path / "m.json"))
    strict = AnswerModel(model.features, model.mean, model.scale, model.coef, model.intercept, 0.99, veto=0.2)
    answer = Judgement("answer", [JOBS, STORAGE], supported=[JOBS], answering=[JOBS])
    kept = QAService._vetoed(answer, pool, strict)  # veto 0.2 ≤ 0.88 < threshold 0.99: the rules' answer as it was
    assert kept is answer and kept.hits == [JOBS, STORAGE] and kept.sentence == ""
    # 0.88 ≥ threshold 0.5: the rules answer, the model's best sentence of the measures they found supported is
    # quoted, its measure first
    both = Judgement("answer", [JOBS, STORAGE], supported=[JOBS, STORAGE], answering=[JOBS, STORAGE])
    chosen = QAService._vetoed(both, pool, model)
    assert chosen.verdict == "answer" and chosen.hits == [STORAGE, JOBS]
    assert chosen.sentence == "力争储能装机容量达到25兆瓦，产值增长6.5%"
    # a measure the rules found supported but not holding the asked kind is the model's to choose ...
    weighed = Judgement("answer", [JOBS, STORAGE], supported=[JOBS, STORAGE], answering=[JOBS])
    assert QAService._vetoed(weighed, pool, model).sentence == "力争储能装机容量达到25兆瓦，产值增长6.5%"
    # ... one they did not find supported is not
    rules_only = QAService._vetoed(Judgement("answer", [JOBS, STORAGE], supported=[JOBS], answering=[JOBS]), pool, model)
    assert rules_only.hits[0] is JOBS and "储能" not in rules_only.sentence
    # an answer resting on similarity alone needs the model's threshold, not the veto
    similar = Judgement("answer", [JOBS, STORAGE], supported=[JOBS], answering=[JOBS], similar_only=True)
    assert QAService._vetoed(similar, pool, strict).verdict == "refuse"  # 0.88 < threshold 0.99
    vetoing = AnswerModel(model.features, model.mean, model.scale, model.coef, model.intercept, 0.99, veto=0.9)
    refused = QAService._vetoed(answer, pool, vetoing)
    assert refused.verdict == "refuse" and refused.supported == [JOBS] and not refused.hits
    for rules in (Judgement("refuse", reason="检索到的条目与问题关联太弱"), Judgement("partial", [STORAGE], ["quantity"])):
        assert QAService._vetoed(rules, pool, model) is rules  # the model never answers what the rules do not
    assert QAService._vetoed(answer, [], vetoing) is answer  # no sentence to weigh: the rules decide


def test_a_measure_with_nothing_quoted_is_not_cited(make_passage) -> None:  # type: ignore[no-untyped-def]
    from service.answerers.base import Intent
    from service.answerers.extractive import ExtractiveAnswerer

    quoted = make_passage("济源市 第46条", "46.力争储能装机容量达到25兆瓦。")
    empty = make_passage("郑州市 第12条", "12.", region="郑州市", measure="12")
    answer = ExtractiveAnswerer().answer("济源和郑州储能装机容量分别是多少？", [quoted, empty],
                                         Intent(regions=["济源市", "郑州市"]))
    assert answer.text == "力争储能装机容量达到25兆瓦【济源市 第46条】。"
    assert [c.ref for c in answer.citations] == ["济源市 第46条"]


def test_a_runner_up_nearly_as_likely_in_the_same_measure_is_quoted_too(tmp_path: Path) -> None:
    from service.answerers.answer_model import RUNNER_UP, runner_up

    model = load_model(_model_file(tmp_path / "m.json"))
    # two sentences of the measure hold a value (equally likely), a third none; the other measure's are not its own
    measure = _hit("46.加快储能项目建设。储能装机容量达到25兆瓦。光伏装机容量达到40兆瓦", score=0.9, dense=0.85)
    pool = _pool("济源市储能装机容量目标是多少？", [measure, JOBS])
    scored = [(model.probability(c), c) for c in pool]
    best, probability = model.best(pool)
    assert best is not None and best.sentence == "储能装机容量达到25兆瓦。"
    second = runner_up(scored, best, probability)
    assert second is not None and second.sentence == "光伏装机容量达到40兆瓦" and second.hit is measure
    assert runner_up(scored, best, probability, share=1.01) is None  # not as likely as asked
    alone = [(p, c) for p, c in scored if c.sentence != "光伏装机容量达到40兆瓦"]
    # the opening sentence (no value: p ≈ 0.12 against 0.88) is below RUNNER_UP of the best; JOBS is another measure
    assert RUNNER_UP * probability > min(p for p, c in alone if c.hit is measure)
    assert runner_up(alone, best, probability) is None
    judged = QAService._vetoed(Judgement("answer", [measure], supported=[measure], answering=[measure]), pool, model)
    assert (judged.sentence, judged.also) == ("储能装机容量达到25兆瓦。", "光伏装机容量达到40兆瓦")
    learned = QAService._learned(Judgement("answer", [measure]), pool, model)
    assert (learned.sentence, learned.also) == (judged.sentence, judged.also)


def test_search_returns_the_fused_top_measures_in_the_rankers_order(corpus_index: Path, tmp_path: Path) -> None:
    from service.qa import RANK_DEPTH
    from service.runtime import build_runtime
    from service.settings import Settings

    # a ranker that turns the fused order upside down (its only weight on the fused rank), over the real index
    upside_down = _ranker(coef=[5.0 if name == "log_rank" else 0.0 for name in RANK_FEATURES])
    settings = Settings()
    settings.store.path = str(corpus_index)
    settings.answer.model_path = str(_model_file(tmp_path / "m.json", ranker=upside_down))
    runtime = build_runtime(settings)
    try:
        qa = runtime.qa
        question = "济源市储能装机容量目标是多少？"
        ranked = [h.chunk.chunk_id for h in qa.search(question, 5).hits]
        deep = [h.chunk.chunk_id for h in qa.search(question, RANK_DEPTH + 5).hits]
        off = settings.model_copy(deep=True)
        off.answer.rank = False  # POLICY_RAG_ANSWER__RANK=false: fused order
        unranked = QAService(off, qa.retriever, qa.answerer)
        fused = [h.chunk.chunk_id for h in unranked.search(question, RANK_DEPTH + 5).hits]
    finally:
        runtime.close()
    assert len(fused) == RANK_DEPTH + 5 and ranked == fused[:RANK_DEPTH][::-1][:5]
    # only the first RANK_DEPTH are reordered (what the ranker was trained on): the rest follow in fused order
    assert deep == fused[:RANK_DEPTH][::-1] + fused[RANK_DEPTH:]
