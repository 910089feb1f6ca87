"""The eval: retrieval, answers and abstention scored on a labelled question set, beside stock baselines.

The index is built from the seeds plus look-alike distractor articles in a work dir of its own,
so the eval never touches the live index. Every system ranks the same chunks:

- `hybrid`: the real pipeline (dense + French BM25, weighted RRF, overlapping chunks merged);
- `dense`, `bm25`: each half of it alone;
- `llamaindex-vector`: LlamaIndex's default `VectorStoreIndex` retriever over the same Chroma collection;
- `llamaindex-fusion`: LlamaIndex's stock `QueryFusionRetriever` (reciprocal rerank, one query, no
  LLM) over that vector retriever and LlamaIndex's `BM25Retriever` with its default English stemmer.
"""

from __future__ import annotations

import logging
import shutil
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from config.settings import RetrievalSettings, Settings
from index.answers import Evidence, should_abstain
from index.embeddings import Embedder
from index.errors import DepecheError
from index.evals.baselines import RANK_DEPTH, llamaindex_baselines
from index.evals.metrics import (
    EvalCase,
    abstention_scores,
    article_metrics,
    fact_coverage,
    quote_correct,
    load_cases,
    passage_hit_at_k,
)
from index.rebuild import ProgressFactory

if TYPE_CHECKING:
    from index.engine import Engine

log = logging.getLogger(__name__)

SYSTEMS = ("hybrid", "dense", "bm25", "llamaindex-vector", "llamaindex-fusion")
PASSAGE_K = 5  # a gold passage must be in the first five, what an answer is built from
ARTICLE_METRICS = ("hit@1", "hit@3", "hit@5", "mrr@10", "ndcg@10")
# Languages first, then the case categories of the eval set.
GROUPS = (
    "french", "english", "fact", "paraphrase", "multi", "date", "number", "name", "date-sensitive", "quote",
    "fact-elsewhere", "unanswerable",
)


@dataclass
class CaseResult:
    """What every system retrieved for one case, and what the pipeline answered."""

    id: str
    question: str
    groups: tuple[str, ...]
    answerable: bool
    gold_articles: tuple[str, ...]
    rankings: dict[str, list[str]]  # system -> article ids, best first
    passages: dict[str, list[str]]  # system -> the first PASSAGE_K retrieved texts
    answer: str
    abstained: bool
    facts_found: bool | None  # None for unanswerable cases
    quote_right: bool | None  # the gold speaker's words and no one else's; None outside `quote` cases
    sentences: int  # quoted sentences in the answer (0 when it abstained)
    coverage: float  # the evidence abstention decided on
    dense: float
    near_miss: bool  # abstained because no sentence states the kind of fact asked


@dataclass
class EvalReport:
    """Scores of every system overall and per category, the answers' quality, and each case."""

    dataset: str
    articles: int
    chunks: int
    seconds: float
    systems: dict[str, dict[str, float]]  # system -> metric -> value, over all cases
    categories: dict[str, dict[str, dict[str, float]]]  # system -> group -> metric -> value
    counts: dict[str, dict[str, int]]  # group -> {"cases", "answerable"}
    cases: list[CaseResult] = field(default_factory=list)

    def to_dict(self) -> dict:
        """Plain JSON-ready data, per-case detail included."""
        return asdict(self)

    def table(self) -> str:
        """A plain-text table: systems × metrics, answers, then hybrid per category."""
        answerable = sum(1 for c in self.cases if c.answerable)
        lines = [
            f"Eval of {Path(self.dataset).name}: {len(self.cases)} questions ({answerable} answerable, "
            f"{len(self.cases) - answerable} unanswerable) over {self.articles} articles, "
            f"{self.chunks} chunks; {self.seconds:.0f} s",
            "",
        ]
        metrics = (*ARTICLE_METRICS, "passage@5")
        lines.append(_row("system", metrics, width=20))
        for system in SYSTEMS:
            lines.append(_row(system, [_fmt(self.systems[system].get(m)) for m in metrics], width=20))
        hybrid = self.systems["hybrid"]
        lines += [
            "",
            f"answers (hybrid, extractive): facts found in {_fmt(hybrid['facts'])} of answerable questions; "
            f"abstention precision {_fmt(hybrid['abstain_precision'])}, recall {_fmt(hybrid['abstain_recall'])}, "
            f"{int(hybrid['false_abstentions'])} false abstentions, "
            f"{int(hybrid['answered_unanswerable'])} unanswerable questions answered; "
            f"{_fmt(hybrid.get('sentences'))} sentences and {_fmt(hybrid.get('chars'))} characters per answer; "
            f"quotes right {_fmt(hybrid.get('quote'))}",
            "",
            "hybrid by category (article metrics and facts over answerable cases)",
        ]
        columns = ("n", "hit@1", "hit@5", "mrr@10", "ndcg@10", "passage@5", "facts", "abstained")
        lines.append(_row("category", columns, width=16))
        for group in GROUPS:
            if not self.counts[group]["cases"]:
                continue
            scores = self.categories["hybrid"][group]
            values = [str(self.counts[group]["cases"])] + [_fmt(scores.get(m)) for m in columns[1:-1]]
            values.append(f"{int(scores['abstained'])}/{self.counts[group]['cases']}")
            lines.append(_row(group, values, width=16))
        lines += ["", "mrr@10 by category"]
        lines.append(_row("category", [s.replace("llamaindex-", "li-") for s in SYSTEMS], width=16, cell=11))
        for group in GROUPS:
            if not self.counts[group]["answerable"]:
                continue
            values = [_fmt(self.categories[s][group].get("mrr@10")) for s in SYSTEMS]
            lines.append(_row(group, values, width=16, cell=11))
        return "\n".join(lines)


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def _row(label: str, cells: Iterable[str], width: int, cell: int = 10) -> str:
    return label.ljust(width) + "".join(str(c).rjust(cell) for c in cells)


def run_eval(
    settings: Settings,
    embedder: Embedder,
    dataset: Path,
    extra_articles: Sequence[Path],
    work_dir: Path,
    stage: Callable[[str], object] | None = None,
    progress: ProgressFactory | None = None,
) -> EvalReport:
    """Build (or update) an eval index in `work_dir` from the seeds plus `extra_articles`, then score.

    settings: the settings whose retrieval and chunking are measured (data dir and Chroma are
        replaced by an embedded store under `work_dir`). embedder: the loaded model.
    dataset: a JSON Lines question set (`index.metrics.load_cases`).
    extra_articles: folders of articles indexed with the seeds (distractors, the eval's own articles).
    stage: told each stage as it starts (one line of text); progress: the rebuild's and the
        questions' progress (`index.rebuild.ProgressFactory`).
    Returns the report; reruns with the same `work_dir` only embed what changed.
    """
    started = time.perf_counter()
    say = stage or log.info
    cases = load_cases(dataset)
    engine = corpus_engine(settings, embedder, [settings.seeds_dir, *extra_articles], work_dir, "eval")
    say(f"indexing the eval articles in {work_dir} (only what changed since the last eval)…")
    report = engine.rebuild(seeds_dir=engine.settings.seeds_dir, progress=progress)
    log.info("eval index: %d chunks embedded, %d in all", report.chunks_embedded, report.chunks_total)
    loaded = engine.loaded()
    say("building the LlamaIndex baselines…")
    baselines = llamaindex_baselines(engine, loaded)

    say(f"answering {len(cases)} questions with every system…")
    bar = progress(len(cases), "question") if progress else None
    results = []
    for case in cases:
        results.append(_run_case(case, engine, loaded, baselines))
        if bar is not None:
            bar.update(1)
    if bar is not None:
        bar.close()
    systems, categories, counts = _score(cases, results)
    return EvalReport(
        dataset=str(dataset),
        articles=len(loaded.snapshot.articles),
        chunks=len(loaded.snapshot.chunks),
        seconds=time.perf_counter() - started,
        systems=systems,
        categories=categories,
        counts=counts,
        cases=results,
    )


def corpus_engine(
    settings: Settings, embedder: Embedder, sources: list[Path], work_dir: Path, collection: str, **updates: object
) -> Engine:
    """An engine over a corpus of its own: the article files of `sources` mirrored into
    `work_dir/articles`, indexed in an embedded store under `work_dir` (never a served collection:
    an eval must not prune one), in `collection`; `updates`: other settings replaced. Not rebuilt."""
    from index.engine import Engine
    from index.store import open_client

    corpus = work_dir / "articles"
    _sync_articles(sources, corpus)
    eval_settings = settings.model_copy(
        update={
            "data_dir": work_dir,
            "seeds_dir": corpus,
            "chroma": settings.chroma.model_copy(update={"host": None, "collection": collection}),
            **updates,
        }
    )
    return Engine(eval_settings, open_client(eval_settings.chroma, work_dir), embedder)


def _sync_articles(sources: list[Path], target: Path) -> None:
    """Mirror the article files of `sources` into `target` (a later source wins a name clash)."""
    wanted: dict[str, Path] = {}
    for source in sources:
        if not source.is_dir():
            raise DepecheError(f"The article folder {source} does not exist.")
        for path in sorted(source.iterdir()):
            if path.is_file() and not path.name.startswith("."):
                wanted[path.name] = path
    target.mkdir(parents=True, exist_ok=True)
    for present in target.iterdir():
        if present.name not in wanted:
            present.unlink()
    for name, path in wanted.items():
        copy = target / name
        if not copy.exists() or copy.read_bytes() != path.read_bytes():
            shutil.copyfile(path, copy)


def _groups(case: EvalCase) -> tuple[str, ...]:
    language = "french" if case.language == "fr" else "english"
    return (language, *case.categories)


def _run_case(case: EvalCase, engine, loaded, baselines: dict[str, Callable[[str], list]]) -> CaseResult:
    query = engine.check_question(case.question)
    rankings: dict[str, list[str]] = {}
    passages: dict[str, list[str]] = {}
    # A copy of a gold article (same story, `index.stories`) standing for it in the ranking is the
    # gold text: it counts as the gold article.
    articles = loaded.snapshot.articles
    gold_of = {articles[g].get("story"): g for g in case.gold_article_ids if g in articles and articles[g].get("story")}
    for mode in ("hybrid", "dense", "bm25"):
        hits = engine.retrieve(query, RANK_DEPTH, mode=mode).hits
        rankings[mode] = _first_appearance(gold_of.get(h.story, h.article_id) for h in hits)
        passages[mode] = [h.text for h in hits[:PASSAGE_K]]
    for name, retrieve in baselines.items():
        nodes = retrieve(query)
        articles = (n.node.metadata.get("article_id") or loaded.snapshot.chunks[n.node.node_id].article_id for n in nodes)
        rankings[name] = _first_appearance(articles)
        passages[name] = [n.node.get_content() for n in nodes[:PASSAGE_K]]

    # The evidence abstention weighed is recorded, so thresholds can be studied without rerunning.
    traced = engine.ask_traced(case.question)
    answer, evidence = traced.answer, traced.evidence
    return CaseResult(
        id=case.id,
        question=case.question,
        groups=_groups(case),
        answerable=case.answerable,
        gold_articles=case.gold_article_ids,
        rankings=rankings,
        passages=passages,
        answer=answer.text,
        abstained=answer.abstained,
        facts_found=(not answer.abstained and fact_coverage(answer.text, case.facts)) if case.answerable else None,
        quote_right=(not answer.abstained and quote_correct(answer.text, case)) if case.quote is not None else None,
        sentences=0 if answer.abstained else len(answer.text.splitlines()),
        coverage=evidence.coverage,
        dense=evidence.dense,
        near_miss=answer.abstained and not should_abstain(evidence, engine.settings.retrieval),
    )


def _first_appearance(article_ids: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(article_ids))


def _score(
    cases: list[EvalCase], results: list[CaseResult]
) -> tuple[dict[str, dict[str, float]], dict[str, dict[str, dict[str, float]]], dict[str, dict[str, int]]]:
    by_id = {case.id: case for case in cases}
    counts = {
        group: {
            "cases": sum(1 for r in results if group in r.groups),
            "answerable": sum(1 for r in results if group in r.groups and r.answerable),
        }
        for group in GROUPS
    }
    systems = {s: _metrics(s, results, by_id) for s in SYSTEMS}
    categories = {
        s: {g: _metrics(s, [r for r in results if g in r.groups], by_id) for g in GROUPS} for s in SYSTEMS
    }
    return systems, categories, counts


def _metrics(system: str, results: list[CaseResult], by_id: dict[str, EvalCase]) -> dict[str, float]:
    """Article and passage metrics over the answerable results; answers and abstention for the pipeline."""
    answerable = [r for r in results if r.answerable]
    scores: dict[str, float] = {}
    if answerable:
        qrels = {r.id: {a: 1 for a in r.gold_articles} for r in answerable}
        run = {r.id: {a: float(RANK_DEPTH - i) for i, a in enumerate(r.rankings[system][:RANK_DEPTH])} for r in answerable}
        scores.update(article_metrics(qrels, run))
        gold = {r.id: [g.passage for g in by_id[r.id].gold] for r in answerable}
        scores["passage@5"] = passage_hit_at_k(gold, {r.id: r.passages[system] for r in answerable}, PASSAGE_K)
    if system == "hybrid" and results:
        if answerable:
            scores["facts"] = sum(1 for r in answerable if r.facts_found) / len(answerable)
            answered = [r for r in answerable if not r.abstained]
            if answered:
                scores["sentences"] = sum(r.sentences for r in answered) / len(answered)
                scores["chars"] = sum(len(r.answer) for r in answered) / len(answered)
        quoted = [r for r in results if r.quote_right is not None]
        if quoted:
            scores["quote"] = sum(1 for r in quoted if r.quote_right) / len(quoted)
        scores.update(abstention_scores([(r.answerable, r.abstained) for r in results]))
        scores["abstained"] = sum(1 for r in results if r.abstained)
    return scores


def abstention_tradeoff(
    results: list[CaseResult], thresholds: Iterable[tuple[float, float, float]]
) -> list[dict[str, float]]:
    """What each (min_coverage, min_dense, min_french_coverage) would have done on the recorded evidence.

    The rule is the engine's own (`index.answers.should_abstain`), replayed on the recorded evidence;
    near-miss abstentions (a fact of the kind asked stated nowhere) are kept as they happened.
    """
    rows = []
    for min_coverage, min_dense, min_french in thresholds:
        rule = RetrievalSettings(min_coverage=min_coverage, min_dense=min_dense, min_french_coverage=min_french)
        pairs = [
            (r.answerable, r.near_miss or should_abstain(Evidence(r.coverage, r.dense, _language(r)), rule))
            for r in results
        ]
        rows.append(
            {"min_coverage": min_coverage, "min_dense": min_dense, "min_french_coverage": min_french,
             **abstention_scores(pairs)}
        )
    return rows


def _language(result: CaseResult) -> str:
    return "en" if "english" in result.groups else "fr"
