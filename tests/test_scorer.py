"""The learned answer scorer (index/scorer.py): the shipped model file, the feature matrix, loading."""

from __future__ import annotations

import json
import logging

import numpy as np
import pytest

from index.scorer import (
    BASE,
    FEATURES,
    LEXICAL,
    MODEL_PATH,
    MODEL_VERSION,
    AnswerModel,
    Signals,
    feature_matrix,
    load_models,
)


def _signals(coverage: float, states: bool, rank: int = 1, position: int = 0, words: int = 20) -> Signals:
    return Signals(coverage, coverage, True, states, states, False, False, position, rank, words, words < 5, False,
                   coverage + (0.4 if states else 0.0))


def test_the_shipped_model_reads_what_the_code_computes_and_english_reads_no_shared_word():
    models = load_models()
    assert models is not None, f"{MODEL_PATH} is missing: run benchmarks/train_answers.py"
    assert set(models.models) == {"fr", "en"}
    for model in models.models.values():
        assert set(model.names) <= set(FEATURES)
        assert len(model.mean) == len(model.scale) == len(model.coef) == len(model.names)
        assert np.all(model.scale > 0)
    assert not set(models.models["en"].names) & LEXICAL
    assert set(models.models["fr"].names) == set(FEATURES)
    assert 0 < models.more_ratio <= 1.01


def test_the_shipped_model_measured_better_than_the_hand_set_scorer_on_its_train_titles():
    stats = json.loads(MODEL_PATH.read_text(encoding="utf-8"))["stats"]
    assert stats["cv_top1"] > stats["cv_top1_handset"]
    assert stats["questions"] > 1000 and stats["positives"] > 0


def test_the_matrix_has_every_feature_in_order_and_the_hand_set_score_as_the_pipeline_made_it():
    signals = [_signals(0.5, True), _signals(0.9, False, rank=2, position=3), _signals(0.1, False, words=3)]
    cos = np.array([0.80, 0.85, 0.78])
    context = np.array([0.82, 0.81, 0.80])
    matrix = feature_matrix(signals, cos, context, 0.5, 0.5)
    assert matrix.shape == (3, len(FEATURES))
    col = {name: matrix[:, i] for i, name in enumerate(FEATURES)}
    assert list(col["cos"]) == list(cos)
    assert col["spread"].min() == 0 and col["spread"].max() == 1
    assert col["cos_gap"].max() == 0 and col["coverage_gap"].max() == 0
    assert list(col["states_kind"]) == [1, 0, 0]
    assert list(col["rank_inverse"]) == [1, 0.5, 1]
    assert list(col["fragment"]) == [0, 0, 1]
    spread_context = (context - context.min()) / (context.max() - context.min())
    expected = np.array([s.handset_base for s in signals]) + 0.5 * col["spread"] + 0.5 * spread_context
    assert np.allclose(col["handset"], expected)
    assert matrix[:, : len(BASE)].tolist() == [s.row() for s in signals]


def test_the_model_is_a_standardised_dot_product():
    model = AnswerModel(("cos", "states_kind"), np.array([0.8, 0.5]), np.array([0.1, 0.5]), np.array([2.0, 1.0]), -1.0)
    row = np.zeros((1, len(FEATURES)))
    row[0, FEATURES.index("cos")] = 0.9
    row[0, FEATURES.index("states_kind")] = 1.0
    assert model.logit(row)[0] == pytest.approx(2.0 * 1.0 + 1.0 * 1.0 - 1.0)
    assert model.probability(row)[0] == pytest.approx(1 / (1 + np.exp(-2.0)))


def test_a_missing_or_foreign_model_file_falls_back_to_the_hand_set_scorer(tmp_path, caplog):
    with caplog.at_level(logging.WARNING):
        assert load_models(tmp_path / "none.json") is None
    assert "hand-set" in caplog.text
    old = tmp_path / "old.json"
    old.write_text(json.dumps({"version": MODEL_VERSION + 1, "models": {}}), encoding="utf-8")
    assert load_models(old) is None
    unknown = tmp_path / "unknown.json"
    unknown.write_text(json.dumps({"version": MODEL_VERSION, "more_ratio": 0.5, "models": {"fr": {
        "features": ["cos", "shoe_size"], "mean": [0, 0], "scale": [1, 1], "coef": [1, 1], "intercept": 0}}}),
        encoding="utf-8")
    with pytest.raises(ValueError, match="shoe_size"):
        load_models(unknown)
