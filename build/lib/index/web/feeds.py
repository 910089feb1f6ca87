"""RSS and Atom feeds: telling one from a page, and the article links it lists (feedparser, given bytes)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urljoin

from index.web.fetch import FEED_TYPES, HTML_TYPES, Fetched

__all__ = ["Feed", "is_feed", "parse_feed"]

_FEED_ROOT = re.compile(rb"<(?:rss|feed|rdf:RDF)[\s>]", re.IGNORECASE)


@dataclass(frozen=True)
class Feed:
    """A feed's title and the links of its items, in the feed's order, without repeats."""

    title: str
    links: list[str]


def is_feed(fetched: Fetched) -> bool:
    """Whether the fetched content is an RSS/Atom feed rather than a page, told by its content."""
    if fetched.content_type in HTML_TYPES:
        return False
    head = fetched.body[:2048]
    return fetched.content_type in FEED_TYPES and bool(_FEED_ROOT.search(head)) or bool(
        head.lstrip().startswith((b"<?xml", b"\xef\xbb\xbf<?xml")) and _FEED_ROOT.search(head)
    )


def parse_feed(fetched: Fetched) -> Feed:
    """The items of a feed; relative links are resolved against the feed's URL."""
    import feedparser

    # Bytes, never the URL: feedparser would fetch it itself, past the fetcher's checks.
    parsed = feedparser.parse(
        fetched.body, response_headers={"content-location": fetched.final_url, "content-type": fetched.content_type}
    )
    links: list[str] = []
    for entry in parsed.entries:
        link = entry.get("link") or next((l.get("href") for l in entry.get("links", []) if l.get("href")), None)
        if not link and str(entry.get("id", "")).startswith(("http://", "https://")):
            link = entry["id"]
        if link:
            link = urljoin(fetched.final_url, link.strip())
            if link not in links:
                links.append(link)
    return Feed(title=str(parsed.feed.get("title", "")), links=links)
