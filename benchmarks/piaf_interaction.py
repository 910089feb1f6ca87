"""Does a learned question × sentence interaction add to the answer scorer's features? (issue 18)

    .venv/bin/python benchmarks/piaf_interaction.py --work /work/piafdata5

Reads `features.npz` and `queries.npz` of a PIAF work dir (`benchmarks/piaf.py index|features`),
the candidates' stored sentence vectors, and prints the 5-fold cross-validated share of train
questions whose best-scored sentence holds the span (folds grouped by title, as
`train_answers.py`): the 22 features alone, then with the element-wise product of the question's
and the sentence's vectors. Test titles are not read. Needs scikit-learn.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "benchmarks")]

import piaf  # noqa: E402

from index.sentences import vector_key  # noqa: E402


def interaction(work: Path, data: dict) -> np.ndarray:
    """Per candidate: its question's vector times its sentence's vector (zeros where one is missing)."""
    every = piaf.load_piaf(piaf.PIAF)
    split = piaf.load_split(piaf.SPLIT, [t["title"] for t in every])
    ids = json.loads((work / "ids.json").read_text(encoding="utf-8"))
    piaf._articles_dir = work / "articles"
    questions = piaf.questions([t for t in every if t["title"] in ids], split, ids)
    if [q["id"] for q in questions] != data["question_ids"].tolist():
        raise SystemExit("features.npz and the PIAF work dir disagree on the questions: rerun `piaf.py features`")
    with np.load(work / "queries.npz", allow_pickle=False) as cached:
        by_text = dict(zip(cached["texts"].tolist(), cached["vectors"]))
    engine = piaf.open_engine(work)
    texts = data["texts"].tolist()
    with engine.handle.using() as loaded:
        lookup = loaded.extractor.sentences
        unique = list(dict.fromkeys(texts))
        keys = [vector_key(lookup.fingerprint, text) for text in unique]
        stored = {}
        for at in range(0, len(keys), 5000):
            stored.update(lookup.store.get(keys[at:at + 5000]))
    dim = engine.embedder.dimension
    zero = np.zeros(dim, dtype=np.float32)
    sentence = {text: stored.get(key, zero) for text, key in zip(unique, keys)}
    question = np.vstack([by_text.get(q["question"], zero) for q in questions]).astype(np.float32)
    return question[data["groups"]] * np.vstack([sentence[t] for t in texts]).astype(np.float32)


def best_holds(scores: np.ndarray, groups: np.ndarray, labels: np.ndarray, questions: int) -> float:
    best: dict[int, int] = {}
    for row, (group, score) in enumerate(zip(groups, scores)):
        if group not in best or score > scores[best[group]]:
            best[group] = row
    return sum(int(labels[row]) for row in best.values()) / questions


def cross_validated(features: np.ndarray, labels: np.ndarray, groups: np.ndarray, titles: np.ndarray, C: float,
                    questions: int) -> float:
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GroupKFold

    scores = np.zeros(len(labels))
    for train, test in GroupKFold(5).split(features, labels, titles):
        mean, scale = features[train].mean(axis=0), features[train].std(axis=0)
        scale[scale == 0] = 1.0
        model = LogisticRegression(C=C, max_iter=3000).fit((features[train] - mean) / scale, labels[train])
        scores[test] = model.decision_function((features[test] - mean) / scale)
    return best_holds(scores, groups, labels, questions)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, default=Path("/work/piafdata5"))
    args = parser.parse_args()
    with np.load(args.work / "features.npz", allow_pickle=False) as cached:
        data = {key: cached[key] for key in cached.files}
    product = interaction(args.work, data)
    split = data["question_split"]
    rows = split[data["groups"]] == "train"
    X, y, groups = data["features"][rows], data["labels"][rows].astype(int), data["groups"][rows]
    titles = data["question_titles"][groups]
    questions = int((split == "train").sum())
    print(f"train questions {questions}, candidates {len(y)}")
    print(f"22 features, C 1: {cross_validated(X, y, groups, titles, 1.0, questions):.3f}")
    with_product = np.hstack([X, product[rows]])
    for C in (0.001, 0.01, 0.1):
        print(f"22 features + question×sentence, C {C}: {cross_validated(with_product, y, groups, titles, C, questions):.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
