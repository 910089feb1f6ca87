"""Answer-sentence tuning on the eval: replay `Engine.ask` over the labelled questions for a grid of
the scorer's weights (index/answers.py), on two halves of the questions (tune on one, report both).

    .venv/bin/python benchmarks/tune_answers.py --work DIR

DIR holds an eval index (`depeche eval` builds one in <data_dir>/eval); it is built when missing.
Prints facts found, quotes right, and sentences per answer for each setting.
"""

from __future__ import annotations

import argparse
import itertools
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO)]

import index.answers as answers  # noqa: E402
from config.settings import Settings  # noqa: E402
from index.engine import Engine  # noqa: E402
from index.evals.metrics import fact_coverage, load_cases, quote_correct  # noqa: E402
from index.evals.runner import _sync_articles  # noqa: E402
from index.store import open_client  # noqa: E402

QUESTIONS = REPO / "tests" / "eval" / "questions.jsonl"
ARTICLES = [REPO / "seeds", REPO / "tests" / "eval" / "distractors", REPO / "tests" / "eval" / "articles"]
# Upper case: constants of index/answers.py; lower case: retrieval settings.
GRID = {
    "FACT_BONUS": [0.2, 0.4, 0.6],
    "RUNNER_UP_RATIO": [0.75, 0.82, 0.85],
    "sentence_dense_weight": [0.25, 0.5, 0.75],
    "sentence_context_weight": [0.25, 0.5, 0.75],
}


def score(engine, cases) -> tuple[float, float, float]:
    facts = quotes = sentences = answered = 0
    quoted_cases = [c for c in cases if c.quote is not None]
    for case in cases:
        answer = engine.ask(case.question)
        if answer.abstained:
            continue
        answered += 1
        sentences += len(answer.text.splitlines())
        facts += fact_coverage(answer.text, case.facts)
        quotes += case.quote is not None and quote_correct(answer.text, case)
    return facts / len(cases), quotes / max(len(quoted_cases), 1), sentences / max(answered, 1)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--work", type=Path, default=REPO / "data" / "tune")
    args = parser.parse_args()
    _sync_articles(ARTICLES, args.work / "articles")
    base = Settings(data_dir=args.work, seeds_dir=args.work / "articles")
    base = base.model_copy(update={"chroma": base.chroma.model_copy(update={"host": None, "collection": "eval"})})
    from index.embeddings import Embedder

    embedder = Embedder(base.embedding)
    client = open_client(base.chroma, args.work)
    Engine(base, client, embedder).rebuild()
    cases = [c for c in load_cases(QUESTIONS) if c.answerable]
    halves = {"tune": cases[0::2], "report": cases[1::2]}
    rows = []
    for values in itertools.product(*GRID.values()):
        setting = dict(zip(GRID, values))
        for name, value in setting.items():
            if name.isupper():
                setattr(answers, name, value)
        retrieval = base.retrieval.model_copy(update={k: v for k, v in setting.items() if not k.isupper()})
        engine = Engine(base.model_copy(update={"retrieval": retrieval}), client, embedder)
        measured = {half: score(engine, group) for half, group in halves.items()}
        rows.append((measured["tune"], measured["report"], setting))
        print(
            "  ".join(f"{k}={v}" for k, v in setting.items()),
            " | ".join(f"facts {f:.3f} quotes {q:.3f} sentences {s:.2f}" for f, q, s in measured.values()),
            flush=True,
        )
    rows.sort(key=lambda row: -(row[0][0] + row[0][1] / 4))
    print("\nbest on the tuning half (facts + quotes/4, then the report half):")
    for tune, report, setting in rows[:8]:
        print(setting, f"tune facts {tune[0]:.3f} quotes {tune[1]:.3f} sent {tune[2]:.2f}",
              f"/ report facts {report[0]:.3f} quotes {report[1]:.3f} sent {report[2]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
