"""The learned answer-sentence scorer: the signals answer selection has for a candidate sentence,
combined by weights learned on PIAF (French Wikipedia questions written by people).

`index.answers.Extractor.candidates` records each sentence's own signals (`Signals`: question terms
it and the sentence before it hold, the kind of fact asked against the kinds it states, numbers,
dates, names, its position in the passage, the passage's rank, its length, the hand-set score);
`Extractor._rerank` adds the encoder's similarities and asks `AnswerModel.probability`. The model is
a logistic regression, so the run time is a dot product: no scikit-learn on the answer path.
`benchmarks/train_answers.py` writes `index/answer_model.json` from features cached by
`benchmarks/piaf.py features`; docs/answers.md says how to retrain.

Two models share the file: `fr` reads every feature; `en` none of the lexical ones (an English
question shares almost no word with French articles, so term coverage says nothing there): it
ranks on the encoder, the kinds of fact and the position alone.
"""

from __future__ import annotations

import json
import logging
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

MODEL_PATH = Path(__file__).with_name("answer_model.json")
MODEL_VERSION = 1

# A sentence's own signals, in this order (`Signals.row`); the encoder's come in `_rerank`.
BASE = (
    "coverage",  # idf-weighted share of the question's terms in the sentence (a follow-up: its own words first)
    "coverage_context",  # …in the sentence and the one before it
    "asks_kind",  # the question asks a kind of fact (a date, an amount…)
    "states_kind",  # …and the sentence states one (a fact the question does not give already)
    "number",  # the sentence states an amount, a quantity or a duration
    "date",
    "name",  # a person, a place or another proper name
    "position",  # index of the sentence in its passage, 0 first
    "first",  # first sentence of its passage
    "rank_inverse",  # 1 / the passage's rank
    "log_words",
    "fragment",  # under 5 words: a heading
    "other_year",  # the question names a year, the sentence only others
    "handset_base",  # the hand-set score before the encoder's part (index.answers' constants)
)
ENCODER = (
    "cos",  # cosine of the question and the sentence
    "cos_context",  # …and the sentence read after the one before it
    "spread",  # cos rescaled 0-1 over the question's candidates
    "spread_context",
    "cos_gap",  # cos minus the best cos among the candidates
    "cos_context_gap",
)
RELATIVE = (
    "coverage_gap",  # coverage minus the best coverage among the candidates
    "handset",  # the whole hand-set score (base + the spread similarities, as index.answers adds them)
)
FEATURES = BASE + ENCODER + RELATIVE
# What depends on shared words: left out of the model that scores English questions.
LEXICAL = frozenset({"coverage", "coverage_context", "coverage_gap", "handset_base", "handset"})


@dataclass(frozen=True)
class Signals:
    """What `candidates` knows of one sentence before the encoder is asked (see BASE)."""

    coverage: float
    coverage_context: float
    asks_kind: bool
    states_kind: bool
    number: bool
    date: bool
    name: bool
    position: int
    rank: int
    words: int
    fragment: bool
    other_year: bool
    handset_base: float

    def row(self) -> list[float]:
        """The BASE features, in order."""
        return [
            self.coverage, self.coverage_context, float(self.asks_kind), float(self.states_kind and self.asks_kind),
            float(self.number), float(self.date), float(self.name), float(self.position), float(self.position == 0),
            1.0 / max(self.rank, 1), math.log1p(self.words), float(self.fragment), float(self.other_year),
            self.handset_base,
        ]  # fmt: skip


def spread(similarity: np.ndarray) -> np.ndarray:
    """Cosines rescaled to 0-1 over the candidates: a multilingual encoder's sit in a narrow band (0.75-0.9)."""
    low = float(similarity.min())
    return (similarity - low) / (float(similarity.max()) - low or 1.0)


def feature_matrix(
    signals: list[Signals], cos: np.ndarray, cos_context: np.ndarray, dense_weight: float, context_weight: float
) -> np.ndarray:
    """Every FEATURES column for one question's candidates (rows in the order of `signals`).

    dense_weight, context_weight: the hand-set weights of the two spread similarities (settings),
    for the `handset` column, which is the score the pipeline used before the model.
    """
    base = np.array([s.row() for s in signals], dtype=np.float64).reshape(len(signals), len(BASE))
    cos = np.asarray(cos, dtype=np.float64)
    cos_context = np.asarray(cos_context, dtype=np.float64)
    alone, after = spread(cos), spread(cos_context)
    coverage = base[:, BASE.index("coverage")]
    handset = base[:, BASE.index("handset_base")] + dense_weight * alone + context_weight * after
    columns = [
        cos, cos_context, alone, after, cos - cos.max(), cos_context - cos_context.max(),
        coverage - coverage.max(), handset,
    ]  # fmt: skip
    return np.column_stack([base, *columns])


@dataclass(frozen=True)
class AnswerModel:
    """A logistic regression over some of FEATURES: standardised, then a dot product."""

    names: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float

    @classmethod
    def from_dict(cls, data: dict) -> AnswerModel:
        names = tuple(data["features"])
        unknown = set(names) - set(FEATURES)
        if unknown:
            raise ValueError(f"the answer model reads features this code does not compute: {sorted(unknown)}")
        return cls(
            names,
            np.asarray(data["mean"], dtype=np.float64),
            np.asarray(data["scale"], dtype=np.float64),
            np.asarray(data["coef"], dtype=np.float64),
            float(data["intercept"]),
        )

    def to_dict(self) -> dict:
        return {
            "features": list(self.names),
            "mean": [float(x) for x in self.mean],
            "scale": [float(x) for x in self.scale],
            "coef": [float(x) for x in self.coef],
            "intercept": self.intercept,
        }

    def columns(self) -> list[int]:
        return [FEATURES.index(name) for name in self.names]

    def logit(self, matrix: np.ndarray) -> np.ndarray:
        """The log-odds that each row's sentence holds the answer (`matrix`: FEATURES columns)."""
        x = (matrix[:, self.columns()] - self.mean) / self.scale
        return x @ self.coef + self.intercept

    def probability(self, matrix: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-self.logit(matrix)))


@dataclass(frozen=True)
class AnswerModels:
    """The shipped models: `fr` (every feature) and `en` (no lexical feature), and the file's metadata."""

    models: dict[str, AnswerModel]
    more_ratio: float  # a 2nd or 3rd sentence is quoted at this share of the best one's probability or more
    meta: dict

    def for_language(self, language: str) -> AnswerModel:
        return self.models.get(language) or self.models["fr"]


def load_models(path: Path = MODEL_PATH) -> AnswerModels | None:
    """The models of `path`, or None (and a warning) when the file is missing or from other code."""
    return _load(str(path))


@lru_cache(maxsize=4)
def _load(path: str) -> AnswerModels | None:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        log.warning("no answer model at %s: answers use the hand-set scorer", path)
        return None
    if data.get("version") != MODEL_VERSION:
        log.warning("answer model %s is version %s, this code reads %s: answers use the hand-set scorer",
                    path, data.get("version"), MODEL_VERSION)
        return None
    models = {name: AnswerModel.from_dict(entry) for name, entry in data["models"].items()}
    return AnswerModels(models, float(data["more_ratio"]), {k: v for k, v in data.items() if k != "models"})
