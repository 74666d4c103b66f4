"""`python -m eval learners`: compare learners for the answer model on saved training pairs, with no retrieval.

`python -m eval train --save-pairs FILE` writes the labelled (question, candidate sentence) pairs; this refits each
learner out of fold (questions grouped into folds, as `eval.train.fit` does) and reports, per source, what the
veto `eval.train.choose_veto` would choose and the rules-with-veto figures at a range of vetoes, and how often the
sentences an answer quotes (the likeliest, and its runner-up in the same measure when at least a given share as likely,
`service.answerers.answer_model.RUNNER_UP`) hold an answering one, and as much for the measures an answer would
quote if it quoted the next measure too when nearly as likely (weighed, not shipped: README). It decides nothing
and writes no model: it is how a learner or a feature is weighed before `eval.train` ships it. Use only tune halves
and your own dev sets.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Sequence
from functools import partial
from pathlib import Path
from typing import Any

from eval.train import Blend, Group, boosted, choose_veto, logistic, out_of_fold, per_source, vetoed_figures
from service.answerers.features import FEATURES, RANK_FEATURES

__all__ = ["LEARNERS", "load_pairs", "load_ranking", "compare", "quoted_figures", "measure_figures"]


def _trees() -> Any:
    from sklearn.ensemble import HistGradientBoostingClassifier

    return HistGradientBoostingClassifier(max_iter=200, learning_rate=0.05, max_leaf_nodes=15, min_samples_leaf=40,
                                          l2_regularization=1.0, random_state=0)


# `blend`: 0.3 × the regression + 0.7 × `boosted`, what `eval train --blend 0.3` would ship (see eval.train.BLEND);
# `trees`: faster histogram-based boosting, which `eval train` cannot export (no public interface to its trees)
LEARNERS: dict[str, Callable[[], Any]] = {"logistic": logistic, "trees": _trees, "boosted": boosted, "blend": Blend}


def load_pairs(path: str | Path) -> tuple[list[Group], set[str]]:
    """A pairs file: one group per question, and the sources marked strict (a team dev set, which the veto may cost
    no answerable question)."""
    groups, strict = _read_groups(path, ranking=False)
    if not groups:
        raise ValueError(f"{path} holds no pairs")
    return groups, strict


def load_ranking(path: str | Path) -> list[Group]:
    """The ranker's measures a pairs file holds (one group per question; none in a file saved before the ranker)."""
    return _read_groups(path, ranking=True)[0]


def _read_groups(path: str | Path, *, ranking: bool) -> tuple[list[Group], set[str]]:
    """The lines of one kind (the answer model's pairs, or the ranker's measures), each checked to be of this
    code's features, and the sources marked strict."""
    expected = list(RANK_FEATURES if ranking else FEATURES)
    groups = []
    strict: set[str] = set()
    with Path(path).open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            row = json.loads(line)
            if bool(row.get("ranking")) != ranking:
                continue
            if row["features"] != expected:  # the figures read columns by this code's feature names
                raise ValueError(f"{path}:{number}: {'measures' if ranking else 'pairs'} of other features than "
                                 f"this code's (service/answerers/features.py): save them again with "
                                 f"`eval train --save-pairs`")
            groups.append(Group(row["source"], row["id"], bool(row["answerable"]), row["vectors"], row["labels"],
                                doc=row.get("doc", "")))
            if row["strict"]:
                strict.add(row["source"])
    return groups, strict


def quoted_figures(groups: Sequence[Group], probabilities: Sequence[Sequence[float]],
                   share: float | None) -> dict[str, Any]:
    """Over the answerable questions with an answering candidate: the share whose quoted sentences hold one (the
    likeliest sentence, plus the likeliest other of its measure when at least `share` as likely; None: alone), and
    the sentences quoted beyond the first, on average. A candidate's measure is told by its `rank_inverse`."""
    rank = FEATURES.index("rank_inverse")
    hits = extra = questions = 0
    for group, probs in zip(groups, probabilities):
        if not group.answerable or not any(group.labels):
            continue
        questions += 1
        best = max(range(len(probs)), key=lambda i: probs[i])
        quoted = [best]
        others = [i for i in range(len(probs)) if i != best and group.vectors[i][rank] == group.vectors[best][rank]]
        second = max(others, key=lambda i: probs[i], default=None)
        if share is not None and second is not None and probs[second] >= share * probs[best]:
            quoted.append(second)
        hits += any(group.labels[i] for i in quoted)
        extra += len(quoted) - 1
    return {"share": share, "questions": questions, "answering_quoted": hits / questions if questions else 0.0,
            "extra_sentences": extra / questions if questions else 0.0}


def measure_figures(groups: Sequence[Group], probabilities: Sequence[Sequence[float]],
                    share: float | None) -> dict[str, Any]:
    """Over the answerable questions with an answering candidate: the share whose quoted measures hold one (the
    measure of the likeliest sentence, plus the measure whose likeliest sentence comes next when at least `share` as
    likely; None: alone), the mean share of quoted measures that hold one (a citation precision), and the measures
    quoted beyond the first, on average. Every candidate's measure counts, as `on` mode would quote it."""
    rank = FEATURES.index("rank_inverse")
    held = precise = extra = questions = 0.0
    for group, probs in zip(groups, probabilities):
        if not group.answerable or not any(group.labels):
            continue
        questions += 1
        measures: dict[float, list[float]] = {}  # measure → [its best probability, whether it holds an answer]
        for vector, p, label in zip(group.vectors, probs, group.labels):
            entry = measures.setdefault(vector[rank], [0.0, 0.0])
            entry[0], entry[1] = max(entry[0], p), max(entry[1], float(label))
        ranked = sorted(measures.values(), key=lambda m: -m[0])
        quoted = ranked[:1] + [m for m in ranked[1:2] if share is not None and m[0] >= share * ranked[0][0]]
        held += any(m[1] for m in quoted)
        precise += sum(m[1] for m in quoted) / len(quoted)
        extra += len(quoted) - 1
    return {"share": share, "questions": int(questions), "answering_quoted": held / questions if questions else 0.0,
            "precision": precise / questions if questions else 0.0,
            "extra_measures": extra / questions if questions else 0.0}


def compare(groups: Sequence[Group], learners: Sequence[str], *, vetoes: Sequence[float],
            strict: Collection[str], shares: Sequence[float] = ()) -> dict[str, Any]:
    """Per learner: the veto `choose_veto` picks with its figures by source, the figures at each of `vetoes`, and
    the `quoted_figures` and `measure_figures` quoting one sentence (one measure) and at each of `shares`."""
    out: dict[str, Any] = {}
    for name in learners:
        probabilities = out_of_fold(groups, LEARNERS[name])
        sweep = {f"{veto:.3f}": per_source(groups, probabilities, partial(vetoed_figures, veto=veto))
                 for veto in vetoes}
        quoted = {"none" if share is None else f"{share:.2f}":
                  per_source(groups, probabilities, partial(quoted_figures, share=share)) for share in [None, *shares]}
        measures = {"none" if share is None else f"{share:.2f}":
                    per_source(groups, probabilities, partial(measure_figures, share=share))
                    for share in [None, *shares]}
        out[name] = {"chosen": choose_veto(groups, probabilities, strict=strict), "sweep": sweep, "quoted": quoted,
                     "measures": measures}
    return out
