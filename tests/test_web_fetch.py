"""The fetcher against a real HTTP server on loopback: politeness, safety, and every way a fetch fails."""

from __future__ import annotations

import threading
import time

import pytest

from config.settings import SourcesSettings
from index.errors import FetchFailed
from index.web.feeds import is_feed, parse_feed
from index.web.fetch import Fetcher
from web_site import Site  # tests/ is on sys.path


def sources(**overrides) -> SourcesSettings:
    """Test settings: loopback allowed, short timeout, one retry."""
    values = {"allow_private": True, "timeout": 1.0, "retries": 1}
    values.update(overrides)
    return SourcesSettings(**values)


@pytest.fixture
def site():
    with Site(slow_seconds=2.5) as running:
        yield running


def test_fetches_a_page_with_an_identifying_user_agent_after_reading_robots(site):
    with Fetcher(sources(user_agent="DepecheTest/1.0 (+https://example.org/depeche)")) as fetcher:
        page = fetcher.fetch(site.url("/monde/transsiberien-pekin"))
    assert page.status == 200 and page.is_html and page.content_type == "text/html"
    assert page.final_url == site.url("/monde/transsiberien-pekin")
    assert "Transsibérien".encode() in page.body
    assert site.hits["/robots.txt"] == 1
    assert set(site.user_agents) == {"DepecheTest/1.0 (+https://example.org/depeche)"}


def test_robots_txt_is_read_once_per_site(site):
    with Fetcher(sources()) as fetcher:
        fetcher.fetch(site.url("/monde/transsiberien-pekin"))
        fetcher.fetch(site.url("/international/sommet-tianjin"))
    assert site.hits["/robots.txt"] == 1


def test_robots_txt_disallowing_a_path_is_obeyed(site):
    with Fetcher(sources()) as fetcher, pytest.raises(FetchFailed, match="robots.txt .* does not allow"):
        fetcher.fetch(site.url("/prive/secret"))
    assert site.hits["/prive/secret"] == 0


def test_missing_robots_txt_allows_and_broken_one_disallows(site):
    site.robots_status = 404
    with Fetcher(sources()) as fetcher:
        assert fetcher.fetch(site.url("/prive/secret")).status == 200
    site.robots_status = 500
    with Fetcher(sources(retries=0)) as fetcher, pytest.raises(FetchFailed, match="robots.txt"):
        fetcher.fetch(site.url("/monde/transsiberien-pekin"))
    assert site.hits["/monde/transsiberien-pekin"] == 0


def test_404_fails_with_the_status(site):
    with Fetcher(sources()) as fetcher, pytest.raises(FetchFailed, match=r"HTTP 404 \(Not Found\)"):
        fetcher.fetch(site.url("/introuvable"))
    assert site.hits["/introuvable"] == 1  # a 404 is not retried


def test_500_then_200_is_retried(site):
    with Fetcher(sources()) as fetcher:
        page = fetcher.fetch(site.url("/flaky"))
    assert page.status == 200 and site.hits["/flaky"] == 2


def test_429_waits_for_retry_after(site):
    started = time.monotonic()
    with Fetcher(sources(retries=2)) as fetcher:
        page = fetcher.fetch(site.url("/busy"))
    assert page.status == 200 and site.hits["/busy"] == 2
    assert time.monotonic() - started >= 1.0  # Retry-After: 1


def test_a_retry_after_too_long_is_reported_not_waited_for(site):
    started = time.monotonic()
    with Fetcher(sources(retries=3)) as fetcher, pytest.raises(FetchFailed, match="HTTP 503 and asks to wait 3600 s"):
        fetcher.fetch(site.url("/always-busy"))
    assert time.monotonic() - started < 5 and site.hits["/always-busy"] == 1


def test_a_slow_page_times_out(site):
    started = time.monotonic()
    with Fetcher(sources(timeout=0.5, retries=1)) as fetcher, pytest.raises(FetchFailed, match="timed out after 2 attempt"):
        fetcher.fetch(site.url("/slow"))
    assert time.monotonic() - started < 2.5  # two 0.5 s timeouts and a 1 s backoff, not the 2.5 s page


def test_a_pdf_is_refused_with_a_reason(site):
    with Fetcher(sources()) as fetcher, pytest.raises(FetchFailed, match="is a PDF document, not an HTML page or a feed"):
        fetcher.fetch(site.url("/rapport.pdf"))


def test_a_redirect_is_followed_and_a_loop_reported(site):
    with Fetcher(sources()) as fetcher:
        assert fetcher.fetch(site.url("/moved")).final_url == site.url("/international/sommet-tianjin")
        with pytest.raises(FetchFailed, match="Redirect loop: .*/loop-a → .*/loop-b → .*/loop-a"):
            fetcher.fetch(site.url("/loop-a"))


@pytest.mark.parametrize("path", ["/huge", "/huge-chunked"])
def test_an_oversized_page_is_refused(site, path):
    with Fetcher(sources(max_bytes=1_000_000)) as fetcher, pytest.raises(FetchFailed, match="over the 1,000,000-byte limit"):
        fetcher.fetch(site.url(path))


def test_file_urls_and_other_schemes_are_refused(tmp_path):
    secret = tmp_path / "secret.html"
    secret.write_text("<html><body>secret</body></html>")
    with Fetcher(sources()) as fetcher:
        with pytest.raises(FetchFailed, match=r"Only http:// and https:// URLs can be fetched, not file://"):
            fetcher.fetch(secret.as_uri())
        with pytest.raises(FetchFailed, match="not ftp://"):
            fetcher.fetch("ftp://127.0.0.1/x")
        with pytest.raises(FetchFailed, match="user name or password") as refused:
            fetcher.fetch("http://editor:hunter2@127.0.0.1/x")
        assert "hunter2" not in str(refused.value)


def test_private_addresses_are_refused_unless_allowed(site):
    with Fetcher(sources(allow_private=False)) as fetcher:
        with pytest.raises(FetchFailed, match=r"private or local address \(127\.0\.0\.1\).*sources.allow_private"):
            fetcher.fetch(site.url("/monde/transsiberien-pekin"))
        with pytest.raises(FetchFailed, match=r"private or local address \(::1\)"):
            fetcher.fetch("http://[::1]:9/")
        with pytest.raises(FetchFailed, match=r"private or local address \(169\.254\.169\.254\)"):
            fetcher.fetch("http://169.254.169.254/latest/meta-data/")
        with pytest.raises(FetchFailed, match=r"private or local address \(10\.1\.2\.3\)"):
            fetcher.fetch("http://10.1.2.3/")
    assert sum(site.hits.values()) == 0  # refused before connecting, robots.txt included


def test_every_redirect_hop_is_checked(site):
    with Fetcher(sources()) as fetcher, pytest.raises(FetchFailed, match="not file://"):
        fetcher.fetch(site.url("/to-file"))


def test_per_host_cap_limits_requests_in_flight(site):
    with Fetcher(sources(per_host=2)) as fetcher:
        fetcher.fetch(site.url("/voyage/pass-ferroviaire"))  # robots.txt read before the burst
        threads = [threading.Thread(target=fetcher.fetch, args=(site.url(f"/held/{i}"),)) for i in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
    assert sum(site.hits[f"/held/{i}"] for i in range(6)) == 6
    assert site.max_in_flight == 2  # reached, never passed


def test_feeds_are_told_from_pages_and_parsed_from_bytes(site):
    with Fetcher(sources()) as fetcher:
        rss = fetcher.fetch(site.url("/rss.xml"))
        atom = fetcher.fetch(site.url("/atom.xml"))
        page = fetcher.fetch(site.url("/monde/transsiberien-pekin"))
    assert is_feed(rss) and is_feed(atom) and not is_feed(page)
    assert parse_feed(rss).links == [site.url("/monde/transsiberien-pekin"), site.url("/international/sommet-tianjin")]
    atom_feed = parse_feed(atom)
    assert atom_feed.title == "La Gazette du Monde"
    # The second entry's link is relative: resolved against the feed's URL.
    assert atom_feed.links == [site.url("/chine/formalites-voyageurs"), site.url("/voyage/pass-ferroviaire")]
