"""Articles from the web: pages per second (fetch + extraction, extraction alone, extraction + embedding)
from the tests' loopback site, and how right extraction is on real news pages.

    .venv/bin/python benchmarks/web.py [--rounds N] [--no-embed] [--split dev|heldoutN|all] [--code DIR]
    .venv/bin/python benchmarks/web.py --outside DIR [--code DIR]

Prints figures, asserts nothing. Two page sets: the four test pages of tests/web_site.py (JSON-LD,
OpenGraph, bare HTML with a dateline, undated), a few hundred words each; and the real pages of
tests/web_pages (see its README) scored against truth.jsonl: title, date, outlet right, pages with
clutter left in the body, expected body sentences found, split into the dev set (tuned on) and the
held-out-11 set (not tuned on; "no pages" until it is written). `index add` runs twice: with its
children's start, then reusing them. `--code DIR` imports `index` from another checkout (e.g. the code before a change,
`git archive HEAD | tar -x -C DIR`) to compare. `--outside DIR` scores only the pages of
tests/web_pages/outside/truth.jsonl, read from DIR, each of its sets apart: pages from sources with no licence, measured
where they are and never shipped (tests/web_pages/outside/README.md says where to get them).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
_code = sys.argv[sys.argv.index("--code") + 1] if "--code" in sys.argv[:-1] else str(REPO)
sys.path[:0] = [str(Path(_code).resolve()), str(REPO / "tests")]

from config.settings import EmbeddingSettings, SourcesSettings  # noqa: E402
from index.articles import read_article  # noqa: E402
from index.chunking import chunk_article  # noqa: E402
from index.web.extract import extract_page, page_markdown  # noqa: E402
from index.web.fetch import Fetcher  # noqa: E402
from web_site import BOILERPLATE, EXPECTED, SPLITS, Site, load_truth, score_pages  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=25, help="passes over the pages")
    parser.add_argument("--no-embed", action="store_true", help="skip extraction + embedding (no model load)")
    parser.add_argument("--split", choices=[*SPLITS, "all"], default="all", help="real pages scored")
    parser.add_argument("--code", type=Path, default=REPO, help="checkout whose `index` is measured")
    parser.add_argument("--outside", type=Path, help="score only the pages of tests/web_pages/outside found in DIR")
    args = parser.parse_args()
    print(f"code: {args.code}")
    if args.outside:
        return outside_report(args.outside)
    paths = list(EXPECTED)
    with Site() as site, Fetcher(SourcesSettings(allow_private=True, per_host=2)) as fetcher:
        fetcher.fetch(site.url(paths[0]))  # robots.txt and the connection, outside the timing
        started = time.perf_counter()
        bodies = {}
        for _ in range(args.rounds):
            for path in paths:
                fetched = fetcher.fetch(site.url(path))
                extract_page(fetched.body, fetched.final_url)
                bodies[path] = (fetched.body, fetched.final_url)
        fetch_rate = args.rounds * len(paths) / (time.perf_counter() - started)

    started = time.perf_counter()
    for _ in range(args.rounds):
        for body, url in bodies.values():
            extract_page(body, url)
    extract_rate = args.rounds * len(paths) / (time.perf_counter() - started)

    right = {"title": 0, "date": 0, "outlet": 0, "clean body": 0}
    articles = []
    with tempfile.TemporaryDirectory() as tmp:
        for path, (body, url) in bodies.items():
            seed = Path(tmp) / (path.strip("/").replace("/", "-") + ".md")
            seed.write_text(page_markdown(body, url), encoding="utf-8")
            article, _ = read_article(seed)
            articles.append(article)
            title, date, precision, outlet = EXPECTED[path]
            right["title"] += article.title == title
            right["date"] += (article.date, article.date_precision) == (date, precision)
            right["outlet"] += article.outlet == outlet
            right["clean body"] += all(line not in article.body for line in BOILERPLATE)

    print(f"pages: {len(paths)} test pages x {args.rounds} rounds, loopback server")
    print(f"fetch + extraction: {fetch_rate:.1f} pages/s")
    print(f"extraction alone:   {extract_rate:.1f} pages/s")
    if not args.no_embed:
        from index.embeddings import Embedder

        embedder = Embedder(EmbeddingSettings())
        embedder.encode_passages(["échauffement du modèle"])
        started = time.perf_counter()
        for _ in range(args.rounds):
            for body, url in bodies.values():
                extract_page(body, url)
            for article in articles:
                embedder.encode_passages([c.text for c in chunk_article(article)])
        rate = args.rounds * len(paths) / (time.perf_counter() - started)
        texts = [c.text for article in articles for c in chunk_article(article)]
        started = time.perf_counter()
        embedder.encode_passages(texts * args.rounds)  # the same chunks in full batches: the model alone
        raw = len(texts) * args.rounds / (time.perf_counter() - started)
        print(f"extraction + embedding: {rate:.1f} pages/s ({len(texts) / len(paths):.1f} chunks a page, "
              f"{embedder.name}); the model alone on the same chunks: {raw:.1f} chunks/s; load avg {os.getloadavg()[0]:.2f}")
    for field, count in right.items():
        print(f"{field} right: {count}/{len(paths)} ({count / len(paths):.0%})")
    real_pages_report(args)
    return 0


def outside_report(folder: Path) -> int:
    """Scores the pages of tests/web_pages/outside/truth.jsonl found in `folder`, each checked against its SHA-256."""
    import hashlib

    from web_site import PAGES_DIR

    records, pages = [], {}
    for record in load_truth(path=PAGES_DIR / "outside" / "truth.jsonl"):
        path = folder / record["file"]
        if not path.exists():
            print(f"  {record['file']}: absent from {folder}")
            continue
        body = path.read_bytes()
        if hashlib.sha256(body).hexdigest() != record["sha256"]:
            print(f"  {record['file']}: not the bytes the truth was written on (SHA-256 differs)")
            continue
        records.append(record)
        pages[record["file"]] = body
    score_sets(records, pages, list(dict.fromkeys(r["set"] for r in records)))
    return 0


def score_sets(records: list[dict], pages: dict[str, bytes], splits: list[str]) -> None:
    """Prints, set by set, how right extraction is on `pages` (file name -> bytes) against their truth `records`."""
    with tempfile.TemporaryDirectory() as tmp:
        def read(record):
            seed = Path(tmp) / record["file"].replace(".html", ".md")
            seed.write_text(page_markdown(pages[record["file"]], record["url"]), encoding="utf-8")
            try:
                article, _ = read_article(seed)
            except Exception:  # no article text: every field is wrong
                return None, None, None, ""
            return article.title, article.date, article.outlet, article.body

        for split in splits:
            if not any(r["set"] == split for r in records):
                print(f"real pages, {split} set: no pages")
                continue
            score = score_pages([r for r in records if r["set"] == split], read)
            n, sentences = score["pages"], score["sentences"]
            print(f"real pages, {split} set ({n} pages): title {score['title']}/{n} ({score['title'] / n:.0%}), "
                  f"date {score['date']}/{n} ({score['date'] / n:.0%}), outlet {score['outlet']}/{n} ({score['outlet'] / n:.0%}), "
                  f"clutter left on {score['clutter_pages']}/{n} ({score['clutter_pages'] / n:.0%}), "
                  f"expected sentences {score['sentences_found']}/{sentences} ({score['sentences_found'] / sentences:.1%})")  # fmt: skip
            for name, wrong in score["misses"]:
                print(f"  {name}: " + "; ".join(f"{k}={v!r}" for k, v in wrong.items())[:400])


def real_pages_report(args) -> None:
    """Scores and speed on the real pages of tests/web_pages."""
    from index.web.add import add_urls
    from web_site import PAGES_DIR, real_pages

    from config.settings import Settings

    records = load_truth()
    pages = {r["file"]: (PAGES_DIR / r["file"]).read_bytes() for r in records}
    score_sets(records, pages, list(SPLITS) if args.split == "all" else [args.split])

    every = real_pages()
    walls, cpus = [], []
    for _ in range(3):  # best of three: the machine is shared
        started, cpu = time.perf_counter(), time.process_time()
        for body in every.values():
            extract_page(body, None)
        walls.append(time.perf_counter() - started)
        cpus.append(time.process_time() - cpu)
    print(f"real pages, extraction alone: {len(every) / min(walls):.1f} pages/s, {len(every) / min(cpus):.1f} pages per CPU second "
          f"({len(every)} pages, {sum(map(len, every.values())) / len(every) / 1000:.0f} kB on average)")  # fmt: skip
    files = {f"/real/{name}": (body, "text/html") for name, body in every.items()}
    for label in ("one process start included", "again, children reused"):
        with Site(files=files) as site, tempfile.TemporaryDirectory() as tmp:
            settings = Settings(_env_file=None, data_dir=Path(tmp) / "data", seeds_dir=Path(tmp) / "seeds",
                                sources=SourcesSettings(allow_private=True, per_host=4))  # fmt: skip
            started = time.perf_counter()
            results = add_urls(settings, [site.url(path) for path in files])
            elapsed = time.perf_counter() - started
        added = sum(r.status == "added" for r in results)
        print(f"real pages, index add (fetch, extract, save; {label}): {len(files) / elapsed:.1f} pages/s, "
              f"{added}/{len(files)} added; load avg {os.getloadavg()[0]:.2f}")  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())
