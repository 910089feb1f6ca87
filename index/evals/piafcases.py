"""The `piaf` eval: crowd-written French questions over French Wikipedia (PIAF v1.1 test titles).

The index holds only `tests/eval/piaf/articles` (a few PIAF test titles, CC BY-SA 4.0), in a work
dir and collection of its own, so the news categories do not move. A case is a question, the
article its answer is in, and the verbatim answer spans people marked; the answer holds the
expected span when one of its quoted sentences contains one of them (case, accents and spaces
folded). The whole test split is measured by `benchmarks/piaf.py report`.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from index.errors import DepecheError
from index.text import fold


@dataclass(frozen=True)
class PiafCase:
    """One PIAF question: its id, text, the article id of its paragraph, the answer spans."""

    id: str
    question: str
    article: str
    answers: tuple[str, ...]


@dataclass
class PiafResult:
    id: str
    question: str
    answer: str
    abstained: bool
    contains: bool  # a quoted sentence holds an expected span
    first: bool  # the first quoted sentence does
    cited: bool  # a cited passage does (the ceiling of sentence choice)
    sentences: int
    chars: int  # characters quoted (the sentences, without citations and bylines)


@dataclass
class PiafReport:
    """The `piaf` category's figures and each case."""

    articles: int
    seconds: float
    scores: dict[str, float]
    cases: list[PiafResult] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)

    def table(self) -> str:
        s = self.scores
        return (
            f"piaf: {len(self.cases)} questions over {self.articles} Wikipedia articles; {self.seconds:.0f} s\n"
            f"  answer holds the span {s['contains']:.3f}, first sentence {s['first']:.3f}, "
            f"in the cited passages {s['cited']:.3f}; {s['false_abstentions']:.0f} false abstentions; "
            f"{s['sentences']:.2f} sentences and {s['chars']:.0f} quoted characters per answer"
        )


def normalise(text: str) -> str:
    """Case, accents, apostrophes and spaces folded, as span matching compares them."""
    return " ".join(fold(text).replace("’", "'").split())


def holds(text: str, spans: tuple[str, ...]) -> bool:
    """Whether `text` contains one of `spans` (normalised)."""
    folded = normalise(text)
    return any(normalise(span) and normalise(span) in folded for span in spans)


def load_piaf_cases(path: Path) -> list[PiafCase]:
    """Read and check a PIAF case file (JSON Lines), naming the first bad line."""
    cases = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            case = PiafCase(data["id"], data["question"], data["article"], tuple(data["answers"]))
            if not case.answers or not all(isinstance(a, str) and a.strip() for a in case.answers):
                raise ValueError("`answers` must hold at least one non-empty span")
        except (KeyError, TypeError, ValueError) as exc:
            raise DepecheError(f"{path}:{number}: bad PIAF case: {exc}") from None
        cases.append(case)
    return cases


def run_piaf_eval(settings, embedder, dataset: Path, articles: Path, work_dir: Path) -> PiafReport:
    """Build (or update) the PIAF eval's index from `articles` alone in `work_dir`, then score.

    settings: the settings measured (data dir and Chroma replaced by an embedded store under
    `work_dir`); embedder: the loaded model; dataset: the cases (`load_piaf_cases`); every case's
    answer span must be in its article (checked: a case that cannot be right is an error).
    """
    from index.articles import read_article
    from index.evals.runner import corpus_engine

    started = time.perf_counter()
    cases = load_piaf_cases(dataset)
    bodies = {path.stem: read_article(path)[0].body for path in sorted(Path(articles).glob("*.md"))}
    for case in cases:
        if case.article not in bodies or not holds(bodies[case.article], case.answers):
            raise DepecheError(f"PIAF case {case.id}: no answer span in article {case.article!r}")
    engine = corpus_engine(settings, embedder, [articles], work_dir, "eval-piaf")
    engine.rebuild(seeds_dir=engine.settings.seeds_dir)
    results = []
    for case in cases:
        answer = engine.ask(case.question)
        quoted = answer.quoted if not answer.abstained else ()
        results.append(
            PiafResult(
                case.id, case.question, answer.text, answer.abstained,
                any(holds(s, case.answers) for s in quoted), bool(quoted) and holds(quoted[0], case.answers),
                any(holds(src.passage, case.answers) for src in answer.sources),
                len(quoted), sum(len(s) for s in quoted),
            )  # fmt: skip
        )
    indexed = len(engine.loaded().snapshot.articles)
    engine.close()
    n = len(results) or 1
    answered = [r for r in results if not r.abstained] or [None]
    scores = {
        "contains": sum(r.contains for r in results) / n,
        "first": sum(r.first for r in results) / n,
        "cited": sum(r.cited for r in results) / n,
        "false_abstentions": float(sum(r.abstained for r in results)),
        "sentences": sum(r.sentences for r in answered if r) / len(answered),
        "chars": sum(r.chars for r in answered if r) / len(answered),
    }
    return PiafReport(indexed, time.perf_counter() - started, scores, results)
