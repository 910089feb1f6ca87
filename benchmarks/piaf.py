"""PIAF as a benchmark of answer-sentence selection: split, index, candidate features, report.

PIAF v1.1 (/work/shared/piaf, or --piaf FILE) is crowd-written French extractive QA over French
Wikipedia paragraphs (SQuAD format). Its titles are split into train and test with a fixed seed
(`--split FILE` keeps the split; the default is `benchmarks/piaf_split.json`, shipped), each title
becomes one article file (its paragraphs, in order, as the body: a question must find the right
paragraph among the others of its article as well as among the other 454 articles, as in a real
corpus, where one file per paragraph would make every passage its own article), and the whole
corpus is indexed with the real pipeline in a data dir of its own (`--work`, kept between runs:
sentence vectors are cached by text, so a rerun re-encodes nothing). Every test title is indexed,
and `--train-titles` train titles (110, a seeded draw; -1: all 364): all 455 would take over an hour.

    .venv/bin/python benchmarks/piaf.py index    --work /work/piafdata   # split + articles + rebuild (~30 min loaded)
    .venv/bin/python benchmarks/piaf.py features --work /work/piafdata   # candidates of every question -> features.npz
    .venv/bin/python benchmarks/piaf.py report   --work /work/piafdata   # test titles: hand-set vs learned vs BM25
    .venv/bin/python benchmarks/piaf.py subset                           # rewrite tests/eval/piaf from 10 test titles

The paragraphs are CC BY-SA 4.0 (French Wikipedia): each article file names its Wikipedia title.
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import re
import sys
import time
import unicodedata
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO)]

PIAF = Path("/work/shared/piaf/piaf-v1.1-dev.json")
SPLIT = REPO / "benchmarks" / "piaf_split.json"
SEED = 18  # issue 18
TEST_SHARE = 0.2
TRAIN_TITLES = 110
THREADS = 2  # encoder threads, as the eval pins them (tests/conftest.py)

log = logging.getLogger("piaf")


# --- data -------------------------------------------------------------------------------------


def load_piaf(path: Path) -> list[dict]:
    """The titles of a SQuAD-format file, each {title, paragraphs: [{context, qas}]}."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    return [{**entry, "number": number} for number, entry in enumerate(data["data"])]


def make_split(titles: list[str], seed: int = SEED, test_share: float = TEST_SHARE) -> dict[str, list[str]]:
    """Titles into train and test, by a seeded shuffle of the sorted titles (reproducible)."""
    ordered = sorted(set(titles))
    random.Random(seed).shuffle(ordered)
    n_test = round(len(ordered) * test_share)
    return {"seed": seed, "test": sorted(ordered[:n_test]), "train": sorted(ordered[n_test:])}


def load_split(path: Path, titles: list[str]) -> dict[str, list[str]]:
    """The shipped split, or a new one written to `path` when there is none."""
    if path.exists():
        split = json.loads(path.read_text(encoding="utf-8"))
        missing = set(titles) - set(split["train"]) - set(split["test"])
        if missing:
            raise SystemExit(f"{path} does not place {len(missing)} titles (e.g. {sorted(missing)[:3]}); delete it to redo the split")
        return split
    split = make_split(titles)
    path.write_text(json.dumps(split, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return split


def slug(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", folded).strip("-")[:40] or "x"


def article_id(number: int, title: str) -> str:
    """A stable file stem for a title: its rank in the file, then its slug."""
    return f"piaf{number:03d}_{slug(title)}"


def article_text(title: str, paragraphs: list[str]) -> str:
    """One article file: front matter (title, outlet Wikipédia, url; no date), then the paragraphs."""
    url = "https://fr.wikipedia.org/wiki/" + title.replace(" ", "_")
    body = "\n\n".join(" ".join(p.split()) for p in paragraphs)
    return (
        "---\n"
        f"title: {title}\n"
        "source: Wikipédia\n"
        f"url: {url}\n"
        "---\n"
        "\n"
        f"{body}\n"
    )


def write_articles(titles: list[dict], folder: Path) -> dict[str, str]:
    """Write one file per title into `folder` (only changed files); returns title -> article id."""
    folder.mkdir(parents=True, exist_ok=True)
    ids = {}
    for entry in titles:
        aid = article_id(entry["number"], entry["title"])
        ids[entry["title"]] = aid
        text = article_text(entry["title"], [p["context"] for p in entry["paragraphs"]])
        path = folder / f"{aid}.md"
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
    return ids


def settings_for(work: Path):
    """Settings of the PIAF index: its own data dir and embedded collection, encoder threads pinned."""
    from config.settings import Settings

    base = Settings(data_dir=work, seeds_dir=work / "articles")
    return base.model_copy(
        update={
            "chroma": base.chroma.model_copy(update={"host": None, "collection": "piaf"}),
            "embedding": base.embedding.model_copy(update={"threads": THREADS}),
        }
    )


def open_engine(work: Path):
    from index.embeddings import Embedder
    from index.engine import Engine
    from index.store import open_client

    settings = settings_for(work)
    embedder = Embedder(settings.embedding)
    return Engine(settings, open_client(settings.chroma, work), embedder)


def indexed_titles(titles: list[dict], split: dict, train_titles: int | None) -> list[dict]:
    """Every test title and the first `train_titles` train titles of a seeded shuffle (all: None)."""
    train = sorted(split["train"])
    random.Random(split["seed"]).shuffle(train)
    kept = set(split["test"]) | set(train[:train_titles] if train_titles is not None else train)
    return [t for t in titles if t["title"] in kept]


def cmd_index(args) -> int:
    every = load_piaf(args.piaf)
    split = load_split(args.split, [t["title"] for t in every])
    titles = indexed_titles(every, split, args.train_titles)
    for stale in (args.work / "articles").glob("*.md"):
        stale.unlink()  # a smaller --train-titles leaves fewer articles
    ids = write_articles(titles, args.work / "articles")
    (args.work / "ids.json").write_text(json.dumps(ids, ensure_ascii=False, indent=1), encoding="utf-8")
    log.info("%d titles (of %d train, %d test) written to %s", len(ids), len(split["train"]), len(split["test"]),
             args.work / "articles")
    engine = open_engine(args.work)
    started = time.perf_counter()
    report = engine.rebuild(seeds_dir=args.work / "articles", progress=_progress)
    log.info("rebuilt in %.0f s: %d chunks embedded, %d in all", time.perf_counter() - started,
             report.chunks_embedded, report.chunks_total)
    return 0


# --- questions, labels and candidate features ------------------------------------------------------


def norm(text: str) -> str:
    """What span matching compares: folded case and accents, plain apostrophes, single spaces."""
    from index.text import fold

    return " ".join(fold(text).replace("’", "'").split())


def questions(titles: list[dict], split: dict, ids: dict[str, str]) -> list[dict]:
    """Every question of the indexed titles: id, text, split, article id, gold answers (text and
    body offsets, -1 when the paragraph cannot be found in the body)."""
    from index.articles import read_article

    out = []
    for entry in titles:
        aid = ids.get(entry["title"])
        if aid is None:
            continue
        body = _bodies.get(aid)
        if body is None:
            body = _bodies[aid] = read_article(_articles_dir / f"{aid}.md")[0].body
        where = "test" if entry["title"] in split["test"] else "train"
        for paragraph in entry["paragraphs"]:
            flat = " ".join(paragraph["context"].split())
            at = body.find(flat)
            for qa in paragraph["qas"]:
                golds = []
                for answer in qa["answers"]:
                    golds.append({"text": answer["text"], "start": _body_offset(paragraph["context"], flat, at, answer)})
                out.append({"id": qa["id"], "question": qa["question"], "split": where, "article": aid,
                            "title": entry["title"], "answers": golds})
    return out


_bodies: dict[str, str] = {}
_articles_dir = Path(".")


def _body_offset(context: str, flat: str, at: int, answer: dict) -> int:
    """The answer's offset in the article body: its offset in the paragraph as flattened, nearest
    the one PIAF gives; -1 when the paragraph or the span is not found."""
    if at < 0:
        return -1
    span = " ".join(answer["text"].split())
    prefix = context[: answer["answer_start"]]
    guess = len(" ".join(prefix.split())) + (1 if prefix[-1:].isspace() and prefix.strip() else 0)
    found = [m.start() for m in re.finditer(re.escape(span), flat)] if span else []
    if not found:
        return -1
    return at + min(found, key=lambda x: abs(x - guess))


def holds(answer_text: str, golds: list[dict]) -> bool:
    """Whether a text holds one of the gold answer spans (normalised containment)."""
    text = norm(answer_text)
    return any(norm(g["text"]) and norm(g["text"]) in text for g in golds)


def label(candidate, q: dict) -> int:
    """1 when the candidate sentence holds a gold span: by body offsets in the gold article where
    they are known, else by normalised containment."""
    for gold in q["answers"]:
        length = len(" ".join(gold["text"].split()))
        if candidate.hit.article_id == q["article"] and gold["start"] >= 0:
            if candidate.start <= gold["start"] and gold["start"] + length <= candidate.end:
                return 1
        elif gold["start"] < 0 and holds(candidate.text, [gold]):
            return 1
    return 0


class QueryCache:
    """Question vectors saved in the work dir, so features, report and reruns encode each question once."""

    def __init__(self, path: Path, embedder) -> None:
        self.path, self.embedder, self.encode = path, embedder, embedder.encode_query
        self.vectors: dict[str, object] = {}
        if path.exists():
            import numpy as np

            with np.load(path, allow_pickle=False) as data:
                self.vectors = dict(zip(data["texts"].tolist(), data["vectors"]))
        embedder.encode_query = self  # the engine asks the embedder; it now asks here first
        self.new = 0

    def __call__(self, text: str):
        if text not in self.vectors:
            self.vectors[text] = self.encode(text)
            self.new += 1
            if self.new % 200 == 0:
                self.save()
        return self.vectors[text]

    def save(self) -> None:
        import numpy as np

        texts = list(self.vectors)
        tmp = self.path.with_suffix(".tmp.npz")
        np.savez(tmp, texts=np.array(texts), vectors=np.vstack([self.vectors[t] for t in texts]))
        tmp.replace(self.path)


def _setup(args):
    """The indexed titles, their questions, and an engine over the PIAF index with cached question vectors."""
    global _articles_dir
    every = load_piaf(args.piaf)
    split = load_split(args.split, [t["title"] for t in every])
    ids = json.loads((args.work / "ids.json").read_text(encoding="utf-8"))
    _articles_dir = args.work / "articles"
    qs = questions([t for t in every if t["title"] in ids], split, ids)
    engine = open_engine(args.work)
    cache = QueryCache(args.work / "queries.npz", engine.embedder)
    return qs, engine, cache


def candidate_features(engine, question: str):
    """The candidates of the real answer path for one question (retrieval, `Extractor.candidates`),
    the FEATURES matrix the learned scorer reads, and the evidence abstention weighs."""
    import numpy as np

    from index.scorer import feature_matrix

    asked = engine.understand(question)
    with engine.handle.using() as loaded:
        retrieval = engine.settings.retrieval
        result = loaded.retriever.retrieve_hits(asked.standalone, max(retrieval.top_k, retrieval.answer_k), asked)
        ex = loaded.extractor
        cands = ex.candidates(asked.standalone, result.hits, focus=asked.text, asked=asked.asked,
                              repeated=asked.already_quoted, terms=asked.terms or None)
        if not cands:
            return asked, result, [], np.zeros((0, 0))
        plain, context = ex.sentences.vectors([(c.previous, c.text) for c in cands])
        qv = result.query_vector if result.query_vector is not None else engine.embedder.encode_query(asked.standalone)
        matrix = feature_matrix([c.signals for c in cands], plain @ qv, context @ qv,
                                retrieval.sentence_dense_weight, retrieval.sentence_context_weight)
    return asked, result, cands, matrix


def cmd_features(args) -> int:
    """Features and labels of every candidate sentence of every indexed question -> features.npz."""
    import numpy as np

    from index.scorer import FEATURES

    qs, engine, cache = _setup(args)
    rows, labels, groups, splits, qids, texts, titles = [], [], [], [], [], [], []
    started = time.perf_counter()
    for number, q in enumerate(qs):
        _, _, cands, matrix = candidate_features(engine, q["question"])
        for cand, row in zip(cands, matrix):
            rows.append(row)
            labels.append(label(cand, q))
            groups.append(number)
            texts.append(cand.text)
        splits.append(q["split"])
        qids.append(q["id"])
        titles.append(q["title"])
        if number % 200 == 0:
            log.info("features: %d/%d questions, %.0f s", number, len(qs), time.perf_counter() - started)
    cache.save()
    np.savez_compressed(
        args.work / "features.npz",
        features=np.vstack(rows), labels=np.array(labels, dtype=np.int8), groups=np.array(groups, dtype=np.int32),
        names=np.array(FEATURES), question_split=np.array(splits), question_ids=np.array(qids), texts=np.array(texts),
        question_titles=np.array(titles),
    )
    with_gold = len({g for g, y in zip(groups, labels) if y})
    log.info("%d candidates of %d questions (%d with a labelled sentence) -> %s", len(rows), len(qs), with_gold,
             args.work / "features.npz")
    return 0


# --- report -----------------------------------------------------------------------------------------

_TERMINAL = re.compile(r"[.!?…:;][»\"”)\]’']*$|[»”]$")


def bm25_best(extractor, question: str, cands, n: int = 2, k1: float = 1.2, b: float = 0.75) -> list[str]:
    """The anchor: the `n` candidate sentences BM25 ranks first (corpus idf, sentence length normalised)."""
    from index.lexical import tokenize

    terms = set(tokenize(question))
    bags = [tokenize(c.text) for c in cands]
    mean = sum(len(bag) for bag in bags) / max(len(bags), 1) or 1.0
    scores = []
    for bag in bags:
        score = 0.0
        for t in terms:
            tf = bag.count(t)
            if tf:
                score += extractor.idf(t) * tf * (k1 + 1) / (tf + k1 * (1 - b + b * len(bag) / mean))
        scores.append(score)
    order = sorted(range(len(cands)), key=lambda i: -scores[i])
    seen: list[str] = []
    for i in order:
        if cands[i].text not in seen:
            seen.append(cands[i].text)
        if len(seen) == n:
            break
    return seen


def score_answers(engine, qs: list[dict], models) -> dict[str, float]:
    """Answer figures over `qs` with the given answer models (None: the hand-set scorer)."""
    extractor = engine.loaded().extractor
    kept = extractor.models
    extractor.models = models
    n = len(qs)
    tally = dict.fromkeys(("contains", "first", "abstained", "chars", "sentences", "cut", "bare", "cited", "answered"), 0)
    try:
        for q in qs:
            answer = engine.ask(q["question"])
            if answer.abstained:
                tally["abstained"] += 1
                continue
            tally["answered"] += 1
            tally["contains"] += any(holds(s, q["answers"]) for s in answer.quoted)
            tally["first"] += bool(answer.quoted) and holds(answer.quoted[0], q["answers"])
            tally["chars"] += sum(len(s) for s in answer.quoted)
            tally["sentences"] += len(answer.quoted)
            tally["bare"] += sum(1 for s in answer.quoted if not _TERMINAL.search(s.strip()))
            tally["cut"] += sum(1 for s in answer.quoted if mid_phrase(s, answer.sources))
            tally["cited"] += any(holds(src.passage, q["answers"]) for src in answer.sources)
    finally:
        extractor.models = kept
    answered = max(tally["answered"], 1)
    return {
        "questions": n,
        "contains": tally["contains"] / n,
        "first": tally["first"] / n,
        "ceiling_cited": tally["cited"] / n,
        "false_abstentions": tally["abstained"] / n,
        "chars": tally["chars"] / answered,
        "sentences": tally["sentences"] / answered,
        "unpunctuated": tally["bare"],  # quoted sentences ending without terminal punctuation…
        "mid_phrase": tally["cut"],  # …where their article's paragraph goes on
    }


def mid_phrase(quoted: str, sources) -> bool:
    """Whether a quoted sentence ends mid-phrase: without terminal punctuation (a clause cut with
    « […] » ends with one), where its article goes on: a sentence that ends the article or one of
    its paragraphs is the text as written (a few PIAF paragraphs stop mid-phrase: « … la
    bibliothèque de l'université Harvard (1638, »), not a cut of ours."""
    from index.articles import read_article

    text = quoted.strip()
    if _TERMINAL.search(text):
        return False
    for source in sources:
        body = _bodies.get(source.article_id)
        if body is None:
            body = _bodies[source.article_id] = read_article(_articles_dir / f"{source.article_id}.md")[0].body
        at = body.find(text)
        if at >= 0 and (body[at + len(text):].strip() == "" or body[at + len(text):].startswith("\n")):
            return False
    return True


def cmd_report(args) -> int:
    """Answer figures on the test questions: learned vs hand-set scorer, BM25's best two, the ceiling."""
    from index.scorer import load_models

    qs, engine, cache = _setup(args)
    qs = [q for q in qs if q["split"] == args.on]
    if args.limit:
        qs = qs[: args.limit]
    models = load_models() if args.scorer != "hand-set" else None
    results = {}
    started = time.perf_counter()
    results["hand-set"] = score_answers(engine, qs, None)
    log.info("hand-set done in %.0f s", time.perf_counter() - started)
    if models is not None:
        results["learned"] = score_answers(engine, qs, models)
    cache.save()
    # The anchor and the ceiling of retrieval, on the same candidates the scorers choose from.
    bm25 = retrieved = 0
    for q in qs:
        _, result, cands, _ = candidate_features(engine, q["question"])
        retrieved += any(holds(h.text, q["answers"]) for h in result.hits[: engine.settings.retrieval.top_k])
        bm25 += any(holds(s, q["answers"]) for s in bm25_best(engine.loaded().extractor, q["question"], cands))
    results["anchors"] = {"bm25_best_two": bm25 / len(qs), "ceiling_top_k": retrieved / len(qs)}
    results["titles"] = len({q["title"] for q in qs})
    (args.work / f"report-{args.on}.json").write_text(json.dumps(results, indent=1), encoding="utf-8")
    print(f"PIAF {args.on}: {len(qs)} questions over {results['titles']} titles "
          f"({len(_bodies)} articles indexed)")
    columns = ("contains", "first", "ceiling_cited", "false_abstentions", "chars", "sentences", "unpunctuated", "mid_phrase")
    print("| scorer | " + " | ".join(columns) + " |")
    print("|---" * (len(columns) + 1) + "|")
    for name in ("hand-set", "learned"):
        if name in results:
            print(f"| {name} | " + " | ".join(_cell(results[name][c]) for c in columns) + " |")
    print(f"BM25's best two sentences contain the span: {results['anchors']['bm25_best_two']:.3f}; "
          f"span in the first {engine.settings.retrieval.top_k} passages: {results['anchors']['ceiling_top_k']:.3f}")
    return 0


def _cell(value) -> str:
    return f"{value:.3f}" if isinstance(value, float) and value < 10 else f"{value:.0f}" if isinstance(value, float) else str(value)


# --- the subset kept in tests/eval/piaf -----------------------------------------------------------

SUBSET_TITLES = 10
SUBSET_PARAGRAPHS = 2  # the first paragraphs of each title: the eval must index in seconds
SUBSET_DIR = REPO / "tests" / "eval" / "piaf"


def cmd_subset(args) -> int:
    """Write tests/eval/piaf: SUBSET_TITLES test titles (a seeded draw), their first paragraphs as
    article files marked CC BY-SA 4.0, and their questions keyed to article id and answer span."""
    every = load_piaf(args.piaf)
    split = load_split(args.split, [t["title"] for t in every])
    test = sorted(split["test"])
    random.Random(split["seed"]).shuffle(test)
    chosen = set(test[:SUBSET_TITLES])
    folder = SUBSET_DIR / "articles"
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("*.md"):
        stale.unlink()
    lines = []
    for entry in every:
        if entry["title"] not in chosen:
            continue
        aid = article_id(entry["number"], entry["title"])
        paragraphs = entry["paragraphs"][:SUBSET_PARAGRAPHS]
        # PIAF titles keep Wikipedia's markup ("<i>Saw 3D</i>"): shown as a source, it is noise.
        title = " ".join(re.sub(r"<[^>]+>", "", entry["title"]).split())
        text = article_text(title, [p["context"] for p in paragraphs])
        # The outlet line carries the licence, so every citation of the text shows it.
        text = text.replace("source: Wikipédia\n", "source: Wikipédia (CC BY-SA 4.0)\n", 1)
        (folder / f"{aid}.md").write_text(text, encoding="utf-8")
        for paragraph in paragraphs:
            for qa in paragraph["qas"]:
                spans = list(dict.fromkeys(" ".join(a["text"].split()) for a in qa["answers"]))
                lines.append(json.dumps({"id": qa["id"], "question": qa["question"], "article": aid,
                                         "answers": spans}, ensure_ascii=False))
    (SUBSET_DIR / "questions.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{len(chosen)} test titles, {len(lines)} questions -> {SUBSET_DIR}")
    return 0


class _Bar:
    def __init__(self, total, unit):
        self.total, self.unit, self.done, self.last = total, unit, 0, time.monotonic()

    def update(self, n=1):
        self.done += n
        if time.monotonic() - self.last > 30:
            self.last = time.monotonic()
            log.info("%s: %d/%s", self.unit, self.done, self.total)

    def close(self):
        log.info("%s: %d done", self.unit, self.done)


def _progress(total, unit):
    return _Bar(total, unit)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=["index", "features", "report", "subset"])
    parser.add_argument("--work", type=Path, default=Path("/work/piafdata"))
    parser.add_argument("--piaf", type=Path, default=PIAF)
    parser.add_argument("--split", type=Path, default=SPLIT)
    # Encoding all 455 titles (~16,000 texts) takes over an hour on 2 loaded cores: every test title
    # and this many train titles (a seeded draw) keep retrieval among ~200 articles.
    parser.add_argument("--train-titles", type=int, default=TRAIN_TITLES, help="train titles indexed (all: -1)")
    parser.add_argument("--on", choices=["test", "train"], default="test", help="report: which split's questions")
    parser.add_argument("--limit", type=int, default=0, help="report: the first N questions only")
    parser.add_argument("--scorer", choices=["both", "hand-set"], default="both",
                        help="report: the hand-set scorer only (half the time), or it and the learned one")
    args = parser.parse_args(argv)
    if args.train_titles is not None and args.train_titles < 0:
        args.train_titles = None
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    args.work.mkdir(parents=True, exist_ok=True)
    return {"index": cmd_index, "features": cmd_features, "report": cmd_report, "subset": cmd_subset}[args.command](args)


if __name__ == "__main__":
    raise SystemExit(main())
