"""A page's title, publication day and outlet, from what the page states (issue 21).

Title: the metadata headline (JSON-LD, `og:title`, `<title>`) without the site name, section or date
pages append to it ("… | Environnement | DW | 23.05.2011"), entities decoded; the page's visible
headline (`<h1>`) wins when the metadata one is a cut-down or decorated form of it. A heading that
shares nothing with the metadata (a sidebar's) is never the title.

Outlet: `og:site_name` (unless it is only a host name), then the site name ending `<title>`, then
the JSON-LD publisher, then the caller's fallbacks (agency dateline, logo, credit, host) — never an
author's name.

Date: JSON-LD, meta tags and microdata `datePublished`, then a `<time>` outside comments and related
blocks, then a visible « Publié le / Mise en ligne … » date, then the full day a `<time>` without
`datetime` shows around the headline, then the byline's update date when it is the only one shown
there (« Mise à jour : samedi 17 mars 2012 »), then htmldate on the page without its comment and
related blocks. A date-time in UTC is converted to the outlet's zone (told by the
country domain, else the caller's `timezone`) before the day is taken; one with its own offset is
already the outlet's local time.
"""

from __future__ import annotations

import html
import re
from functools import lru_cache
from datetime import date, datetime, timezone as _utc_zone
from urllib.parse import urlsplit

from index.text import MONTH_NUMBERS, fold

__all__ = [
    "DEFAULT_TIMEZONE", "clean_title", "is_section", "page_date", "page_outlet", "page_title", "site_names", "spelled_outlet",
    "title_date", "title_suffix",
]

DEFAULT_TIMEZONE = "Europe/Paris"
# Country domains whose outlets keep one time zone: the local day of a UTC time stamp.
TLD_ZONES = {
    "fr": "Europe/Paris", "be": "Europe/Brussels", "ch": "Europe/Zurich", "lu": "Europe/Luxembourg",
    "mc": "Europe/Monaco", "ca": "America/Toronto", "qc": "America/Toronto", "tn": "Africa/Tunis",
    "ma": "Africa/Casablanca", "dz": "Africa/Algiers", "sn": "Africa/Dakar", "ci": "Africa/Abidjan",
    "tg": "Africa/Lome", "gn": "Africa/Conakry", "cm": "Africa/Douala", "cd": "Africa/Kinshasa",
    "bj": "Africa/Porto-Novo", "bf": "Africa/Ouagadougou", "ml": "Africa/Bamako", "ne": "Africa/Niamey",
    "ga": "Africa/Libreville", "mg": "Indian/Antananarivo", "ht": "America/Port-au-Prince",
    "cz": "Europe/Prague", "de": "Europe/Berlin", "at": "Europe/Vienna", "it": "Europe/Rome",
    "es": "Europe/Madrid", "uk": "Europe/London", "re": "Indian/Reunion",
}  # fmt: skip

# " | ", " - ", " – ", " — ", " · ", " :: " between a headline and what sites append to it.
_SEPARATOR = re.compile(r"\s+(?:\||-|–|—|·|•|::|/)\s+|\s*\|\s*")
_DATE_SEGMENT = re.compile(r"^(?:\d{1,2}[./-]\d{1,2}[./-]\d{2,4}|\d{4}-\d{2}-\d{2})$")
_HOSTLIKE = re.compile(r"^(?:https?://)?(?:www\.)?[\w-]+(?:\.[\w-]+)+/?$", re.IGNORECASE)
_TRUNCATED = re.compile(r"(?:…|\.\.\.|\b(?:du|de|des|la|le|les|et|à|au|aux|en|d|l|un|une|pour|sur|par))\s*$", re.IGNORECASE)
# Containers whose dates are not the article's: reader comments, related and teaser blocks. Told by
# one class or id token ("comments", "article-related", "sidebar-right"); layout state classes on a
# wrapper ("no-sidebars", "one-sidebar-second") are not asides.
_ASIDE_TOKEN = re.compile(
    r"(?:(?!(?:no|one|two|has|with|zen|without|content)[-_])[a-z0-9]+[-_])?(?:comments?|commentaires?|reactions?|réactions?|related|similar"
    r"|teasers?|sidebar|aside|widgets?|recommend\w*|outbrain|taboola|popular|most-?read|plus-lus|a-lire|read-?more|more-from"
    r"|newsletter|cookies?|consent)(?:[-_][a-z0-9]+)*",
    re.IGNORECASE,
)


def _is_aside(el) -> bool:
    if el.tag in ("aside", "footer"):
        return True
    if el.tag in ("html", "body"):
        return False
    names = f"{el.get('class', '')} {el.get('id', '')}"
    # A camel-case name is read as its words: "relatedContent" as "related-Content".
    return any(_ASIDE_TOKEN.fullmatch(_CAMEL.sub("-", token)) for token in names.split())


_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


_MONTHS = "|".join(sorted(MONTH_NUMBERS, key=len, reverse=True))
_DAY_MONTH_YEAR = rf"(?P<d>\d{{1,2}})(?:er)?\s+(?P<m>{_MONTHS}),?\s+(?P<y>\d{{4}})"  # « 29 octobre, 2018 » too
_NUMERIC = r"(?P<d2>\d{1,2})[./](?P<m2>\d{1,2})[./](?P<y2>\d{4})|(?P<y3>\d{4})-(?P<m3>\d{2})-(?P<d3>\d{2})"
# "Publié le 5 mars 2024", "Mise en ligne 23 mai 2019", "Publication : 05/03/2024", "Published 5 March".
_VISIBLE_DATE = re.compile(
    rf"\b(?:publi[ée]e?|mise? en ligne|publication|posted|published)\s*(?:le|on|:)?\s*[:,]?\s*"
    rf"(?:(?:lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche)\s+)?(?:{_DAY_MONTH_YEAR}|{_NUMERIC})",
    re.IGNORECASE,
)


_SHOWN_DATE = re.compile(rf"\b(?:{_DAY_MONTH_YEAR}|{_NUMERIC})\b", re.IGNORECASE)


def _text(value: object) -> str:
    return " ".join(html.unescape(str(value)).replace("\xa0", " ").split()) if value else ""


@lru_cache(maxsize=4096)  # titles, site names and headings are compared again and again on a page
def _key(text: str) -> str:
    """Letters and digits only, folded: "Le Monde.fr" → "lemondefr"."""
    text = html.unescape(text) if text and "&" in text else (text or "")
    return _NON_ALNUM.sub("", text.lower() if text.isascii() else fold(text))  # folding is the slow part: ASCII needs none


_NON_ALNUM = re.compile(r"[^a-z0-9]")


def _host_labels(host: str | None) -> list[str]:
    if not host:
        return []
    labels = [label for label in host.lower().split(".") if label not in ("www", "m", "amp")]
    return [_key(label) for label in labels[:-1] if len(label) >= 2] if len(labels) > 1 else [_key(labels[0])]


def site_names(meta: dict, ld: dict, host: str | None) -> list[str]:
    """Names a site goes by: `og:site_name`, its JSON-LD publisher, its host name."""
    names = [meta.get("og:site_name"), _publisher(ld), meta.get("application-name"), meta.get("twitter:site", "").lstrip("@").strip("_")]
    return [n for n in (_text(n) for n in names) if n]


def _is_site(segment: str, names: list[str], host: str | None) -> bool:
    key = _key(segment)
    if not key:
        return False
    if _HOSTLIKE.match(segment.strip()):
        return True
    for name in names:
        other = _key(name)
        if other and (key == other or (len(key) >= 3 and (key in other or other in key))):
            return True
    return _names_host(segment, host)


def clean_title(title: str | None, names: list[str], host: str | None) -> str | None:
    """A headline without the site name, section and date appended to it; entities decoded."""
    title = _text(_text(title))  # twice: "&amp;nbsp;" left raw by a site is still a space
    if not title:
        return None
    parts = _SEPARATOR.split(title)
    if len(parts) == 1:
        return title
    if len(parts) == 2 and _is_site(parts[0], names, host) and not _is_site(parts[1], names, host):
        return parts[1].strip()  # "Le Nouvelliste | L'Etat a payé…": the site first
    # The last segment naming the site (or a date) ends the headline; short segments between the
    # headline and it are sections ("Environnement", "Avocat", "Suisse").
    cut = None
    for i in range(len(parts) - 1, 0, -1):
        if _is_site(parts[i], names, host) or _DATE_SEGMENT.match(parts[i].strip()):
            cut = i
    if cut is None:
        return title
    while cut > 1 and len(parts[cut - 1].split()) <= 3 and len(parts[cut - 1].split()) < len(parts[0].split()):
        cut -= 1
    # Keep the text up to the separator before segment `cut`, with the page's own separators.
    separators = list(_SEPARATOR.finditer(title))
    return title[: separators[cut - 1].start()].strip() or title


def title_suffix(title: str | None, host: str | None) -> str | None:
    """The site name a `<title>` ends with after a separator ("… | Dalloz Actualité") or starts with, when it names the host."""
    title = _text(title)
    if not title:
        return None
    parts = [p.strip() for p in (title.split(" | ") if " | " in title else _SEPARATOR.split(title))]
    if len(parts) < 2:
        return None
    for name in (parts[-1], parts[0]):  # "… | Le Devoir", or "Le Nouvelliste | …"
        if not name or len(name.split()) > 6 or _DATE_SEGMENT.match(name) or _HOSTLIKE.match(name):
            continue
        if host is None:
            return name if name is parts[-1] and name[:1].isupper() else None
        if _is_site(name, [], host):
            return name
    return None


def page_title(tree, ld: dict, meta: dict, fallback: str | None, host: str | None, is_logo) -> tuple[str | None, list[str]]:
    """The headline, and the raw forms of it the page carries (to keep them out of the body)."""
    names = site_names(meta, ld, host)
    if (suffix := title_suffix(_first_title(tree), host)) is not None:
        names.append(suffix)
    # The page's own headlines, then the caller's fallback (trafilatura's, which may be the `<h1>` itself).
    own = [_text(v) for v in (ld.get("headline"), meta.get("og:title"), meta.get("twitter:title"), _first_title(tree))]
    raw = [r for r in (*own, _text(fallback)) if r and not is_logo(r)]
    cleaned = [c for c in (clean_title(r, names, host) for r in raw) if c]
    title = cleaned[0] if cleaned else None
    if title is not None and (unkicked := _without_kicker(tree, raw)):
        return unkicked, raw + [title]
    visible = _headlines(tree)
    for heading in visible:
        if title is None:
            break
        h, t = _key(heading), _key(title)
        if not h or not t:
            continue
        if h == t:
            return heading, raw + [title]  # the same headline; the page's spelling of it
        if t.startswith(h) and (len(h) >= 0.5 * len(t) or _section_path(title, h)):
            return heading, raw + [title]  # the metadata one carries a site or section the page does not show
        if h.startswith(t) and (_TRUNCATED.search(title) or len(h) > len(t)):
            return heading, raw + [title]  # the metadata one is cut short
        if t.endswith(h) and len(h) >= 0.5 * len(t) and re.search(r"[:|\-–—]\s*$", title[: len(title) - len(heading)].strip() + " "):
            return heading, raw + [title]  # "Pétition : <headline>": a section before it
    if title is not None and (heading := _headline_of_many(tree, own, names, host, is_logo, visible)):
        return heading, raw + [title]
    if title is not None and (marked := _marked_headline(tree, title)):
        return marked, raw + [title]
    if title is None:
        # No metadata: only a headline inside the article, never one of a sidebar or a menu.
        inside = _headlines(tree, article_only=True)
        title = inside[0] if inside else None
    return title, raw


_SHARED_WORD = re.compile(r"\w{4,}")


def _marked_headline(tree, title: str) -> str | None:
    """The headline a page marks as such in its text (`itemprop="headline"` on the `<h1>` it shows), when its metadata
    one is a reworded form of it: Le Monde's « Ukraine : dans l'Est, Kiev poursuit son offensive » under an `og:title`
    and `<title>` « Dans l'est de l'Ukraine, Kiev poursuit son offensive » (held-out-20). Two shared words at least:
    the same story's headline, not another's."""
    title_words = {fold(w) for w in _SHARED_WORD.findall(title)}
    for el in tree.xpath('//body//*[translate(@itemprop, "HEADLINE", "headline") = "headline"]'):
        shown = _text(el.text_content())
        if el.tag == "meta" or len(shown.split()) < 3 or _in_aside(el):
            continue  # a site's name marked so in its header (Religioscope's « <p itemprop="headline">Religioscope »)
        if len({fold(w) for w in _SHARED_WORD.findall(shown)} & title_words) >= 2:
            return shown
    return None


def _headline_of_many(tree, forms: list[str], names: list[str], host: str | None, is_logo, visible: list[str]) -> str | None:
    """The visible headline when the page's own metadata give different headlines (a social one in `og:title`,
    another for search engines in `<title>`): the `<h1>` that one of them repeats (Radio-Canada: `og:title`
    « Budget fédéral 2025 : déficit de 78,3 milliards $ », `<title>` and `<h1>` « Budget fédéral : dépenses de
    taille… »), or, when no two of them agree, the one `<h1>` inside the article sharing words with them
    (Frandroid's test: three headlines, the page shows its `<h1>`). A sidebar's heading shares none. `forms`: the
    page's own headlines (JSON-LD, `og:title`, `twitter:title`, `<title>`), empty where it has none."""
    cleaned = [c for c in (clean_title(f, names, host) for f in forms if f and not is_logo(f)) if c]
    keys = {_key(c) for c in cleaned}
    keys.discard("")
    if len(keys) < 2:
        return None  # one headline, or none: the metadata one stands (`page_title`'s rules)
    for heading in visible:
        if _key(heading) in keys:
            return heading
    inside = _headlines(tree, article_only=True)
    if len(inside) != 1 or len(keys) < len([f for f in forms if f]):
        return None
    # A headline, not a section's or a story's label set as the article's `<h1>` (« Guerre en Ukraine »): half as
    # many words as the longest metadata headline at least.
    if len(inside[0].split()) < 0.5 * max(len(c.split()) for c in cleaned):
        return None
    words = {fold(w) for w in _SHARED_WORD.findall(inside[0])}
    metadata_words = {fold(w) for f in forms if f for w in _SHARED_WORD.findall(f)}
    return inside[0] if len(words & metadata_words) >= 2 else None


_PATH_SEGMENT_WORDS = 4  # a section's name (« Fil info », « 2014-Brésil », « Coupe du monde »); a headline runs longer
_PATH_HEADLINE_WORDS = 3


def _section_path(title: str, heading_key: str) -> bool:
    """Whether a metadata title is the visible headline, then a path of sections after separators (« Ronaldo écourte
    l'entraînement - Fil info - 2014-Brésil - Coupe du monde - Football », `<h1>` « Ronaldo écourte l'entraînement »):
    the headline ends at a separator, and every segment after it is a section's name of a few words. The page's own
    headline shows none of them, however long the path."""
    parts = _SEPARATOR.split(title)
    for k in range(1, len(parts)):
        if _key(" ".join(parts[:k])) == heading_key:
            rest = parts[k:]
            return len(" ".join(parts[:k]).split()) >= _PATH_HEADLINE_WORDS and all(
                0 < len(segment.split()) <= _PATH_SEGMENT_WORDS for segment in rest
            )
    return False


_KICKER_WORDS = 4  # a place, a section or « EXCLUSIF » set before the headline in its own element


def _without_kicker(tree, raw: list[str]) -> str | None:
    """The `<h1>` without the kicker it opens with in an element of its own (« <span>Frain</span>
    Incendie dans une maison… »), when a metadata form of the headline gives it without the kicker
    (`<title>` « Edition La Plaine | Incendie dans une maison… »): the page itself says where its
    headline starts. A metadata headline that keeps the kicker (« SONDAGE EXCLUSIF - … ») proves nothing."""
    for el in tree.xpath("//h1"):
        if (el.text or "").strip() or not len(el) or not isinstance(el[0].tag, str) or el[0].tag in ("a", "img"):
            continue
        kicker, rest = _text(el[0].text_content()), _text((el[0].tail or "") + "".join(_outer_text(c) for c in el[1:]))
        if not kicker or len(kicker.split()) > _KICKER_WORDS or len(rest.split()) < 3:
            continue
        if any(a.tag == "nav" or _is_aside(a) for a in el.iterancestors()):
            continue
        whole = _key(kicker) + _key(rest)
        if any(whole not in _key(r) and any(_key(segment) == _key(rest) for segment in _SEPARATOR.split(r)) for r in raw):
            return rest
    return None


def _outer_text(el) -> str:
    return el.text_content() + (el.tail or "") if isinstance(el.tag, str) else (el.tail or "")


def page_outlet(meta: dict, ld: dict, tree, host: str | None, authors: set[str], url: str | None = None) -> str | None:
    """The outlet the page names itself by, or None to let the caller fall back (dateline, logo, host)."""
    site = _text(meta.get("og:site_name"))
    if is_section(site, url):
        site = ""
    publisher = _text(_publisher(ld))
    suffix = title_suffix(_first_title(tree), host)
    hostlike = bool(site and _HOSTLIKE.match(site))
    site = _without_slogan(site, publisher, host)
    if site and publisher and not hostlike and _names_host(publisher, host) and not _names_host(site, host) and _key(publisher) not in _key(site):
        # A tagline set as the site's name (Handirect's « Handicap : Suivez l'actualité en temps réel », held-out-18):
        # the publisher the host names is the outlet.
        site = publisher
    if site and not hostlike:
        # "Le Monde.fr" when the publisher says "Le Monde": the name without the domain ending.
        if publisher and _key(site).startswith(_key(publisher)) and re.search(r"\.(?:fr|com|net|org|ch|be|ca)$", site, re.I):
            site = publisher
        candidates = [site]
    else:
        candidates = []
    candidates += [suffix, publisher]
    own = {site, publisher}
    if hostlike:
        bare = re.sub(r"^(?:https?://)?(?:www\.)?", "", site).rstrip("/")
        candidates.append(bare)
        own.add(bare)
    for name in candidates:
        # The page's own site name may equal a byline ("Par Les Echos"); a name guessed from
        # <title> may not be an author's.
        if name and len(name.split()) <= 8 and (name in own or _key(name) not in authors):
            return name
    return None


def _names_host(name: str, host: str | None) -> bool:
    """Whether `name` is the host's name (« Handirect » for www.handirect.fr, « Le Monde » for lemonde.fr)."""
    key = _key(name)
    return bool(key) and any(label and (key == label or (len(label) >= 4 and (key.startswith(label) or label.startswith(key) and len(key) >= 4)))
                             for label in _host_labels(host))  # fmt: skip


def is_section(name: str | None, url: str | None) -> bool:
    """Whether a site's name is a section of its URL's path: Seneweb's `og:site_name` « International » on
    /news/International/… (held-out-19)."""
    if not name or not url or _names_host(name, urlsplit(url).hostname):
        return False
    return _key(name) in {_key(segment) for segment in urlsplit(url).path.split("/") if segment}


def _without_slogan(site: str | None, publisher: str | None, host: str | None) -> str | None:
    """A site name without the slogan set after it (« Reporterre, le média de l'écologie »): the words before a comma
    or a dash are the name when they are the publisher's name or the host's (reporterre.net)."""
    if not site or not (parts := _SLOGAN.split(site, maxsplit=1))[1:]:
        return site
    name = _key(parts[0])
    return parts[0] if name and (name == _key(publisher or "") or name in _host_labels(host)) else site


_SLOGAN = re.compile(r"\s*,\s+|\s+[-–—|:]\s+")


def spelled_outlet(tree, name: str | None) -> str | None:
    """The outlet as the page writes it for its readers when `name` is a squashed form of it: a
    publisher field or a handle written from a slug (« 20minutes », « @20minutes ») loses to the
    spaced, capitalised form the page's text shows (« La fréquentation de 20 Minutes… »), the most
    frequent one. Any other name comes back unchanged."""
    if not name or not name.isalnum() or not 4 <= len(name) <= 30:
        return name
    pattern = re.compile(r"(?<!\w)" + r"[ \xa0]?".join(re.escape(c) for c in name) + r"(?!\w)", re.IGNORECASE)
    body = tree.find("body")
    if body is None or not any(" " in " ".join(m.group().split()) for m in pattern.finditer(body.text_content())):
        return name  # one C call for the common case: the page never spaces the name
    counts: dict[str, int] = {}
    for text in body.xpath(".//text()[not(ancestor::script) and not(ancestor::style)]"):
        for m in pattern.finditer(str(text)):
            form = " ".join(m.group().split())
            if " " in form and all(word[0].isupper() or word[0].isdigit() for word in form.split()):
                counts[form] = counts.get(form, 0) + 1
    return max(counts, key=counts.get) if counts else name


def author_keys(ld: dict, meta: dict, extra: str | None) -> set[str]:
    """Keys of the names the page gives as authors (an author is never the outlet)."""
    names = [meta.get("author"), meta.get("article:author"), extra]
    authors = ld.get("author")
    for item in authors if isinstance(authors, list) else [authors]:
        names.append(item.get("name") if isinstance(item, dict) else item)
    return {_key(str(n)) for n in names if n and isinstance(n, str) and not n.startswith("http")}


def page_date(
    tree, ld: dict, meta: dict, url: str | None, timezone: str = DEFAULT_TIMEZONE, title: str | None = None
) -> str | None:
    """The publication day the page states, or None; `title` finds the headline the byline follows."""
    zone = _zone(url, timezone)
    for value in (ld.get("datePublished"), meta.get("article:published_time"), meta.get("og:article:published_time"),
                  meta.get("datepublished"), meta.get("publishdate"), meta.get("pubdate"), meta.get("dc.date.issued"),
                  meta.get("sailthru.date"), meta.get("parsely-pub-date")):  # fmt: skip
        if day := _day(value, zone):
            main = _main_text(tree, title)
            if (stamped := _stamped_byline_day(main)) and stamped < day and (date.fromisoformat(day) - date.fromisoformat(stamped)).days > 1:
                # The byline's date and time, days before the metadata's: the metadata were stamped later (Seneweb's
                # « 29 octobre, 2018 à 17:10:13 » under a published_time of 2020-07-06, the day the page was saved).
                return stamped
            if _UTC_STAMP.match(str(value).strip()) and _tld_zone(url) is None:
                # A UTC stamp on a site of no known zone: the day its byline shows, when it is one of the two the stamp
                # can be (Senegal Direct's 22:29 UTC is « Le 06/08/2018 » in Dakar, the 7th in the bot's Paris).
                shown = _shown_day(tree, main)
                if shown and shown in (str(value).strip()[:10], day):
                    return shown
            return day
    for el in tree.xpath('//*[@itemprop="datePublished"]'):
        if not _in_aside(el) and (day := _day(el.get("datetime") or el.get("content"), zone)):
            return day
    for el in tree.xpath("//time[@datetime]"):
        if _in_aside(el) or el.get("itemprop") == "dateModified":
            continue
        before = _text(" ".join(el.xpath("preceding::text()[position() <= 2]")))[-40:].lower()
        shown = _text(el.text_content())
        if _UPDATE_WORDS.search(before) or _UPDATE_WORDS.search(shown):
            continue
        # The day the reader sees wins over the attribute (paris-luttes: « Publié le 29 juin 2019 »
        # over datetime="2019-07-03T10:18:46Z", an edit's stamp); a shown date without a year does not.
        if (m := _SHOWN_DATE.search(shown)) and (day := _match_day(m)):
            return day
        if day := _day(el.get("datetime"), zone):
            return day
        break  # the first dated element outside asides is the byline's; if unreadable, look further
    body = _main_text(tree, title)
    if m := _VISIBLE_DATE.search(body):
        return _match_day(m)
    shown = tuple(_text(el.text_content()) for el in tree.xpath("//time[not(@datetime)]") if not _in_aside(el))
    return _byline_date(_text_before_headline(tree, title) + " " + body[:_BYLINE_AFTER], shown)


# The byline's reach around the headline: dates a page shows with a label there are the article's,
# the site's header (« Dimanche 10 février 2013 », the day the page was served) and its lists of
# other news are further away and carry no label.
_BYLINE_BEFORE = 200
_BYLINE_AFTER = 400
_UPDATE_WORDS = re.compile(r"mis à jour|modifi|updated|màj", re.IGNORECASE)  # a `<time>` that shows an update
_BESIDE = 60  # « 12/03/2012 10:00 | Mis à jour le 17/03/2012 »: the publication shown beside the update
# « Mise à jour : samedi 17 mars 2012 08h23 », « Mis à jour le 5 mars 2024 », "Updated 5 March 2024".
_UPDATED_DATE = re.compile(
    rf"\b(?:mise?\s+à\s+jour|màj|modifi[ée]e?|actualis[ée]e?|updated)\s*(?:le|on|:)?\s*[:,]?\s*"
    rf"(?:(?:lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche)\s+)?(?:{_DAY_MONTH_YEAR}|{_NUMERIC})",
    re.IGNORECASE,
)


_UTC_STAMP = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2})?(?:\.\d+)?\s*(?:Z|[+-]00:?00)$")


def _tld_zone(url: str | None) -> str | None:
    """The time zone the page's host tells (a country domain of `TLD_ZONES`), or None."""
    host = (urlsplit(url).hostname or "") if url else ""
    return TLD_ZONES.get(host.rsplit(".", 1)[-1].lower()) if host else None


_TIME_AFTER = re.compile(r"^\s*(?:à|,|-)?\s*\d{1,2}\s*(?:h|:)\s*\d{2}", re.IGNORECASE)


def _stamped_byline_day(main: str) -> str | None:
    """The day of the first date given with its time (« 29 octobre, 2018 à 17:10:13 ») in the byline under the headline
    (`main`: `_main_text`)."""
    zone = main[:_BYLINE_AFTER]
    for m in _SHOWN_DATE.finditer(zone):
        if _TIME_AFTER.match(zone[m.end():]):
            return _match_day(m)
    return None


def _shown_day(tree, main: str) -> str | None:
    """The day the byline shows: a `<time>`'s text outside asides, else a « Publié le … » date in the text (`main`)."""
    for el in tree.xpath("//time"):
        if not _in_aside(el) and (m := _SHOWN_DATE.search(_text(el.text_content()))):
            return _match_day(m)
    m = _VISIBLE_DATE.search(main)
    return _match_day(m) if m else None


def title_date(tree, meta: dict) -> str | None:
    """The day a page's `<title>` or `og:title` ends with after a separator (« … | DW | 08.10.2020 »): the site
    dates its article there when no byline or metadata does."""
    for title in (_first_title(tree), meta.get("og:title")):
        parts = _SEPARATOR.split(_text(title))
        if len(parts) > 1 and _DATE_SEGMENT.match(last := parts[-1].strip()) and (m := _SHOWN_DATE.fullmatch(last)):
            return _match_day(m)
    return None


def _byline_date(zone: str, times: tuple[str, ...] = ()) -> str | None:
    """The day the byline shows around the headline: a publication label's (« Publié le … »), else the
    full date a `<time>` without `datetime` shows there (« <time>Jeudi 21 février 2013, 12h28</time> »:
    the element says it is the date, the reader sees that day), else an update label's (« Mise à jour :
    … ») when no other date is shown beside it — a page stating only when it was updated dates its
    article so; beside another date, the update is not the publication."""
    if m := _VISIBLE_DATE.search(zone):
        return _match_day(m)
    for shown in times:
        if not _UPDATE_WORDS.search(shown) and (m := _SHOWN_DATE.search(shown)) and m.group(0) in zone and (day := _match_day(m)):
            return day
    updated = _UPDATED_DATE.search(zone)
    if updated is None or (day := _match_day(updated)) is None:
        return None
    beside = zone[max(0, updated.start() - _BESIDE): updated.end() + _BESIDE]  # a byline shows its dates together
    shown = {_match_day(m) for m in _SHOWN_DATE.finditer(beside)}
    return day if shown <= {day, None} else None


def _headline_element(tree, title: str | None):
    """The `<h1>` holding the headline (the first `<h1>` when none matches), or None."""
    found = tree.xpath("//h1")
    if title and found:
        found = [h for h in found if _key(h.text_content()) == _key(title)] or found
    return found[0] if found else None


def _text_before_headline(tree, title: str | None) -> str:
    """The last `_BYLINE_BEFORE` characters of visible text before the headline (a byline set above it)."""
    start = _headline_element(tree, title)
    if start is None:
        return ""
    parts: list[str] = []
    size = 0
    for text in reversed(start.xpath("preceding::text()[position() <= 40]")):
        parent = text.getparent()
        if parent is None or parent.tag in ("script", "style", "noscript", "title") or _in_aside(parent):
            continue
        parts.append(str(text))
        size += len(text.strip())
        if size > _BYLINE_BEFORE:
            break
    return _text(" ".join(reversed(parts)))[-_BYLINE_BEFORE:]


def undecorated(tree):
    """A copy of the tree without comment, related and teaser blocks (for htmldate's guesses)."""
    import copy

    clone = copy.deepcopy(tree)
    total = len(clone.text_content())
    for el in clone.xpath("//body//*[@class or @id] | //body//aside | //body//footer"):
        # Never a block holding most of the page: that is a wrapper, whatever its name says.
        if el.getparent() is not None and _is_aside(el) and len(el.text_content()) < 0.4 * total:
            el.getparent().remove(el)
    return clone


# --- helpers ------------------------------------------------------------------------------------


def _publisher(ld: dict) -> str | None:
    publisher = ld.get("publisher")
    if isinstance(publisher, list):
        publisher = publisher[0] if publisher else None
    if isinstance(publisher, dict):
        name = publisher.get("name")
        return name if isinstance(name, str) and name.strip() else None
    return publisher if isinstance(publisher, str) and publisher.strip() else None


def _first_title(tree) -> str | None:
    found = tree.xpath("//head/title/text() | //title/text()")
    return str(found[0]) if found else None


def _headlines(tree, *, article_only: bool = False) -> list[str]:
    """Visible `<h1>` texts, those inside navigation, header, footer and asides left out."""
    out = []
    for el in tree.xpath("//h1"):
        if el.xpath("ancestor::nav") or _in_aside(el):
            continue
        if article_only and not any(a.tag in ("article", "main") for a in el.iterancestors()):
            continue
        text = _without_signature(el)
        if text and len(text.split()) >= 2:
            out.append(text)
    return out


_SIGNATURE = re.compile(r"^(?:par|by)\s+\S", re.IGNORECASE)
_SIGNATURE_WORDS = 8


def _without_signature(h1) -> str:
    """An `<h1>`'s text without the byline a site sets after a line break inside it (L'Economiste: « Le
    «cyberterrorisme», un mythe plus qu'une réalité<br>Par le colonel Jean-Louis Dufour », held-out-19)."""
    breaks = h1.xpath(".//br")
    if breaks and (last := breaks[-1]).getparent() is h1:
        after = _text((last.tail or "") + "".join(_outer_text(n) for n in last.itersiblings()))
        if _SIGNATURE.match(after) and len(after.split()) <= _SIGNATURE_WORDS:
            before = _text((h1.text or "") + "".join(_outer_text(c) for c in h1[: h1.index(last)]))
            if len(before.split()) >= 2:
                return before
    return _text(_spaced_text(h1))


def _spaced_text(el) -> str:
    """An element's text with its line breaks as spaces (« tramway<br>pour » is « tramway pour »)."""
    if not el.xpath(".//br"):
        return el.text_content()
    import copy

    clone = copy.deepcopy(el)
    for br in clone.xpath(".//br"):
        br.tail = " " + (br.tail or "")
    return clone.text_content()


def _in_aside(el) -> bool:
    """Whether an ancestor of `el` is an aside (`_is_aside`)."""
    return _aside_test()(el)


def _aside_test():
    """`_in_aside`, remembering each ancestor's answer: for walking many text nodes of one tree, whose
    ancestors they share (the elements are kept alive, so lxml gives the same proxy for a node)."""
    known: dict = {}

    def in_aside(el) -> bool:
        path = []
        node = el.getparent()
        found = False
        while node is not None:
            if node in known:
                found = known[node]
                break
            if node.tag == "main":
                break  # the page's main content is in no aside, whatever its wrappers are named
            if _is_aside(node):
                found = True
                path.append(node)
                break
            path.append(node)
            node = node.getparent()
        # Each node walked is in an aside exactly when the first aside or known answer above it says so; the
        # node that is itself an aside is in one for its own descendants.
        for walked in path:
            known[walked] = found
        return found

    return in_aside


def _main_text(tree, title: str | None = None) -> str:
    """The page's text from its headline on (the first `<h1>` without one), asides left out, the first few thousand characters."""
    start = _headline_element(tree, title)
    parts: list[str] = []
    size = 0
    in_aside = _aside_test()
    for text in (start.xpath("following::text()") if start is not None else tree.xpath("//body//text()")):
        parent = text.getparent()
        if parent is None or parent.tag in ("script", "style", "noscript") or in_aside(parent):
            continue
        parts.append(str(text))
        size += len(text)
        if size > 6000:
            break
    return _text(" ".join(parts))


def _zone(url: str | None, fallback: str):
    from zoneinfo import ZoneInfo

    name = _tld_zone(url) or fallback
    try:
        return ZoneInfo(name)
    except Exception:  # noqa: BLE001  (an unknown zone name: the bot's default)
        return ZoneInfo(DEFAULT_TIMEZONE)


def _day(value: object, zone) -> str | None:
    """The day of an ISO date or date-time; a UTC time stamp is taken in the outlet's zone."""
    text = str(value).strip() if value else ""
    m = re.match(r"^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?\s*(Z|[+-]\d{2}:?\d{2})?)?", text)
    if not m:
        return None
    year, month, day = int(m.group(1)), int(m.group(2)), int(m.group(3))
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return None
    offset = m.group(7)
    if m.group(4) and offset and offset.replace(":", "") in ("Z", "+0000", "-0000"):
        stamp = datetime(year, month, day, int(m.group(4)), int(m.group(5)), tzinfo=_utc_zone.utc)
        local = stamp.astimezone(zone)
        return local.strftime("%Y-%m-%d")
    return f"{year:04d}-{month:02d}-{day:02d}"


def _match_day(m: re.Match) -> str | None:
    if m.group("d"):
        day, month, year = int(m.group("d")), MONTH_NUMBERS.get(m.group("m").lower()), int(m.group("y"))
    elif m.group("d2"):
        day, month, year = int(m.group("d2")), int(m.group("m2")), int(m.group("y2"))
    else:
        day, month, year = int(m.group("d3")), int(m.group("m3")), int(m.group("y3"))
    if not month or not (1 <= month <= 12 and 1 <= day <= 31 and 1990 <= year <= 2100):
        return None
    return f"{year:04d}-{month:02d}-{day:02d}"
