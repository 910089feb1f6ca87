"""Extraction of the test pages, field by field, and `.html` files dropped into the seeds dir."""

from __future__ import annotations

import pytest

from index.articles import read_article, scan_articles
from index.chunking import chunk_article
from index.web.extract import extract_page, page_markdown
from web_site import BARE_PAGE, BOILERPLATE, EXPECTED, JSONLD_PAGE, OPENGRAPH_PAGE, UNDATED_PAGE

BASE = "http://presse.example.org"
PAGES = {
    "/monde/transsiberien-pekin": JSONLD_PAGE,
    "/international/sommet-tianjin": OPENGRAPH_PAGE,
    "/chine/formalites-voyageurs": BARE_PAGE,
    "/voyage/pass-ferroviaire": UNDATED_PAGE,
}


def html_of(path: str) -> bytes:
    return PAGES[path].format(base=BASE).encode("utf-8")


@pytest.mark.parametrize("path", list(PAGES))
def test_page_metadata_field_by_field(path):
    page = extract_page(html_of(path), BASE + path)
    title, date, precision, outlet = EXPECTED[path]
    assert page.title == title
    assert page.date == date
    assert page.date_precision == precision
    assert page.outlet == outlet
    assert page.url == BASE + path


def test_the_bare_page_names_the_agency_of_its_dateline_not_the_host():
    page = extract_page(html_of("/chine/formalites-voyageurs"), BASE + "/chine/formalites-voyageurs")
    assert page.outlet == "AFP" and page.outlet != "presse.example.org"
    assert page.date == "2026-11-05"  # from "PÉKIN, 5 novembre 2026 (AFP) -": the page has no date metadata


def test_dates_in_the_body_are_never_taken_for_the_publication_date():
    page = extract_page(html_of("/voyage/pass-ferroviaire"), BASE + "/voyage/pass-ferroviaire")
    assert "valable du 15 septembre 2025" in page.text
    assert page.date is None and page.date_precision == "unknown"


def test_logo_lines_are_never_a_title():
    html = JSONLD_PAGE.format(base=BASE).replace('"headline": "Le Transsibérien rouvre sa ligne vers Pékin",', "")
    html = html.replace("<title>Le Transsibérien rouvre sa ligne vers Pékin | Le Courrier de l'Est</title>", "<title>Logo Epoch Times</title>")
    page = extract_page(html.encode(), BASE + "/monde/transsiberien-pekin")
    assert page.title and "Logo" not in page.title


@pytest.mark.parametrize("path", list(PAGES))
def test_no_boilerplate_line_reaches_the_body_or_the_chunks(tmp_path, path):
    seed = tmp_path / "page.md"
    seed.write_text(page_markdown(html_of(path), BASE + path), encoding="utf-8")
    article, _ = read_article(seed)
    assert (article.title, article.date, article.date_precision, article.outlet) == EXPECTED[path]
    assert article.url == BASE + path
    chunks = chunk_article(article, max_words=40)
    assert len(chunks) >= 2
    for line in BOILERPLATE:
        assert line not in article.body, line
        assert all(line not in chunk.text for chunk in chunks), line
    assert not article.body.startswith(article.title)  # the <h1> is the title, not the first paragraph


def test_html_files_in_the_seeds_dir_go_through_the_same_extraction(tmp_path):
    seeds = tmp_path / "seeds"
    (seeds / "sauvegardes").mkdir(parents=True)
    (seeds / "sauvegardes" / "transsiberien.html").write_bytes(html_of("/monde/transsiberien-pekin"))
    (seeds / "formalites.htm").write_bytes(html_of("/chine/formalites-voyageurs"))
    (seeds / "vide.html").write_text("<html><body><nav>Accueil</nav></body></html>", encoding="utf-8")
    result = scan_articles(seeds)
    by_id = {a.id: a for a in result.articles}
    assert set(by_id) == {"transsiberien", "formalites"}
    saved = by_id["transsiberien"]
    assert (saved.title, saved.date, saved.outlet) == ("Le Transsibérien rouvre sa ligne vers Pékin", "2026-11-05", "Le Courrier de l'Est")
    assert saved.url == BASE + "/monde/transsiberien-pekin"  # from the page's canonical link
    # Saved without its address, a bare page has no host to fall back on: the dateline names the outlet.
    assert (by_id["formalites"].outlet, by_id["formalites"].date) == ("AFP", "2026-11-05")
    for article in by_id.values():
        assert all(line not in article.body for line in BOILERPLATE)
    assert [(n.article_id, n.kind) for n in result.notices] == [("vide", "skipped")]
    assert "no article text" in result.notices[0].message


def test_an_html_seed_is_hashed_by_its_bytes_as_rebuilds_expect(tmp_path):
    seed = tmp_path / "a.html"
    seed.write_bytes(html_of("/international/sommet-tianjin"))
    first, _ = read_article(seed)
    again, _ = read_article(seed)
    assert first.content_hash == again.content_hash  # what incremental rebuilds compare
    seed.write_bytes(html_of("/international/sommet-tianjin").replace(b"vingt accords de", b"vingt et un accords de"))
    assert read_article(seed)[0].content_hash != first.content_hash
