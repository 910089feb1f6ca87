"""Stories: what grouping copies costs (`index/stories.py`). Prints Markdown; asserts nothing.

    .venv/bin/python benchmarks/stories.py                      # 2,000 articles, 30 % copies
    .venv/bin/python benchmarks/stories.py --scale 100000       # + adding one at 100,000 signatures
    .venv/bin/python benchmarks/stories.py --rebuild 150        # + a real rebuild's share (encoder)

1. Detection over the whole corpus at once (a full rebuild's story step: a fresh story file, every
   article signed, looked up and stored), and grouping precision / recall against the known copies.
2. Adding one article: in a process with the story file open (`StoryIndex.add`), and one-shot: a
   new Python process that imports `index.stories`, opens the file and adds one (process start
   included; `index add` pays the imports and the open, not the process start, on top of its own).
3. `--rebuild N`: a real `rebuild()` with the real encoder over N of the articles (the share of a
   full rebuild's time its story step takes: `stories_seconds / seconds`).

Articles: `synthetic.py` originals, template sentences only by default (`--seed-sentences` mixes in
real seed sentences as `bench.py` does: two originals then share whole sentences, some half their
text, and are grouped as copies, which is what a copy is), and, for 30 % of the corpus, copies of
random originals with one of the eval set's edits (`tests/eval/stories.py`).
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "benchmarks")]

from eval.stories import EDITS, OUTLETS, _edited, pair_scores  # noqa: E402
from synthetic import SentenceMaker, article_text, seed_sentences  # noqa: E402

from index.articles import read_article  # noqa: E402
from index.stories import FILE_NAME, StoryIndex  # noqa: E402


def corpus(n: int, copies: float = 0.3, seed: int = 20261206, folder: Path | None = None, templates_only: bool = True):
    """(articles, gold story of each) with round(n * copies) copies."""
    rng = random.Random(seed)
    maker = SentenceMaker(rng, [] if templates_only else seed_sentences(ROOT / "seeds"))
    originals = []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(n - round(n * copies)):
            path = Path(tmp) / f"synth_{i:06d}.txt"
            path.write_text(article_text(maker, rng, 120, 250), encoding="utf-8")
            originals.append(read_article(path)[0])
    gold = {a.id: a.id for a in originals}
    articles = list(originals)
    for i in range(round(n * copies)):
        source = rng.choice(originals)
        copy = _edited(source, EDITS[i % len(EDITS)], OUTLETS[i % len(OUTLETS)], rng, originals[:50])
        copy = dataclasses.replace(copy, id=f"{source.id}~{i}", path=f"{source.id}~{i}.txt")
        articles.append(copy)
        gold[copy.id] = source.id
    if folder is not None:
        from eval.stories import Item, StorySet, write

        write(StorySet([Item(a, gold[a.id], "") for a in articles], []), folder)
    return articles, gold


def detection(articles, gold) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        index = StoryIndex.open(Path(tmp))
        opened = time.perf_counter() - started
        result = index.update(articles)
        seconds = time.perf_counter() - started
        index.close()  # checkpoints the write-ahead log into the file
        size = (Path(tmp) / FILE_NAME).stat().st_size
    precision, recall, predicted, truth = pair_scores(result.stories, gold)
    return dict(articles=len(articles), seconds=seconds, opened=opened, per_article_ms=1000 * (seconds - opened) / len(articles),
                precision=precision, recall=recall, predicted=predicted, gold=truth, file_mb=size / 2**20)  # fmt: skip


def word_corpus(n: int, copies: float = 0.3, seed: int = 11):
    """Articles of 150-250 words drawn by frequency from the words of the 39 real articles (their
    5-grams rarely meet: unrelated articles), 30 % of them copies cut to their first 70 %. What
    `--scale` fills the story file with: the template corpus shares so many 5-grams between
    unrelated articles that every lookup finds hundreds of candidates at 100,000 (a worst case no
    real corpus reaches; see the 2,000 row for it)."""
    import dataclasses
    import re
    from collections import Counter

    from eval.stories import originals

    rng = random.Random(seed)
    counts = Counter(w for a in originals() for w in re.findall(r"\w+", a.body))
    words, weights = zip(*counts.items())
    template = originals()[0]
    articles, gold = [], {}
    for i in range(n - round(n * copies)):
        body = " ".join(rng.choices(words, weights, k=rng.randint(150, 250)))
        aid = f"w{i:06d}"
        articles.append(dataclasses.replace(template, id=aid, body=body, content_hash=aid, date="2026-01-01"))
        gold[aid] = aid
    for j in range(round(n * copies)):
        source = rng.choice(articles[: n - round(n * copies)])
        body = source.body[: int(len(source.body) * 0.7)]
        aid = f"{source.id}~{j}"
        articles.append(dataclasses.replace(source, id=aid, body=body, content_hash=aid, date="2026-01-02"))
        gold[aid] = source.id
    return articles, gold


def add_one(n_signatures: int, probes: int = 30, words: bool = False) -> dict:
    """Fill a story file with `n_signatures` articles, then time adding one (in process, one-shot)."""
    make = word_corpus if words else corpus
    articles, _ = make(n_signatures + probes, copies=0.3, seed=7)
    probe_articles = articles[:probes // 2] + articles[-(probes - probes // 2):]  # originals and copies
    base = [a for a in articles if a not in probe_articles]
    folder = Path(tempfile.mkdtemp(prefix="stories-bench-"))
    index = StoryIndex.open(folder)
    started = time.perf_counter()
    index.update(base)
    filled = time.perf_counter() - started
    timings = []
    for article in probe_articles:
        t = time.perf_counter()
        index.add(article)
        timings.append(1000 * (time.perf_counter() - t))
        index.db.execute("DELETE FROM articles WHERE id = ?", (article.id,))  # bands stay: harmless here
    index.db.commit()
    index.close()
    size = (folder / FILE_NAME).stat().st_size
    probe = probe_articles[-1]
    script = (
        "import time; t=time.perf_counter(); import sys; sys.path[:0]=[%r]\n"
        "from pathlib import Path\nfrom index.stories import StoryIndex\nfrom index.articles import read_article\n"
        "imported=time.perf_counter()\na,_=read_article(Path(%r))\nindex=StoryIndex.open(Path(%r))\n"
        "index.add(a)\nprint(imported-t, time.perf_counter()-t)\n"
    )
    probe_file = folder / "probe.txt"
    probe_file.write_text(f"---\ntitle: {probe.title}\n---\n\n{probe.body}\n", encoding="utf-8")
    walls, inner, imports = [], [], []
    for _ in range(5):
        t = time.perf_counter()
        out = subprocess.run(
            [sys.executable, "-c", script % (str(ROOT), str(probe_file), str(folder))],
            capture_output=True, text=True, check=True, env={**os.environ, "PYTHONPATH": str(ROOT)},
        )  # fmt: skip
        walls.append(time.perf_counter() - t)
        imp, total = map(float, out.stdout.split())
        imports.append(imp)
        inner.append(total)
    for file in folder.iterdir():
        file.unlink()
    folder.rmdir()
    return dict(signatures=n_signatures, corpus="real-word draws" if words else "templates", fill_s=filled, file_mb=size / 2**20,
                add_p50_ms=statistics.median(timings), add_max_ms=max(timings),
                oneshot_wall_s=statistics.median(walls), oneshot_after_start_s=statistics.median(inner),
                oneshot_imports_s=statistics.median(imports))  # fmt: skip


def rebuild_share(n: int) -> dict:
    from config.settings import Settings
    from index.embeddings import Embedder
    from index.rebuild import rebuild
    from index.store import open_client

    with tempfile.TemporaryDirectory() as tmp:
        seeds = Path(tmp) / "seeds"
        corpus(n, folder=seeds)
        settings = Settings(_env_file=None, data_dir=Path(tmp) / "data", seeds_dir=seeds)
        embedder = Embedder(settings.embedding)
        embedder.encode_passages(["échauffement"])
        client = open_client(settings.chroma, settings.data_dir)
        report = rebuild(settings, client, embedder)
    return dict(articles=n, seconds=report.seconds, stories_seconds=report.stories_seconds,
                share=report.stories_seconds / report.seconds, chunks=report.chunks_total,
                stories=report.stories, joined=len(report.joined))  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--scale", type=int, default=0, help="also time adding one at this many signatures")
    parser.add_argument("--rebuild", type=int, default=0, help="also rebuild this many articles with the encoder")
    parser.add_argument("--seed-sentences", action="store_true", help="originals mix in real seed sentences")
    parser.add_argument("--skip-detection", action="store_true", help="only the add-one and rebuild rows")
    args = parser.parse_args()
    load = os.getloadavg()[0]
    print(f"## Stories ({time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC, load {load:.1f})\n")
    if not args.skip_detection:
        articles, gold = corpus(args.articles, templates_only=not args.seed_sentences)
        d = detection(articles, gold)
        print("| articles | detection (fresh file, all signed; opening it: datasketch import) | per article, after opening | file | pairs precision | pairs recall |")
        print("|---|---|---|---|---|---|")
        print(f"| {d['articles']:,} ({d['gold']:,} copy pairs) | {d['seconds']:.2f} s (open {d['opened']:.2f} s) | "
              f"{d['per_article_ms']:.2f} ms | {d['file_mb']:.1f} MiB | {d['precision']:.3f} ({d['predicted']:,} pairs) | "
              f"{d['recall']:.3f} |\n")  # fmt: skip
    rows = ([] if args.skip_detection else [add_one(args.articles)]) + ([add_one(args.scale, words=True)] if args.scale else [])
    print("| signatures (corpus) | fill | file | add one, file open: p50 / max | one-shot process: wall / after start / imports |")
    print("|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['signatures']:,} ({r['corpus']}) | {r['fill_s']:.1f} s | {r['file_mb']:.0f} MiB | {r['add_p50_ms']:.1f} / "
              f"{r['add_max_ms']:.1f} ms | {r['oneshot_wall_s']:.2f} / {r['oneshot_after_start_s']:.2f} / "
              f"{r['oneshot_imports_s']:.2f} s |")  # fmt: skip
    if args.rebuild:
        r = rebuild_share(args.rebuild)
        print(f"\nRebuild of {r['articles']} articles ({r['chunks']} chunks, {r['stories']} stories, "
              f"{r['joined']} joined): {r['seconds']:.1f} s, of which stories {r['stories_seconds']:.2f} s "
              f"= **{100 * r['share']:.2f} %**")  # fmt: skip
    print(f"\nload after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
