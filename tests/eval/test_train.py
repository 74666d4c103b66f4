"""`python -m eval train`: labels, the threshold under the rules' false-refusal rate, and a slice run end to end."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from eval.cli import main  # noqa: E402
from eval.dataset import EvalQuestion  # noqa: E402
from eval.learners import compare, load_pairs  # noqa: E402
from eval.train import (BLEND, Blend, Group, choose_threshold, choose_veto, export_trees, fit_gate,  # noqa: E402
                        fit_ranker, label, rules_answerable_refused, sha256_of)
from service.answerers.answer_model import load_model, parameters_sha256, read_trees  # noqa: E402
from service.answerers.features import FEATURES, RANK_FEATURES  # noqa: E402
from service.qa import RANK_DEPTH  # noqa: E402

DEV = Path(__file__).resolve().parents[2] / "eval" / "datasets" / "dev.jsonl"
QUESTION = EvalQuestion("q1", "储能装机容量目标是多少？", "numeric", True, ["力争储能装机容量达到25兆瓦"], ["25兆瓦"],
                        ["济源市 第46条"])


@pytest.mark.parametrize(("sentence", "chunk", "measure", "source", "gold", "expected"), [
    ("力争储能装机容量达到25兆瓦", "46.力争储能装机容量达到25兆瓦。", "", "", "", 1),  # the measure holds the evidence
    ("储能达到25兆瓦", "储能达到25兆瓦。", "济源市 第46条", "", "", 1),  # a gold measure
    ("储能达到25 兆瓦", "储能达到25兆瓦。", "", "a.txt", "a.txt", 1),  # the gold document; whitespace aside
    ("储能达到25兆瓦", "储能达到25兆瓦。", "郑州市 第1条", "b.txt", "a.txt", 0),  # the value, elsewhere
    ("力争储能装机容量提升", "46.力争储能装机容量达到25兆瓦。", "", "", "", 0),  # the right measure, not the value
])
def test_a_sentence_answers_when_it_holds_a_key_and_its_measure_is_gold(sentence: str, chunk: str, measure: str,
                                                                         source: str, gold: str, expected: int) -> None:
    assert label(QUESTION, sentence, chunk, measure, source, gold) == expected


def test_a_sentence_inside_a_long_answer_answers_and_nothing_answers_an_unanswerable_question() -> None:
    long = EvalQuestion("q2", "用于什么？", "external", True, ["用于群众转移安置和隔离观察，以及为方舱医院提供支持"],
                        ["群众转移安置和隔离观察，以及为方舱医院提供支持"])
    assert label(long, "以及为方舱医院提供支持", "用于群众转移安置和隔离观察，以及为方舱医院提供支持。", "", "", "") == 1
    twin = EvalQuestion("q1-lgo", QUESTION.question, "unanswerable", False)
    assert label(twin, "力争储能装机容量达到25兆瓦", "力争储能装机容量达到25兆瓦。", "济源市 第46条", "", "") == 0


def _group(qid: str, answerable: bool, labels: list[int], rules_answer: bool, source: str = "s") -> Group:
    column = FEATURES.index("rules_answer")
    vectors = [[float(rules_answer) if i == column else 0.0 for i in range(len(FEATURES))] for _ in labels]
    return Group(source, qid, answerable, vectors, labels)


def test_the_threshold_refuses_answerable_questions_no_more_than_the_rules() -> None:
    groups = [_group("a1", True, [1, 0], True), _group("a2", True, [0, 1], True), _group("a3", True, [1], False),
              _group("u1", False, [0], True), _group("u2", False, [0, 0], True)]
    probabilities = [[0.9, 0.1], [0.2, 0.4], [0.3], [0.35], [0.25, 0.2]]
    assert rules_answerable_refused(groups) == pytest.approx(1 / 3)
    free = choose_threshold(groups, probabilities)  # utility alone: refuse u1 and u2, at the cost of a3
    assert free["refusal_recall"] == 1.0 and free["answerable_refused"] == pytest.approx(1 / 3)
    capped = choose_threshold(groups, probabilities, max_answerable_refused=0.0)
    assert capped["answerable_refused"] == 0.0 and capped["threshold"] <= 0.3
    assert capped["refusal_recall"] == 0.5  # u2 (0.25) is still refused, u1 (0.35) no longer


def test_the_veto_is_the_highest_that_refuses_no_source_much_more_than_the_rules() -> None:
    # source "e": the rules answer both unanswerable twins; source "d": 100 answerable questions, one unlikely
    groups = [_group("u1", False, [0], True, "e"), _group("u2", False, [0], True, "e"),
              _group("a1", True, [1], True, "e"), _group("r1", True, [1], False, "e"),
              *[_group(f"d{i}", True, [1], True, "d") for i in range(100)]]
    probabilities = [[0.01], [0.04], [0.6], [0.02], *[[0.9]] * 99, [0.03]]
    chosen = choose_veto(groups, probabilities, max_rise=0.01)
    # d99 (0.03) refused costs "d" 1%, allowed; no other answerable question is below 0.6: the grid's top
    assert chosen["veto"] == 0.3
    assert chosen["by_source"]["e"]["refusal_recall"] == 1.0 and chosen["rules"]["e"]["refusal_recall"] == 0.0
    assert chosen["by_source"]["e"]["answerable_refused"] == chosen["rules"]["e"]["answerable_refused"] == 0.5
    assert chosen["by_source"]["d"]["answerable_refused"] == pytest.approx(0.01)
    for strict in (choose_veto(groups, probabilities, max_rise=0.0),  # d99 (0.03) may not be refused
                   choose_veto(groups, probabilities, strict={"d"})):  # "d" a team dev set: it loses nothing
        assert strict["veto"] == 0.03 and strict["by_source"]["e"]["refusal_recall"] == 0.5
        assert strict["by_source"]["d"]["answerable_refused"] == 0.0


def test_the_gate_learns_answerability_from_the_pool_and_refuses_within_its_rise() -> None:
    dense = FEATURES.index("dense")

    def group(qid: str, answerable: bool, similar: bool) -> Group:
        g = _group(qid, answerable, [0, 0], True, "e")  # the rules answer every question
        g.vectors[0][dense] = 1.0 if similar else 0.0  # a similar measure retrieved, or none
        g.doc = f"doc-{qid.removesuffix('-lgo')}"  # a question and its twin share a fold
        return g

    groups = [group(f"a{i}", True, True) for i in range(19)] + [group("a19", True, False)] \
        + [group(f"a{i}-lgo", False, False) for i in range(20)]
    probabilities = [[0.9, 0.9]] * len(groups)  # the veto refuses nothing
    strict = fit_gate(groups, probabilities, 0.0, max_rise=0.0)
    # a19 looks like the twins: the threshold refuses only those its fold's model finds less likely than a19
    assert strict["figures"]["by_source"]["e"]["answerable_refused"] == 0.0
    assert strict["figures"]["by_source"]["e"]["refusal_recall"] < 1.0
    allowed = fit_gate(groups, probabilities, 0.0, max_rise=0.05)  # a19 may be refused (1 of 20)
    figures = allowed["figures"]["by_source"]["e"]
    assert 0.0 < allowed["gate"]["threshold"] < 1.0
    assert (figures["refusal_recall"], figures["answerable_refused"]) == (1.0, 0.05)
    assert allowed["figures"]["rules_with_veto"]["e"]["refusal_recall"] == 0.0
    assert len(allowed["gate"]["coef"]) == 2 * len(FEATURES)
    only_answerable = fit_gate(groups[:20], probabilities[:20], 0.0)
    assert only_answerable["gate"] is None and "all answerable" in only_answerable["figures"]["skipped"]


def test_the_gate_is_also_measured_on_each_source_fitted_without_it() -> None:
    dense, unheld = FEATURES.index("dense"), FEATURES.index("topic_unheld")

    def group(qid: str, source: str, answerable: bool, similar: bool, lacking: bool) -> Group:
        g = _group(qid, answerable, [0, 0], True, source)  # the rules answer every question
        g.vectors[0][dense] = 1.0 if similar else 0.0
        g.vectors[0][unheld] = 1.0 if lacking else 0.0
        g.doc = f"doc-{qid.removesuffix('-lgo')}"
        return g

    # "e"'s twins retrieve nothing similar; "f"'s retrieve a similar measure but ask for words nothing indexed holds
    groups = [group(f"e{i}", "e", True, True, False) for i in range(20)] \
        + [group(f"e{i}-lgo", "e", False, False, False) for i in range(20)] \
        + [group(f"f{i}", "f", True, True, False) for i in range(20)] \
        + [group(f"f{i}-lgo", "f", False, True, True) for i in range(20)]
    gate = fit_gate(groups, [[0.9, 0.9]] * len(groups), 0.0, max_rise=0.05)
    figures = gate["figures"]
    # fitted on both (out of fold by document), each source's twins are caught by its own signal ...
    assert figures["by_source"]["e"]["refusal_recall"] == figures["by_source"]["f"]["refusal_recall"] == 1.0
    # ... fitted without a source, the gate has not seen its signal and lets its twins through
    assert figures["held_out"]["f"]["refusal_recall"] == 0.0 and figures["held_out"]["e"]["refusal_recall"] == 0.0
    assert figures["held_out"]["f"]["answerable_refused"] == 0.0
    one_source = fit_gate(groups[:40], [[0.9, 0.9]] * 40, 0.0, max_rise=0.05)
    assert one_source["figures"]["held_out"] == {}  # no other source to fit on


def test_the_ranker_learns_which_measures_hold_evidence_out_of_fold() -> None:
    topic, rank = RANK_FEATURES.index("sentence_topic"), RANK_FEATURES.index("log_rank")

    def measures(evidence_at: int) -> tuple[list[list[float]], list[int]]:
        vectors = [[0.0] * len(RANK_FEATURES) for _ in range(6)]
        for position, v in enumerate(vectors):
            v[rank] = float(position)
            v[topic] = 0.9 if position == evidence_at else 0.2  # the measure holding the evidence covers the topic
        return vectors, [int(position == evidence_at) for position in range(6)]

    groups = [Group("s:tune", f"q{i}", True, *measures(i % 6), doc=f"d{i % 10}") for i in range(60)]
    fitted = fit_ranker(groups)
    figures = fitted["figures"]["by_source"]["s:tune"]
    assert figures["questions"] == 60 and figures["fused_at_1"] == pytest.approx(1 / 6)
    assert figures["fused_at_5"] == pytest.approx(5 / 6)  # evidence at the sixth place: out of the top five
    assert figures["ranked_at_1"] == figures["ranked_at_5"] == 1.0
    assert fitted["ranker"]["coef"][topic] > 0 and len(fitted["ranker"]["coef"]) == len(RANK_FEATURES)
    none = fit_ranker([Group("s:tune", "q", True, *measures(-1))])
    assert none["ranker"] is None and "no measure" in none["figures"]["skipped"]


def test_a_slice_trains_a_model_the_service_loads(corpus_index: Path, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "model.json"
    args = ["train", "--dataset", f"{DEV}={corpus_index}", "--limit", "16", "--out", str(out), "--no-progress",
            "--save-pairs", str(tmp_path / "pairs.jsonl"), "--blend", "0.3"]
    assert main(args) == 0
    model = json.loads(out.read_text(encoding="utf-8"))
    assert model["command"].startswith("python -m eval train --dataset") and "--limit 16" in model["command"]
    assert model["data"] == [{"file": str(DEV), "sha256": sha256_of(DEV)}]
    assert model["features"] == list(FEATURES) and 0.0 < model["threshold"] < 1.0
    lines = [json.loads(line) for line in (tmp_path / "pairs.jsonl").read_text(encoding="utf-8").splitlines()]
    pairs = [line for line in lines if not line.get("ranking")]
    ranking = [line for line in lines if line.get("ranking")]
    assert 0 < len(pairs) <= 16 and sum(sum(p["labels"]) for p in pairs) > 0
    # the ranker's measures: each answerable question's top 20 fused measures, labelled by the evidence they hold
    assert 0 < len(ranking) <= 16 and all(r["features"] == list(RANK_FEATURES) for r in ranking)
    assert all(len(r["vectors"]) == len(r["labels"]) == RANK_DEPTH for r in ranking)
    assert 0 < sum(sum(r["labels"]) for r in ranking) < RANK_DEPTH * len(ranking)
    assert all(p["strict"] for p in pairs)  # a team dev set: the veto may cost it no answerable question
    assert model["figures"]["questions"] == len(pairs)
    loaded = load_model(out)
    assert loaded.threshold == model["threshold"] and len(loaded.coef) == len(FEATURES)
    assert loaded.veto == model["veto"] == model["figures"]["veto"]["veto"]
    assert loaded.blend == 0.3 and loaded.trees is not None and loaded.trees.feature.shape[0] == 200
    assert model["gate"] is None and loaded.gate is None  # the first 16 questions are all answerable: no gate
    assert loaded.ranker is not None and list(loaded.ranker.coef) == model["ranker"]["coef"]
    by_source = model["figures"]["ranker"]["by_source"]["dev.jsonl"]
    assert by_source["questions"] == len(ranking) and 0.0 < by_source["fused_at_5"] <= 1.0
    # fitted again from the saved pairs, with no retrieval (the pairs file is the data recorded), as shipped
    again = tmp_path / "again.json"
    assert main(["train", "--pairs", str(tmp_path / "pairs.jsonl"), "--out", str(again)]) == 0
    refit = json.loads(again.read_text(encoding="utf-8"))
    assert refit["data"] == [{"file": str(tmp_path / "pairs.jsonl"), "sha256": sha256_of(tmp_path / "pairs.jsonl")}]
    assert BLEND == 1.0 and refit["trees"] is None and refit["blend"] == 1.0 and refit["sources"] == [
        {"label": "dev.jsonl", "questions": len(pairs)}]
    assert refit["coef"] == model["coef"]  # the same pairs, the same regression
    assert refit["ranker"] == model["ranker"]  # and the same ranker, from the measures saved beside them
    assert load_model(again).trees is None
    # a source left out (`--without`): the same fit as before another source's copies were added beside it
    saved = (tmp_path / "pairs.jsonl").read_text(encoding="utf-8").splitlines()
    both = tmp_path / "both.jsonl"
    both.write_text("\n".join(saved + [json.dumps({**json.loads(line), "source": "other:tune", "strict": False})
                                       for line in saved]) + "\n", encoding="utf-8")
    without = tmp_path / "without.json"
    assert main(["train", "--pairs", str(both), "--without", "other:tune", "--out", str(without)]) == 0
    left = json.loads(without.read_text(encoding="utf-8"))
    assert left["coef"] == refit["coef"] and left["ranker"] == refit["ranker"]
    assert left["sources"] == refit["sources"] and "--without other:tune" in left["command"]
    assert main(["train", "--pairs", str(both), "--without", "nosuch:tune", "--out", str(without)]) == 2
    assert "--without nosuch:tune: the pairs hold dev.jsonl, other:tune." in capsys.readouterr().err
    assert main(["train", "--pairs", str(both), "--without", "dev.jsonl", "--without", "other:tune",
                 "--out", str(without)]) == 2
    assert "leaves no questions" in capsys.readouterr().err
    # the ranker alone refitted into a copy of a model file: its answer model, gate and provenance kept
    unranked = tmp_path / "unranked.json"  # a base without a ranker: the one written can only be the refit
    base = {**model, "ranker": None}
    unranked.write_text(json.dumps({**base, "sha256": parameters_sha256(base)}), encoding="utf-8")
    ranked = tmp_path / "ranked.json"
    assert main(["train", "--pairs", str(both), "--without", "other:tune", "--ranker-only", str(unranked),
                 "--out", str(ranked)]) == 0
    swapped = json.loads(ranked.read_text(encoding="utf-8"))
    assert swapped["ranker"] == refit["ranker"] is not None
    assert {k: v for k, v in swapped.items() if k not in ("ranker", "sha256", "figures")} == \
        {k: v for k, v in model.items() if k not in ("ranker", "sha256", "figures")}
    recorded = swapped["figures"]["ranker"]
    assert "--ranker-only" in recorded["command"]
    assert recorded["data"] == [{"file": str(both), "sha256": sha256_of(both)}]
    assert recorded["objective"] == "pairwise" and load_model(ranked).ranker is not None  # its sha256 matches
    assert main(["train", "--dataset", f"{DEV}={corpus_index}", "--ranker-only", str(unranked),
                 "--out", str(ranked)]) == 2
    assert "give them with --pairs" in capsys.readouterr().err
    # the saved pairs refit out of fold by `learners`, with no retrieval
    figures = tmp_path / "learners.json"
    assert main(["learners", "--pairs", str(tmp_path / "pairs.jsonl"), "--learner", "logistic", "--vetoes", "0,0.1",
                 "--out", str(figures)]) == 0
    compared = json.loads(figures.read_text(encoding="utf-8"))
    assert set(compared) == {"logistic"} and set(compared["logistic"]["sweep"]) == {"0.000", "0.100"}
    assert compared["logistic"]["sweep"]["0.000"]["dev.jsonl"]["answerable"] == sum(p["answerable"] for p in pairs)


def test_training_needs_no_loadable_answer_model(corpus_index: Path, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    # the configured model was trained on other features (as after a feature is added): training must not load it
    stale = tmp_path / "stale.json"
    stale.write_text(json.dumps({"format": 1}), encoding="utf-8")
    monkeypatch.setenv("POLICY_RAG_ANSWER__MODEL_PATH", str(stale))
    out = tmp_path / "model.json"
    assert main(["train", "--dataset", f"{DEV}={corpus_index}", "--limit", "6", "--out", str(out),
                 "--no-progress"]) == 0
    assert load_model(out).features == FEATURES


def test_exported_trees_score_as_scikit_learn_does() -> None:
    np = pytest.importorskip("numpy")
    rng = np.random.default_rng(0)
    x = rng.random((600, len(FEATURES)))
    y = ((x[:, 0] > 0.5) ^ (x[:, 3] * x[:, 7] > 0.3)).astype(int)  # an interaction a regression cannot draw
    fitted = Blend(0.3).fit(x, y)
    assert fitted.trees is not None
    trees = read_trees(export_trees(fitted.trees, x), len(FEATURES))
    fresh = rng.random((200, len(FEATURES)))
    ours = 1 / (1 + np.exp(-trees.log_odds(fresh)))
    assert np.allclose(ours, fitted.trees.predict_proba(fresh)[:, 1], atol=1e-9)
    widest = max(len(t) for t in export_trees(fitted.trees, x)["feature"])
    assert 1 < trees.depth <= 14 and trees.feature.shape == (200, widest)


def test_learners_are_compared_out_of_fold_on_saved_pairs(tmp_path: Path) -> None:
    dense, rules, rank = FEATURES.index("dense"), FEATURES.index("rules_answer"), FEATURES.index("rank_inverse")

    def row(qid: str, answerable: bool) -> dict:
        vectors = [[0.0] * len(FEATURES) for _ in range(2)]
        for v in vectors:
            v[rules] = 1.0  # the rules answer every question: only the veto can refuse
        vectors[0][dense] = 1.0 if answerable else 0.0  # the answering sentence alone is similar
        vectors[0][rank], vectors[1][rank] = 1.0, 0.5  # each sentence of its own measure
        return {"source": "s:tune", "strict": False, "id": qid, "answerable": answerable, "features": list(FEATURES),
                "vectors": vectors, "labels": [int(answerable), 0]}

    path = tmp_path / "pairs.jsonl"
    path.write_text("".join(json.dumps(row(f"q{i}", i % 2 == 0)) + "\n" for i in range(200)), encoding="utf-8")
    groups, strict = load_pairs(path)
    assert strict == set()
    figures = compare(groups, ["logistic", "trees"], vetoes=[0.0, 0.2], strict=strict, shares=[0.0])
    for learner in ("logistic", "trees"):
        assert figures[learner]["sweep"]["0.000"]["s:tune"]["refusal_recall"] == 0.0  # the rules alone
        separated = figures[learner]["sweep"]["0.200"]["s:tune"]
        assert separated["refusal_recall"] == 1.0 and separated["answerable_refused"] == 0.0
        assert figures[learner]["chosen"]["by_source"]["s:tune"]["refusal_recall"] == 1.0
        # the likeliest sentence alone is the answering one; its measure has no other sentence to quote, and at
        # share 0 the other measure is quoted too, one of two holding an answer
        alone, both = (figures[learner]["quoted"][k]["s:tune"] for k in ("none", "0.00"))
        assert alone["questions"] == 100 and alone["answering_quoted"] == 1.0 and alone["extra_sentences"] == 0.0
        assert both["extra_sentences"] == 0.0
        one, two = (figures[learner]["measures"][k]["s:tune"] for k in ("none", "0.00"))
        assert one["answering_quoted"] == one["precision"] == 1.0 and one["extra_measures"] == 0.0
        assert two["answering_quoted"] == 1.0 and two["precision"] == 0.5 and two["extra_measures"] == 1.0
    mixed = tmp_path / "mixed.jsonl"
    other = dict(row("x", True), features=["dense"])
    mixed.write_text(json.dumps(row("q", True)) + "\n" + json.dumps(other) + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match="other features"):
        load_pairs(mixed)
    older = tmp_path / "older.jsonl"  # saved by a build with other features: its columns would be misread
    older.write_text(json.dumps(dict(row("q", True), features=list(FEATURES[:-1]) + ["retired_feature"])) + "\n",
                     encoding="utf-8")
    with pytest.raises(ValueError, match="pairs of other features than this code's"):
        load_pairs(older)


def test_training_without_a_source_is_a_usage_error(tmp_path: Path) -> None:
    assert main(["train", "--out", str(tmp_path / "m.json")]) == 2


def test_an_external_index_holding_a_report_document_is_refused(tmp_path: Path) -> None:
    from types import SimpleNamespace

    from eval.train import external_source

    for name in ("ncpqa", "legal-dc"):
        (tmp_path / name / "docs").mkdir(parents=True)
        rows = [{"id": f"{name}-{split}", "type": "external", "question": "问题？", "answerable": True,
                 "doc": f"{split}.txt", "evidence": "证据文字", "answer_keys": ["证据"], "split": split}
                for split in ("tune", "report")]
        (tmp_path / name / "qa.jsonl").write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows),
                                                  encoding="utf-8")

    def qa_holding(*files: str) -> SimpleNamespace:
        documents = {f"d{i}": {"source": f} for i, f in enumerate(files)}
        return SimpleNamespace(retriever=SimpleNamespace(store=SimpleNamespace(documents=lambda: documents)))

    (tmp_path / "ncpqa" / "docs" / "tune.txt").write_text("证据文字。", encoding="utf-8")
    source = external_source("ncpqa", "idx", qa_holding("tune.txt"), root=str(tmp_path))
    assert [q.id for q in source.questions] == ["ncpqa-tune", "ncpqa-tune-lgo"]
    assert source.gold_sources == {"ncpqa-tune": "tune.txt"}
    with pytest.raises(RuntimeError, match="report half .*train only on tune documents"):
        external_source("ncpqa", "idx", qa_holding("tune.txt", "report.txt"), root=str(tmp_path))
