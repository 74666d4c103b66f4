"""`python -m eval learners`: compare learners for the answer model on saved training pairs, with no retrieval.

`python -m eval train --save-pairs FILE` writes the labelled (question, candidate sentence) pairs; this refits each
learner out of fold (questions grouped into folds, as `eval.train.fit` does) and reports, per source, what the
veto `eval.train.choose_veto` would choose and the rules-with-veto figures at a range of vetoes. It decides nothing
and writes no model: it is how a learner or a feature is weighed before `eval.train` ships it. Use only tune halves
and your own dev sets.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Sequence
from functools import partial
from pathlib import Path
from typing import Any

from eval.train import Group, choose_veto, logistic, out_of_fold, per_source, vetoed_figures

__all__ = ["LEARNERS", "load_pairs", "compare"]


def _trees() -> Any:
    from sklearn.ensemble import HistGradientBoostingClassifier

    return HistGradientBoostingClassifier(max_iter=200, learning_rate=0.05, max_leaf_nodes=15, min_samples_leaf=40,
                                          l2_regularization=1.0, random_state=0)


LEARNERS: dict[str, Callable[[], Any]] = {"logistic": logistic, "trees": _trees}


def load_pairs(path: str | Path) -> tuple[list[Group], set[str]]:
    """A pairs file: one group per question, and the sources marked strict (a team dev set, which the veto may cost
    no answerable question)."""
    names: list[str] | None = None
    groups = []
    strict: set[str] = set()
    with Path(path).open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            row = json.loads(line)
            if names is not None and row["features"] != names:
                raise ValueError(f"{path}:{number}: other features than the lines before")
            names = row["features"]
            groups.append(Group(row["source"], row["id"], bool(row["answerable"]), row["vectors"], row["labels"]))
            if row["strict"]:
                strict.add(row["source"])
    if not groups:
        raise ValueError(f"{path} holds no pairs")
    return groups, strict


def compare(groups: Sequence[Group], learners: Sequence[str], *, vetoes: Sequence[float],
            strict: Collection[str]) -> dict[str, Any]:
    """Per learner: the veto `choose_veto` picks with its figures by source, and the figures at each of `vetoes`."""
    out: dict[str, Any] = {}
    for name in learners:
        probabilities = out_of_fold(groups, LEARNERS[name])
        sweep = {f"{veto:.3f}": per_source(groups, probabilities, partial(vetoed_figures, veto=veto))
                 for veto in vetoes}
        out[name] = {"chosen": choose_veto(groups, probabilities, strict=strict), "sweep": sweep}
    return out
