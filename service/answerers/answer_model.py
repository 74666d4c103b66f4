"""The learned answer decision: a logistic regression over `features.FEATURES`, shipped as a small JSON file.

The file is data (feature names, scaling, coefficients, intercept, threshold, veto) plus how it was made (the training
command, the sha256 of each training file, the figures on held-out questions); `python -m eval train` writes it.
Scoring needs no library: a dot product and a sigmoid. The file carries the sha256 of its own parameters, so a
hand-edited or truncated file fails to load with a sentence saying so, as does one trained on other features.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from ingest import ConfigError
from service.answerers.features import FEATURES, Candidate

__all__ = ["MODEL_FILE", "AnswerModel", "load_model", "default_model", "parameters_sha256", "FORMAT", "RUNNER_UP",
           "runner_up"]

MODEL_FILE = Path(__file__).with_name("answer_model.json")
FORMAT = 2  # 2: `veto` added
# The best sentence's runner-up in its measure is quoted beside it when at least this share as likely: out of fold
# on the tune halves and dev sets, quoting it puts an answering sentence in the answer for 80% of the NCPQA tune
# questions that have one instead of 73% (Legal-DC 74% instead of 67%), at 0.3–0.4 more sentences an answer;
# below a half the gain flattens (`python -m eval learners --pairs FILE` prints the table).
RUNNER_UP = 0.5
_PARAMETERS = ("format", "features", "mean", "scale", "coef", "intercept", "threshold", "veto")


def parameters_sha256(model: dict[str, Any]) -> str:
    """The sha256 of the parameters that decide (canonical JSON), as stored in the file's `sha256`."""
    body = json.dumps({k: model[k] for k in _PARAMETERS}, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class AnswerModel:
    """A fitted logistic regression: the probability that a candidate sentence answers its question."""

    features: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[float, ...]
    intercept: float
    threshold: float  # the best candidate answers when its probability reaches this; else refuse
    veto: float = 0.0  # model=veto: a rules answer whose best candidate is below this is refused instead

    def probability(self, candidate: Candidate) -> float:
        """P(the sentence answers the question) for one candidate."""
        z = self.intercept + sum(c * (candidate.features[n] - m) / s
                                 for n, m, s, c in zip(self.features, self.mean, self.scale, self.coef))
        return 1.0 / (1.0 + math.exp(-max(min(z, 50.0), -50.0)))

    def best(self, candidates: Sequence[Candidate]) -> tuple[Candidate | None, float]:
        """The candidate most likely to answer (the earlier one on a tie) and its probability."""
        best, top = None, -1.0
        for candidate in candidates:
            p = self.probability(candidate)
            if p > top:
                best, top = candidate, p
        return best, max(top, 0.0)


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
    return AnswerModel(names, tuple(map(float, model["mean"])), tuple(map(float, model["scale"])),
                       tuple(map(float, model["coef"])), float(model["intercept"]), float(model["threshold"]),
                       float(model["veto"]))


@lru_cache(maxsize=4)
def default_model(path: str = "") -> AnswerModel:
    """The model file shipped with the package (or `path`), read once per process."""
    return load_model(path or MODEL_FILE)
