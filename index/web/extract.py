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

from lxml.etree import SubElement as _SubElement, XPath as _XPath

from index import boilerplate
from index.models import DatePrecision
from index.web import metadata
from index.web.metadata import DEFAULT_TIMEZONE

__all__ = ["MIN_ARTICLE_WORDS", "Page", "archived_url", "extract_page", "page_markdown", "render_markdown"]

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


def extract_page(html: str | bytes, url: str | None = None, *, timezone: str = DEFAULT_TIMEZONE) -> Page:
    """Extract the article of one page; `text` is empty when the page holds none.

    `timezone` is the zone of a UTC time stamp's day when the page's country domain does not tell
    the outlet's. Thread-safe by a process-wide lock; `index.web.isolate.PageExtractor` also bounds its time.
    """
    with _PARSING:
        return _extract(html, url, timezone)


def _extract(html: str | bytes, url: str | None, timezone: str) -> Page:
    import trafilatura
    from htmldate import find_date
    from trafilatura.utils import load_html

    tree = load_html(_decoded(html))
    if tree is None:
        return Page(None, "", None, "unknown", None, url)
    _inline_quotes(tree)  # on the page itself: the blocks put back from it (`_with_dropped_blocks`) read the same words
    ld = _json_ld(tree)
    meta = _meta_tags(tree)
    # An archived copy (web.archive.org/web/2007…/http://site/…) is the archived site's page: its
    # host, zone and URL dates are the original's; the archive is not the outlet.
    # A page read from a file has no URL but the one it states (its canonical link or og:url): its host, all the same.
    source = archived_url(url) or url or _canonical(tree) or _absolute(meta.get("og:url"))
    host = urlsplit(source).hostname if source else None
    clean = _without_notices(tree, host)
    found = _trafilatura_metadata(clean, source)  # before bare_extraction, which prunes the tree
    doc = trafilatura.bare_extraction(
        clean, url=source or found.url, with_metadata=False, include_comments=False, include_tables=False
    )
    if doc is not None:
        doc.title, doc.author, doc.sitename = found.title, found.author, found.sitename
    raw_lines = [line.strip() for line in ((doc.text if doc else "") or "").split("\n")]
    title, raw_titles = metadata.page_title(tree, ld, meta, doc.title if doc else None, host, boilerplate.is_logo)
    title = " ".join(title.split()) if title else None
    lines = _with_dropped_blocks(tree, [_undoubled(line.replace("\xad", "")) for line in raw_lines if line], title)
    lines = _with_lead(tree, lines, title, meta)
    lines = [line for line in map(boilerplate.without_lock_label, lines) if line]
    lines = _without_title(lines, [title, *raw_titles] if title else raw_titles)
    lines = boilerplate.strip_blocks(_without_labelled_doubles(lines))
    own = _bare_host(host)
    lines = _without_ending_heading(tree, [line for line in lines if not _points_to_own_site(line, own)])

    date = metadata.page_date(tree, ld, meta, source, timezone, title) or metadata.title_date(tree, meta)
    if date is None:
        found = find_date(metadata.undecorated(tree), extensive_search=False, original_date=True, url=source)
        date = _day(found)
    dated = next((d for d in (boilerplate.dateline(line) for line in lines[:_DATELINE_PARAGRAPHS]) if d), None)
    if date is None and dated:
        year, month, day = dated[1]
        date = f"{year:04d}-{month:02d}-{day:02d}"

    authors = metadata.author_keys(ld, meta, doc.author if doc else None)
    sitename = doc.sitename if doc and doc.sitename and not _is_host(doc.sitename, source) and not metadata.is_section(doc.sitename, source) else None
    if sitename and metadata._key(sitename) in authors:
        sitename = None  # trafilatura takes a podcast's or a blog's author for its site
    verdicts = [boilerplate.classify(line) for line in lines]
    credit = next((v.credit for v in verdicts if v and v.credit), None)
    lines = [line for line, v in zip(lines, verdicts) if v is None or not v.drop]  # as a saved text file would lose them
    outlet = (
        metadata.spelled_outlet(tree, metadata.page_outlet(meta, ld, tree, host, authors, source)) or sitename or (dated[0] if dated else None)
        or _logo(tree) or credit or (_host_name(host) if host else None)
    )  # fmt: skip
    # A line that is only the outlet's name, its site or an author the page names is a signature (« Sudinfo.be »,
    # « Valentin Thiéry » under the text), never the article's words.
    signatures = {metadata._key(name) for name in (outlet, sitename, own) if name} | authors
    signatures.discard("")
    lines = [line for line in lines if len(line.split()) > _SIGNATURE_WORDS or metadata._key(line) not in signatures]
    canonical = _canonical(tree) or meta.get("og:url") or url
    return Page(
        title=title,
        text="\n".join(lines),
        date=date,
        date_precision="day" if date else "unknown",
        outlet=" ".join(outlet.split()) if outlet else None,
        url=canonical,
    )


_SIGNATURE_WORDS = 6  # a name; a sentence naming the outlet or the author runs longer


def _undoubled(line: str) -> str:
    """A line written twice in a row as one (« Lire la suiteLire la suite »: a link's label and its copy for screen
    readers or a hover state) once."""
    half = len(line) // 2
    return line[:half] if half >= 3 and len(line) % 2 == 0 and line[:half] == line[half:] else line


# A web address written out (« www.lavenir.net/jogging », « http://secourslux.blogs.sudinfo.be »), not a site's name
# in a sentence (« LaLibre.be a recueilli… »): a scheme, « www. » or a path.
_WEB_ADDRESS = re.compile(r"(?:https?://|\bwww\.)((?:[\w-]+\.)+[a-z]{2,})|\b((?:[\w-]+\.)+[a-z]{2,})/", re.IGNORECASE)
_OWN_POINTER_WORDS = 25


def _points_to_own_site(line: str, own: str | None) -> bool:
    """Whether a short line sends the reader to the outlet's own site (« + Tous les résultats, toutes les photos sur
    www.lavenir.net/jogging », « Plus de détails et un album photo sur http://….blogs.sudinfo.be »): a promotion, as a
    bare link to the site's own pages is (`_linked_headlines`). One sentence at most: a paragraph quoting the
    address among others is text."""
    if own is None or len(line.split()) > _OWN_POINTER_WORDS or own.split(".")[0] not in line.lower():
        return False
    if re.search(r"[.!?]\s+\S", line.rstrip(".!? ")):
        return False
    return any(_is_own(m.group(1) or m.group(2), own) for m in _WEB_ADDRESS.finditer(line))


# The charset a page declares in its first bytes (`<meta charset>`, or `http-equiv` Content-Type).
_META_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([\w.:-]+)""", re.IGNORECASE)
# Labels the WHATWG Encoding Standard (what every browser follows) reads as windows-1252.
_WINDOWS_1252 = {b"iso-8859-1", b"iso8859-1", b"latin1", b"latin-1", b"l1", b"us-ascii", b"ascii", b"windows-1252", b"cp1252",
                 b"iso_8859-1", b"iso-ir-100", b"csisolatin1", b"x-cp1252", b"cp819", b"ibm819"}  # fmt: skip


def _decoded(html: str | bytes) -> str | bytes:
    """The page as text when it is not UTF-8 and declares ISO-8859-1 or its kin: decoded as windows-1252,
    as browsers do, so « cœur », « l’été », « … » and « € » (bytes 0x80-0x9F, control characters in
    ISO-8859-1) stay letters. Anything else is left to trafilatura's decoding."""
    if isinstance(html, str) or (m := _META_CHARSET.search(html[:4096])) is None or m.group(1).lower() not in _WINDOWS_1252:
        return html
    try:
        html.decode("utf-8")
        return html  # a page saved as UTF-8 whatever its declaration says
    except UnicodeDecodeError:
        pass
    try:
        return html.decode("cp1252")
    except UnicodeDecodeError:  # one of the five bytes windows-1252 leaves undefined: not that encoding
        return html


def _trafilatura_metadata(tree, url: str | None):
    """trafilatura's title, author, site name and URL for the page, as `bare_extraction(with_metadata=True)`
    finds them, without the rest of its metadata pass: its date (htmldate again: ours is `metadata.page_date`),
    categories, tags and licence cost about a tenth of a page's extraction and are never read."""
    from trafilatura.metadata import (
        META_URL, examine_meta, extract_author, extract_meta_json, extract_sitename, extract_title, extract_url,
    )  # fmt: skip

    found = examine_meta(tree)
    if found.author and " " not in found.author:
        found.author = None
    try:
        found = extract_meta_json(tree, found)
    except Exception:  # noqa: BLE001  (trafilatura's own guard: bugs in its JSON-LD reader)
        pass
    found.title = found.title or extract_title(tree)
    found.author = found.author or extract_author(tree)
    found.url = found.url or extract_url(tree, url)
    found.sitename = found.sitename or extract_sitename(tree)
    if found.sitename:
        found.sitename = found.sitename.lstrip("@").strip("_")  # a handle's name: « @_reflets_ » is Reflets (held-out-21)
        if found.sitename and "." not in found.sitename and not found.sitename[0].isupper():
            found.sitename = found.sitename.title()
    elif found.url and (m := META_URL.match(found.url)):
        found.sitename = m[1]
    found.clean_and_trim()
    return found


# Containers of cookie and consent panels (CMP vendors' ids included), newsletter boxes,
# ad-network teasers, promotions (« premium-promo-alert »: a subscription's pitch; « promo-partenaire »), partners and « En savoir plus » boxes (about the publisher, not the article), breadcrumb
# trails (« La Libre.be > Culture > Médias/Télé > Article »), a picture's credit or caption the page names so
# (« content_img_credit », « credit »: « Michel Daerden © Belga »): removed before trafilatura sees the page,
# unless one holds most of its text.
_NOTICE = re.compile(
    r"(?:^|[\s_-])(?:cookies?|cookie-?banner|consent|gdpr|rgpd|didomi|tarteaucitron|onetrust|axeptio|cmp|qc-cmp2"
    r"|sp_message|newsletter|promos?|outbrain|taboola|ligatus|disqus_thread|savoir[_-]plus|partenaires|partners|sponsors?|breadcrumbs?"
    r"|credits?|captions?|l[ée]gendes?|(?:pic|photo|img|image|media|figure)[_-]?(?:desc(?:ription)?|caption|legende|credit)s?)(?:$|[\s_-])",
    re.IGNORECASE,
)
# The paywall box itself (« paywall », « js-paywall », « paywall__container »), not the text a site
# marks as coming before or after the paywall's cut (Les Echos' article body is « post-paywall »).
_PAYWALL = re.compile(r"^(?:(?!(?:post|pre|after|before|no|non)-)[a-z]+-)?paywall(?:[-_][\w-]*)?$", re.IGNORECASE)
_NOTICE_SHARE = 0.3  # a block holding this share of the page's text is the article's wrapper, whatever its name
# A block named for the paywall is the text the paywall locks, not its pitch, when its paragraphs of at least
# _LOCKED_PARAGRAPH_WORDS words hold _LOCKED_TEXT_WORDS words: La Dépêche names its whole article body « article-paywall »
# (free articles too: 144 to 526 such words on its four pages), while a pitch and its offers are short lines (Le Monde's
# boxes, up to 113 words, have no paragraph over 16).
_LOCKED_PARAGRAPH_WORDS = 20
_LOCKED_TEXT_WORDS = 80


def _without_notices(tree, host: str | None = None):
    """A copy of the page without the blocks that are never the article's text (see `_NOTICE`, `_PAYWALL`,
    `_boxes_by_label`, `_linked_headlines` on the page's `host`), each removed only when it holds less than
    `_NOTICE_SHARE` of the page's text."""
    clone = copy.deepcopy(tree)
    _headings_in_lists(clone)
    _bare_paragraphs(clone)
    found = []
    for el in clone.xpath("//body//*[@class or @id]"):
        names = f"{el.get('class', '')} {el.get('id', '')}"
        if _is_notice(el, names) or (_WIDGET.search(names) and _is_widget(el)):
            found.append(el)
    found += clone.xpath("//body//figcaption")  # tenth round: the element says it is a picture's caption, whatever its class
    found += _boxes_by_label(clone)
    found += _linked_headlines(clone, host)
    found += _player_boxes(clone)
    found += _sponsored_lines(clone)
    found += _ad_blocker_notices(clone)
    found += _comments(clone)
    found += _tooltips(clone)
    # A site's menus, however much of the page they fill (TF1 Info's is two thirds of its text: « Découvrez tout
    # l’univers TF1 INFO »), unless the article is inside one.
    for nav in clone.xpath("//body//nav|//body//*[@role='navigation']"):
        if nav.getparent() is not None and not nav.xpath(".//h1|.//article|.//main|self::article|self::main"):
            _drop_keeping_tail(nav)
    if not found:
        return clone
    body = clone.find("body")
    total = len((body if body is not None else clone).text_content()) or 1  # characters, not words: one C call
    for el in found:
        if el.getparent() is not None and len(el.text_content()) < _NOTICE_SHARE * total:
            _drop_keeping_tail(el)
    return clone


# Readers' comments: the page marks them so (schema.org's Comment and UserComments, `itemprop="comment"`), or names
# their block so (« liste_reactions », « comments-list », « commentaires »). Le Monde's « Vos réactions (24) » came
# whole into the body before (held-out-20), each comment a paragraph the outlet never wrote.
_COMMENT_NAME = re.compile(
    r"(?:[a-z0-9]+[-_])*(?:comments|commentaires|reactions|réactions)(?:[-_](?:list|liste|section|area|container|wrapper|thread"
    r"|zone|block|bloc|box|wrap))?",
    re.IGNORECASE,
)  # the plural, a list's: « live-match-comment » is a match's live commentary, the article itself (sports.fr)


def _comments(root) -> list:
    """The blocks of readers' comments (`_COMMENT_NAME`, schema.org's marks); `_without_notices` keeps a block holding
    most of the page's text (a wrapper named for its comments' state: « has-comments »)."""
    marked = root.xpath(
        "//body//*[@itemprop='comment' or @itemprop='commentText' or @itemprop='comments'"
        " or contains(@itemtype, 'schema.org/Comment') or contains(@itemtype, 'schema.org/UserComments')]"
    )
    candidates = root.xpath(  # the names' words, found in C before the names are read in Python
        "//body//*[contains(@class, 'omment') or contains(@id, 'omment') or contains(@class, 'action') or contains(@id, 'action')]"
    )
    named = [el for el in candidates
             if any(_COMMENT_NAME.fullmatch(token) for token in f"{el.get('class', '')} {el.get('id', '')}".split())]  # fmt: skip
    return marked + named


# A word's definition a page shows on hover, set inside the sentence (Techno-Science's glossary: « l'<a>Institut</a><span
# id="debutDefinition_6"> (Un institut est une organisation permanente…)</span> de chimie », held-out-19).
_TOOLTIP_NAME = re.compile(r"(?:^|[-_])(?:tooltip|tool-tip|definition|définition|glossary-def|infobulle)(?:$|[-_\d])", re.IGNORECASE)
_TOOLTIP_WORDS = 80


def _tooltips(root) -> list:
    """Definitions and tooltips set inline in the text (`_TOOLTIP_NAME`), which the reader sees only on hover."""
    found = []
    for el in root.xpath("//body//span[@class or @id] | //body//small[@class or @id]"):
        names = metadata._CAMEL.sub("-", f"{el.get('class', '')} {el.get('id', '')}")
        # Not the term a tooltip explains (« <abbr class="has-tooltip">OSTA<span class="e-tooltip">… »): « has-… » is its state.
        if any(_TOOLTIP_NAME.search(t) and not t.lower().startswith("has-") for t in names.split()) and len(el.text_content().split()) <= _TOOLTIP_WORDS:
            found.append(el)
    return found


_SPONSORED_LINE_WORDS = 20  # an offer's button or pitch; an article's sentence citing a shop's price is longer
_SENTENCE_END = re.compile(r"[.!?]\W*$")


def _sponsored_lines(root) -> list:
    """Offers: a paragraph or list item holding a link the page marks `rel="sponsored"` (HTML's mark for paid and
    affiliate links) that is a short line, not a sentence (« Cdiscount à volonté : vos 6 jours d'essai gratuit
    (livraison express, codes promo exclusifs…) », « Cliquez ici pour l'offre »). An article's own sentence with such
    a link (« Sur Cdiscount, le fendeur est disponible à 279,99 euros… ») stays."""
    lines = []
    for link in root.xpath("//body//a[contains(concat(' ', normalize-space(@rel), ' '), ' sponsored ')]"):
        line = next((el for el in link.iterancestors() if el.tag in ("p", "li")), None)
        if line is None or line in lines:
            continue
        text = " ".join(line.text_content().split())
        if len(text.split()) <= _SPONSORED_LINE_WORDS and not _SENTENCE_END.search(text):
            lines.append(line)
    return lines


def _ad_blocker_notices(root) -> list:
    """The block asking the reader to turn off an ad blocker (`boilerplate.is_ad_blocker_notice`): the largest element
    around such a text that is still a notice, so that a sentence the notice spreads over lines goes whole (Consomac's
    bare `<div>`: « …Votre bloqueur de pub vous joue des / tours. »)."""
    found = []
    for text in root.xpath("//body//text()[contains(., 'loqueur') or contains(., 'lock')]"):
        el, notice = (text.getparent().getparent() if text.is_tail else text.getparent()), None
        while el is not None and el.tag not in ("body", "html") and boilerplate.is_ad_blocker_notice(" ".join(el.text_content().split())):
            notice, el = el, el.getparent()
        if notice is not None and notice not in found:
            found.append(notice)
    return found


_PLAYER_BOX_WORDS = 40  # a video's title, its show and its section; an article's paragraph around a player is longer


def _player_boxes(root) -> list:
    """Video boxes: around an embedded player (`<object>`, `<embed>`, `<video>`, `<iframe>`), the largest block
    that holds no paragraph and at most `_PLAYER_BOX_WORDS` words, at least half of them in links (« Oscar
    inscrit un but fabuleux… » linked to the video's page, « vidéo <a>Ligue des Champions</a> sélectionnée
    dans <a>Insolite</a> »). The player's own title and labels point to the video's site, not the article;
    a caption written for the article is prose, not links, and stays."""
    boxes = []
    for player in root.xpath("//body//object|//body//embed[not(ancestor::object)]|//body//video|//body//iframe"):
        box, el = None, player.getparent()
        while el is not None and el.tag not in ("body", "html"):
            if el.xpath(".//p") or len(el.text_content().split()) > _PLAYER_BOX_WORDS:
                break
            box, el = el, el.getparent()
        if box is None or any(box is b or b in box.iterancestors() for b in boxes):
            continue
        words = len(box.text_content().split())
        if words and len(" ".join(box.xpath(".//a[@href]//text()")).split()) >= 0.5 * words:
            boxes.append(box)
    return boxes


# Eleventh round: a data widget (a chart, a map, a table a script fills) set among the paragraphs, marked as an embed
# or a chart by its class or id (« multimedia-embed », « d_graph », « widget », « datawrapper »).
_WIDGET = re.compile(
    r"(?:^|[\s_-])(?:embed|embeds|embedded|snippet|widget|widgets|dataviz|datawrapper|flourish|infogram|chart|charts|graph|graphs"
    r"|graphique|infographie|infographic|interactive)(?:$|[\s_-])",
    re.IGNORECASE,
)
_WIDGET_TEXT_WORDS = 20  # a chart's labels, legend, source and buttons; a sentence of prose runs longer


def _is_widget(el) -> bool:
    """Whether a block an embed or chart class marks is a data widget: labels only (its title, legend, « Survolez les
    pays… », « La carte n'a pas pu charger les données », « Source : … », « Afficher le bilan en tableau »), no
    paragraph, quotation or text node of a sentence's length. The data arrive by script; what the saved page holds of
    it is the widget's furniture. An embedded post (`<blockquote>`) or a caption in prose stays."""
    if el.tag in ("body", "html", "article", "main") or el.xpath(".//p|.//blockquote"):
        return False
    texts = [t for t in el.xpath(".//text()[normalize-space()]") if t.getparent() is not None and t.getparent().tag not in ("script", "style")]
    return bool(texts) and all(len(str(t).split()) <= _WIDGET_TEXT_WORDS for t in texts)


def _in_widget(el) -> bool:
    """Whether an element is a data widget or inside one (see `_is_widget`): nothing in it is text to put back."""
    for node in (el, *el.iterancestors()):
        names = f"{node.get('class', '')} {node.get('id', '')}"
        if names.strip() and _WIDGET.search(names) and _is_widget(node):
            return True
    return False


def _headings_in_lists(root) -> None:
    """A list of one item that is only a heading (`<ul><li><h2>Polémique en Uruguay</h2></li></ul>`, how a site styles its
    intertitles) is that heading: as a list it comes out « - Polémique en Uruguay », an item that `boilerplate.strip_blocks`
    would count in a list of teasers."""
    for heading in root.xpath("//body//ul/li/*[self::h2 or self::h3 or self::h4]|//body//ol/li/*[self::h2 or self::h3 or self::h4]"):
        item = heading.getparent()
        items = item.getparent()
        if len(items) != 1 or len(item) != 1 or (item.text or "").strip() or (heading.tail or "").strip():
            continue
        heading.tail = items.tail
        items.getparent().replace(items, heading)


_INLINE_TAGS = {"a", "b", "strong", "i", "em", "span", "u", "sup", "sub", "abbr", "q", "cite", "font", "small", "mark",
                "time", "img", "br"}  # fmt: skip
_TEXT_TAGS = {"a", "b", "strong", "i", "em", "span", "u", "q", "cite", "font", "mark"}
_GOES_ON = re.compile(r"^\s*[a-zà-ÿ,;)]")  # a sentence going on after an inline element


def _mid_sentence(el, before: str | None) -> bool:
    """Whether an inline element holding text sits inside a sentence set bare: text before it that does not end a
    sentence, and text after it that goes on (« …de l'iPhone SE, <a>présenté par Apple ce mercredi</a>, seront… »)."""
    if not isinstance(el.tag, str) or el.tag not in _TEXT_TAGS or not (before or "").strip() or not el.text_content().strip():
        return False
    return bool(_GOES_ON.match(el.tail or "")) and not before.rstrip().endswith((".", "!", "?", ":", "»", "…"))


def _bare_paragraphs(root) -> None:
    """Text set bare in a `<div>` beside inline elements (Consomac: « …de l'iPhone SE, <a>présenté par Apple ce
    mercredi</a>, seront… », paragraphs parted by `<br><br>`) becomes `<p>`s, one per run of text and inline elements
    between blank lines (two `<br>`) and block children: trafilatura reads every link of such a text as a line of its
    own, cutting its sentences. A `<div>` with fewer than `_RECOVER_MIN_WORDS` bare words, a block child other than a
    quotation, or no inline element inside a bare sentence (`_mid_sentence`), is left as it is."""
    for div in list(root.iter("div")):
        children = list(div)
        bare = len(" ".join([div.text or "", *(c.tail or "" for c in children)]).split()) if children else 0
        if bare < _RECOVER_MIN_WORDS:
            continue  # most blocks: no text of their own
        blocks = [c for c in children if isinstance(c.tag, str) and c.tag not in _INLINE_TAGS and c.tag != "blockquote"]
        if blocks and not _text_between_boxes(bare, blocks):
            continue  # a container of paragraphs, headings and boxes with some text bare in it: trafilatura reads it well
        if not any(_mid_sentence(c, (c.getprevious().tail if c.getprevious() is not None else div.text)) for c in children):
            continue
        items: list = [div.text or ""]  # the text and the children in order, each tail apart
        for child in children:
            items += [child, child.tail or ""]
            child.tail = None
            div.remove(child)
        div.text = None
        _put_back(div, _paragraph_runs(items))


_BARE_SHARE = 0.6  # of a block's words set bare: its text, the blocks inside it boxes (a picture, an ad, a player)
_BOXED_TEXT_WORDS = 100  # an article's text; a toolbar's or a box's note (the Wayback Machine's « Starting in 1996… ») is shorter


def _text_between_boxes(bare: int, blocks: list) -> bool:
    """Whether a `<div>`'s block children are boxes set in a text written bare (Techno-Science: pictures and ads among
    `<br>`-parted paragraphs, held-out-19), not the paragraphs of a container: most of its words (`bare` of them its
    own) are its own, and no block child holds a paragraph, a heading or a list."""
    inside = sum(len(b.text_content().split()) for b in blocks)
    return bare >= _BOXED_TEXT_WORDS and bare >= _BARE_SHARE * (bare + inside) and not any(b.xpath(".//p|.//h1|.//h2|.//h3|.//h4|.//ul|.//ol|.//table") for b in blocks)


def _paragraph_runs(items: list) -> list[tuple[bool, list]]:
    """`_bare_paragraphs`' items (strings and elements) as runs: (True, a paragraph's items) between blank lines and
    block children, (False, [a block child])."""
    runs: list[tuple[bool, list]] = []
    run: list = []
    for k, item in enumerate(items):
        if isinstance(item, str) or not isinstance(item.tag, str) or (item.tag in _INLINE_TAGS and item.tag != "br"):
            run.append(item)
        elif item.tag == "br":
            after = next((x for x in items[k + 1 :] if not isinstance(x, str) or x.strip()), None)
            if after is not None and not isinstance(after, str) and after.tag == "br":
                runs.append((True, run))  # a blank line ends the paragraph
                run = []
            elif any(not isinstance(x, str) or x.strip() for x in run):
                run.append(item)  # a line break inside it
        else:
            runs += [(True, run), (False, [item])]
            run = []
    runs.append((True, run))
    return runs


def _put_back(div, runs: list[tuple[bool, list]]) -> None:
    """The runs into the emptied `div`: a paragraph with text as a `<p>`, anything else (blank lines, a picture alone,
    a block child) as it was."""
    last = None  # the element the next string is the tail of
    for paragraph, content in runs:
        has_text = any(x.strip() if isinstance(x, str) else isinstance(x.tag, str) and x.text_content().strip() for x in content)
        holder = _SubElement(div, "p") if paragraph and has_text else div
        inner = None if holder is not div else last
        for x in content:
            if not isinstance(x, str):
                holder.append(x)
                inner = x
            elif inner is None:
                holder.text = (holder.text or "") + x
            else:
                inner.tail = (inner.tail or "") + x
        last = holder if holder is not div else inner


def _inline_quotes(root) -> None:
    """`<q>` is a quotation inside a sentence (« <q>"La position du gouvernement…"</q>, a justifié François Bayrou »):
    its words join the paragraph's, with quotation marks when the page writes none inside or around it (a browser
    draws them); the extractor would set it on a line of its own and cut the sentence in three."""
    # A `<q>` holding blocks is a box a site built from it (« <q class="lire_aussi"><div>… »), not a quotation in a sentence.
    quotes = root.xpath("//body//q[not(.//div or .//p or .//ul or .//ol or .//table or .//blockquote or .//figure or .//h2 or .//h3)]")
    if not quotes:
        return
    marks = "«»\"“”„'‘’"
    for q in quotes:
        text = q.text_content().strip()
        previous = q.getprevious()
        before = ((previous.tail if previous is not None else q.getparent().text) or "").rstrip()
        after = (q.tail or "").lstrip()
        if text and text[0] not in marks and text[-1] not in marks and not before.endswith(tuple(marks)) and not after.startswith(tuple(marks)):
            q.text = "\u201c" + (q.text or "")
            if len(q):
                q[-1].tail = (q[-1].tail or "") + "\u201d"
            else:
                q.text += "\u201d"
    for q in quotes:
        q.drop_tag()  # lxml: its text and children join the parent's, in place


def _is_notice(el, names: str) -> bool:
    """Whether an element's class and id (`names`) make it a notice (`_NOTICE`), or the paywall's box (`_PAYWALL`)
    rather than the text the paywall locks (`_locked_text`)."""
    if _NOTICE.search(names):
        return True
    return any(_PAYWALL.match(token) for token in names.split()) and not _locked_text(el)


def _locked_text(el) -> bool:
    """Whether a block named for the paywall holds the article's paragraphs (`_LOCKED_TEXT_WORDS`)."""
    lengths = (len(p.text_content().split()) for p in el.iter("p"))
    return sum(n for n in lengths if n >= _LOCKED_PARAGRAPH_WORDS) >= _LOCKED_TEXT_WORDS


_LABEL_BOX_WORDS = 40  # an « À lire aussi » capsule is a label and a headline; more is a paragraph around it
_AD_BOX_WORDS = 100  # an ad block: its label, a few slots and a notice (« Ces annonces sont générées… »)


def _boxes_by_label(root) -> list:
    """Blocks a label tells apart, on any page: an « À lire aussi » capsule (the label and a link to
    another article, even set inside a paragraph, where text-level rules cannot cut it out), a box
    headed « Source de l'article » / « À propos de l'auteur » (about a publication or a person) and a
    block of ads headed « Publicités » / « Liens publicitaires » (its notices are no text either)."""
    boxes = []
    for text in root.xpath("//body//text()[string-length(normalize-space()) > 4 and string-length(normalize-space()) < 60]"):
        holder = text.getparent()
        if holder is None or not text.is_text or holder.tag in ("script", "style", "a", "title"):
            continue
        label = " ".join(str(text).split())
        if boilerplate.is_read_also(label):
            box = holder
            for _ in range(3):  # the label's own element, or the capsule around it
                whole = " ".join(box.text_content().split())
                if len(whole.split()) > _LABEL_BOX_WORDS or not whole.startswith(label):
                    break
                linked = sum(len(" ".join(a.text_content().split())) for a in box.iter("a"))
                if linked and linked >= 0.5 * (len(whole) - len(label)):
                    boxes.append(box)
                    break
                box = box.getparent()
                if box is None or box.tag in ("body", "html"):
                    break
        elif (about := boilerplate.is_about_heading(label)) or boilerplate.is_ad_heading(label):
            heading = holder
            while heading.getparent() is not None and " ".join(heading.getparent().text_content().split()) == label:
                heading = heading.getparent()  # <div class="title"><span>Source de l'article</span></div>
            box = heading.getparent()
            if box is None or box.tag in ("body", "html"):
                continue
            whole = " ".join(box.text_content().split())
            if whole.startswith(label) and (about or _is_ad_box(box, whole)):
                boxes.append(box)
    return boxes


_LINKED_HEADLINE_WORDS = 16  # a headline; a longer linked paragraph is a sentence someone linked whole
# A list holding this many items that are one link each to the site's own pages is a box of related
# articles (or a page's table of contents), wherever it stands: before the headline, among the paragraphs.
_LINKED_ITEMS = 3
# …and when such items are this share of the list, its odd items are teasers too: one more teaser whose label runs
# longer (Le Monde's « Le reportage en Espagne en état d'alerte : <a>confinement généralisé…</a> », 13 of 14).
_BOX_SHARE = 0.8


def _linked_headlines(root, host: str | None) -> list:
    """Paragraphs that are one link to another article and nothing else: a related article's headline
    set among the paragraphs (`<p><a href="/sports/…"><strong>+ Chelsea: enquête de la police sur
    Hazard</strong></a></p>`), or a link an arrow announces (`<p>&gt;&gt; <a href="…">Une volonté
    d'engagement et 2 autres caractéristiques…</a></p>`, the rest of the article on another site).
    Prose is never a bare link. Left: a linked sentence (ending with « . »), a page's own anchors, and a
    bare link to another site (an agenda's entry, a source, a document).

    And the items of a list that are such links to the site's own pages or to a place in the page
    (`<li><a href="/actu/…/778534/…">Onkelinx : "La relance avec les travailleurs…"</a></li>`, `<li><a
    href="#embed_pos1">…</a></li>`), when the list holds `_LINKED_ITEMS` of them: a box of related
    articles set before the headline or in the text. Its other items (a line of text, a link to
    another site) stay for the line rules to judge. With fewer such links, the whole list goes when
    every other item is a line the line rules drop (a promotion: « Lisez la suite de l'interview dans
    La Libre »). A link to a subdomain of the page's site (the outlet's blog) is to the site's own pages.
    """
    out = []
    own = _bare_host(host)
    for p in root.xpath("//body//p[.//a[@href]] | //body//h2[.//a[@href]] | //body//h3[.//a[@href]] | //body//h4[.//a[@href]]"):
        kind = _linked_headline(p, own)
        if kind == "own" or kind == "arrow":
            out.append(p)
    for items in root.xpath("//body//ul[li//a[@href]] | //body//ol[li//a[@href]]"):
        kinds = {li: _linked_headline(li, own, anchors=True) or _labelled_links(li, own) for li in items if li.tag == "li" and li.text_content().strip()}
        linked = [li for li, kind in kinds.items() if kind in ("own", "anchor")]
        if not linked:
            continue
        if len(linked) < _LINKED_ITEMS:
            # Fewer related links: a box still when nothing else in it is text, every other item a line the
            # line rules drop (La Libre: a link to the outlet's blog and « Lisez la suite de l'interview dans
            # La Libre »). A link to another site (a source) or a line of text keeps the list.
            others = [li for li, kind in kinds.items() if kind not in ("own", "anchor")]
            if any(kinds[li] is not None or not _dropped_line(li) for li in others):
                continue
        elif None in kinds.values():
            # The list's other lines (text, a promotion) are for the line rules, unless they are a few among many
            # links: then they are teasers too, and every item goes (the list's container stays).
            out += list(kinds) if len(linked) >= _BOX_SHARE * len(kinds) else linked
            continue
        box = items  # the whole list, and the box around it when all it adds is a heading (« Compléments d'informations »)
        for _ in range(2):
            parent = box.getparent()
            if parent is None or parent.tag in ("body", "html"):
                break
            if len(parent.text_content().split()) - len(box.text_content().split()) > _BOX_HEADING_WORDS:
                break
            box = parent
        out.append(box)
    return out


_BOX_HEADING_WORDS = 6  # a box's heading; more is text the box stands in


_LINKS = _XPath(".//a[@href]")  # compiled once: asked of every paragraph, heading and list item that holds a link


def _linked_headline(el, own: str | None, anchors: bool = False) -> str | None:
    """What an element holding one link and nothing else but an arrow mark links to: « own » (an article
    of the site, relative or on its host), « anchor » (a place in the page, when `anchors`), « arrow »
    (anywhere, announced by an arrow mark), « other » (another site); None when it is not one bare
    link of a headline's length (a linked sentence ends with « . »)."""
    links = _LINKS(el)
    if len(links) != 1:
        return None
    href = links[0].get("href", "").strip()
    target = urlsplit(href)
    if target.scheme not in ("", "http", "https"):
        return None  # « mailto: », « javascript: »
    anchor = not target.scheme and not target.netloc and not target.path and len(target.fragment) > 1
    subsite = bool(target.netloc) and _is_own(target.hostname, own) and _bare_host(target.hostname) != own
    if not target.path.strip("/") and not (anchors and anchor) and not subsite:
        return None  # « #comments », the home page (a blog or section on the site's subdomain is one of its pages)
    text = " ".join(el.text_content().split())
    linked = " ".join(links[0].text_content().split())
    if not linked or text.endswith(".") or not text.endswith(linked):
        return None
    mark = text[: len(text) - len(linked)].strip()
    # A headline's words (a lone « : » or « - » is none); a link an arrow announces is a pointer whatever its length
    # (Télé-Loisirs' « >>> Oscars 2016 : George Clooney réagit à son tour à l'absence des minorités dans les nominations »).
    words = len(_WORD.findall(linked))
    if words > (_ARROW_LINK_WORDS if mark and _ARROW.fullmatch(mark) else _LINKED_HEADLINE_WORDS):
        return None
    if mark:
        return "arrow" if _ARROW.fullmatch(mark) else None
    if anchor:
        return "anchor"
    return "own" if not target.netloc or _is_own(target.hostname, own) else "other"


_LABELLED_ITEM_WORDS = 40  # a label and a few headlines (« Les questions pratiques : Comment faire ses courses ? ; … »)
_ITEM_LABEL_WORDS = 6


def _labelled_links(el, own: str | None) -> str | None:
    """« own » for a list item that is a short label, then links to the site's own articles that carry most of its
    words (`<li><strong>Vos questions sur le coronavirus : </strong><a href="/les-decodeurs/…">Nos réponses pour mieux
    comprendre l'épidémie</a></li>`): an item of a box of related articles, as a bare link is. Else None."""
    links = [a for a in _LINKS(el) if a.text_content().strip()]
    if not links or own is None:
        return None
    for a in links:
        target = urlsplit(a.get("href", "").strip())
        if target.scheme not in ("", "http", "https") or not target.path.strip("/") or (target.netloc and not _is_own(target.hostname, own)):
            return None
    text = " ".join(el.text_content().split())
    first = " ".join(links[0].text_content().split())
    label = text[: text.find(first)] if first in text else text
    linked = sum(len(" ".join(a.text_content().split())) for a in links)
    if text.endswith(".") or len(text.split()) > _LABELLED_ITEM_WORDS or len(label.split()) > _ITEM_LABEL_WORDS or linked < 0.5 * len(text):
        return None
    if boilerplate._DATED_ITEM.match(label.strip()):
        return None  # « 11 décembre 2019 : Libération “…” »: an entry of a chronology or a press review the page keeps
    return "own"


def _is_own(host: str | None, own: str | None) -> bool:
    """Whether a link's host is the page's site (`own`, without « www. ») or a subdomain of it: an outlet's
    blogs, galleries or sections on their own subdomain (« politictwist.blogs.lalibre.be ») are its pages."""
    host = _bare_host(host)
    return own is not None and host is not None and (host == own or host.endswith("." + own))


def _dropped_line(el) -> bool:
    """Whether the line rules drop an element's text as a line (a promotion, a pitch, a credit)."""
    verdict = boilerplate.classify(" ".join(el.text_content().split()))
    return verdict is not None and verdict.drop


_ARROW = re.compile(r"(?:>|»|→|►|▶|\+){1,3}")
_ARROW_LINK_WORDS = 30  # an arrow and a link: a pointer; a paragraph of text is never one link
_WORD = re.compile(r"\w[\w’'.-]*")


def _bare_host(host: str | None) -> str | None:
    host = (host or "").lower()
    return (host[4:] if host.startswith("www.") else host) or None


def _is_ad_box(box, whole: str) -> bool:
    """Whether the block an ad label opens is only ads: its label, slots and a notice. A « Publicité »
    label set at the top of the article's own container opens more: the headline or a paragraph."""
    if len(whole.split()) > _AD_BOX_WORDS:
        return False
    if any(not boilerplate.is_ad_heading(" ".join(h.text_content().split())) for h in box.iter("h1")):
        return False
    return not any(len(p.text_content().split()) > _AD_BOX_PARAGRAPH for p in box.iter("p"))


_AD_BOX_PARAGRAPH = 40  # an ad notice is a sentence or two (« Ces annonces sont générées automatiquement… »)


def _drop_keeping_tail(el) -> None:
    """Remove an element but not the text that follows it inside its parent."""
    parent = el.getparent()
    tail = (el.tail or "").strip()
    if tail:
        previous = el.getprevious()
        if previous is not None:
            previous.tail = ((previous.tail or "").rstrip() + " " + el.tail.lstrip())
        else:
            parent.text = ((parent.text or "").rstrip() + " " + el.tail.lstrip())
    parent.remove(el)


_BLOCK_TAGS = {"p", "div", "section", "blockquote", "ul", "ol"}
_RECOVER_MIN_WORDS = 15  # a facts box or a lead is a sentence or more; a caption or a button is less


def _with_dropped_blocks(tree, lines: list[str], title: str | None = None) -> list[str]:
    """The text with the blocks trafilatura dropped from the middle of the article put back.

    trafilatura skips text sitting directly in a `<div>` (L'Opinion's « faits » box, a lead): among
    the children of the element holding most extracted paragraphs, a block of text (not links, not
    an aside, not a figure) that is missing from the text goes back in its place; the blocks right after
    an intertitle the text ends on (its section: a facts box or a CV set as `<div>`s, one sentence each
    will do) go after it; and so does text set bare in the element around the extracted paragraphs
    (`_with_loose_text`).
    """
    if len(lines) < 2:
        return lines
    starts = {_start_key(line): i for i, line in enumerate(lines) if len(line.split()) >= 8}
    parents: dict = {}
    matched: dict = {}  # extracted paragraph element -> its line
    for el in tree.iter("p"):  # paragraphs are not nested: each text_content() is cheap
        if el.getparent() is not None and (key := _start_key(_head(el, 300))) in starts:
            parents[el.getparent()] = parents.get(el.getparent(), 0) + 1
            matched[el] = lines[starts[key]]
    if not parents:
        return lines
    known = {_start_key(line) for line in lines}
    headline = metadata._key(title) if title else ""  # a header block repeating the headline is not text
    out = list(lines)
    container, hits = max(parents.items(), key=lambda item: item[1])
    if hits >= 2:
        # Blocks just before the paragraphs' container (a facts box above the text), then among them.
        before = [sib for sib in list(container.itersiblings(preceding=True))[:3] if isinstance(sib.tag, str)][::-1]
        pending = [text for text in (_recoverable(el, known, headline) for el in before) if text]
        # An intertitle the text ends on announces a section: the blocks right after it are that section's
        # text, put back after it (Sudinfo: « Son CV », then six `<div>`s of one or two sentences each).
        last = lines[-1] if _is_intertitle(lines[-1]) else None
        section: list[str] | None = None
        for child in container:
            if not isinstance(child.tag, str):
                continue
            key = _start_key(_head(child, 300))
            if section is not None and key in starts:
                section = None  # the same words as a heading further up: the text goes on, no section was dropped
            if section is not None:
                if not " ".join(child.text_content().split()):
                    continue  # `<p>&nbsp;</p>`
                if not (text := _recoverable(child, known, headline, _MARKED_LEAD_WORDS)):
                    break
                section.append(text)
                known.add(_start_key(text))
            elif key in starts:
                if pending:
                    at = out.index(lines[starts[key]])
                    out[at:at] = pending
                    pending = []
            elif last is not None and key == _start_key(last):
                section = []
            elif text := _recoverable(child, known, headline):
                pending.append(text)
        if section:
            at = len(out) - out[::-1].index(last)
            out[at:at] = section
    return _with_loose_text(out, matched, known, headline)


def _is_intertitle(line: str) -> bool:
    """Whether a line is a section's heading: a few words, no sentence's end (« Son CV », « Objectif : top 3 »)."""
    return len(line.split()) <= _BOX_HEADING_WORDS and not line.rstrip().endswith((".", "!", "?", "…", ":", ",", ";"))


_LOOSE_LEVELS = 2  # the paragraph's parent and grandparent: a `<blockquote>` or a wrapper inside the text's `<div>`


def _with_loose_text(lines: list[str], matched: dict, known: set[str], headline: str) -> list[str]:
    """The text with the prose set bare in the element around the extracted paragraphs put back in
    its place (La Libre 2012: two paragraphs as the text of a `<div>` whose only child is an embedded
    tweet; trafilatura keeps the tweet's `<p>` and drops the text beside it). Text outside any child,
    `_RECOVER_MIN_WORDS` words or more, not in the text already, not the headline."""
    holders: list = []
    for p in matched:
        holder = p
        for _ in range(_LOOSE_LEVELS):
            holder = holder.getparent()
            if holder is None or holder.tag in ("body", "html") or metadata._is_aside(holder):
                break
            if holder not in holders:
                holders.append(holder)
    inserts: list[tuple[str | None, str | None, str]] = []  # (line it goes before, line it goes after, text)
    whole = None
    for holder in holders:
        if not (holder.text or "").strip() and not any((c.tail or "").strip() for c in holder):
            continue  # the common case: nothing bare in it
        first = next((matched[p] for p in holder.iter("p") if p in matched), None)
        last = None
        for child, loose in [(None, holder.text), *((c, c.tail) for c in holder)]:
            if child is not None and isinstance(child.tag, str):
                last = next((matched[p] for p in reversed(list(child.iter("p"))) if p in matched), last)
            text = " ".join((loose or "").split())
            if len(text.split()) < _RECOVER_MIN_WORDS or _start_key(text) in known:
                continue
            key = metadata._key(text)
            whole = whole if whole is not None else metadata._key(" ".join(lines))
            # A header set bare opens with the headline; a lead that restates it in a sentence (« Le Premier ministre
            # a annoncé mardi matin un accord sur le budget 2013, qui… » under « Accord sur le budget 2013 ») is text.
            if key[:80] in whole or (len(headline) > 20 and key.startswith(headline)) or len(re.findall(r"[\w)]\s?:\s", text[:150])) >= 2:
                continue
            inserts.append((first, None, text) if last is None else (None, last, text))
            known.add(_start_key(text))
    out = list(lines)
    for before, after, text in inserts:
        at = out.index(before) if before is not None else out.index(after) + 1
        out[at:at] = [text]
    return out


# The standfirst (chapô) a page sets apart from the paragraphs, which trafilatura sometimes drops.
_LEAD = re.compile(
    r"(?:^|[\s_-])(?:chapo|chapeau|chapô|hat|standfirst|lead|lede|intro|subheadline|sub-headline|hat-summary|article-summary"
    r"|article-intro|article-lead|article-lede|article-chapo|deck|accroche|BlockSubHeadline[\w-]*)(?:$|[\s_-])",
    re.IGNORECASE,
)
_LEAD_WORDS = (12, 150)  # shorter is a kicker or a caption; longer is not a standfirst
# A standfirst the page marks as such may be one short sentence (« Petite plongée au fond du bassin de
# l'Aquatics Center de Londres. », 10 words): a kicker or a label does not end as a sentence does.
_MARKED_LEAD_WORDS = 6
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")  # « articleHat » is « article Hat »: « hat » is « chapeau » in English


_BYLINE = re.compile(r"(?:^|[\s_-])(?:author|authors|auteur|auteurs|writer|byline|signature)(?:$|[\s_-])", re.IGNORECASE)


def _byline_marked(el) -> bool:
    """Whether an element's class or id names it the byline (« writer », « author », « signature »…)."""
    return bool(_BYLINE.search(_CAMEL.sub(" ", f"{el.get('class', '')} {el.get('id', '')}")))


def _lead_marked(el) -> bool:
    """Whether an element's class or id names it the standfirst (« chapo », « standfirst », « articleHat »…)."""
    names = f"{el.get('class', '')} {el.get('id', '')}"
    return bool(_LEAD.search(_CAMEL.sub(" ", names))) or el.get("itemprop") == "description"


def _with_lead(tree, lines: list[str], title: str | None, meta: dict[str, str]) -> list[str]:
    """The text with the page's standfirst first when trafilatura dropped it.

    The standfirst is the first element after the headline and before the first extracted paragraph,
    outside asides, that the page marks as its lead: a lead-like class (« chapo », « standfirst »,
    « lede »…), `itemprop="description"`, or a text that is the page's own summary (`og:description`,
    `description`, `twitter:description`: the same words, or those words cut short). Its words must not
    be in the text already.
    """
    if not lines:
        return lines
    first = _start_key(lines[0])
    # Joined without a gap: a standfirst set as a list (TF1 Info's bullets) reads as one run of its items' words.
    known = "".join(metadata._key(line[:200]) for line in lines[:8])
    headline = metadata._key(title) if title else ""
    summaries = _summary_keys(meta)
    h1s = [h for h in tree.iter("h1") if headline and metadata._key(h.text_content()) == headline]
    seen_headline = not h1s
    past_byline = False  # a kicker is set with the headline; a line marked as the lead after the byline is the article's
    for el in tree.iter():
        if not isinstance(el.tag, str):
            continue
        if h1s and el is h1s[0]:
            seen_headline = True
            continue
        byline = _byline_marked(el)
        if el.tag in ("p", "div", "li") and el.text and el.text.strip() and _start_key(_head(el)) == first and not byline:
            return lines  # reached the text: no standfirst before it (a byline trafilatura keeps, « Ch. V. », is not the text)
        if not seen_headline:
            continue
        if byline:
            past_byline = True
            continue
        marked = _lead_marked(el)
        if not marked and not (summaries and el.tag in _LEAD_TAGS):
            continue
        if el.tag == "figcaption" or any(a.tag in ("figure", "figcaption") for a in el.iterancestors()):
            continue  # a caption (`<figcaption itemprop="description">`) is never the standfirst
        text = " ".join(el.text_content().split())
        # A marked line after the byline is the article's subheadline, sentence or not (« Gégé, le man qui
        # pisse selon Johnny »); one set with the headline, before any byline, is a kicker unless a sentence.
        sentence = text.endswith((".", "!", "?", "…"))
        least = _MARKED_LEAD_WORDS if marked and (past_byline or sentence) else _LEAD_WORDS[0]
        if not least <= len(text.split()) <= _LEAD_WORDS[1] or metadata._in_aside(el) or metadata._is_aside(el):
            continue
        key = metadata._key(text)
        if not marked and not _is_summary(key, summaries):
            continue
        if key not in summaries and any(_holds_summary(child, summaries) for child in el):
            continue  # a wrapper whose text starts with the summary: the summary's own element comes next, not the
            # picture, its credit and the price box set after it in the wrapper (Frandroid's test header)
        if key[:80] in known or (headline and key == headline):
            if not sentence and len(text.split()) < _LEAD_WORDS[0]:
                continue  # a short marked line the text holds already: the standfirst may come after it
            return lines
        if len(text.split()) < _LEAD_WORDS[0] and key in " ".join(metadata._key(line) for line in lines[8:]):
            return lines  # a one-sentence standfirst the text repeats further on (« Une enquête a été ouverte… »)
        return [text, *lines]
    return lines


def _is_summary(key: str, summaries: set[str]) -> bool:
    """Whether a text's key is the page's summary, or starts with a summary long enough to tell (`_summary_keys`)."""
    return any(key == s or (len(s) >= 60 and key.startswith(s)) for s in summaries)


def _holds_summary(el, summaries: set[str]) -> bool:
    """Whether an element's text is the page's summary, or starts with it."""
    return isinstance(el.tag, str) and _is_summary(metadata._key(" ".join(el.text_content().split())), summaries)


_LEAD_TAGS = {"p", "div", "h2", "h3", "span", "section", "strong", "b"}  # where a page sets its summary as the standfirst, bold included


def _summary_keys(meta: dict[str, str]) -> set[str]:
    """Keys of the page's own summary (`og:description` and its kin), without an ellipsis cutting it short."""
    out = set()
    for name in ("og:description", "description", "twitter:description"):
        value = re.sub(r"\s*(?:…|\.\.\.|\[…\])\s*$", "", meta.get(name, ""))
        for summary in (value, _RUBRIC.sub("", value, count=1)):
            if len(summary.split()) >= _LEAD_WORDS[0]:
                out.add(metadata._key(summary))
    return out


# The rubric a site sets in capitals before its summary and not before the standfirst (« TRIBUNE. La France
# accueillera… », « PSYCHOLOGIE - Nous sommes tous vulnérables… »).
_RUBRIC = re.compile(r"^[A-ZÀ-Þ][A-ZÀ-Þ’' ]{2,40}?\s*(?:\.|\s[-–—:])\s+(?=\S)")


def _head(el, size: int = 120) -> str:
    """The first `size` characters or so of an element's text, without reading a whole container's."""
    parts, length = [], 0
    for text in el.itertext():
        parts.append(text)
        length += len(text)
        if length >= size:
            break
    return "".join(parts)


def _recoverable(el, known: set[str], headline: str, sentence: int | None = None) -> str | None:
    """The text of a block worth putting back: prose, not links, an aside, a figure or a form; `sentence`
    words are enough for one that ends as a sentence does (in a section an intertitle announced)."""
    if el.tag not in _BLOCK_TAGS or metadata._is_aside(el) or _in_widget(el):
        return None
    text = " ".join(el.text_content().split())
    least = sentence if sentence and text.endswith((".", "!", "?", "…", ")")) else _RECOVER_MIN_WORDS
    if _start_key(text) in known or len(text.split()) < least or len(text.split()) > 400:
        return None
    if (len(headline) > 20 and headline in metadata._key(text)) or len(re.findall(r"[\w)]\s?:\s", text[:150])) >= 2:
        return None  # the headline again, or "Auteur : … Destinataire(s) : …" labels
    if el.xpath(".//figure|.//figcaption|.//script|.//form|.//iframe|.//p") or len(" ".join(el.xpath(".//a//text()"))) >= 0.3 * len(text):
        return None
    return text


def _start_key(text: str) -> str:
    return " ".join(text.lstrip()[:300].split())[:60].casefold()  # 60 characters of text are in the first 300 but for runs of spaces


def _without_title(lines: list[str], titles: list[str | None]) -> list[str]:
    """The body without the headline repeated in its first lines (as `<h1>`, `og:title` or `<title>`)."""
    keys = {metadata._key(t) for t in titles if t}
    keys.discard("")
    longest = max((len(t) for t in titles if t), default=0)
    out = list(lines)
    for i in range(min(5, len(out))):
        if len(out[i]) <= 2 * longest + 20 and metadata._key(out[i]) in keys:  # a paragraph is no title: skip its key
            out[i] = ""
    return [line for line in out if line]


def render_markdown(page: Page) -> str:
    """The page as a front-matter Markdown file, the form every seed file can take."""
    fields = {"title": page.title, "date": page.date, "source": page.outlet, "url": page.url}
    head = ["---"] + [f"{key}: {_front_value(str(value))}" for key, value in fields.items() if value] + ["---", ""]
    body = []
    if page.title:
        body += [f"# {' '.join(page.title.split())}", ""]
    for line in page.text.split("\n"):
        # « > » opening a paragraph is a page's arrow mark (`<b>&gt;Une arnaque qui…`); written so, the
        # line would read back as a Markdown quote, which the seed reader drops with text files' promo lines.
        line = _QUOTE_MARK.sub("", line.strip())
        if line:
            body += [line, ""]
    return "\n".join(head + body)


_QUOTE_MARK = re.compile(r"^(?:>\s*)+")


def _front_value(value: str) -> str:
    """A value on one front-matter line; one opening with a quote (« "Just Coup It" : … ») is quoted
    whole, so the reader, which takes `"…"` as YAML quoting, gives it back unchanged."""
    value = " ".join(value.split())
    if value[:1] in ("\"", "'"):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return value


def page_markdown(html: str | bytes, url: str | None = None) -> str:
    """An HTML page as front-matter Markdown; empty when no article text can be extracted."""
    page = extract_page(html, url)
    return render_markdown(page) if len(page.text.split()) >= MIN_ARTICLE_WORDS else ""


# --- metadata ---------------------------------------------------------------------------------


def _json_ld(tree) -> dict:
    """The first article-like JSON-LD object of the page (inside an @graph or a list too), its publisher given by
    reference (`{"@id": "…#organization"}`, as WordPress's SEO plugins write it) replaced by the node it names."""
    nodes: dict[str, dict] = {}
    found = None
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
                if isinstance(item.get("@id"), str) and item.get("name"):
                    nodes.setdefault(item["@id"], item)
                if any(k in _ARTICLE_TYPES for k in _kinds(item)) and (item.get("headline") or item.get("datePublished")):
                    # An article's own node over the WebPage around it (Yoast's graph lists the WebPage first).
                    if found is None or (_is_web_page(found) and not _is_web_page(item)):
                        found = item
                stack.extend(item.get("@graph", []))
    if found is None:
        return {}
    publisher = found.get("publisher")
    if isinstance(publisher, dict) and not publisher.get("name") and publisher.get("@id") in nodes:
        found = {**found, "publisher": nodes[publisher["@id"]]}
    return found


_HEADING_WORDS = 8


def _without_ending_heading(tree, lines: list[str]) -> list[str]:
    """The lines without a heading that ends them: an article never ends on one, a box whose content the extraction left
    out does (Le Figaro Bourse's sidebar pane « Cours des principales devises », held-out-21)."""
    headings = None
    while lines and len(lines[-1].split()) <= _HEADING_WORDS and not lines[-1].rstrip().endswith((".", "!", "?", "…", "»", '"', ")")):
        if headings is None:
            headings = {" ".join(h.text_content().split()) for h in tree.xpath("//body//h2|//body//h3|//body//h4")}
        if " ".join(lines[-1].split()) not in headings:
            break
        lines = lines[:-1]
    return lines


_DOUBLE_LABEL = re.compile(r"^[^.!?]{1,40}?\s*[|:–—-]\s*$")


def _without_labelled_doubles(lines: list[str]) -> list[str]:
    """The lines without one that is the next line with a label before it (« Paris Match |Le Premier ministre… » above
    « Le Premier ministre… », held-out-19: trafilatura's copy of the standfirst and the page's own)."""
    out = []
    for i, line in enumerate(lines):
        after = lines[i + 1].strip() if i + 1 < len(lines) else ""
        if len(after.split()) >= 5 and line.strip().endswith(after) and _DOUBLE_LABEL.match(line.strip()[: -len(after)]):
            continue
        out.append(line)
    return out


def _kinds(item: dict) -> list[str]:
    """A JSON-LD node's types, lower-cased (`@type` is a string or a list)."""
    kinds = item.get("@type", [])
    return [str(k).lower() for k in ([kinds] if isinstance(kinds, str) else kinds)]


def _is_web_page(item: dict) -> bool:
    return all(k == "webpage" for k in _kinds(item))


def _meta_tags(tree) -> dict[str, str]:
    found: dict[str, str] = {}
    for el in tree.xpath("//meta[@property or @name]"):
        key = (el.get("property") or el.get("name") or "").strip().lower()
        # `value=` where `content=` belongs: pages saved by some extraction tools (postlight's parser
        # writes every meta tag so); read only when `content` is absent, so a well-formed page reads the same.
        value = (el.get("content") or el.get("value") or "").strip()
        if key and value and key not in found:
            found[key] = value
    return found


def _canonical(tree) -> str | None:
    return next((href for el in tree.xpath('//link[@rel="canonical"][@href]') if (href := _absolute(el.get("href")))), None)


def _absolute(url: str | None) -> str | None:
    return url.strip() if url and url.strip().startswith(("http://", "https://")) else None


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


def _host_name(host: str) -> str:
    """The outlet a host names when nothing else does: « alternatives-economiques.fr » → « Alternatives Economiques »
    (words a hyphen joins are a name), « lenouvelliste.com » stays itself."""
    host = host[4:] if host.startswith("www.") else host
    name, _, _ = host.rpartition(".")
    if "-" in name and "." not in name and re.fullmatch(r"[a-z0-9-]+", name):
        return " ".join(word.capitalize() for word in name.split("-") if word)
    return host


# Web archives that wrap the original URL in theirs.
_ARCHIVED = re.compile(
    r"^https?://(?:web\.|wayback\.)?archive\.org/web/\d+[a-z_]*/(?P<a>.+)$"
    r"|^https?://archive\.(?:ph|today|is|li|vn|md)/\d{8,14}/(?P<b>https?://.+)$",
    re.IGNORECASE,
)


def archived_url(url: str | None) -> str | None:
    """The original URL an archive's copy stands for (web.archive.org, archive.today), else None."""
    m = _ARCHIVED.match(url or "")
    if not m:
        return None
    original = m.group("a") or m.group("b")
    original = original if re.match(r"^https?://", original, re.IGNORECASE) else "http://" + original.lstrip("/")
    return original if urlsplit(original).hostname else None
