"""The `time` eval: questions about news over time over a dated corpus (a story followed over months).

The index holds the seeds plus `tests/eval/time/articles` (values that change between articles,
relative dates in the text, an undated article), in a work dir of its own. Each case may pin its own
`now`; a case is right when the question was understood as the expected kind of time and the answer
leads with the expected article and facts, marks the superseded value, or says that nothing
indexed dates from the period asked.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from pathlib import Path

from index.errors import DepecheError
from index.evals.metrics import normalise

KINDS = ("dated", "relative", "recent", "changed", "nothing", "digest")
TIME_KINDS = ("none", "period", "recent", "digest")
_NOTHING = ("aucun article indexe ne date", "no indexed article dates from")


@dataclass(frozen=True)
class TimeCase:
    """One labelled question about time.

    kind: what the case tests (`KINDS`); now: the clock for this case (ISO), None = the system's;
    after: a question asked just before in the same conversation (a follow-up case); time: the
    kind of time the question must be understood to ask; first: the first cited source must be one
    of these article ids; facts: verbatim in the lead of the answer (up to its first citation);
    superseded: verbatim in a sentence cited as superseded; nothing: the answer must say that no
    indexed article dates from the period.
    """

    id: str
    question: str
    language: str
    kind: str
    time: str
    now: str | None = None
    after: str | None = None
    first: tuple[str, ...] = ()
    facts: tuple[str, ...] = ()
    superseded: tuple[str, ...] = ()
    nothing: bool = False


@dataclass
class TimeResult:
    """What the pipeline answered to one case, and why it is judged wrong (empty when right)."""

    id: str
    kind: str
    language: str
    question: str
    answer: str
    time: dict
    first_source: str | None
    wrong: list[str] = field(default_factory=list)

    @property
    def right(self) -> bool:
        return not self.wrong


@dataclass
class TimeReport:
    """The `time` category: the share of cases right, overall, per kind and per language."""

    articles: int
    seconds: float
    score: float
    kinds: dict[str, float]
    languages: dict[str, float]
    cases: list[TimeResult]

    def to_dict(self) -> dict:
        """Plain JSON-ready data, per-case detail included."""
        return asdict(self)

    def table(self) -> str:
        """Plain-text summary: the score, per kind and language, and each wrong case."""
        right = sum(r.right for r in self.cases)
        lines = [
            f"time: {right}/{len(self.cases)} cases right ({self.score:.3f}) over {self.articles} articles; "
            f"{self.seconds:.0f} s",
            "  " + "  ".join(f"{k} {v:.2f}" for k, v in self.kinds.items()),
            "  " + "  ".join(f"{k} {v:.2f}" for k, v in self.languages.items()),
        ]
        for result in self.cases:
            if not result.right:
                lines.append(f"  wrong {result.id}: {'; '.join(result.wrong)}")
        return "\n".join(lines)


def load_time_cases(path: Path) -> list[TimeCase]:
    """Read and check a time case file (JSON Lines), naming the first bad line."""
    cases = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            case = TimeCase(**{k: tuple(v) if isinstance(v, list) else v for k, v in data.items()})
            if case.kind not in KINDS or case.time not in TIME_KINDS or case.language not in ("fr", "en"):
                raise ValueError(f"kind {case.kind!r}, time {case.time!r} or language {case.language!r} unknown")
            if case.now:
                datetime.fromisoformat(case.now)
            if not (case.first or case.nothing):
                raise ValueError("a case needs `first` articles or `nothing`")
        except (TypeError, ValueError) as exc:
            raise DepecheError(f"{path}:{number}: bad time case: {exc}") from None
        cases.append(case)
    return cases


def judge(case: TimeCase, answer, understood: dict) -> list[str]:
    """Why an answer to `case` is wrong (empty when right)."""
    wrong = []
    if understood.get("kind") != case.time:
        wrong.append(f"time understood as {understood.get('kind')}, not {case.time}")
    text = normalise(answer.text)
    if case.nothing:
        if not (answer.abstained and text.startswith(_NOTHING)):
            wrong.append("did not say that nothing dates from the period")
        return wrong
    first = answer.sources[0].article_id if answer.sources else None
    if first not in case.first:
        wrong.append(f"first source {first}, expected one of {', '.join(case.first)}")
    lead = text.split("[1]", 1)[0]
    wrong += [f"lead lacks {fact!r}" for fact in case.facts if normalise(fact) not in lead]
    old = [normalise(line) for line in answer.text.splitlines()]
    marked = {s.n for s in answer.sources if s.superseded}
    for fact in case.superseded:
        if not any(normalise(fact) in line and any(f"[{n}]" in line for n in marked) for line in old):
            wrong.append(f"{fact!r} not cited as superseded")
    return wrong


def run_time_eval(settings, embedder, dataset: Path, articles: Path, work_dir: Path) -> TimeReport:
    """Build (or update) the time eval's index from the seeds plus `articles` in `work_dir`, then score.

    settings: the settings measured (data dir and Chroma replaced by an embedded store under
    `work_dir`); embedder: the loaded model; dataset: the cases (`load_time_cases`).
    """
    from index.conversation import Conversation
    from index.evals.runner import corpus_engine

    started = time.perf_counter()
    cases = load_time_cases(dataset)
    # "clock" emptied: each case pins its own.
    engine = corpus_engine(settings, embedder, [settings.seeds_dir, articles], work_dir, "eval-time", clock="")
    eval_settings = engine.settings
    engine.rebuild(seeds_dir=eval_settings.seeds_dir)
    results = []
    for case in cases:
        now = date.fromisoformat(case.now[:10]) if case.now else None
        conversation = Conversation(eval_settings.conversation.history_turns)
        if case.after:
            conversation.add(engine.ask(case.after, conversation, now))
        answer = engine.ask(case.question, conversation, now)
        understood = {k: answer.time.get(k) for k in ("kind", "from", "to")}
        results.append(
            TimeResult(case.id, case.kind, case.language, case.question, answer.text, understood,
                       answer.sources[0].article_id if answer.sources else None, judge(case, answer, understood))
        )
    articles_indexed = len(engine.loaded().snapshot.articles)
    engine.close()
    return TimeReport(
        articles=articles_indexed,
        seconds=time.perf_counter() - started,
        score=_share(results),
        kinds={k: _share([r for r in results if r.kind == k]) for k in KINDS if any(r.kind == k for r in results)},
        languages={lang: _share([r for r in results if r.language == lang]) for lang in ("fr", "en")},
        cases=results,
    )


def _share(results: list[TimeResult]) -> float:
    return sum(r.right for r in results) / len(results) if results else 0.0
