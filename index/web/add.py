"""Adding web pages and feed items to the seeds dir as front-matter Markdown files.

The seeds dir stays the single source of truth: a page becomes
`<seeds_dir>/web/<site>/<site>-<slug>-<8 hex of the canonical URL's hash>.md`, so its article id is
stable for its URL, and `index rebuild` needs nothing new. Files appear whole (written under a dot
name the scanner ignores, then renamed). The same canonical URL is never saved twice; the same text
under another URL is reported as a duplicate and not saved.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import unicodedata
from collections.abc import Iterable
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Literal
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from config.settings import Settings
from index.articles import _body_key, read_article, scan_articles
from index.errors import ArticleUnreadable, FetchFailed
from index.web.extract import MIN_ARTICLE_WORDS, Page, render_markdown
from index.web.feeds import is_feed, parse_feed
from index.web.fetch import Fetched, Fetcher
from index.web.isolate import EXTRACT_TIMEOUT, ExtractionFailed, PageExtractor

__all__ = ["AddResult", "add_urls", "article_path", "canonical_url", "update_feeds"]

logger = logging.getLogger(__name__)

Status = Literal["added", "updated", "unchanged", "duplicate", "failed"]
WEB_DIR = "web"
FETCH_WORKERS = 4  # pages fetched at once; `sources.per_host` still caps each host
# Extraction child processes at once, one page at a time each: the two cores of the machines the
# bot runs on (each child costs about 80 MB; extraction was 4 threads in one process until issue 21).
EXTRACT_WORKERS = 2
MAX_SLUG_CHARS = 60
# Query parameters that only track the reader: dropped so one article keeps one URL.
_TRACKING = re.compile(r"^(?:utm_\w+|fbclid|gclid|mc_cid|mc_eid|xtor|at_\w+)$", re.IGNORECASE)


@dataclass
class AddResult:
    """What happened to one page or feed item; `to_dict()` is the `--json` line."""

    url: str
    feed: str | None = None
    status: Status = "failed"
    article_id: str | None = None
    title: str | None = None
    date: str | None = None
    outlet: str | None = None
    error: str | None = None

    def to_dict(self) -> dict:
        """One JSON Lines object."""
        return asdict(self)


def add_urls(
    settings: Settings,
    urls: Iterable[str],
    *,
    fetcher: Fetcher | None = None,
    refetch_known: bool = True,
    extract_timeout: float = EXTRACT_TIMEOUT,
    timezone: str | None = None,
) -> list[AddResult]:
    """Fetch each URL (an article page, or a feed whose items are all added) into the seeds dir.

    `refetch_known=False` skips feed items that already have a file (what polling wants). Returns
    one result per page or feed item, in input order; failures are results, never exceptions. Each
    page is saved as soon as it is extracted, in a child process, within `extract_timeout` seconds.
    `timezone` (default: the `timezone` setting) gives the day of a UTC time stamp when the page's
    domain does not tell its zone.
    """
    own = fetcher is None
    fetcher = fetcher or Fetcher(settings.sources)
    try:
        return _Adder(settings, fetcher, refetch_known, extract_timeout, timezone or settings.timezone).run(list(urls))
    finally:
        if own:
            fetcher.close()


def update_feeds(settings: Settings, *, fetcher: Fetcher | None = None) -> list[AddResult]:
    """Fetch every feed of `sources.feeds` and add the items not seen before."""
    return add_urls(settings, settings.sources.feeds, fetcher=fetcher, refetch_known=False)


def canonical_url(url: str) -> str:
    """The URL an article is known by: lower-case scheme and host, no fragment, no tracking parameters."""
    parts = urlsplit(url.strip())
    netloc = (parts.hostname or "").lower()
    if parts.port and parts.port != {"http": 80, "https": 443}.get(parts.scheme.lower()):
        netloc += f":{parts.port}"
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _TRACKING.match(k)])
    return urlunsplit((parts.scheme.lower(), netloc, parts.path or "/", query, ""))


def article_path(seeds_dir: Path, canonical: str) -> Path:
    """Where the article of a canonical URL lives: its stem is the article id, unique across sites."""
    parts = urlsplit(canonical)
    host = parts.netloc.removeprefix("www.")
    site = _slug(host) or "site"
    segments = [s for s in parts.path.split("/") if s]
    slug = _slug(re.sub(r"\.[a-z0-9]{2,5}$", "", segments[-1], flags=re.IGNORECASE)) if segments else ""
    digest = hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:8]
    return Path(seeds_dir) / WEB_DIR / site / f"{site}-{slug or 'article'}-{digest}.md"


def _slug(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    return re.sub(r"[^a-z0-9]+", "-", folded).strip("-")[:MAX_SLUG_CHARS].rstrip("-")


@dataclass(frozen=True)
class _Item:
    url: str
    feed: str | None


class _Adder:
    def __init__(self, settings: Settings, fetcher: Fetcher, refetch_known: bool, timeout: float, timezone: str) -> None:
        self.settings = settings
        self.timeout = timeout
        self.timezone = timezone
        self.seeds_dir = Path(settings.seeds_dir)
        self.fetcher = fetcher
        self.refetch_known = refetch_known
        self._bodies: dict[str, str] | None = None  # body key -> article id, read on first need

    def run(self, urls: list[str]) -> list[AddResult]:
        # Fetch threads only fetch. Each page is extracted in a child process (EXTRACT_WORKERS
        # children, one page at a time each: no lxml parser is ever shared between threads) and
        # saved by this thread, in input order, as soon as its extraction is back: a crash or a kill
        # loses at most the pages in hand.
        results: list[AddResult] = []
        local = threading.local()
        extractors: list[PageExtractor] = []
        guard = threading.Lock()

        def extract(fetch: Future) -> tuple[Fetched | str, Page | str | None]:
            """In an extraction thread: the fetched bytes and their page, or why there is none."""
            if getattr(local, "extractor", None) is None:
                local.extractor = PageExtractor(timeout=self.timeout, timezone=self.timezone)
                with guard:
                    extractors.append(local.extractor)
                local.extractor.start()  # while the first page is still being fetched
            fetched = fetch.result()
            if isinstance(fetched, str) or is_feed(fetched):
                return fetched, None
            try:
                return fetched, local.extractor.extract(fetched.body, fetched.final_url)
            except ExtractionFailed as exc:
                return fetched, str(exc)
            except Exception as exc:  # a failure of ours on one page is that page's, not the batch's
                logger.warning("extracting %s failed", _without_userinfo(fetched.url), exc_info=True)
                return fetched, f"the page could not be extracted ({type(exc).__name__}: {exc})"

        fetchers = ThreadPoolExecutor(max_workers=FETCH_WORKERS)
        extraction = ThreadPoolExecutor(max_workers=EXTRACT_WORKERS)
        try:
            firsts = [extraction.submit(extract, fetchers.submit(self._fetch, url)) for url in urls]
            for url, first in zip(urls, firsts):
                fetched, page = first.result()
                if isinstance(fetched, str):
                    self._record(results, AddResult(url=url, status="failed", error=fetched))
                    continue
                if page is not None:
                    self._record(results, self._add_page(_Item(url, None), fetched, page))
                    continue
                links = self._feed_links(url, fetched)
                if isinstance(links, str):
                    self._record(results, AddResult(url=url, status="failed", error=links))
                    continue
                items: list[tuple[_Item, object]] = []
                for link in links:
                    item = _Item(link, url)
                    if not self.refetch_known and (known := self._known(link)) is not None:
                        known.feed = url
                        items.append((item, known))
                    else:
                        items.append((item, extraction.submit(extract, fetchers.submit(self._fetch, link))))
                for item, outcome in items:
                    if isinstance(outcome, AddResult):
                        self._record(results, outcome)
                        continue
                    fetched, page = outcome.result()
                    if isinstance(fetched, str):
                        result = AddResult(url=item.url, feed=item.feed, status="failed", error=fetched)
                    elif page is None:
                        error = f"{item.url} is a feed, listed as an item of another feed; add it on its own."
                        result = AddResult(url=item.url, feed=item.feed, status="failed", error=error)
                    else:
                        result = self._add_page(item, fetched, page)
                    self._record(results, result)
        finally:
            extraction.shutdown(wait=True, cancel_futures=True)
            fetchers.shutdown(wait=True, cancel_futures=True)
            for extractor in extractors:
                extractor.close()
        return results

    @staticmethod
    def _record(results: list[AddResult], result: AddResult) -> None:
        results.append(result)
        logger.info("%s %s%s", result.status, _without_userinfo(result.url), f": {result.error}" if result.error else "")

    # --- in worker threads: the network only -------------------------------------------------

    def _fetch(self, url: str) -> Fetched | str:
        """The fetched page or feed, or the reason it could not be fetched."""
        try:
            return self.fetcher.fetch(url)
        except FetchFailed as exc:
            return str(exc)
        except Exception as exc:  # an unexpected failure is this URL's, not the batch's
            logger.warning("fetching %s failed", _without_userinfo(url), exc_info=True)
            return f"{url} could not be fetched ({type(exc).__name__}: {exc})."

    # --- in the calling thread, one page at a time, in input order ----------------------------

    def _feed_links(self, url: str, fetched: Fetched) -> list[str] | str:
        try:
            feed = parse_feed(fetched)
        except Exception as exc:
            logger.warning("reading the feed %s failed", _without_userinfo(url), exc_info=True)
            return f"{url} could not be read as a feed ({type(exc).__name__}: {exc})."
        if not feed.links:
            return f"{url} is a feed with no items."
        logger.info("feed %s: %d items", _without_userinfo(url), len(feed.links))
        return feed.links

    def _add_page(self, item: _Item, fetched: Fetched, page: Page | str) -> AddResult:
        if isinstance(page, str):
            logger.warning("extracting %s failed: %s", _without_userinfo(item.url), page)
            return AddResult(url=item.url, feed=item.feed, status="failed", error=f"{item.url}: {page}.")
        canonical = fetched.final_url
        # A page may name its canonical URL, but only on its own site: another site's address
        # would let it overwrite that site's article.
        if page.url and _same_site(page.url, fetched.final_url):
            canonical = page.url
        return self._settle(item, replace(page, url=canonical_url(canonical)))

    def _settle(self, item: _Item, page: Page) -> AddResult:
        result = AddResult(url=item.url, feed=item.feed)
        if len(page.text.split()) < MIN_ARTICLE_WORDS:
            result.error = f"{item.url}: no article text found on the page (is it a home page or a list?)."
            return result
        path = article_path(self.seeds_dir, page.url)
        data = render_markdown(page).encode("utf-8")
        if path.exists() and path.read_bytes() == data:
            return self._described(result, path, "unchanged")
        path.parent.mkdir(parents=True, exist_ok=True)
        temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")  # a dot name: the scanner skips it
        try:
            with open(temp, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            try:
                article, _ = read_article(temp)
            except ArticleUnreadable:
                result.error = f"{item.url}: no article text is left once boilerplate is removed."
                return result
            key = _body_key(article.body)
            bodies = self._known_bodies()
            other = bodies.get(key)
            if other is not None and other != path.stem:
                result.status, result.article_id = "duplicate", other
                result.title, result.date, result.outlet = article.title, article.date, article.outlet
                result.error = None
                return result
            status: Status = "updated" if path.exists() else "added"
            os.replace(temp, path)
            bodies[key] = path.stem
            return self._described(result, path, status, article)
        finally:
            temp.unlink(missing_ok=True)

    def _described(self, result: AddResult, path: Path, status: Status, article=None) -> AddResult:
        if article is None:
            article, _ = read_article(path)
        result.status, result.article_id = status, path.stem
        result.title, result.date, result.outlet = article.title, article.date, article.outlet
        return result

    def _known(self, link: str) -> AddResult | None:
        """The result for a feed item whose page is already saved, without fetching it again."""
        path = article_path(self.seeds_dir, canonical_url(link))
        if not path.is_file():
            return None
        try:
            return self._described(AddResult(url=link), path, "unchanged")
        except ArticleUnreadable:
            return None

    def _known_bodies(self) -> dict[str, str]:
        if self._bodies is None:
            self._bodies = {}
            if self.seeds_dir.is_dir():
                for article in scan_articles(self.seeds_dir).articles:
                    self._bodies[_body_key(article.body)] = article.id
        return self._bodies


def _same_site(a: str, b: str) -> bool:
    host = lambda url: (urlsplit(url).hostname or "").lower().removeprefix("www.")  # noqa: E731
    return host(a) == host(b) and urlsplit(a).scheme in ("http", "https")


def _without_userinfo(url: str) -> str:
    """The URL for a log line: a `user:password@` in it is a secret."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return urlunsplit((parts.scheme, "<credentials>@" + parts.netloc.rsplit("@", 1)[1], parts.path, parts.query, ""))
