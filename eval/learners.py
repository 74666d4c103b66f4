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
from pathlib import Path
from typing import Any

from eval.train import Group, choose_veto, vetoed_figures

__all__ = ["LEARNERS", "load_pairs", "out_of_fold", "compare"]


def _logistic() -> Any:
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=2000))


def _trees() -> Any:
    from sklearn.ensemble import HistGradientBoostingClassifier

    return HistGradientBoostingClassifier(max_iter=200, learning_rate=0.05, max_leaf_nodes=15, min_samples_leaf=40,
                                          l2_regularization=1.0, random_state=0)


LEARNERS: dict[str, Callable[[], Any]] = {"logistic": _logistic, "trees": _trees}


def load_pairs(path: str | Path) -> tuple[list[str], list[Group]]:
    """A pairs file: the feature names and one group per question."""
    names: list[str] = []
    groups = []
    with Path(path).open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            row = json.loads(line)
            if names and row["features"] != names:
                raise ValueError(f"{path}:{number}: other features than the lines before")
            names = row["features"]
            groups.append(Group(row["source"], row["id"], bool(row["answerable"]), row["vectors"], row["labels"]))
    if not groups:
        raise ValueError(f"{path} holds no pairs")
    return names, groups


def out_of_fold(groups: Sequence[Group], make: Callable[[], Any], *, folds: int = 5) -> list[list[float]]:
    """Each question's candidate probabilities from a model fitted without its fold."""
    import numpy as np
    from sklearn.model_selection import GroupKFold

    x = np.array([v for g in groups for v in g.vectors], dtype=float)
    y = np.array([label for g in groups for label in g.labels], dtype=int)
    owner = np.array([i for i, g in enumerate(groups) for _ in g.vectors], dtype=int)
    oof = np.zeros(len(y))
    for train_rows, test_rows in GroupKFold(n_splits=min(folds, len(groups))).split(x, y, owner):
        if len(set(y[train_rows].tolist())) < 2:
            oof[test_rows] = y[train_rows].mean()
            continue
        oof[test_rows] = make().fit(x[train_rows], y[train_rows]).predict_proba(x[test_rows])[:, 1]
    return [oof[owner == i].tolist() for i in range(len(groups))]


def compare(groups: Sequence[Group], learners: Sequence[str], *, vetoes: Sequence[float],
            strict: Collection[str]) -> dict[str, Any]:
    """Per learner: the veto `choose_veto` picks with its figures by source, and the figures at each of `vetoes`."""
    sources = list(dict.fromkeys(g.source for g in groups))
    out: dict[str, Any] = {}
    for name in learners:
        probabilities = out_of_fold(groups, LEARNERS[name])
        sweep = {f"{veto:.3f}": {s: vetoed_figures([g for g in groups if g.source == s],
                                                 [p for g, p in zip(groups, probabilities) if g.source == s], veto)
                                 for s in sources} for veto in vetoes}
        out[name] = {"chosen": choose_veto(groups, probabilities, strict=strict), "sweep": sweep}
    return out
