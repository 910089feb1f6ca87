"""Web boilerplate every article loses, from a saved text file or an extracted page alike.

Share buttons, reading times, ad breaks, image placeholders ("top-article-image"), logo lines and
photo credits are dropped. Some of them still say who published the text: a logo line or an agency
dateline ("PÉKIN, 5 novembre 2026 (AFP) -") names the outlet; a photo credit names an agency that
is only used when nothing else names one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from index.text import MONTH_NUMBERS

__all__ = ["LineVerdict", "classify", "dateline", "is_logo", "AGENCIES", "MONTHS"]

AGENCIES = {
    "afp": "AFP", "aa": "AA", "anadolu": "Anadolu", "reuters": "Reuters", "ap": "AP", "ansa": "ANSA",
    "dpa": "DPA", "efe": "EFE", "belga": "Belga", "ats": "ATS", "xinhua": "Xinhua", "tass": "TASS",
    "getty images": "Getty Images", "sputnik": "Sputnik", "epa": "EPA", "maxppp": "MaxPPP",
}  # fmt: skip
# Photo agencies: named in credits, but they did not publish the article.
_PHOTO_ONLY = {"Getty Images", "MaxPPP", "EPA"}
MONTHS = MONTH_NUMBERS

_SHARE = re.compile(
    r"^(?:partager|partagez|partage|share|tweeter|envoyer par (?:e-?mail|courriel)|copier le lien|imprimer)"
    r"(?:\s+(?:cet|cette|ce|un|une|sur|par|le|la|l[’']))?\s*(?:article|page|lien|facebook|twitter|x|whatsapp"
    r"|linkedin|e-?mail|courriel)?\s*:?$",
    re.IGNORECASE,
)
_SOCIAL = re.compile(r"^(?:(?:facebook|twitter|x|whatsapp|linkedin|e-?mail|messenger|telegram|bluesky|copier le lien)[\s,|/·•]*){2,}$",
                     re.IGNORECASE)  # fmt: skip
_READING_TIME = re.compile(
    r"^(?:(?:durée|temps)\s+de\s+lecture|lecture)\s*:?\s*(?:\d+|moins d[’']une)\s*(?:min(?:\.|utes?)?|mn)\.?$"
    r"|^\d+\s*(?:min(?:\.|utes?)?|mn)\.?\s+de\s+lecture\.?$|^reading\s+time\s*:?\s*\d+\s*min",
    re.IGNORECASE,
)
_ADS = re.compile(
    r"^(?:la\s+suite\s+(?:après|ci-dessous)\s+(?:cette|la|cet)\s+(?:publicité|annonce)|publicité|advertisement"
    r"|annonce|contenu\s+sponsorisé|article\s+sponsorisé)\s*\.?$",
    re.IGNORECASE,
)
# "top-article-image", "author-image", "hero_img": an image's CSS class or alt left as text.
_PLACEHOLDER = re.compile(
    r"^[a-z0-9]+(?:[-_][a-z0-9]+)*[-_](?:image|img|photo|picture|thumbnail|thumb|avatar|logo|icon|banner|visual)"
    r"(?:[-_][a-z0-9]+)*$|^(?:image|img|photo|avatar|logo|icon)[-_][a-z0-9]+(?:[-_][a-z0-9]+)*$"
)
_LOGO = re.compile(r"^(?:logo\s+(?:de\s+|du\s+|d[’'])?(?P<a>.+)|(?P<b>.+?)\s+logo)$", re.IGNORECASE)
_NAME = r"[A-ZÀ-ÖØ-Þ][\w’'.-]*(?:\s+[A-ZÀ-ÖØ-Þ][\w’'.-]*){0,3}"
_AGENCY_NAMES = "|".join(sorted((re.escape(v) for v in AGENCIES.values()), key=len, reverse=True))
# "PAVEL BYRKIN / AFP", repeated as pages often repeat it (caption and image alt).
_NAME_AGENCY = re.compile(rf"^(?:\s*{_NAME}\s*/\s*(?:[\w.-]+\s*/\s*)*(?:{_AGENCY_NAMES})\b(?:\s+via\s+Getty\s+Images)?)+\s*$")
_CREDIT = re.compile(
    r"^(?:cr[ée]dits?(?:\s+photos?)?|photos?|illustrations?|images?|©)\s*:|^©"
    r"|^(?:photo|image|illustration)\s+(?:de\s|d[’'])|\bvia\s+getty\s+images\b",
    re.IGNORECASE,
)
_CREDIT_AGENCY = re.compile(rf"(?:^|[\s/(])({_AGENCY_NAMES})(?=$|[\s/).,])")
# "PÉKIN, 5 novembre 2026 (AFP) -": place, date, agency, then the text.
_DATELINE = re.compile(
    rf"^(?P<place>[A-ZÀ-ÖØ-Þ][A-ZÀ-ÖØ-Þ’' .-]+(?:\s*\([^)]*\))?)\s*,\s*(?:le\s+)?(?P<day>\d{{1,2}}|1er)\s+"
    rf"(?P<month>{'|'.join(MONTHS)})\s+(?P<year>\d{{4}})\s*\((?P<agency>{_AGENCY_NAMES})\)\s*[-–—]",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class LineVerdict:
    """What one line is: `drop` it from the body; the `outlet` it names; the `credit` agency it names."""

    drop: bool
    outlet: str | None = None
    credit: str | None = None


def classify(line: str) -> LineVerdict | None:
    """The verdict on one stripped line, or None for an ordinary line of text."""
    words = line.split()
    if not words:
        return None
    short = len(words) <= 8
    if short and (_SHARE.match(line) or _SOCIAL.match(line) or _READING_TIME.match(line) or _ADS.match(line)):
        return LineVerdict(drop=True)
    if len(words) == 1 and _PLACEHOLDER.match(line):
        return LineVerdict(drop=True)
    if short and (name := is_logo(line)):
        return LineVerdict(drop=True, outlet=name)
    if len(words) <= 20 and (_NAME_AGENCY.match(line) or _CREDIT.search(line)):
        return LineVerdict(drop=True, credit=_credit_agency(line))
    if (found := dateline(line)) is not None:
        return LineVerdict(drop=False, outlet=found[0])
    return None


def is_logo(line: str) -> str | None:
    """The outlet a logo line names ("Logo Epoch Times" → "Epoch Times"), else None."""
    m = _LOGO.match(line.strip())
    if not m:
        return None
    name = (m.group("a") or m.group("b") or "").strip(" .:-–—|")
    if not name or len(name.split()) > 5 or not name[0].isupper():
        return None
    return name


def dateline(text: str) -> tuple[str, tuple[int, int, int]] | None:
    """The agency and (year, month, day) of a wire dateline opening `text`, else None."""
    m = _DATELINE.match(text.strip())
    if not m:
        return None
    day = 1 if m.group("day").lower() == "1er" else int(m.group("day"))
    agency = next(v for v in AGENCIES.values() if v.lower() == m.group("agency").lower())
    return agency, (int(m.group("year")), MONTHS[m.group("month").lower()], day)


def _credit_agency(line: str) -> str | None:
    """The news agency a credit names, photo-only agencies (Getty) aside; the last one wins ("Sputnik/AFP")."""
    found = [m.group(1) for m in _CREDIT_AGENCY.finditer(line)]
    names = [next(v for v in AGENCIES.values() if v.lower() == f.lower()) for f in found]
    names = [n for n in names if n not in _PHOTO_ONLY]
    return names[-1] if names else None
