"""Adding pages and feeds to the seeds dir from a loopback site, and `depeche index add` end to end."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from config.settings import SourcesSettings
from conftest import SEEDS, cli_env, make_settings, run_cli
from index.articles import scan_articles
from index.web.add import add_urls, article_path, canonical_url, update_feeds
from web_site import BOILERPLATE, EXPECTED, Site

PAGES = list(EXPECTED)


@pytest.fixture
def site():
    with Site(slow_seconds=2.5) as running:
        yield running


def settings_for(tmp_path: Path, **sources):
    values = {"allow_private": True, "timeout": 1.0, "retries": 1}
    values.update(sources)
    return make_settings(tmp_path / "data", tmp_path / "seeds", sources=SourcesSettings(**values))


def saved_files(seeds: Path) -> list[Path]:
    return sorted(p for p in seeds.rglob("*") if p.is_file())


def test_canonical_urls_and_their_paths():
    assert canonical_url("HTTPS://WWW.Example.org:443/a/b?utm_source=rss&id=3#top") == "https://www.example.org/a/b?id=3"
    path = article_path(Path("/s"), "https://www.example.org/monde/chine-russie.html")
    assert path.parent == Path("/s/web/example-org")
    assert path.name.startswith("example-org-chine-russie-") and len(path.stem.rsplit("-", 1)[1]) == 8
    # Same slug on two sites, or two URLs on one site: never the same id.
    assert article_path(Path("/s"), "https://a.fr/x/visa").stem != article_path(Path("/s"), "https://b.fr/x/visa").stem
    assert article_path(Path("/s"), "https://a.fr/1/visa").stem != article_path(Path("/s"), "https://a.fr/2/visa").stem


def test_rss_and_atom_feeds_add_every_item(tmp_path, site):
    settings = settings_for(tmp_path)
    results = add_urls(settings, [site.url("/rss.xml"), site.url("/atom.xml")])
    assert [(r.url, r.feed, r.status) for r in results] == [
        (site.url(PAGES[0]), site.url("/rss.xml"), "added"),
        (site.url(PAGES[1]), site.url("/rss.xml"), "added"),
        (site.url(PAGES[2]), site.url("/atom.xml"), "added"),
        (site.url(PAGES[3]), site.url("/atom.xml"), "added"),
    ]
    for result, path in zip(results, PAGES):
        assert (result.title, result.date, result.outlet) == (EXPECTED[path][0], EXPECTED[path][1], EXPECTED[path][3])
        assert result.error is None
        assert set(result.to_dict()) == {"url", "feed", "status", "article_id", "title", "date", "outlet", "error"}
    scan = scan_articles(settings.seeds_dir)
    assert scan.notices == []
    assert sorted(a.id for a in scan.articles) == sorted(r.article_id for r in results)
    for article in scan.articles:
        assert Path(article.path) == article_path(settings.seeds_dir, article.url)
        assert all(line not in article.body for line in BOILERPLATE)


def test_the_same_url_twice_is_saved_once(tmp_path, site):
    settings = settings_for(tmp_path)
    url = site.url(PAGES[0])
    first = add_urls(settings, [url, url])
    assert [r.status for r in first] == ["added", "unchanged"]
    before = {p: p.read_bytes() for p in saved_files(settings.seeds_dir)}
    again = add_urls(settings, [url])
    assert again[0].status == "unchanged" and again[0].article_id == first[0].article_id
    assert {p: p.read_bytes() for p in saved_files(settings.seeds_dir)} == before


def test_a_redirect_lands_on_the_same_article(tmp_path, site):
    settings = settings_for(tmp_path)
    results = add_urls(settings, [site.url(PAGES[1]), site.url("/moved")])
    assert [r.status for r in results] == ["added", "unchanged"]
    assert results[0].article_id == results[1].article_id


def test_the_same_text_under_another_url_is_a_duplicate(tmp_path, site):
    settings = settings_for(tmp_path)
    results = add_urls(settings, [site.url(PAGES[0]), site.url("/copie/transsiberien")])
    assert [r.status for r in results] == ["added", "duplicate"]
    assert results[1].article_id == results[0].article_id  # the article it duplicates
    assert len(saved_files(settings.seeds_dir)) == 1


def test_a_page_whose_text_changed_is_updated_in_place(tmp_path, site):
    settings = settings_for(tmp_path)
    first = add_urls(settings, [site.url("/changing")])[0]
    assert first.status == "added"
    path = article_path(settings.seeds_dir, site.url("/changing"))
    assert "réservations ouvriront finalement mardi" not in path.read_text(encoding="utf-8")
    site.changing_version = 1
    second = add_urls(settings, [site.url("/changing")])[0]
    assert (second.status, second.article_id) == ("updated", first.article_id)
    assert "réservations ouvriront finalement mardi" in path.read_text(encoding="utf-8")
    assert saved_files(settings.seeds_dir) == [path]


def test_failures_are_results_with_reasons_and_write_nothing(tmp_path, site):
    settings = settings_for(tmp_path, max_bytes=1_000_000)
    bad = {
        "/introuvable": "HTTP 404",
        "/rapport.pdf": "PDF document",
        "/loop-a": "Redirect loop",
        "/huge": "over the 1,000,000-byte limit",
        "/prive/secret": "robots.txt",
        "/empty": "no article text found",
        "/slow": "timed out",
    }
    results = add_urls(settings, [site.url(p) for p in bad] + ["file:///etc/passwd", site.url(PAGES[3])])
    for result, (path, reason) in zip(results, bad.items()):
        assert (result.url, result.status) == (site.url(path), "failed")
        assert reason in result.error and result.article_id is None
    assert results[-2].status == "failed" and "not file://" in results[-2].error
    assert results[-1].status == "added"  # the rest is still added
    assert [p.name for p in saved_files(settings.seeds_dir)] == [f"{results[-1].article_id}.md"]  # no temp file left


def test_a_private_address_is_refused_by_default(tmp_path, site):
    settings = settings_for(tmp_path, allow_private=False)
    result = add_urls(settings, [site.url(PAGES[0])])[0]
    assert result.status == "failed" and "private or local address" in result.error
    assert sum(site.hits.values()) == 0 and not settings.seeds_dir.exists()


def test_update_adds_new_feed_items_without_refetching_known_ones(tmp_path, site):
    settings = settings_for(tmp_path)
    settings.sources.feeds = [site.url("/rss.xml")]
    assert [r.status for r in update_feeds(settings)] == ["added", "added"]
    assert site.hits[PAGES[0]] == 1
    again = update_feeds(settings)
    assert [r.status for r in again] == ["unchanged", "unchanged"]
    assert all(r.feed == site.url("/rss.xml") and r.title for r in again)
    assert site.hits[PAGES[0]] == 1 and site.hits["/rss.xml"] == 2  # the feed is read again, its pages are not


@pytest.mark.slow
def test_index_add_then_ask_cites_the_page_with_its_outlet_and_date(tmp_path, site):
    seeds = Path(shutil.copytree(SEEDS, tmp_path / "seeds"))
    env = cli_env(tmp_path / "data", seeds, DEPECHE_SOURCES__ALLOW_PRIVATE="true")
    done = run_cli("index", "add", site.url(PAGES[0]), site.url("/rapport.pdf"), "--json", env=env, timeout=300)
    assert done.returncode == 1, done.stderr  # one URL failed, the other was still added
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert [line.get("status") for line in lines[:2]] == ["added", "failed"]
    added = lines[0]
    assert (added["title"], added["date"], added["outlet"]) == EXPECTED[PAGES[0]][:2] + (EXPECTED[PAGES[0]][3],)
    assert "PDF" in lines[1]["error"]
    assert added["story"] and added["representative"] == added["article_id"]  # a story of its own
    assert lines[1]["story"] is None and lines[1]["representative"] is None
    summary = lines[2]
    assert added["article_id"] in summary["articles"]["added"] and summary["added"] == 6

    again = run_cli("index", "add", site.url(PAGES[0]), "--no-rebuild", env=env)
    assert again.returncode == 0, again.stderr
    assert again.stdout.startswith("unchanged") and "Le Courrier de l'Est, 2026-11-05" in again.stdout

    asked = run_cli("ask", "Combien de jours durera le voyage en train entre Moscou et Pékin ?", "--json", env=env)
    assert asked.returncode == 0, asked.stderr
    answer = json.loads(asked.stdout)
    assert not answer["abstained"] and "six jours" in answer["answer"]
    cited = [s for s in answer["sources"] if s["article_id"] == added["article_id"]]
    assert cited and cited[0]["outlet"] == "Le Courrier de l'Est" and cited[0]["date"] == "2026-11-05"
    assert all(line not in s["passage"] for s in answer["sources"] for line in BOILERPLATE)


def test_the_feeds_setting_reads_a_comma_list_or_json():
    assert SourcesSettings(feeds="https://a.fr/rss, https://b.fr/atom.xml").feeds == ["https://a.fr/rss", "https://b.fr/atom.xml"]
    assert SourcesSettings(feeds='["https://a.fr/rss"]').feeds == ["https://a.fr/rss"]
    assert SourcesSettings().feeds == [] and SourcesSettings().allow_private is False
