"""The `piaf` eval on the real encoder: people's questions over French Wikipedia (ten PIAF test
titles, tests/eval/piaf), indexed apart from the news eval; floors one question under the measurement.

About 25 chunks and 200 sentences to encode, and 80 questions: its setup time is printed by
`--durations`.
"""

from __future__ import annotations

import json
import re

import pytest
from conftest import ROOT, make_settings

from index.errors import DepecheError
from index.evals.piafcases import holds, load_piaf_cases, run_piaf_eval

pytestmark = pytest.mark.slow

PIAF_DIR = ROOT / "tests" / "eval" / "piaf"
CASES = 80
# Measured with the defaults (the hand-set scorer; `depeche eval` prints the piaf line): 64/80 answers
# hold the span, 55/80 first sentences, 1 false abstention, 253.6 quoted characters per answer
# (241.7 before a sentence right after or before a chosen one joined at 0.82 of the best score,
# `index.answers.NEIGHBOUR_RATIO`: five answers here quote one more sentence, none more spans; on
# PIAF's train titles the same rule keeps 13 spans the stricter ratio loses, and the quoted
# characters per answer fell from 354 to 352). The learned scorer (index.answers.LEARNED_SCORER)
# measured 64/80, 55/80, 1 and 256.9 here before that rule.
MEASURED_CONTAINS = 0.800
MEASURED_FIRST = 0.6875
MAX_CHARS = 257.0  # measured 253.6; one more sentence of 250 characters in one answer adds 3.1
MAX_FALSE_ABSTENTIONS = 2  # measured 1, one of margin


def margin() -> float:
    return 1.0 / CASES + 1e-9


@pytest.fixture(scope="module")
def work(tmp_path_factory):
    return tmp_path_factory.mktemp("piaf")


@pytest.fixture(scope="module")
def report(work, embedder):
    settings = make_settings(work / "unused", ROOT / "seeds")
    return run_piaf_eval(settings, embedder, PIAF_DIR / "questions.jsonl", PIAF_DIR / "articles", work / "eval")


def test_the_subset_is_ten_test_titles_marked_cc_by_sa_with_every_span_in_its_article():
    split = json.loads((ROOT / "benchmarks" / "piaf_split.json").read_text(encoding="utf-8"))
    files = sorted((PIAF_DIR / "articles").glob("*.md"))
    assert 0 < len(files) <= 20
    test_titles = {" ".join(re.sub(r"<[^>]+>", "", t).split()) for t in split["test"]}
    titles = set()
    for path in files:
        head = path.read_text(encoding="utf-8").split("---")[1]
        assert "source: Wikipédia (CC BY-SA 4.0)" in head
        title = re.search(r"^title: (.+)$", head, re.MULTILINE).group(1)
        assert title in test_titles, f"{path.name}: {title!r} is not a PIAF test title"
        titles.add(path.stem)
    cases = load_piaf_cases(PIAF_DIR / "questions.jsonl")
    assert len(cases) == CASES
    assert {c.article for c in cases} == titles
    texts = {p.stem: p.read_text(encoding="utf-8") for p in files}
    assert all(holds(texts[c.article], c.answers) for c in cases)


def test_the_piaf_category_does_not_regress(report):
    scores = report.scores
    assert len(report.cases) == CASES
    assert report.articles == len(list((PIAF_DIR / "articles").glob("*.md")))
    assert scores["contains"] >= MEASURED_CONTAINS - margin(), report.table()
    assert scores["first"] >= MEASURED_FIRST - margin(), report.table()
    assert scores["false_abstentions"] <= MAX_FALSE_ABSTENTIONS, report.table()
    assert scores["chars"] <= MAX_CHARS, report.table()
    assert scores["cited"] >= scores["contains"]  # an answer quotes its cited passages


def test_a_case_whose_span_is_not_in_its_article_is_refused(tmp_path, embedder):
    bad = tmp_path / "q.jsonl"
    bad.write_text(json.dumps({"id": "x", "question": "Qui ?", "article": "piaf337_maroc",
                               "answers": ["une phrase qui n'est nulle part"]}) + "\n", encoding="utf-8")
    with pytest.raises(DepecheError, match="no answer span"):
        run_piaf_eval(make_settings(tmp_path / "d"), embedder, bad, PIAF_DIR / "articles", tmp_path / "w")


def test_the_learned_scorer_answers_from_the_same_index(report, work, embedder):
    """Switched on (it is off by default: BENCHMARKS.md §13), the shipped model ranks every candidate
    and measures here what it measured when it was kept off: 64/80 answers, 55/80 first sentences."""
    from index.engine import Engine
    from index.scorer import load_models
    from index.store import open_client

    settings = make_settings(work / "eval", work / "eval" / "articles")
    settings = settings.model_copy(update={"chroma": settings.chroma.model_copy(update={"collection": "eval-piaf"})})
    engine = Engine(settings, open_client(settings.chroma, work / "eval"), embedder)
    try:
        extractor = engine.loaded().extractor
        assert extractor.models is None  # the default: the hand-set scorer
        extractor.models = load_models()
        cases = load_piaf_cases(PIAF_DIR / "questions.jsonl")
        answers = [engine.ask(c.question) for c in cases]
        contains = sum(any(holds(s, c.answers) for s in a.quoted) for c, a in zip(cases, answers)) / CASES
        first = sum(bool(a.quoted) and holds(a.quoted[0], c.answers) for c, a in zip(cases, answers)) / CASES
        assert contains >= 0.800 - margin() and first >= 0.6875 - margin(), (contains, first)
        # An English question is scored by the model that reads no shared word, and still answered.
        english = engine.ask("What weapons did Gesualdo take from under his bed?")
        assert english.language == "en" and holds(english.text, ("une dague, un poignard",)), english.text
    finally:
        engine.close()
