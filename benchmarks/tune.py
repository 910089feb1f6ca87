"""Fusion tuning on the eval: rank every question once by dense and by BM25, then replay the fusion
for a grid of weights and depths, on two halves of the questions (tune on one, report both).

    .venv/bin/python benchmarks/tune.py [--work DIR]

DIR holds an eval index (`depeche eval` builds one in <data_dir>/eval); it is built when missing.
"""

from __future__ import annotations

import argparse
import itertools
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO)]

from config.settings import Settings  # noqa: E402
from index.engine import Engine  # noqa: E402
from index.evals.metrics import article_metrics, load_cases, passage_hit_at_k  # noqa: E402
from index.evals.runner import _sync_articles  # noqa: E402
from index.language import detect_language  # noqa: E402
from index.retrieval import weighted_rrf  # noqa: E402
from index.store import open_client  # noqa: E402

QUESTIONS = REPO / "tests" / "eval" / "questions.jsonl"
ARTICLES = [REPO / "seeds", REPO / "tests" / "eval" / "distractors", REPO / "tests" / "eval" / "articles"]
DEPTH = 40


def mrr(cases, ranked_articles) -> float:
    qrels = {c.id: {a: 1 for a in c.gold_article_ids} for c in cases}
    run = {c.id: {a: float(10 - i) for i, a in enumerate(ranked_articles[c.id][:10])} for c in cases}
    return article_metrics(qrels, run)["mrr@10"]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--work", type=Path, default=REPO / "data" / "tune")
    parser.add_argument("--max-words", type=int, default=None, help="chunk size to measure (default: the setting)")
    parser.add_argument("--grid", action="store_true", help="also replay the fusion over a grid of weights")
    args = parser.parse_args()
    _sync_articles(ARTICLES, args.work / "articles")
    settings = Settings(data_dir=args.work, seeds_dir=args.work / "articles")
    if args.max_words:
        settings = settings.model_copy(update={"chunking": settings.chunking.model_copy(update={"max_words": args.max_words})})
    settings = settings.model_copy(update={"chroma": settings.chroma.model_copy(update={"host": None, "collection": "eval"})})
    from index.embeddings import Embedder

    engine = Engine(settings, open_client(settings.chroma, args.work), Embedder(settings.embedding))
    engine.rebuild()
    loaded = engine.loaded()
    cases = [c for c in load_cases(QUESTIONS) if c.answerable]
    halves = {"tune": cases[0::2], "report": cases[1::2]}
    dense, lexical, language = {}, {}, {}
    for case in cases:
        query = engine.check_question(case.question)
        vector = engine.embedder.encode_query(query)
        dense[case.id] = [cid for cid, _ in loaded.store.query(vector, DEPTH) if cid in loaded.snapshot.chunks]
        lexical[case.id] = [cid for cid, _ in loaded.snapshot.bm25.search(query, DEPTH)]
        language[case.id] = detect_language(query)
    retriever = loaded.retriever
    print(f"chunking.max_words {settings.chunking.max_words}: {len(loaded.snapshot.chunks)} chunks")
    print("hybrid with the current settings, MRR@10 and passage@5 (tune half / report half):")
    for lang in ("fr", "en", None):
        line = []
        for half, group in halves.items():
            group = [c for c in group if lang in (None, language[c.id])]
            hits = {c.id: engine.retrieve(engine.check_question(c.question), 10).hits for c in group}
            ranked = {cid: list(dict.fromkeys(h.article_id for h in found)) for cid, found in hits.items()}
            gold = {c.id: [g.passage for g in c.gold] for c in group}
            passages = passage_hit_at_k(gold, {cid: [h.text for h in found[:5]] for cid, found in hits.items()}, 5)
            line.append(f"{mrr(group, ranked):.3f} {passages:.3f}")
        print(f"  {lang or 'all'}: " + " / ".join(line))
    if not args.grid:
        return 0

    def articles(case_id, dense_weight, rrf_k, dense_k, bm25_k):
        fused = weighted_rrf([(dense[case_id][:dense_k], dense_weight), (lexical[case_id][:bm25_k], 1.0)], rrf_k)
        return list(dict.fromkeys(h.article_id for h in retriever._merge(fused, 10)))

    grid = list(itertools.product([0.3, 0.5, 0.7, 1.0, 1.5, 2.0, 3.0], [5, 10, 30, 60], [20, 40], [20, 40]))
    for lang in ("fr", "en"):
        rows = []
        for dw, k, dk, bk in grid:
            scores = {}
            for half, group in halves.items():
                group = [c for c in group if language[c.id] == lang]
                scores[half] = mrr(group, {c.id: articles(c.id, dw, k, dk, bk) for c in group})
            rows.append((scores["tune"], scores["report"], dw, k, dk, bk))
        rows.sort(reverse=True)
        print(f"\n{lang}: best by the tuning half (dense_weight, rrf_k, dense_k, bm25_k: tune / report MRR@10)")
        for tune, report, dw, k, dk, bk in rows[:8]:
            print(f"  {dw:>4} {k:>3} {dk:>3} {bk:>3}   {tune:.3f} / {report:.3f}")
        for dw, k, dk, bk in [(0.3, 10, 20, 40)]:
            row = next(r for r in rows if r[2:] == (dw, k, dk, bk))
            print(f"  current {dw} {k} {dk} {bk}: {row[0]:.3f} / {row[1]:.3f}")
        only = {half: mrr([c for c in g if language[c.id] == lang],
                          {c.id: list(dict.fromkeys(h.article_id for h in retriever._merge([(x, 1.0) for x in dense[c.id]], 10))) for c in g})
                for half, g in halves.items()}
        print(f"  dense only: {only['tune']:.3f} / {only['report']:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
