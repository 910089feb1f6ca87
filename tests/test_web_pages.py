"""Extraction of real news pages against their truth (tests/web_pages), with floors just under the measured figures.

`benchmarks/web.py` prints the same scores and what each page got wrong. The dev set is what the
rules were written on (the first ten held-out sets joined it once their misses had been read).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from index.articles import read_article
from index.chunking import chunk_article
from index.web.extract import page_markdown
from web_site import HELDOUT, PAGES_DIR, load_truth, loose, score_pages

# Measured at commit time (benchmarks/web.py --no-embed): dev (233 pages: the first 110, held-out-7 to -17 and the licensed
# pages of held-out-20 and -21, which joined dev once measured) 233/233 title, date, outlet, no clutter, 888/890 sentences.
# Held-out-18 to -21 are measured outside the repository (tests/web_pages/outside, `benchmarks/web.py --outside DIR`); the
# last, held-out-21 (17 pages, measured once): 17/17 title, 16/17 date and outlet, clutter on 1/17, 68/68 sentences.
# Floors keep one page (one sentence) of margin under the dev figures: 232/233 = 0.9957, 1/233 = 0.0043, 887/890 = 0.9966.
# Held-out-22 ("no pages") is not tuned on. Its floors are issue 21's targets until it is measured once.
FLOORS = {
    "dev": {"title": 0.994, "date": 0.994, "outlet": 0.994, "clutter": 0.0052, "sentences": 0.9955},
    HELDOUT: {"title": 0.94, "date": 0.94, "outlet": 0.94, "clutter": 0.10, "sentences": 0.97},
}


@pytest.fixture(scope="module")
def seeds(tmp_path_factory) -> dict[str, Path]:
    """Every page with a truth record as the seed file `index add` writes for it, extracted once for the module's
    tests (about 15 s for the 210 pages)."""
    folder = tmp_path_factory.mktemp("pages")
    out = {}
    for record in load_truth():
        seed = out[record["file"]] = folder / record["file"].replace(".html", ".md")
        seed.write_text(page_markdown((PAGES_DIR / record["file"]).read_bytes(), record["url"]), encoding="utf-8")
    return out


def read_page(seeds: dict[str, Path]):
    def read(record):
        article, _ = read_article(seeds[record["file"]])
        return article.title, article.date, article.outlet, article.body

    return read


@pytest.mark.parametrize("split", list(FLOORS))
def test_real_pages_meet_their_floors(seeds, split):
    records = load_truth(split)
    if split != "dev" and not records:
        pytest.skip(f"{split}: no pages yet (its truth is written apart, then measured once)")
    # A held-out set is small (held-out-11 had 7 pages, held-out-12 has 6): under 5, a page would weigh 20 %.
    assert len(records) >= 5
    score = score_pages(records, read_page(seeds))
    n, floors = score["pages"], FLOORS[split]
    got = {
        "title": score["title"] / n,
        "date": score["date"] / n,
        "outlet": score["outlet"] / n,
        "clutter": score["clutter_pages"] / n,
        "sentences": score["sentences_found"] / score["sentences"],
    }
    for field in ("title", "date", "outlet", "sentences"):
        assert got[field] >= floors[field], (field, got[field], score["misses"])
    assert got["clutter"] <= floors["clutter"], (got["clutter"], score["misses"])


def test_the_truth_is_well_formed():
    records = load_truth()
    assert len(records) == len({r["file"] for r in records}) >= 110
    sets = {r["set"] for r in records}
    assert "dev" in sets and sets <= set(FLOORS), sets
    for record in records:
        assert (PAGES_DIR / record["file"]).is_file()
        assert record["title"] and record["outlet"] and record["body"], record["file"]
        assert record["licence"] in ("Apache-2.0", "MIT", "GPL-2.0", "GPL-3.0", "AGPL-3.0")
        assert record["source"].startswith(("https://github.com/", "https://files.pythonhosted.org/"))
        assert all(not loose(record["title"]).startswith(loose(s)) for s in record["body"])


def test_the_truth_of_pages_measured_outside_is_well_formed():
    """tests/web_pages/outside: held-out pages from sources with no licence, measured where they are, never shipped."""
    import re

    records = load_truth(path=PAGES_DIR / "outside" / "truth.jsonl")
    shipped = {r["file"] for r in load_truth()}
    assert records and len(records) == len({r["file"] for r in records})
    for record in records:
        assert record["file"] not in shipped and not (PAGES_DIR / record["file"]).exists(), record["file"]
        assert re.fullmatch(r"heldout\d+", record["set"]) and re.fullmatch(r"[0-9a-f]{64}", record["sha256"])
        # No licence, or one found for pages held out until measured (then shipped with the others).
        assert record["licence"].startswith("none") or record["licence"] in ("MIT", "Apache-2.0", "GPL-2.0", "GPL-3.0", "AGPL-3.0")
        assert record["source"].startswith("https://github.com/")
        assert record["title"] and record["outlet"] and 3 <= len(record["body"]) and 3 <= len(record["clutter"])


def test_no_chunk_of_a_real_page_starts_with_its_title_or_holds_its_clutter(seeds):
    """What the retriever indexes: chunks, not only the body."""
    for record in load_truth("dev"):
        article, _ = read_article(seeds[record["file"]])
        chunks = chunk_article(article)
        assert chunks, record["file"]
        assert not loose(article.body).startswith(loose(article.title)), record["file"]
        for chunk in chunks:
            assert not any(loose(c) in loose(chunk.text) for c in record["clutter"]), (record["file"], chunk.text[:200])
