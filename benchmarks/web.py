"""Articles from the web: pages per second (fetch + extraction, extraction alone, extraction + embedding)
from the tests' loopback site, and the share of its pages whose title, date and outlet come out right.

    .venv/bin/python benchmarks/web.py [--rounds N] [--no-embed]

Prints figures, asserts nothing. The pages are the four test pages of tests/web_site.py (JSON-LD,
OpenGraph, bare HTML with a dateline, undated), each a few hundred words; real pages are larger.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "tests")]

from config.settings import EmbeddingSettings, SourcesSettings  # noqa: E402
from index.articles import read_article  # noqa: E402
from index.chunking import chunk_article  # noqa: E402
from index.web.extract import extract_page, page_markdown  # noqa: E402
from index.web.fetch import Fetcher  # noqa: E402
from web_site import BOILERPLATE, EXPECTED, Site  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=25, help="passes over the pages")
    parser.add_argument("--no-embed", action="store_true", help="skip extraction + embedding (no model load)")
    args = parser.parse_args()
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
    return 0


if __name__ == "__main__":
    sys.exit(main())
