"""The learned answer decision over `features.FEATURES`, shipped as a small JSON file: a logistic regression blended
with gradient-boosted trees (the probability is `blend` × the regression's + (1 − `blend`) × the trees'), the
answerability gate, a logistic regression on the question's whole pool of candidates (`features.GATE_FEATURES`):
the probability that the question is answerable from what was retrieved at all, and the measure ranker, a linear
score of each fused measure's strongest signals (`features.RANK_FEATURES`) that orders the measures retrieved.

The file is data (feature names, scaling, coefficients, intercept, the trees' nodes, the blend, threshold, veto, the
gate's scaling, coefficients and threshold, the ranker's scaling and coefficients) plus
how it was made (the training command, the sha256 of each training file, the figures on held-out questions);
`python -m eval train` writes it. Scoring needs numpy alone: a dot product, a walk down each tree, a sigmoid. The
file carries the sha256 of its own parameters, so a hand-edited or truncated file fails to load with a sentence
saying so, as does one trained on other features.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from ingest import ConfigError
from service.answerers.features import FEATURES, GATE_FEATURES, RANK_FEATURES, Candidate, question_vector

__all__ = ["MODEL_FILE", "AnswerModel", "Gate", "Ranker", "Trees", "load_model", "read_trees", "read_gate",
           "read_ranker", "best_first", "default_model", "parameters_sha256", "FORMAT", "RUNNER_UP", "runner_up"]

MODEL_FILE = Path(__file__).with_name("answer_model.json")
FORMAT = 5  # 2: `veto` added; 3: `trees` and `blend`; 4: `gate`; 5: `ranker`
# The best sentence's runner-up in its measure is quoted beside it when at least this share as likely: out of fold
# on the tune halves and dev sets, quoting it puts an answering sentence in the answer for 80% of the NCPQA tune
# questions that have one instead of 73% (Legal-DC 74% instead of 67%), at 0.3–0.4 more sentences an answer;
# below a half the gain flattens (`python -m eval learners --pairs FILE` prints the table).
RUNNER_UP = 0.5
_PARAMETERS = ("format", "features", "mean", "scale", "coef", "intercept", "trees", "blend", "threshold", "veto",
               "gate", "ranker")
_LINEAR_FIELDS = ("mean", "scale", "coef", "intercept")
_TREE_FIELDS = ("feature", "threshold", "left", "right", "value")


def parameters_sha256(model: dict[str, Any]) -> str:
    """The sha256 of the parameters that decide (canonical JSON), as stored in the file's `sha256`."""
    body = json.dumps({k: model[k] for k in _PARAMETERS}, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


@dataclass(frozen=True, eq=False)
class Trees:
    """Gradient-boosted regression trees on the raw features: log-odds = `base` + the sum of each tree's leaf.
    Arrays are (trees, nodes), padded; node 0 is a tree's root, and a leaf is its own child, so `depth` steps down
    from the root reach every tree's leaf."""

    base: float
    feature: np.ndarray
    threshold: np.ndarray  # go left when the feature is ≤ this
    left: np.ndarray
    right: np.ndarray
    value: np.ndarray  # a leaf's contribution to the log-odds (0 at an inner node)
    depth: int

    def log_odds(self, x: np.ndarray) -> np.ndarray:
        """The trees' log-odds for each row of `x` (rows: candidates, columns: FEATURES)."""
        trees = np.arange(self.feature.shape[0])
        rows = np.arange(x.shape[0])[:, None]
        node = np.zeros((x.shape[0], trees.size), dtype=np.intp)
        for _ in range(self.depth):
            left = x[rows, self.feature[trees, node]] <= self.threshold[trees, node]
            node = np.where(left, self.left[trees, node], self.right[trees, node])
        return self.base + self.value[trees, node].sum(axis=1)


@dataclass(frozen=True)
class Linear:
    """A logistic regression on standardised features: log-odds = intercept + ((x − mean) / scale) · coef."""

    mean: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[float, ...]
    intercept: float

    def log_odds(self, x: np.ndarray) -> np.ndarray:
        """The log-odds of each row of `x` (or of `x`, one vector)."""
        return self.intercept + ((x - np.array(self.mean)) / np.array(self.scale)) @ np.array(self.coef)


@dataclass(frozen=True)
class Ranker(Linear):
    """The measure ranker: a linear score of a retrieved measure's strongest sentence signals and fused rank
    (`features.measure_vectors`), fitted pairwise (`eval.train.PairwiseRanker`): it is higher for a measure holding
    the evidence asked for than for the question's other measures (the file stores it as a regression's log-odds,
    intercept 0)."""

    def order(self, vectors: Sequence[Sequence[float]]) -> list[int]:
        """The positions of `vectors` (RANK_FEATURES order), likeliest first (the earlier on a tie)."""
        if not vectors:
            return []
        return best_first(self.log_odds(np.array(vectors, dtype=float)).tolist())


@dataclass(frozen=True)
class Gate(Linear):
    """The answerability gate: a logistic regression on a question's pool (`features.question_vector`) whose
    probability is that the question is answerable from the measures retrieved; a rules answer below `threshold`
    is refused."""

    threshold: float = field(kw_only=True)

    def probability(self, candidates: Sequence[Candidate]) -> float:
        """P(answerable) of the question whose candidate sentences these are (0 with none)."""
        if not candidates:
            return 0.0
        x = np.array(question_vector([c.vector() for c in candidates]), dtype=float)
        return float(_sigmoid(np.array(self.log_odds(x))))


@dataclass(frozen=True)
class AnswerModel:
    """A fitted logistic regression, blended with boosted trees when it has them: the probability that a candidate
    sentence answers its question."""

    features: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[float, ...]
    intercept: float
    threshold: float  # the best candidate answers when its probability reaches this; else refuse
    veto: float = 0.0  # model=veto: a rules answer whose best candidate is below this is refused instead
    trees: Trees | None = None
    blend: float = 1.0  # the regression's share of the probability; the trees' is the rest
    gate: Gate | None = None  # None: no question-level gate (a file trained without one)
    ranker: Ranker | None = None  # None: the measures stay in fused order

    def probabilities(self, candidates: Sequence[Candidate]) -> list[float]:
        """P(the sentence answers the question) for each candidate."""
        if not candidates:
            return []
        x = np.array([c.vector() for c in candidates], dtype=float)
        z = self.intercept + ((x - np.array(self.mean)) / np.array(self.scale)) @ np.array(self.coef)
        p = _sigmoid(z)
        if self.trees is not None and self.blend < 1.0:
            p = self.blend * p + (1.0 - self.blend) * _sigmoid(self.trees.log_odds(x))
        return [float(v) for v in p]

    def probability(self, candidate: Candidate) -> float:
        """P(the sentence answers the question) for one candidate."""
        return self.probabilities([candidate])[0]

    def best(self, candidates: Sequence[Candidate]) -> tuple[Candidate | None, float]:
        """The candidate most likely to answer (the earlier one on a tie) and its probability."""
        probabilities = self.probabilities(candidates)
        if not probabilities:
            return None, 0.0
        top = max(range(len(probabilities)), key=probabilities.__getitem__)
        return candidates[top], probabilities[top]


def best_first(scores: Sequence[float]) -> list[int]:
    """Positions of `scores`, highest first (the earlier on a tie)."""
    return sorted(range(len(scores)), key=lambda i: (-scores[i], i))


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -50.0, 50.0)))


def runner_up(scored: Sequence[tuple[float, Candidate]], best: Candidate, probability: float,
              share: float = RUNNER_UP) -> Candidate | None:
    """The likeliest other sentence of `best`'s measure when it is at least `share` as likely as `best` (whose
    probability is `probability`); `scored`: (probability, candidate) pairs."""
    others = [(p, c) for p, c in scored if c.hit is best.hit and c is not best and c.sentence != best.sentence]
    p, second = max(others, key=lambda pc: pc[0], default=(0.0, None))
    return second if second is not None and p >= share * probability else None


def load_model(path: str | Path) -> AnswerModel:
    """Read and check a model file; ConfigError naming the fix when it is missing, altered or out of date."""
    path = Path(path)
    retrain = "Retrain it with `python -m eval train` (see README, Answer model)."
    try:
        model = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"No answer model at {path}. {retrain} Or set POLICY_RAG_ANSWER__MODEL=off.") from exc
    except (OSError, ValueError) as exc:
        raise ConfigError(f"The answer model {path} cannot be read ({exc}). {retrain}") from exc
    missing = [k for k in (*_PARAMETERS, "sha256") if k not in model]
    if missing:
        raise ConfigError(f"The answer model {path} lacks {', '.join(missing)}. {retrain}")
    if model["format"] != FORMAT:
        raise ConfigError(f"The answer model {path} has format {model['format']}, this code reads {FORMAT}. {retrain}")
    if parameters_sha256(model) != model["sha256"]:
        raise ConfigError(f"The answer model {path} does not match its sha256 (edited or damaged). {retrain}")
    names = tuple(model["features"])
    if names != FEATURES:
        lacking = [n for n in FEATURES if n not in names]
        unknown = [n for n in names if n not in FEATURES]
        detail = "; ".join(part for part in (f"missing features: {', '.join(lacking)}" if lacking else "",
                                             f"unknown features: {', '.join(unknown)}" if unknown else "") if part)
        raise ConfigError(f"The answer model {path} was trained on other features ({detail or 'another order'}). "
                          f"{retrain}")
    sizes = {len(model[k]) for k in ("mean", "scale", "coef")}
    if sizes != {len(names)} or any(s <= 0 for s in model["scale"]):
        raise ConfigError(f"The answer model {path} has parameters of the wrong size or a zero scale. {retrain}")
    blend = float(model["blend"])
    if not 0.0 <= blend <= 1.0 or (model["trees"] is None) != (blend == 1.0):
        raise ConfigError(f"The answer model {path} has blend {blend} and {'no ' if model['trees'] is None else ''}"
                          f"trees: a blend below 1 needs trees, and trees need a blend below 1. {retrain}")
    try:
        trees = None if model["trees"] is None else read_trees(model["trees"], len(names))
    except (KeyError, TypeError, ValueError) as exc:
        raise ConfigError(f"The answer model {path} has malformed trees ({exc}). {retrain}") from exc
    try:
        gate = None if model["gate"] is None else read_gate(model["gate"])
    except (KeyError, TypeError, ValueError) as exc:
        raise ConfigError(f"The answer model {path} has a malformed gate ({exc}). {retrain}") from exc
    try:
        ranker = None if model["ranker"] is None else read_ranker(model["ranker"])
    except (KeyError, TypeError, ValueError) as exc:
        raise ConfigError(f"The answer model {path} has a malformed ranker ({exc}). {retrain}") from exc
    return AnswerModel(names, tuple(map(float, model["mean"])), tuple(map(float, model["scale"])),
                       tuple(map(float, model["coef"])), float(model["intercept"]), float(model["threshold"]),
                       float(model["veto"]), trees, blend, gate, ranker)


def _linear(data: dict[str, Any], size: int, what: str,
            also: tuple[str, ...] = ()) -> tuple[tuple[float, ...], tuple[float, ...], tuple[float, ...], float]:
    """A regression's mean, scale, coef and intercept from the file's fields; ValueError when one of them or of the
    fields `also` needed is missing, their sizes do not fit `size` features or a scale is not positive."""
    missing = [k for k in (*_LINEAR_FIELDS, *also) if k not in data]
    if missing:
        raise ValueError(f"lacks {', '.join(missing)}")
    sizes = {len(data[k]) for k in ("mean", "scale", "coef")}
    if sizes != {size}:
        raise ValueError(f"{sorted(sizes)} values where the {what}'s features are {size}")
    if any(float(s) <= 0 for s in data["scale"]):
        raise ValueError("a scale that is not positive")
    return (tuple(map(float, data["mean"])), tuple(map(float, data["scale"])), tuple(map(float, data["coef"])),
            float(data["intercept"]))


def read_gate(data: dict[str, Any]) -> Gate:
    """The gate from the file's fields; ValueError when they do not fit GATE_FEATURES."""
    return Gate(*_linear(data, len(GATE_FEATURES), "gate", also=("threshold",)), threshold=float(data["threshold"]))


def read_ranker(data: dict[str, Any]) -> Ranker:
    """The ranker from the file's fields; ValueError when they do not fit RANK_FEATURES."""
    return Ranker(*_linear(data, len(RANK_FEATURES), "ranker"))


def read_trees(data: dict[str, Any], features: int) -> Trees:
    """Trees from the file's lists (one list per tree and field; a leaf has feature −1 and no children), padded to
    arrays whose leaves are their own children; ValueError on a tree that does not hold together."""
    lists = [data[name] for name in _TREE_FIELDS]
    count = len(lists[0])
    if count == 0 or any(len(field) != count for field in lists):
        raise ValueError("every field needs one list per tree")
    width = max(len(tree) for tree in lists[0])
    feature = np.zeros((count, width), dtype=np.intp)
    threshold = np.zeros((count, width))
    left = np.tile(np.arange(width), (count, 1))
    right = left.copy()
    value = np.zeros((count, width))
    depth = 0
    for t, (f, th, lo, hi, v) in enumerate(zip(*lists)):
        n = len(f)
        if {len(th), len(lo), len(hi), len(v)} != {n}:
            raise ValueError(f"tree {t}: fields of different lengths")
        levels = [0] * n
        for i in range(n):
            if f[i] < 0:
                value[t, i] = v[i]
                continue
            if not (0 <= f[i] < features and i < lo[i] < n and i < hi[i] < n):
                raise ValueError(f"tree {t}: node {i} points outside the tree or the features")
            feature[t, i], threshold[t, i], left[t, i], right[t, i] = f[i], th[i], lo[i], hi[i]
            levels[lo[i]] = levels[hi[i]] = levels[i] + 1  # children come after their parent (depth-first order)
        depth = max(depth, *levels)
    return Trees(float(data["base"]), feature, threshold, left, right, value, depth)


@lru_cache(maxsize=4)
def default_model(path: str = "") -> AnswerModel:
    """The model file shipped with the package (or `path`), read once per process."""
    return load_model(path or MODEL_FILE)
