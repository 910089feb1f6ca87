"""Reading article files: decoding, metadata (title, date, outlet, url) and a clean body to chunk."""

from __future__ import annotations

import codecs
import datetime as dt
import hashlib
import logging
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from index import boilerplate
from index.errors import ArticleUnreadable
from index.models import Article, DatePrecision
from index.text import MONTH_NUMBERS, WEEKDAYS_FR, split_sentences

__all__ = ["Notice", "ScanResult", "read_article", "scan_articles"]

logger = logging.getLogger(__name__)

ARTICLE_SUFFIXES = (".txt", ".md", ".html", ".htm")
HTML_SUFFIXES = (".html", ".htm")  # read through the same extraction as pages fetched from the web
MAX_TITLE_CHARS = 200
# Share of control characters above which decoded text is noise from a binary file, not an article.
MAX_CONTROL_SHARE = 0.3

NoticeKind = Literal["skipped", "decoded", "duplicate", "warning"]


@dataclass(frozen=True)
class Notice:
    """Something an operator should know about one file of a scan."""

    path: str
    article_id: str
    kind: NoticeKind
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.kind}: {self.message}"


@dataclass
class ScanResult:
    """The articles a scan could read, and a notice for everything skipped or doubtful."""

    articles: list[Article] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)


class _Skip(Exception):
    """A file cannot be used; the message is the reason, without the path."""


def read_article(path: Path, *, max_bytes: int = 5_000_000) -> tuple[Article, list[str]]:
    """Parse one article file into an `Article` and notes (e.g. "decoded as cp1252").

    Raises `ArticleUnreadable` when the file is empty, binary, larger than `max_bytes`, or has no
    text left once boilerplate is removed.
    """
    try:
        article, notes = _read(Path(path), max_bytes)
    except _Skip as exc:
        raise ArticleUnreadable(f"Cannot use {path}: {exc}") from None
    return article, [message for _, message in notes]


def scan_articles(seeds_dir: Path, *, max_bytes: int = 5_000_000) -> ScanResult:
    """Read every `*.txt` and `*.md` under `seeds_dir`; bad files become notices, never errors."""
    seeds_dir = Path(seeds_dir)
    if not seeds_dir.is_dir():
        raise FileNotFoundError(f"Article folder {seeds_dir} does not exist or is not a folder.")
    result = ScanResult()
    ids: dict[str, Path] = {}
    bodies: dict[str, Article] = {}
    for path in _article_files(seeds_dir):
        article_id = path.stem
        where = str(path)
        if article_id in ids:
            result.notices.append(
                Notice(
                    where,
                    article_id,
                    "skipped",
                    f"id {article_id!r} is already taken by {ids[article_id]}; rename one of the two files",
                )
            )
            continue
        ids[article_id] = path
        try:
            article, notes = _read(path, max_bytes)
        except _Skip as exc:
            result.notices.append(Notice(where, article_id, "skipped", str(exc)))
            continue
        for kind, message in notes:
            result.notices.append(Notice(where, article_id, kind, message))
        key = _body_key(article.body)
        if key in bodies:
            first = bodies[key]
            result.notices.append(
                Notice(where, article_id, "duplicate", f"duplicate of {first.id} (same text as {first.path}); skipped")
            )
            continue
        bodies[key] = article
        result.articles.append(article)
    logger.debug("scanned %s: %d articles, %d notices", seeds_dir, len(result.articles), len(result.notices))
    return result


def _article_files(seeds_dir: Path) -> list[Path]:
    found = []
    for path in seeds_dir.rglob("*"):
        relative = path.relative_to(seeds_dir)
        if any(part.startswith(".") for part in relative.parts):
            continue
        if path.suffix.lower() in ARTICLE_SUFFIXES and path.is_file():
            found.append((relative.as_posix(), path))
    return [path for _, path in sorted(found)]


def _body_key(body: str) -> str:
    return hashlib.sha256(" ".join(body.casefold().split()).encode("utf-8")).hexdigest()


# --- reading and decoding -------------------------------------------------------------------------


def _read(path: Path, max_bytes: int) -> tuple[Article, list[tuple[NoticeKind, str]]]:
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise _Skip(
                f"file is {size:,} bytes, over the {max_bytes:,}-byte limit; "
                "split it into articles or raise sources.max_bytes (DEPECHE_SOURCES__MAX_BYTES)"
            )
        raw = path.read_bytes()
    except OSError as exc:
        raise _Skip(f"cannot be read ({exc.strerror or exc})") from None
    if len(raw) > max_bytes:  # the file grew between stat and read
        raise _Skip(f"file is {len(raw):,} bytes, over the {max_bytes:,}-byte limit")
    notes: list[tuple[NoticeKind, str]] = []
    text = _decode(raw, notes)
    if path.suffix.lower() in HTML_SUFFIXES:
        from index.web.extract import page_markdown  # trafilatura loads only when there is HTML

        text = page_markdown(text, url=None)
    parsed = _parse(text, notes)
    if not parsed.body:
        raise _Skip("no article text is left once headers and boilerplate are removed")
    article = Article(
        id=path.stem,
        title=parsed.title or path.stem,
        body=parsed.body,
        date=parsed.date,
        date_precision=parsed.precision,
        outlet=parsed.outlet,
        url=parsed.url,
        path=str(path),
        content_hash=hashlib.sha256(raw).hexdigest(),
    )
    return article, notes


def _decode(raw: bytes, notes: list[tuple[NoticeKind, str]]) -> str:
    if not raw.strip():
        raise _Skip("file is empty; add the article text or remove the file")
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text = raw.decode("utf-16")
            notes.append(("decoded", "decoded as UTF-16"))
            return _check_text(text)
        except UnicodeDecodeError:
            pass
    if b"\x00" in raw:
        raise _Skip("file looks binary (it contains NUL bytes); save the article as UTF-8 text")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("utf-8-sig", errors="replace")
        bad = text.count("\ufffd")
        good = sum(1 for c in text if ord(c) > 127) - bad
        if good and bad * 10 <= good:
            # Mostly valid UTF-8 with a few corrupt bytes: cp1252 would garble every accent instead.
            notes.append(("decoded", f"decoded as UTF-8 with {bad} invalid byte sequence(s) replaced by U+FFFD"))
            return _check_text(text)
        try:
            text = raw.decode("cp1252")
            notes.append(("decoded", "decoded as cp1252 (the file is not valid UTF-8)"))
        except UnicodeDecodeError:
            # latin-1 maps every byte, so it is the last resort rather than a guess we trust.
            text = raw.decode("latin-1")
            notes.append(("decoded", "decoded as latin-1 (the file is neither UTF-8 nor cp1252)"))
    return _check_text(text)


def _check_text(text: str) -> str:
    if not text.strip():
        raise _Skip("file is empty (only whitespace); add the article text or remove the file")
    visible = [c for c in text if not c.isspace()]
    control = sum(1 for c in visible if unicodedata.category(c) in ("Cc", "Cs", "Co"))
    if control > MAX_CONTROL_SHARE * len(visible):
        raise _Skip("file looks binary (mostly control characters); save the article as UTF-8 text")
    return text


# --- parsing --------------------------------------------------------------------------------------

_WEEKDAYS = "|".join(WEEKDAYS_FR)
_MONTHS = MONTH_NUMBERS
_AGENCIES = {
    "afp": "AFP", "aa": "AA", "anadolu": "Anadolu", "reuters": "Reuters", "ap": "AP", "ansa": "ANSA",
    "dpa": "DPA", "efe": "EFE", "belga": "Belga", "ats": "ATS", "xinhua": "Xinhua", "tass": "TASS",
}  # fmt: skip
AGENCY_NAMES = frozenset(_AGENCIES.values())  # outlets that are news agencies (a story's own copy)
_FRONT_MATTER_KEYS = {"title": "title", "titre": "title", "date": "date", "source": "source",
                      "outlet": "source", "url": "url"}  # fmt: skip

_ISO_DATE = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$")
_HEADER_DATE = re.compile(r"^\s*date\s*:?\s+(\d{4}(?:-\d{1,2}){0,2})\b\s*(.*)$", re.IGNORECASE)
# "4/02/2026", "16:464/02/2026, mercredi" (a time glued to the date), "Publié le 04/02/2026 à 16h46"
_NUMERIC_DATE_LINE = re.compile(
    rf"^(?:(?:publié|mis à jour)\s+le\s+)?(?:\d{{1,2}}[:h]\d{{2}})?\s*(\d{{1,2}})/(\d{{1,2}})/(\d{{4}})"
    rf"(?:\s*(?:à\s*)?\d{{1,2}}[:h]\d{{2}})?(?:\s*,?\s*(?:{_WEEKDAYS}))?\.?$",
    re.IGNORECASE,
)
_WORDY_DATE_LINE = re.compile(
    rf"^(?:(?:publié|mis à jour)\s+le\s+)?(?:(?:{_WEEKDAYS})\s+)?(\d{{1,2}}|1er)\s+({'|'.join(_MONTHS)})\s+(\d{{4}})"
    rf"(?:\s*(?:à|,)\s*\d{{1,2}}[:h]\d{{2}})?\.?$",
    re.IGNORECASE,
)
_READ_ALSO = re.compile(r"^(?:>\s*)?(?:[àa]\s+lire|lire\s+(?:aussi|également)|voir\s+aussi)\b", re.IGNORECASE)
_HASHTAGS = re.compile(r"^#[^\s#]")
_MD_HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*$")
_CREDIT = re.compile(
    r"^(?:cr[ée]dits?(?:\s+photos?)?|photos?|illustrations?|images?)\s*:|^©"
    r"|^(?:photo|image|illustration)\s+(?:de\s|d[’'])|\bgetty\s+im",
    re.IGNORECASE,
)
_NEWSROOM_WITH = re.compile(r"^(?:la\s+)?rédaction\s+avec\b\s*(.*)$", re.IGNORECASE)
_SOURCE_LINE = re.compile(r"^source\s*:\s*(.+)$", re.IGNORECASE)
_URL_LINE = re.compile(r"^(?:(?:url|lien|source)\s*:\s*)?<?(https?://\S+?)>?$", re.IGNORECASE)
_BYLINE = re.compile(
    r"^\((?:reportage|rédigé|rédaction|version\s+française|édité|écrit|avec)\b.*\)$|^\(.*\bédité\s+par\b.*\)$",
    re.IGNORECASE,
)
# "Toute l’actualité internationale sur LINFO.re": the promo names the site that published the text.
_SITE_PROMO = re.compile(r"\bsur\s+([A-Za-z][\w-]*)\.(?:re|fr|com|be|ch|ca|net|info|org)\b")
_CAPTION = re.compile(
    r"\((?:à|au)\s+(?:gauche|droite|centre)\)|\bposen?t?\s+pour\s+(?:une|la|les)\s+photos?\b|\bphoto\b",
    re.IGNORECASE,
)
_WEEKDAY = re.compile(rf"\b(?:{_WEEKDAYS})\b", re.IGNORECASE)
_TERMINAL = re.compile(r"[.!?…][»\"”)\]’']*$")
_SPACES = re.compile(r"[ \t\u00a0\u202f\u2007\u2009\u200a\u3000]+")
_INVISIBLE = re.compile(r"[\u200b\u200c\u200d\u2060\ufeff]")
# Words a heading never ends on: a line ending with one was broken mid-sentence.
_FUNCTION_WORDS = frozenset(
    "le la les l un une des du de d au aux à a en dans par pour sur sous avec sans entre vers chez et ou "
    "mais que qui dont où ne ni se sa son ses leur leurs ce cette ces est sont".split()
)
_HEADER_LINES = 12  # metadata lines (date, outlet) are only trusted near the top


@dataclass
class _Parsed:
    title: str | None = None
    body: str = ""
    date: str | None = None
    precision: DatePrecision = "unknown"
    outlet: str | None = None
    url: str | None = None


def _normalise(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _INVISIBLE.sub("", text)
    return "\n".join(_SPACES.sub(" ", line).strip() for line in text.split("\n"))


def _parse(text: str, notes: list[tuple[NoticeKind, str]]) -> _Parsed:
    lines = _normalise(text).split("\n")
    fields, lines = _front_matter(lines, notes)
    parsed = _Parsed()
    if fields.get("date"):
        parsed.date, parsed.precision = fields["date"]
    parsed.outlet = fields.get("source")
    parsed.url = fields.get("url")

    headline, lead, credit_header = None, None, False
    first = next((i for i, line in enumerate(lines) if line), None)
    if first is not None and (m := _HEADER_DATE.match(lines[first])):
        lines[first] = ""
        found = _iso_date(m.group(1))
        if found is None:
            notes.append(("warning", f"header date {m.group(1)!r} is not a real date; ignored"))
        elif parsed.date is None:
            parsed.date, parsed.precision = found
        rest = m.group(2).strip()
        if rest and _CREDIT.search(rest):
            credit_header = True  # a photo credit, not a title; its agency is the photographer's
        elif rest and _is_lead(rest):
            lead = rest
        elif rest:
            headline = rest

    kept, meta = _clean_lines(lines)
    if parsed.date is None and meta.date:
        parsed.date, parsed.precision = meta.date
    parsed.outlet = parsed.outlet or meta.outlet
    parsed.url = parsed.url or meta.url

    # A short first line standing alone (002) is the headline, not body text.
    if headline is None and lead is None and not credit_header:
        first = next((i for i, line in enumerate(kept) if line), None)
        rest = any(line for line in kept[first + 1 :]) if first is not None else False
        # …and so is a first line that is the front matter's title itself, whatever it ends with
        # (« …une affaire d'hommes? Pas seulement... », which a headline's rule reads as a sentence).
        same = first is not None and fields.get("title") and kept[first].casefold() == _SPACES.sub(" ", fields["title"]).strip().casefold()
        if first is not None and rest and (same or _is_title_line(kept, first)):
            headline = kept[first]
            kept[first] = ""

    paragraphs = _paragraphs(kept)
    if lead:
        paragraphs.insert(0, lead)  # keep the lead's facts searchable
    paragraphs = _dedupe(paragraphs)
    parsed.body = "\n\n".join(paragraphs)

    title = fields.get("title") or headline
    if not title and lead:
        title = _first_sentence(lead)
    if not title:
        title = _title_from_body(paragraphs, prefer_dated_lead=credit_header)
    parsed.title = _tidy_title(title) if title else None
    return parsed


def _unquoted(value: str) -> str:
    """A front-matter value without YAML-style quotes around it: `"Le titre"` → `Le titre`.

    Only a value that is one quoted string loses its quotes (`\\"` and `''` inside are unescaped); a
    title that opens or closes with a quotation (`"Citation" : la suite`) keeps every character.
    """
    if len(value) < 2 or value[0] not in "\"'":
        return value
    quote = value[0]
    i, inner = 1, []
    while i < len(value):
        ch = value[i]
        if quote == '"' and ch == "\\" and i + 1 < len(value):
            inner.append(value[i + 1])
            i += 2
            continue
        if ch == quote:
            if quote == "'" and value[i + 1 : i + 2] == "'":
                inner.append("'")
                i += 2
                continue
            return "".join(inner).strip() if i == len(value) - 1 else value
        inner.append(ch)
        i += 1
    return value  # no closing quote: the quote is the value's own


def _front_matter(lines: list[str], notes: list[tuple[NoticeKind, str]]) -> tuple[dict, list[str]]:
    """Operator-given metadata between `---` lines at the very top; it wins over anything guessed."""
    if not lines or lines[0] != "---":
        return {}, lines
    close = next((i for i in range(1, min(len(lines), 60)) if lines[i] == "---"), None)
    if close is None:
        end = 1
        while end < len(lines) and re.match(r"^[\w-]+\s*:", lines[end]):
            end += 1
        notes.append(("warning", "front matter has no closing '---' line; its fields were ignored"))
        return {}, lines[end:]
    fields: dict = {}
    ignored: list[str] = []
    for line in lines[1:close]:
        if not line:
            continue
        key, sep, value = line.partition(":")
        name = _FRONT_MATTER_KEYS.get(key.strip().lower())
        value = _unquoted(value.strip())
        if not sep or name is None:
            ignored.append(line)
            continue
        if not value:
            continue
        if name == "date":
            found = _iso_date(value)
            if found is None:
                notes.append(
                    ("warning", f"front matter date {value!r} is not YYYY-MM-DD, YYYY-MM or YYYY; ignored")
                )
                continue
            fields["date"] = found
        else:
            fields[name] = value
    if ignored:
        shown = ", ".join(repr(line) for line in ignored)
        notes.append(("warning", f"front matter lines not understood (use title, date, source, url); ignored: {shown}"))
    return fields, lines[close + 1 :]


def _iso_date(value: str) -> tuple[str, DatePrecision] | None:
    m = _ISO_DATE.match(value.strip())
    if not m:
        return None
    year, month, day = m.group(1), m.group(2), m.group(3)
    return _checked_date(int(year), int(month) if month else None, int(day) if day else None)


def _checked_date(year: int, month: int | None, day: int | None) -> tuple[str, DatePrecision] | None:
    try:
        dt.date(year, month or 1, day or 1)
    except ValueError:
        return None
    if day is not None and month is not None:
        return f"{year:04d}-{month:02d}-{day:02d}", "day"
    if month is not None:
        return f"{year:04d}-{month:02d}", "month"
    return f"{year:04d}", "year"


@dataclass
class _Meta:
    date: tuple[str, DatePrecision] | None = None
    outlet: str | None = None
    url: str | None = None


def _clean_lines(lines: list[str]) -> tuple[list[str], _Meta]:
    """Drop boilerplate lines (blank in their place) and collect the metadata some of them carry."""
    meta = _Meta()
    kept: list[str] = []
    seen_text = 0
    credit = None  # an agency named only in a photo credit: the outlet of last resort
    for line in lines:
        if not line:
            kept.append("")
            continue
        seen_text += 1
        if (verdict := boilerplate.classify(line)) is not None:
            meta.outlet = meta.outlet or verdict.outlet
            credit = credit or verdict.credit
            if verdict.drop:
                kept.append("")
                continue
        near_top = seen_text <= _HEADER_LINES
        if m := _MD_HEADING.match(line):
            # A Markdown heading is a paragraph of its own, never a run-on of the next line.
            kept.extend(["", m.group(1), ""])
            continue
        if _HASHTAGS.match(line) or _READ_ALSO.match(line) or _BYLINE.match(line):
            kept.append("")
            continue
        if line.startswith(">"):
            if (m := _SITE_PROMO.search(line)) and meta.outlet is None:
                meta.outlet = m.group(1)
            kept.append("")
            continue
        if _CREDIT.search(line) and len(line.split()) <= 15:
            kept.append("")
            continue
        if m := _NEWSROOM_WITH.match(line):
            meta.outlet = meta.outlet or _agency(m.group(1))
            kept.append("")
            continue
        if (agency := _agency_line(line)) is not None:
            meta.outlet = meta.outlet or agency
            kept.append("")
            continue
        if m := _URL_LINE.match(line):
            meta.url = meta.url or m.group(1)
            kept.append("")
            continue
        if (m := _SOURCE_LINE.match(line)) and len(line.split()) <= 6:
            meta.outlet = meta.outlet or _agency(m.group(1)) or m.group(1).strip(" .")
            kept.append("")
            continue
        if near_top and (found := _date_line(line)) is not False:
            meta.date = meta.date or found
            kept.append("")
            continue
        kept.append(line)
    meta.outlet = meta.outlet or credit
    return kept, meta


def _agency(text: str) -> str | None:
    word = text.strip().strip("().,").split(" ")[0].lower() if text.strip() else ""
    return _AGENCIES.get(word)


def _agency_line(line: str) -> str | None:
    """The agency named by a line like "AFP" or "AFP Agence France-Presse", else None."""
    words = line.split()
    if not words or len(words) > 5:
        return None
    name = words[0].strip("().,")
    agency = _AGENCIES.get(name.lower())
    if agency is None or name.islower():
        return None
    rest = " ".join(words[1:]).strip("()–—- ").lower()
    if rest and not rest.startswith(("agence", "anadolu", "associated press", "france-presse")):
        return None
    return agency


def _date_line(line: str) -> tuple[str, DatePrecision] | None | bool:
    """The date of a line that is only a date (None if it is not a real one); False for other lines."""
    if m := _NUMERIC_DATE_LINE.match(line):
        return _checked_date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
    if m := _WORDY_DATE_LINE.match(line):
        day = 1 if m.group(1).lower() == "1er" else int(m.group(1))
        return _checked_date(int(m.group(3)), _MONTHS[m.group(2).lower()], day)
    return False


def _is_lead(text: str) -> bool:
    """A header that reads as a paragraph of facts rather than a headline."""
    if not _TERMINAL.search(text):
        return False
    return len(text.split()) > 15 or len(split_sentences(text)) > 1


def _is_title_line(lines: list[str], i: int) -> bool:
    line = lines[i]
    next_blank = i + 1 >= len(lines) or not lines[i + 1]
    if not next_blank or line.endswith((".", ",", ";", ":")) or len(line.split()) > 25:
        return False
    return line[0].isupper() or line[0].isdigit() or line[0] in "«\"“"


def _paragraphs(lines: list[str]) -> list[str]:
    """Rejoin lines broken inside a paragraph; blank lines separate paragraphs."""
    paragraphs: list[str] = []
    current: list[str] = []  # lines of the paragraph being built

    def flush() -> None:
        if current:
            paragraphs.append(_SPACES.sub(" ", "".join(current)).strip())
            current.clear()

    for line in lines:
        if not line:
            flush()
            continue
        if current and _continues(current, line):
            glued = line[0] in ",.)]…" or current[-1].endswith(("(", "["))
            current.append(line if glued else " " + line)
        else:
            flush()
            current.append(line)
    flush()
    return [p for p in paragraphs if p]


def _continues(current: list[str], line: str) -> bool:
    """Whether `line` carries on the paragraph made of `current` (002 breaks lines around quotes)."""
    prev = current[-1]
    if line[0] in ",.;:)]»…" or line[0].islower():
        return True
    if _TERMINAL.search(prev):
        return False
    if prev.endswith(":"):
        return True
    last_word = prev.split()[-1].casefold()
    if prev.endswith((",", ";", "(", "[")) or last_word in _FUNCTION_WORDS or last_word.endswith(("’", "'")):
        return True
    # A short unpunctuated line followed by a capitalised one is a heading, not a broken sentence.
    return not (len(current) == 1 and len(prev.split()) <= 8 and line[0].isupper())


def _dedupe(paragraphs: list[str]) -> list[str]:
    """Drop repeated paragraphs, such as a lead repeated as a photo caption."""
    seen: set[str] = set()
    kept = []
    for paragraph in paragraphs:
        key = " ".join(paragraph.casefold().split())
        if key not in seen:
            seen.add(key)
            kept.append(paragraph)
    return kept


def _first_sentence(text: str) -> str:
    spans = split_sentences(text)
    return text[spans[0][0] : spans[0][1]] if spans else text


def _title_from_body(paragraphs: list[str], *, prefer_dated_lead: bool) -> str | None:
    """The first sentence that is not a photo caption.

    After a photo-credit header the captions can run for several paragraphs, so there the wire-style
    lead (the first sentence naming a weekday, "a déclaré mercredi") is preferred when there is one.
    """
    sentences = []
    for paragraph in paragraphs[:8]:
        sentences.extend(paragraph[a:b] for a, b in split_sentences(paragraph))
    plain = [s for s in sentences if not _CAPTION.search(s)]
    if prefer_dated_lead:
        dated = next((s for s in plain if _WEEKDAY.search(s)), None)
        if dated:
            return dated
    if plain:
        return plain[0]
    return sentences[0] if sentences else None


def _tidy_title(title: str) -> str:
    title = " ".join(title.split())
    if title.endswith(".") and not title.endswith(".."):
        title = title[:-1].rstrip()
    if len(title) > MAX_TITLE_CHARS:
        cut = title[:MAX_TITLE_CHARS].rsplit(" ", 1)[0]
        title = cut.rstrip(" ,;:") + "…"
    return title
