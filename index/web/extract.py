"""An article out of an HTML page: main text (trafilatura), title, publication date, outlet, canonical URL.

Metadata the page states wins over guesses: JSON-LD `NewsArticle`, then OpenGraph / `article:*`
meta tags, then trafilatura and htmldate (never the body's own dates: `extensive_search` is off, as
it took "valable du 15 septembre 2025" for a publication date in a trial), then an agency dateline
("PÉKIN, 5 novembre 2026 (AFP) -"), a logo line, a photo credit and last the host name. A date is
never invented: a page that states none stays undated.
"""

from __future__ import annotations

import copy
import json
import logging
import re
import threading
from dataclasses import dataclass
from urllib.parse import urlsplit

from index import boilerplate
from index.models import DatePrecision

__all__ = ["MIN_ARTICLE_WORDS", "Page", "extract_page", "page_markdown", "render_markdown"]

logger = logging.getLogger(__name__)

_ARTICLE_TYPES = {"newsarticle", "article", "reportagenewsarticle", "analysisnewsarticle", "blogposting",
                  "opinionnewsarticle", "backgroundnewsarticle", "report", "webpage"}  # fmt: skip
_ISO_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})")
# Below this, what trafilatura found is a menu or a cookie notice, not an article (the shortest
# wire dispatches run to about 50 words).
MIN_ARTICLE_WORDS = 30
_DATELINE_PARAGRAPHS = 3  # a dateline opens the article: only the first paragraphs are looked at
# trafilatura and htmldate parse with one lxml HTMLParser each, shared at module level, and lxml
# parsers are not thread-safe (issue 21: heap corruption, exit 134/139): one page at a time per process.
_PARSING = threading.Lock()


@dataclass(frozen=True)
class Page:
    """What extraction found; `text` has one paragraph per line, without the title."""

    title: str | None
    text: str
    date: str | None
    date_precision: DatePrecision
    outlet: str | None
    url: str | None  # canonical when the page says so, else the URL it was fetched from


def extract_page(html: str | bytes, url: str | None = None) -> Page:
    """Extract the article of one page; `text` is empty when the page holds none.

    Thread-safe by a process-wide lock; `index.web.isolate.PageExtractor` also bounds its time.
    """
    with _PARSING:
        return _extract(html, url)


def _extract(html: str | bytes, url: str | None) -> Page:
    import trafilatura
    from htmldate import find_date
    from trafilatura.utils import load_html

    tree = load_html(html)
    if tree is None:
        return Page(None, "", None, "unknown", None, url)
    ld = _json_ld(tree)
    meta = _meta_tags(tree)
    doc = trafilatura.bare_extraction(
        copy.deepcopy(tree),
        url=url,
        with_metadata=True,
        include_comments=False,
        include_tables=False,
        date_extraction_params={"extensive_search": False, "original_date": True},
    )
    raw_lines = [line.strip() for line in ((doc.text if doc else "") or "").split("\n")]
    lines = [line for line in raw_lines if line]

    title = next(
        (t for t in (ld.get("headline"), meta.get("og:title"), doc.title if doc else None) if t and not boilerplate.is_logo(t)),
        None,
    )
    title = " ".join(title.split()) if title else None
    if lines and title and lines[0].casefold() == title.casefold():
        lines = lines[1:]  # trafilatura repeats the <h1>; the title is kept apart

    date = _day(ld.get("datePublished")) or _day(meta.get("article:published_time"))
    if date is None:
        found = find_date(copy.deepcopy(tree), extensive_search=False, original_date=True, url=url)
        date = _day(found)
    dated = next((d for d in (boilerplate.dateline(line) for line in lines[:_DATELINE_PARAGRAPHS]) if d), None)
    if date is None and dated:
        year, month, day = dated[1]
        date = f"{year:04d}-{month:02d}-{day:02d}"

    host = urlsplit(url).hostname if url else None
    sitename = doc.sitename if doc and doc.sitename and not _is_host(doc.sitename, url) else None
    credit = next((v.credit for v in map(boilerplate.classify, lines) if v and v.credit), None)
    outlet = (
        _publisher(ld) or meta.get("og:site_name") or sitename or (dated[0] if dated else None)
        or _logo(tree) or credit or (_bare_host(host) if host else None)
    )  # fmt: skip
    canonical = _canonical(tree) or meta.get("og:url") or url
    return Page(
        title=title,
        text="\n".join(lines),
        date=date,
        date_precision="day" if date else "unknown",
        outlet=" ".join(outlet.split()) if outlet else None,
        url=canonical,
    )


def render_markdown(page: Page) -> str:
    """The page as a front-matter Markdown file, the form every seed file can take."""
    fields = {"title": page.title, "date": page.date, "source": page.outlet, "url": page.url}
    head = ["---"] + [f"{key}: {' '.join(str(value).split())}" for key, value in fields.items() if value] + ["---", ""]
    body = []
    if page.title:
        body += [f"# {' '.join(page.title.split())}", ""]
    for line in page.text.split("\n"):
        if line.strip():
            body += [line.strip(), ""]
    return "\n".join(head + body)


def page_markdown(html: str | bytes, url: str | None = None) -> str:
    """An HTML page as front-matter Markdown; empty when no article text can be extracted."""
    page = extract_page(html, url)
    return render_markdown(page) if len(page.text.split()) >= MIN_ARTICLE_WORDS else ""


# --- metadata ---------------------------------------------------------------------------------


def _json_ld(tree) -> dict:
    """The first article-like JSON-LD object of the page (inside an @graph or a list too)."""
    for script in tree.xpath('//script[@type="application/ld+json"]'):
        try:
            data = json.loads(script.text or "")
        except (json.JSONDecodeError, TypeError):
            continue
        stack = [data]
        while stack:
            item = stack.pop(0)
            if isinstance(item, list):
                stack.extend(item)
            elif isinstance(item, dict):
                kinds = item.get("@type", [])
                kinds = [kinds] if isinstance(kinds, str) else kinds
                if any(str(k).lower() in _ARTICLE_TYPES for k in kinds) and (item.get("headline") or item.get("datePublished")):
                    return item
                stack.extend(item.get("@graph", []))
    return {}


def _publisher(ld: dict) -> str | None:
    publisher = ld.get("publisher")
    if isinstance(publisher, list):
        publisher = publisher[0] if publisher else None
    if isinstance(publisher, dict):
        name = publisher.get("name")
        return name if isinstance(name, str) and name.strip() else None
    return publisher if isinstance(publisher, str) and publisher.strip() else None


def _meta_tags(tree) -> dict[str, str]:
    found: dict[str, str] = {}
    for el in tree.xpath("//meta[@property or @name]"):
        key = (el.get("property") or el.get("name") or "").strip().lower()
        value = (el.get("content") or "").strip()
        if key and value and key not in found:
            found[key] = value
    return found


def _canonical(tree) -> str | None:
    for el in tree.xpath('//link[@rel="canonical"][@href]'):
        href = el.get("href", "").strip()
        if href.startswith(("http://", "https://")):
            return href
    return None


def _logo(tree) -> str | None:
    """The outlet a logo names: a text line or an image's alt text such as "Logo Epoch Times"."""
    for text in tree.xpath("//body//text()[normalize-space()] | //body//img/@alt"):
        text = " ".join(str(text).split())
        if len(text) < 80 and (name := boilerplate.is_logo(text)):
            return name
    return None


def _day(value: object) -> str | None:
    m = _ISO_DAY.match(str(value).strip()) if value else None
    return f"{m.group(1)}-{m.group(2)}-{m.group(3)}" if m else None


def _is_host(name: str, url: str | None) -> bool:
    """trafilatura falls back to the host name ("127.0.0.1:8000", "www.site.fr") as the site name."""
    name = name.strip().lower()
    host = (urlsplit(url).netloc.lower() if url else "")
    return bool(re.fullmatch(r"[\w.-]+(?::\d+)?", name)) and ("." in name) or (host and name in host)


def _bare_host(host: str) -> str:
    return host[4:] if host.startswith("www.") else host
