"""Evaluation plumbing: the labelled cases, and retrieval, fact and abstention metrics computed with ranx."""

from __future__ import annotations

import json
import re
import unicodedata
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from index.text import TYPOGRAPHY, strip_accents

CATEGORIES = frozenset(
    {
        "fact",
        "date",
        "number",
        "name",
        "paraphrase",
        "multi",
        "date-sensitive",
        "unanswerable",
        "quote",  # who said what: judged by `quote_correct` against the case's speaker and quotes
        "fact-elsewhere",  # the fact sits in a sentence sharing no content word with the question
    }
)
# Fields only `quote` cases carry, and must carry.
QUOTE_FIELDS = ("speaker", "quote", "other_quotes")
LANGUAGES = frozenset({"fr", "en"})

# ranx names hit@k "hit_rate@k"; we report the shorter names the eval tables use.
_ARTICLE_METRICS = {
    "hit@1": "hit_rate@1",
    "hit@3": "hit_rate@3",
    "hit@5": "hit_rate@5",
    "mrr@10": "mrr@10",
    "ndcg@10": "ndcg@10",
}

@dataclass(frozen=True)
class GoldPassage:
    """A passage of one article that answers a case; `passage` is verbatim article text."""

    article_id: str
    passage: str


@dataclass(frozen=True)
class EvalCase:
    """One labelled question: the articles and passages that answer it, and the facts an answer must state."""

    id: str
    question: str
    language: str
    categories: tuple[str, ...]
    answerable: bool
    gold: tuple[GoldPassage, ...]
    facts: tuple[str, ...]
    # `quote` cases only: who is asked about (as the article names them), a verbatim excerpt of their
    # words that answers, and verbatim excerpts of other speakers' words in the same articles, which a
    # correct answer must not quote.
    speaker: str | None = None
    quote: str | None = None
    other_quotes: tuple[str, ...] = ()

    @property
    def gold_article_ids(self) -> tuple[str, ...]:
        """The distinct gold article ids, in the order the gold list gives them."""
        return tuple(dict.fromkeys(g.article_id for g in self.gold))


def normalise(text: str) -> str:
    """Fold case, accents, typographic quotes/apostrophes/dashes and runs of whitespace, for lenient matching."""
    text = strip_accents(unicodedata.normalize("NFKC", text).translate(TYPOGRAPHY))
    return re.sub(r"\s+", " ", text).strip().casefold()


def _normalise_spacing(text: str) -> str:
    """Case-fold and collapse whitespace only: gold passages must match the retrieved text's accents."""
    text = unicodedata.normalize("NFC", text).translate(TYPOGRAPHY)
    return re.sub(r"\s+", " ", text).strip().casefold()


def _evaluate(qrels: dict[str, dict[str, int]], run: dict[str, dict[str, float]], metrics: list[str]) -> dict[str, float]:
    """Mean of each ranx metric over every query of `qrels`, counting queries with an empty run as 0.

    ranx drops (or, with an empty run, fails on) queries that retrieved nothing, which would
    flatter a retriever that returns nothing for hard questions; so we score the queries that
    did retrieve something and rescale by the total.
    """
    if not qrels:
        return {m: 0.0 for m in metrics}
    scored = [q for q in qrels if run.get(q)]
    if not scored:
        return {m: 0.0 for m in metrics}

    with _interpreted():
        from ranx import Qrels, Run, evaluate

        result = evaluate(
            Qrels({q: dict(qrels[q]) for q in scored}),
            Run({q: {d: float(s) for d, s in run[q].items()} for q in scored}),
            metrics,
            make_comparable=True,
        )
    if not isinstance(result, dict):  # ranx returns a bare float for a single metric
        result = {metrics[0]: result}
    share = len(scored) / len(qrels)
    return {m: float(result[m]) * share for m in metrics}


@contextmanager
def _interpreted():
    """numba's JIT off while ranx is imported and called, and back as it was after.

    ranx decorates its metrics with numba's JIT, which a process pays at their first call: 45-52 s to compile in a
    fresh environment, 7-8 s to load them from numba's cache after that, 16-20 s in a busy test run. An eval scores a
    few hundred questions, which Python does in 2 s to the same figures (the eval's 185: 2.1 s against 7.8 s
    compiled, `index.evals.runner._score`). Imported so, ranx's kernels are its plain functions (numba's decorators
    return them as they are), and its typed lists plain lists while they are built (numba reads the switch then too).
    """
    import numba

    jit, numba.config.DISABLE_JIT = numba.config.DISABLE_JIT, True
    try:
        yield
    finally:
        numba.config.DISABLE_JIT = jit


def article_metrics(
    qrels: dict[str, dict[str, int]], run: dict[str, dict[str, float]]
) -> dict[str, float]:
    """Article-level retrieval quality, averaged over queries.

    qrels: query id -> {relevant article id: relevance (>= 1)}. Queries with no relevant
        article (unanswerable cases) are left out: ranking quality is undefined for them.
    run: query id -> {retrieved article id: score, higher is better}. A query missing from
        the run, or with no retrieved article, scores 0.
    Returns hit@1, hit@3, hit@5, mrr@10 and ndcg@10.
    """
    judged = {q: rels for q, rels in qrels.items() if any(r > 0 for r in rels.values())}
    scores = _evaluate(judged, run, list(_ARTICLE_METRICS.values()))
    return {name: scores[ranx_name] for name, ranx_name in _ARTICLE_METRICS.items()}


def passage_hit_at_k(
    gold_passages: dict[str, list[str]], retrieved_texts: dict[str, list[str]], k: int = 5
) -> float:
    """Share of queries whose top-k retrieved chunk texts contain one of their gold passages.

    gold_passages: query id -> gold passages; retrieved_texts: query id -> chunk texts, best
    first. Containment ignores case, whitespace runs and quote styles (not accents). It makes each
    retrieved position a judged document, so the mean is ranx's hit_rate@k over positions.
    """
    if k < 1:
        raise ValueError(f"k must be at least 1, not {k}")
    qrels: dict[str, dict[str, int]] = {}
    run: dict[str, dict[str, float]] = {}
    for qid, passages in gold_passages.items():
        golds = [_normalise_spacing(p) for p in passages if p.strip()]
        if not golds:
            continue
        texts = [_normalise_spacing(t) for t in retrieved_texts.get(qid, [])]
        # A query needs at least one judged document for ranx; position -1 never appears in
        # the run, so a query whose retrieved texts contain no gold still counts as a miss.
        rels = {f"p{i}": 1 for i, t in enumerate(texts) if any(g in t for g in golds)} or {"p-1": 1}
        qrels[qid] = rels
        run[qid] = {f"p{i}": float(len(texts) - i) for i in range(len(texts))}
    return _evaluate(qrels, run, [f"hit_rate@{k}"])[f"hit_rate@{k}"]


def fact_coverage(answer_text: str, facts: list[str] | tuple[str, ...]) -> bool:
    """True when every fact occurs in the answer, ignoring accents, case, whitespace and quote styles."""
    answer = normalise(answer_text)
    return all(normalise(f) in answer for f in facts)


def quote_correct(answer_text: str, case: EvalCase) -> bool:
    """True when the answer quotes the case's gold words and none of the other speakers' words.

    Judged from the gold labels alone (not from any attribution the system made), comparing as
    `fact_coverage` does: accents, case, whitespace and quote styles are ignored. Raises ValueError for
    a case without a gold quote.
    """
    if case.quote is None:
        raise ValueError(f"case {case.id!r} has no gold quote; quote_correct applies to 'quote' cases")
    answer = normalise(answer_text)
    if normalise(case.quote) not in answer:
        return False
    return not any(normalise(other) in answer for other in case.other_quotes)


def abstention_scores(cases: list[tuple[bool, bool]]) -> dict[str, float | int]:
    """Abstention quality from (answerable, abstained) pairs.

    Returns abstain_precision (share of abstentions that were on unanswerable questions,
    1.0 when the system never abstained), abstain_recall (share of unanswerable questions
    it abstained on, 1.0 when there were none), false_abstentions (answerable but abstained)
    and answered_unanswerable (unanswerable but answered).
    """
    abstained_right = sum(1 for answerable, abstained in cases if abstained and not answerable)
    false_abstentions = sum(1 for answerable, abstained in cases if abstained and answerable)
    answered_unanswerable = sum(1 for answerable, abstained in cases if not abstained and not answerable)
    abstentions = abstained_right + false_abstentions
    unanswerable = abstained_right + answered_unanswerable
    return {
        "abstain_precision": abstained_right / abstentions if abstentions else 1.0,
        "abstain_recall": abstained_right / unanswerable if unanswerable else 1.0,
        "false_abstentions": false_abstentions,
        "answered_unanswerable": answered_unanswerable,
    }


def _str_list(value: object, field: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ValueError(f"'{field}' must be a list of non-empty strings")
    return tuple(value)


def _parse_case(obj: object) -> EvalCase:
    if not isinstance(obj, dict):
        raise ValueError("expected a JSON object")
    required = {"id", "question", "language", "categories", "answerable", "gold", "facts"}
    if missing := sorted(required - obj.keys()):
        raise ValueError(f"missing field(s): {', '.join(missing)}")
    if unknown := sorted(obj.keys() - required - set(QUOTE_FIELDS)):
        raise ValueError(f"unknown field(s): {', '.join(unknown)}")
    for field in ("id", "question"):
        if not isinstance(obj[field], str) or not obj[field].strip():
            raise ValueError(f"'{field}' must be a non-empty string")
    if obj["language"] not in LANGUAGES:
        raise ValueError(f"'language' must be one of {sorted(LANGUAGES)}, not {obj['language']!r}")
    categories = _str_list(obj["categories"], "categories")
    if not categories:
        raise ValueError("'categories' must not be empty")
    if bad := sorted(set(categories) - CATEGORIES):
        raise ValueError(f"unknown categor(ies) {bad}; use {sorted(CATEGORIES)}")
    if not isinstance(obj["answerable"], bool):
        raise ValueError("'answerable' must be true or false")
    if not isinstance(obj["gold"], list):
        raise ValueError("'gold' must be a list")
    gold = []
    for g in obj["gold"]:
        if not isinstance(g, dict) or set(g) != {"article_id", "passage"}:
            raise ValueError("each gold must be an object with exactly 'article_id' and 'passage'")
        if not all(isinstance(g[f], str) and g[f].strip() for f in ("article_id", "passage")):
            raise ValueError("gold 'article_id' and 'passage' must be non-empty strings")
        gold.append(GoldPassage(g["article_id"], g["passage"]))
    facts = _str_list(obj["facts"], "facts")
    answerable = obj["answerable"]
    if answerable and not gold:
        raise ValueError("an answerable case needs at least one gold passage")
    if not answerable and (gold or facts or "unanswerable" not in categories):
        raise ValueError("an unanswerable case has no gold, no facts and the 'unanswerable' category")
    if answerable and "unanswerable" in categories:
        raise ValueError("an answerable case cannot have the 'unanswerable' category")
    if "multi" in categories and len({g.article_id for g in gold}) < 2:
        raise ValueError("a 'multi' case needs gold passages from at least two articles")
    speaker, quote, other_quotes = _quote_fields(obj, categories)
    return EvalCase(
        id=obj["id"],
        question=obj["question"],
        language=obj["language"],
        categories=categories,
        answerable=answerable,
        gold=tuple(gold),
        facts=facts,
        speaker=speaker,
        quote=quote,
        other_quotes=other_quotes,
    )


def _quote_fields(obj: dict, categories: tuple[str, ...]) -> tuple[str | None, str | None, tuple[str, ...]]:
    """The speaker, gold quote and other speakers' quotes of a `quote` case; nothing for other cases."""
    present = [f for f in QUOTE_FIELDS if f in obj]
    if "quote" not in categories:
        if present:
            raise ValueError(f"{', '.join(present)} belong(s) to 'quote' cases only")
        return None, None, ()
    if missing := [f for f in QUOTE_FIELDS if f not in obj]:
        raise ValueError(f"a 'quote' case needs {', '.join(missing)}")
    for field in ("speaker", "quote"):
        if not isinstance(obj[field], str) or not obj[field].strip():
            raise ValueError(f"'{field}' must be a non-empty string")
    if not isinstance(obj["other_quotes"], list):
        raise ValueError("'other_quotes' must be a list of strings")
    others = _str_list(obj["other_quotes"], "other_quotes") if obj["other_quotes"] else ()
    gold_quote = normalise(obj["quote"])
    for other in others:
        if normalise(other) in gold_quote or gold_quote in normalise(other):
            raise ValueError(f"other quote {other!r} overlaps the gold quote; no answer could be right")
    return obj["speaker"], obj["quote"], others


def load_cases(path: Path) -> list[EvalCase]:
    """Read a JSON Lines eval set; raise ValueError naming the file and line of the first bad case."""
    cases: list[EvalCase] = []
    seen: dict[str, int] = {}
    with Path(path).open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                case = _parse_case(json.loads(line))
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path}:{lineno}: not valid JSON ({exc.msg})") from exc
            except ValueError as exc:
                raise ValueError(f"{path}:{lineno}: {exc}") from exc
            if case.id in seen:
                raise ValueError(f"{path}:{lineno}: id {case.id!r} already used on line {seen[case.id]}")
            seen[case.id] = lineno
            cases.append(case)
    return cases
