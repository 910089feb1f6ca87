"""Kinds of fact: what a question asks for (a duration, an amount, a date, a person, a quote…) and what a
sentence states, so that answer selection can prefer the sentence that holds the fact over the one that
merely repeats the question's words, and abstain when no sentence states the kind asked for.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from text_to_num import text2num

from index.quotes import reports_speech
from index.text import MONTH_NUMBERS, WEEKDAYS_FR, fold

__all__ = [
    "FACT_KINDS",
    "AskedFact",
    "FactKind",
    "Mention",
    "StatedFacts",
    "asked_fact",
    "counts",
    "speaks_for_a_state",
    "states_asked_fact",
    "stated_facts",
]

FactKind = Literal["duration", "amount", "quantity", "date", "place", "person", "name", "quote"]
FACT_KINDS: tuple[FactKind, ...] = ("duration", "amount", "quantity", "date", "place", "person", "name", "quote")


@dataclass(frozen=True)
class AskedFact:
    """What a question asks for.

    kinds: the kinds of fact that answer it (empty for an open question: "Que s'est-il passé…");
    speaker: for who-said-what questions ("Qu'a dit Poutine…", "What did Putin say…", "Selon X, …"),
    the speaker's name as the question writes it, else None.
    """

    kinds: frozenset[FactKind] = frozenset()
    speaker: str | None = None
    # "À quelle date exacte…", "Quel jour…": only a day answers ("en octobre" does not).
    exact_date: bool = False
    # "Combien de documents…": what is counted, folded and without its plural ending ("document").
    counted: str | None = None
    # "Dans quelle ville…", "In which city…": a town is named after « à » (« à Saint-Pétersbourg »),
    # a country or region after « en », « au », « aux » (« en Russie »): see `names_a_town`.
    town: bool = False
    # "Quel porte-parole…", "Which spokesman…": a person, where « Qui… » may be answered by a
    # country or an institution (« Pékin », « le Kremlin »): see `states_asked_fact`.
    role: bool = False

    @property
    def who_said_what(self) -> bool:
        """True when the question asks for the words of a named speaker."""
        return self.speaker is not None


@dataclass(frozen=True)
class Mention:
    """One fact a sentence states: its kind and where it sits in the sentence."""

    kind: FactKind
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class StatedFacts:
    """The facts one sentence states, in order of position."""

    mentions: tuple[Mention, ...] = field(default_factory=tuple)

    @property
    def kinds(self) -> frozenset[FactKind]:
        """The kinds of fact the sentence states."""
        return frozenset(m.kind for m in self.mentions)

    def states(self, kind: FactKind) -> bool:
        """True when the sentence states a fact of `kind`."""
        return any(m.kind == kind for m in self.mentions)


# --- vocabulary -----------------------------------------------------------------------------------

_MONTHS = "|".join(MONTH_NUMBERS)
_WEEKDAYS = "|".join(WEEKDAYS_FR)
# Cardinals in words, French and English, one word of them at a time: a run of them ("sept cent
# mille", "vingt-deux", "twenty-two") is a cardinal when text2num reads it (`_cardinal`). "un",
# "une", "one" are not among them: "un homme" counts nothing; a unit of time or an approximate
# number after them does ("une semaine", "une douzaine", see `_APPROXIMATE` and `_DURATION`).
_CARDINAL_WORD = (
    "deux|trois|quatre|cinq|six|sept|huit|neuf|dix|onze|douze|treize|quatorze|quinze|seize|vingts?|trente|"
    "quarante|cinquante|soixante|cents?|mille|"
    "two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen"
    "|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred|thousand"
)
# "dix-sept", "quatre-vingt-dix", "trente et un", "sept cent mille", "twenty-two": joined by
# hyphens or spaces, "et" before un/une/onze ("vingt et un"), "and" in English; "un"/"une"/"one"
# only inside a run.
_CARDINAL = (
    rf"(?:{_CARDINAL_WORD})(?:(?:[\s-]+(?:{_CARDINAL_WORD}|un|une|one)|[\s-]+et[\s-]+(?:un|une|onze)"
    rf"|\s+and\s+(?:{_CARDINAL_WORD}|one))(?!\w))*"
)
# Approximate numbers and scales, from our own list (text2num reads none of them): "une douzaine",
# "des centaines", "un millier", "plusieurs", "quelques", "millions", "a dozen".
_APPROXIMATE = (
    r"(?:(?:une?|des|a)\s+)?(?:dizaines?|douzaines?|quinzaines?|vingtaines?|trentaines?|quarantaines?"
    r"|cinquantaines?|soixantaines?|centaines?|milliers?|dozens?)"
    r"|millions?|milliards?|billions?|plusieurs|quelques"
)
_NUMBER_WORDS = rf"{_CARDINAL}|{_APPROXIMATE}"
_DIGITS = r"\d+(?:[  ,.]\d+)*"
_NUMBER = rf"(?:{_DIGITS}|\b(?:{_NUMBER_WORDS})(?![\w-]))"
# A number, possibly scaled ("19 milliards", "deux cents", "plus de vingt").
_SCALED = rf"(?:(?:plus|moins)\s+d[e'’]\s*|environ\s+|près\s+d[e'’]\s*|quelque\s+)?{_NUMBER}(?:\s+(?:{_NUMBER_WORDS}))*"
_TIME_UNITS = (
    r"(?:jours?|semaines?|mois|ans|années?|heures?|minutes?|secondes?|décennies?|siècles?|nuits?"
    r"|trimestres?|semestres?|days?|weeks?|months?|years?|hours?|decades?)"
)
_CURRENCIES = r"(?:dollars?|euros?|roubles?|yuans?|yens?|livres?|francs?|roupies?|dinars?|\$|€|USD|EUR|RUB|CNY)"

_DURATION = re.compile(
    rf"(?:{_SCALED}|\b(?:un|une|a|an|one)\b)\s+{_TIME_UNITS}\b(?!\s+(?:{_MONTHS}))|\bdurée\s+(?:maximale\s+"
    rf"|minimale\s+|totale\s+)?de\s+(?!\d)(?!(?:{_NUMBER_WORDS})\b)\S+",
    re.IGNORECASE,
)
_ANNIVERSARY_BEFORE = re.compile(r"\b(?:les|des|aux|ses|leurs)\s+$", re.IGNORECASE)
_MONEY = re.compile(
    rf"{_SCALED}\s*(?:de\s+|d['’])?{_CURRENCIES}(?!\w)|[$€]\s*{_DIGITS}(?:\s*(?:millions?|milliards?))?",
    re.IGNORECASE,
)
_PERCENT = re.compile(rf"{_SCALED}\s*(?:%|pour\s*cent|points?\s+de\s+pourcentage)", re.IGNORECASE)
# A count: a number and what it counts, over an adjective that may stand between ("trois petites mares").
_BEFORE_NOUN = (
    r"(?:petite?s?|grande?s?|nouveaux|nouvelles?|nouvel|premi(?:er|ère)s?|derni(?:er|ère)s?|autres?|jeunes?"
    r"|vieux|vieilles?|gros|grosses?|bons?|bonnes?|principaux|principales?|seule?s?|anciens?|anciennes?"
    r"|small|large|big|new|other|young|old|main)"
)
_COUNT = re.compile(
    rf"{_SCALED}\s+(?:de\s+|d['’])?(?:{_BEFORE_NOUN}\s+)?[a-zà-ÿ][\w'’-]+", re.IGNORECASE
)
# Measures with a unit, one included: "plus d'un kilomètre", "180 kilogrammes", "un mètre".
_MEASURE = re.compile(
    rf"(?:{_SCALED}|\b(?:un|une)\b)\s+(?:kilo|centi|milli)?(?:mètres?|grammes?|tonnes?|litres?)\b"
    rf"|(?:{_SCALED}|\b(?:un|une)\b)\s*(?:km|kg|m|t|km/h|mw|gw|kw)\b|\b(?:mégawatts?|gigawatts?|hectares?)\b",
    re.IGNORECASE,
)
# Shares stated in words: "la plupart des questions", "la moitié de la population".
_SHARE = re.compile(
    r"\b(?:la\s+plupart|la\s+majorité|la\s+moitié|un\s+tiers|deux\s+tiers|un\s+quart|trois\s+quarts|l['’]essentiel"
    r"|une\s+grande\s+partie|la\s+totalité|une\s+minorité)\s+(?:de\s+|des\s+|du\s+|d['’])\s*[\w'’-]+",
    re.IGNORECASE,
)
_ORDINAL = re.compile(r"\b\d+(?:e|ème|er|re)\b", re.IGNORECASE)
_DATE = re.compile(
    rf"\b(?:\d{{1,2}}|1er)(?:\s+(?:au|et)\s+\d{{1,2}})?\s+(?:{_MONTHS})(?:\s+\d{{4}})?\b"
    rf"|\b(?:{_MONTHS})\s+\d{{4}}\b"
    rf"|\b(?:en|de|d['’]|depuis|dès|fin|début|mi-|jusqu['’]en|au\s+mois\s+de|mois\s+de)\s*(?:{_MONTHS})\b"
    rf"|\b(?:{_WEEKDAYS})\b"
    r"|\b\d{1,2}/\d{1,2}/\d{2,4}\b"
    r"|\b(?:en|depuis|dès|avant|après|jusqu['’]en|d['’]ici|fin|début)\s+(?:19|20)\d{2}\b"
    r"|\b(?:19|20)\d{2}\b"
    r"|\b(?:l['’]an\s+(?:dernier|prochain|passé)|l['’]année\s+(?:dernière|prochaine|passée)|cette\s+année"
    r"|la\s+semaine\s+(?:dernière|prochaine)|le\s+mois\s+(?:dernier|prochain)|(?:premier|second)\s+semestre"
    r"|la\s+veille|le\s+lendemain|hier|demain|aujourd['’]hui|(?:à\s+la\s+)?(?:fin|mi-|début)\s*(?:de\s+)?l['’](?:été"
    r"|hiver|automne)"
    r"|au\s+printemps|cet\s+(?:été|hiver|automne)|ce\s+printemps|(?:en|à\s+l['’])\s*(?:été|hiver|automne))\b"
    rf"|\b(?:{_MONTHS})\b",
    re.IGNORECASE,
)
# A date that names a day: "17 mars", "du 20 au 22 mars", "4/02/2026". Not a weekday alone: the
# "mercredi" of a sentence is mostly when something was said, not the date asked for.
_DAY = re.compile(
    rf"\b(?:\d{{1,2}}|1er)(?:\s+(?:au|et)\s+\d{{1,2}})?\s+(?:{_MONTHS})\b|\b\d{{1,2}}/\d{{1,2}}/\d{{2,4}}\b",
    re.IGNORECASE,
)
_UPPER = "A-ZÀÂÄÇÉÈÊËÎÏÔÖÙÛÜŸ"
_PROPER = rf"[{_UPPER}][\w'’-]*"
_PROPER_RUN = re.compile(rf"{_PROPER}(?:[ \u00a0]+(?:(?:da|ben|bin|al|van|von|der|bin)[ \u00a0]+)*{_PROPER})*")
# Prepositions that put a place after them; "en Chine", "à Pékin", "au Brésil", "dans l'Extrême-Orient".
_PLACE = re.compile(
    rf"\b(?:à|en|au|aux|dans|depuis|vers|jusqu['’]à|via|près\s+de|sur)\s+(?:(?:la|le|les"
    rf"|l['’])\s*)?({_PROPER_RUN.pattern})"
)
# Multi-word places a name run could be mistaken for a person ("à Abou Dhabi", "à New Delhi").
_PLACE_STARTS = frozenset(
    fold(w)
    for w in "Abou Saint Sainte New Rio Hong Oulan Los San Buenos Kuala Phnom Tel Addis Port Sri Nijni Le La".split()
)
# Capitalised function words that open sentences and phrases.
_FUNCTION_CAPS = frozenset(
    fold(w)
    for w in """
    Le La Les L Un Une Des Du De D Au Aux À A En Et Ou Mais Si Ce Cette Ces Son Sa Ses Leur Leurs Il Elle Ils
    Elles Nous Vous Je J On Selon Pour Pendant Depuis Après Avant Dans Sur Sous Par Avec Sans Lors Côté Quelques
    Plus Cet Interrogé Interrogée Arrivé Arrivée Accueilli Ancien Ancienne Partenaire Aucune Aucun Une
    """.split()
    + _WEEKDAYS.split("|")
)
# Capitalised words that start sentences, name months, days or institutions: never a person.
_NOT_PEOPLE = frozenset(
    fold(w)
    for w in """
    Le La Les L Un Une Des Du De D Au Aux À A En Et Ou Mais Si Ce Cette Ces Son Sa Ses Leur Leurs Il Elle Ils
    Elles Nous Vous Je J On Selon Pour Pendant Depuis Après Avant Dans Sur Sous Par Avec Sans Lors Par Côté
    Guerre Année Années Union Nations Conseil Organisation Affaires République Fédération Seconde Première
    Premier Proche Moyen Extrême Maison Blanche Place Etat État États Etats Emirats Émirats Sud Nord Est Ouest
    Commission Parlement Cour Force Assemblée Banque Forum Sommet Agence Institut Armée Kremlin Chine Russie
    Ukraine Pékin Moscou Kiev Occident Occidentaux Asie Europe Afrique Amérique Interaction Année Ministère
    Gazprom OTAN Otan ONU BRICS OCS SCO UE AIEA CPI Opep Libération Crédit Photo Reuters AFP
    """.split()
    + _MONTHS.split("|")
    + _WEEKDAYS.split("|")
)
_DEMONYMS = frozenset(
    fold(w)
    for w in """
    Occidentaux Occidental Occidentale Occidentales Russes Russe Chinois Chinoise Chinoises Ukrainiens Ukrainien
    Ukrainienne Européens Européen Européenne Américains Américain Américaine Iraniens Indiens Japonais Coréens
    Mongols Kazakhs Saoudiens Turcs Français Allemands Britanniques Brésiliens Africains Asiatiques Vingt-Sept
    """.split()
)
# Single names a sentence may open with: places, institutions and peoples the corpus speaks of.
_KNOWN_NAMES = (
    (_NOT_PEOPLE - _FUNCTION_CAPS)
    | _DEMONYMS
    | frozenset(
        fold(w)
        for w in """
        Washington Bruxelles Téhéran Pyongyang Tokyo Paris Londres Berlin Ankara Riyad Mascate Oman Israël Iran
        Inde Japon Mongolie Ouzbékistan Kazakhstan Turquie Corée Brésil Harbin Kazan Astana Tianjin Vladivostok
        """.split()
    )
)
_MONTH_WORDS = frozenset(fold(w) for w in _MONTHS.split("|"))
_QUOTE_SPAN = re.compile(r"[«“\"]\s*([^«»“”\"]+?)\s*[»”\"]")


def stated_facts(sentence: str) -> StatedFacts:
    """The durations, amounts, quantities, dates, places, names and quotations a French sentence states."""
    mentions: list[Mention] = []
    taken: list[tuple[int, int]] = []

    def add(kind: FactKind, start: int, end: int) -> None:
        if any(start < e and s < end for s, e in taken):
            return  # one stretch of text states one fact: "30 jours" is a duration, not also a count
        if kind in ("quantity", "duration", "amount") and not all(
            _cardinal(m.group()) is not None for m in _CARDINAL_RUN.finditer(sentence, start, end)
        ):
            return  # "deux trois fois" is no number
        taken.append((start, end))
        mentions.append(Mention(kind, start, end, sentence[start:end]))

    for m in _MONEY.finditer(sentence):
        add("amount", m.start(), m.end())
    for m in _DATE.finditer(sentence):
        add("date", m.start(), m.end())
    for m in _DURATION.finditer(sentence):
        # "les 80 ans de la fin de la guerre" is an anniversary, a number; "pendant 80 ans" lasts.
        anniversary = _ANNIVERSARY_BEFORE.search(sentence, 0, m.start())
        add("quantity" if anniversary else "duration", m.start(), m.end())
    for m in _PERCENT.finditer(sentence):
        add("quantity", m.start(), m.end())
    for m in _COUNT.finditer(sentence):
        if re.fullmatch(r"(?:plusieurs|quelques)\s+\S+", m.group(), re.IGNORECASE):
            continue  # "plusieurs reprises" states no quantity
        add("quantity", m.start(), m.end())
    for m in _SHARE.finditer(sentence):
        add("quantity", m.start(), m.end())
    for m in _MEASURE.finditer(sentence):
        add("quantity", m.start(), m.end())
    for m in _ORDINAL.finditer(sentence):
        add("quantity", m.start(), m.end())
    for m in _PLACE.finditer(sentence):
        words = m.group(1).split()
        first = fold(words[0])
        if first in _FUNCTION_CAPS or first in _MONTH_WORDS:
            continue
        if first in _DEMONYMS:
            continue  # "aux Occidentaux", "aux Européens": people, not a place
        if len(words) >= 2 and first not in _PLACE_STARTS and not _is_institution(words):
            continue  # "à Vladimir Poutine" is a person
        add("place", m.start(1), m.end(1))
    opening = len(sentence) - len(sentence.lstrip(" «“\"'—–-"))
    for m in _PROPER_RUN.finditer(sentence):
        start, end, words = _trim_proper(sentence, m)
        if not words:
            continue
        if start == opening and len(words) == 1 and fold(words[0]) not in _KNOWN_NAMES:
            continue  # "Désormais, …": any first word is capitalised; only a known name counts there
        if len(words) >= 2 and not any(fold(w) in _NOT_PEOPLE for w in words):
            add("person", start, end)
        else:
            add("name", start, end)
    if reports_speech(sentence):
        quoted = [m for m in _QUOTE_SPAN.finditer(sentence) if len(m.group(1).split()) >= 3]
        if quoted:
            for m in quoted:
                mentions.append(Mention("quote", m.start(), m.end(), m.group()))
        else:
            mentions.append(Mention("quote", 0, len(sentence), sentence))
    mentions.sort(key=lambda m: (m.start, m.end))
    return StatedFacts(tuple(mentions))


_CARDINAL_RUN = re.compile(rf"\b{_CARDINAL}(?![\w-])", re.IGNORECASE)


def _cardinal(words: str) -> int | None:
    """The value of a cardinal written in French or English words ("sept cent mille", "twenty-two"), or None."""
    words = " ".join(words.split()).lower()
    for language in ("fr", "en"):
        try:
            return text2num(words, language)
        except ValueError:
            continue
    return None


def _is_institution(words: list[str]) -> bool:
    return any(fold(w) in _NOT_PEOPLE for w in words)


def _trim_proper(sentence: str, m: re.Match[str]) -> tuple[int, int, list[str]]:
    """A capitalised run without its leading function words ("Le Kremlin" -> "Kremlin")."""
    start = m.start()
    words = m.group().split()
    while words and fold(words[0].strip("'’")) in _FUNCTION_CAPS:
        start = sentence.index(words[0], start) + len(words[0])
        while start < m.end() and sentence[start].isspace():
            start += 1
        words = words[1:]
    return start, m.end(), words


# --- questions ------------------------------------------------------------------------------------

_FLAGS = re.IGNORECASE
_Q_DURATION = re.compile(
    r"\bcombien\s+de\s+(?:temps|jours?|semaines?|mois|ans|années?|heures?|minutes?|nuits?|décennies?)\b"
    # « durée » asks one only after an interrogative (« Quelle a été la durée… », « sur quelle
    # durée »), not in « Qu'est-ce qui mesure la toxicité à faible durée ? ».
    r"|\bquel(?:le)?s?\b(?:\s+[\w'’-]+){0,3}\s+durée\b|\bdurée\s+(?:de\s+)?combien\b"
    r"|\bhow\s+long\b|\bfor\s+how\s+many\s+(?:days|weeks|months|years|hours)\b"
    r"|\bhow\s+many\s+(?:days|weeks|months|years|hours|minutes|nights)\b|\bduration\b",
    _FLAGS,
)
_Q_AMOUNT = re.compile(
    # « prix » and « coût » ask an amount after an interrogative (« Quel est le prix… », « à quel
    # prix »), not in « Qu'implique la stabilité des prix ? ».
    r"\bcombien\s+(?:a|avait|aura|ont|va)[\s-]+(?:t-(?:il|elle)\s+)?coût|\bcombien\s+coût|\bcoûté\b"
    # A prize is not a price: « Quel prix a-t-il reçu ? », « quel prix Nobel ».
    r"|\bquel(?:le)?s?\b(?:\s+[\w'’-]+){0,3}\s+(?:prix|coût)\b(?![^?]{0,15}\b(?:reçu|obtenu|remporté|gagné|décerné"
    r"|attribué|reçoit|obtient|remporte)\b|\s+(?:Nobel|Goncourt|Renaudot|Femina|Pulitzer|littéraire))"
    r"|\bmontant\b|\bcombien\s+d['’]argent\b|\bà\s+combien\s+s['’](?:élève|élevait|élèvent|chiffr)"
    r"|\bquel\s+volume\b|\bquelle\s+somme\b|\bbudget\b|\bcombien\s+(?:de\s+)?(?:dollars|euros|roubles|yuans)\b"
    r"|\bhow\s+much\b|\bwhat\s+(?:price|amount|sum)\b|\bcost\b|\bworth\b|\bvalue\s+of\b|\bvolume\b",
    _FLAGS,
)
_Q_QUANTITY = re.compile(
    r"\bcombien\b|\bquel\s+nombre\b|\bnombre\s+de\b|\bquel\s+pourcentage\b|\bquelle\s+part\b|\bquelle\s+proportion\b"
    r"|\bhow\s+many\b|\bwhat\s+(?:number|share|percentage|proportion)\b|\bhow\s+much\b"
    r"|\bquel\s+anniversaire\b|\bwhich\s+anniversary\b|\bwhat\s+anniversary\b"
    # measures: "Quelle est la longueur du pont ?", "Quel est le poids du félin ?", "How old is…"
    r"|\b(?:longueur|distance|poids|taille|hauteur|superficie|surface|profondeur|capacité|âge|vitesse|puissance)\b"
    r"|\bquel\s+âge\b|\bhow\s+(?:old|far|heavy|tall|big|large|fast|long\s+is)\b"
    r"|\b(?:length|distance|weight|height|size|area|capacity|age|speed)\s+of\b",
    _FLAGS,
)
# Names of things: a channel, a medium, a name as such ("Quel est le nom du tigre ?").
_Q_NAME = re.compile(
    r"\bquel(?:le)?s?\s+(?:chaîne|média|journal|agence|nom|fleuve|rivière|texte|document|organisation|entreprise"
    r"|groupe|programme|projet)\b|\bcomment\s+s['’]appel\w+|\bsur\s+quelle\s+chaîne\b"
    r"|\bwhich\s+(?:[\w-]+\s+){0,2}(?:channel|outlet|newspaper|agency|river|company|programme|program|project|media)\b"
    r"|\bwhat\s+is\s+(?:the\s+)?(?:name|called)\b|\bwhat\s+(?:is\s+)?(?:\w+\s+){0,3}called\b|\bname\s+of\b",
    _FLAGS,
)
_Q_EXACT_DATE = re.compile(
    r"\bdate\s+(?:exacte|précise)\b|\bquel\s+jour\b|\bexact\s+date\b|\b(?:what|which)\s+day\b",
    _FLAGS,
)
# "Combien de documents…", "Quel nombre de soldats…": the counted noun, after determiners and adjectives.
_Q_COUNTED = re.compile(
    r"\b(?:combien|quel\s+nombre)\s+d(?:e\s+|['’]\s*)(?:(?:ces|ses|leurs|les|grands?|grandes?|petits?|petites?"
    r"|nouveaux|nouvelles)\s+)*([a-zà-ÿ][\w-]+)",
    _FLAGS,
)
# What "combien de…" asks that is not a count of things: time, which durations answer.
_NOT_COUNTED = frozenset(
    fold(w) for w in "temps jours jour semaines semaine mois ans années année heures heure minutes nuits décennies fois".split()
)
_Q_DATE = re.compile(
    # "quand" asks a date at the start, after a preposition or with an inverted subject; "Que répond
    # Pékin quand on lui reproche…" is a conjunction.
    r"^\W*(?:et\s+|mais\s+)?quand\b|(?:^|[\s,;:])(?:c['’]est|était-ce)\s+quand\b|\bquand\b[^?,;]*-t-(?:il|elle|ils"
    r"|elles|on)\b"
    r"|\bquand\s+(?:est-ce|a|ont|aura|auront|sera|seront|était|doit|doivent|va|vont)\b"
    r"|\bjusqu['’]\s*(?:à\s+)?quand\b|\bdepuis\s+quand\b|\bdès\s+quand\b|\bd['’]ici\s+quand\b|\bpour\s+quand\b"
    r"|\bà\s+quelles?\s+dates?\b|\bquelles?\s+dates?\b"
    r"|\bquel\s+jour\b|\ben\s+quel(?:le)?\s+(?:année|mois|an)\b|\bquel(?:le)?\s+(?:année|mois)\b"
    r"|\bà\s+quel\s+moment\b|\bà\s+quelle\s+période\b|\bquelles?\s+périodes?\b|\bdepuis\s+quelle\s+date\b"
    r"|\bquelles\s+sont\s+les\s+dates\b|\b(?:à\s+)?quelle\s+échéance\b|\bquel\s+(?:horizon|délai|calendrier)\b|\bby\s+when\b|\bwhat\s+(?:timeline|timeframe)\b"
    r"|\bwhen\b|\buntil\s+when\b|\bsince\s+when\b|\bwhat\s+(?:date|day|year|month|time)\b"
    r"|\bon\s+which\s+(?:date|day)s?\b|\bwhich\s+(?:date|day|year|month)s?\b|\bon\s+what\s+dates?\b|\bhow\s+soon\b",
    _FLAGS,
)
_Q_PLACE = re.compile(
    # "où" asks a place at the start or with an inverted subject; "les forums où coopèrent…" is relative.
    r"^\W*(?:et\s+|mais\s+)?où\b|(?:^|[\s,;:])(?:c['’]est|était-ce)\s+où\b|\boù\b[^?,;]*-t-(?:il|elle|ils|elles|on)\b"
    r"|\boù\s+(?:est-ce|se\s+trouve|se\s+trouvent|se\s+tien\w*|se\s+dérouler\w*|se\s+déroul\w*|est|sont|a|ont|aura"
    r"|sera|était|ira|iront|va|vont)\b"
    r"|\bd['’]où\b|\bpar\s+où\b|\bdans\s+quel(?:le)?s?\s+(?:ville|pays|lieu|région|capitale|endroit)\b"
    r"|\bquel(?:le)?s?\s+(?:autres?\s+)?(?:villes?|pays|lieux?|régions?|capitales?|endroits?|fleuves?|rivières?|nations?)\b"
    r"|\bà\s+quel\s+endroit\b"
    r"|\bwhere\b|\bin\s+which\s+(?:city|country|place|region|capital)\b|\bwhich\s+(?:other\s+)?(?:city|country"
    r"|place|region|capital|river|nation)\b"
    r"|\bwhat\s+(?:city|country|place|region|capital|river|nation)\b",
    _FLAGS,
)
_PERSON_NOUNS = (
    r"(?:conseiller|ministre|dirigeant|responsable|porte-parole|président|diplomate|ambassadeur|émissaire|"
    r"chef|secrétaire|homme|femme|personne|négociateur|patron|journaliste|adviser|advisor|minister|leader|official|"
    r"spokesman|spokeswoman|spokesperson|president|diplomat|ambassador|envoy|man|woman|person|negotiator|aide)"
)
_Q_ROLE = re.compile(
    rf"\bquel(?:le)?s?\s+{_PERSON_NOUNS}\b|\bwhich\s+(?:[\w-]+\s+){{0,3}}{_PERSON_NOUNS}s?\b|\bwhat\s+{_PERSON_NOUNS}\b",
    _FLAGS,
)
_Q_PERSON = re.compile(
    rf"^\s*(?:qui|who|whom)\b|[,;:]\s*(?:qui|who)\b|(?:^|[\s,;:(])(?:à|avec|par|de|pour|contre|sans"
    rf"|auprès\s+de)\s+qui\b|\bqui\s+(?:a|avait|est|sont|ont|était|sera|va)\b"
    rf"|\bquel(?:le)?s?\s+{_PERSON_NOUNS}\b|\bwhich\s+(?:[\w-]+\s+){{0,3}}{_PERSON_NOUNS}s?\b"
    rf"|\bwhat\s+{_PERSON_NOUNS}\b"
    r"|\bwhom\b|\bwith\s+whom\b|\bwho\s+did\b",
    _FLAGS,
)

# Who-said-what forms, each with the speaker in `who`.
_SPEAKER = r"(?P<who>[^?,;:]+?)"
_WHO_END = (
    r"(?=\s+(?:sur|à\s+propos|au\s+sujet|concernant|quant|à|au|aux|de|du|des|d['’]|lors|en|dans|pendant|"
    r"après|avant|depuis|devant|face|contre|pour|lorsque|quand|alors|au\s+cours|"
    r"about|on|of|regarding|concerning|to|during|at|in|after|before|when|le|la|les)\b|\s*[?,;:]|\s*$)"
)
_Q_QUOTE = [
    # "Qu'a dit Poutine sur…", "Qu'a déclaré le président chinois…", "Qu'a répondu X ?"
    re.compile(
        rf"\bqu['’]\s*(?:a|ont|avait|aurait)[\s-]+(?:t-(?:il|elle)\s+)?(?:dit|déclaré|affirmé|répondu|annoncé|estimé|"
        rf"souligné|expliqué|assuré|ajouté|indiqué|précisé|promis|proposé|demandé|écrit|confié|rappelé|lancé"
        rf"|martelé)\s+{_SPEAKER}{_WHO_END}",
        _FLAGS,
    ),
    # "Que pense Xi de…", "Que dit X…", "Que déclare X"
    re.compile(
        rf"\bque\s+(?:pense|pensait|dit|disait|déclare|répond|estime|affirme|écrit)\s+{_SPEAKER}{_WHO_END}", _FLAGS
    ),
    # "Qu'est-ce que Poutine a dit…", "Qu'est-ce qu'Ouchakov a déclaré"
    re.compile(
        rf"\bqu['’]est-ce\s+qu(?:e\s+|['’])\s*{_SPEAKER}\s+(?:a|avait|pense|dit)\b",
        _FLAGS,
    ),
    # "Comment Poutine a-t-il qualifié…", "Que Poutine a-t-il dit", "De quoi X a-t-il parlé"
    re.compile(
        rf"^\s*(?:(?:comment|que|de\s+quoi|à\s+quoi|sur\s+quoi|pourquoi)\s+|qu['’]\s*){_SPEAKER}\s+(?:a|avait"
        rf"|aurait)-t-(?:il|elle)\s+"
        r"(?:dit|déclaré|qualifié|décrit|jugé|estimé|répondu|affirmé|souligné|présenté|parlé|appelé|insisté|remercié|"
        r"salué|averti|dénoncé|évoqué|expliqué|justifié|insisté|rappelé|assuré|précisé|annoncé|promis|vanté)\b",
        _FLAGS,
    ),
    # "Selon X, …", "D'après X, …", "Pour X, …" at the start
    re.compile(rf"^\s*(?:selon|d['’]après)\s+{_SPEAKER}\s*,", _FLAGS),
    # "…, selon X ?" at the end
    re.compile(rf",?\s+(?:selon|d['’]après)\s+{_SPEAKER}\s*\??\s*$", _FLAGS),
    # "What did Putin say…", "What does Xi think of…", "How did Putin describe…"
    re.compile(
        rf"\b(?:what|how)\s+(?:did|does|do|has|had|will)\s+{_SPEAKER}\s+(?:say|said|tell|told|think|declare|describe|"
        r"call|characteri[sz]e|announce|claim|state|argue|stress|insist|reply|respond|answer|mean|propose|promise"
        r"|warn|praise|thank)\b",
        _FLAGS,
    ),
    # "According to X, …" / "…, according to X?"
    re.compile(rf"^\s*according\s+to\s+{_SPEAKER}\s*,", _FLAGS),
    re.compile(rf",?\s+according\s+to\s+{_SPEAKER}\s*\??\s*$", _FLAGS),
    # "In X's words", "X's view on…" are left to the open question.
]
# What follows "selon"/"according to" when it is a source rather than a speaker.
_NOT_SPEAKERS = re.compile(
    r"^(?:l['’]article|les?\s+articles?|la\s+presse|les\s+médias|les\s+chiffres|les\s+données|un\s+communiqué|"
    r"the\s+article|the\s+press|the\s+media|the\s+figures|reports?|vous|toi|you|eux|them|lui|elle|him|her)\b",
    _FLAGS,
)
# Who-said-what answers: the question also asks for words, whichever speaker it names.
_Q_SAID = re.compile(
    r"\bqu['’]\s*(?:a|ont)[\s-]+(?:t-(?:il|elle)\s+)?(?:dit|déclaré)\b|\bque\s+(?:pense|dit)\b"
    r"|\bwhat\s+did\s+.+\s+say\b"
    r"|\bwho\s+said\b|\bqui\s+a\s+(?:dit|déclaré|affirmé)\b",
    _FLAGS,
)


# "le ministère chinois des Affaires étrangères", "le porte-parole du Kremlin": a title's complement.
_TITLE_COMPLEMENT = re.compile(
    r"(?:\s+(?:de\s+la|de\s+l['’]|du|des|de|d['’])\s*[A-ZÀ-Ý][\w'’-]*(?:\s+[a-zà-ÿ][\w-]*(?=\s*(?:[?,;:]|$)))?)+"
)


def _question_speaker(question: str) -> str | None:
    for pattern in _Q_QUOTE:
        m = pattern.search(question)
        if not m:
            continue
        who = m.group("who")
        titled = re.match(r"(?:le|la|les|l['’]|the)\s*\w", who, _FLAGS)
        if titled and (complement := _TITLE_COMPLEMENT.match(question, m.end("who"))):
            who += complement.group()
        who = who.strip(" \"'«»“”")
        who = re.sub(r"^(?:il|elle)\s+", "", who, flags=re.IGNORECASE)
        if not who or _NOT_SPEAKERS.match(who) or len(who.split()) > 8:
            continue
        if fold(who) in {"il", "elle", "he", "she", "they", "ils", "elles", "on"}:
            continue
        return who
    return None


def asked_fact(question: str) -> AskedFact:
    """The kinds of fact a French or English question asks for, and the speaker of a who-said-what question."""
    q = " ".join(question.split())
    kinds: set[FactKind] = set()
    if _Q_DURATION.search(q):
        kinds.add("duration")
    if _Q_AMOUNT.search(q):
        kinds.add("amount")
    if re.search(r"\banniversaire\b|\banniversary\b", q, _FLAGS) and _Q_QUANTITY.search(q):
        kinds.update(("quantity", "duration"))  # "le 30e anniversaire", "les 80 ans de…"
    if not kinds and _Q_QUANTITY.search(q):
        vague = re.search(r"\bcombien\b|\bhow\s+much\b", q, _FLAGS)
        kinds.update(("quantity", "amount", "duration") if vague else ("quantity",))
        if re.search(r"\bcombien\s+de\s+[a-zà-ÿ]|\bhow\s+many\b|\bquel\s+nombre\b", q, _FLAGS):
            kinds.discard("amount")
            kinds.discard("duration")
    if re.search(r"\bâge\b|\bâgée?s?\b|\bhow\s+old\b", q, _FLAGS):
        # An age is stated as a duration ("âgé de quatre ans"), not as any number the sentence gives.
        kinds = {"duration"}
    if _Q_DATE.search(q):
        kinds.add("date")
    if _Q_PLACE.search(q):
        kinds.add("place")
    if _Q_NAME.search(q):
        kinds.add("name")
    if _Q_PERSON.search(q):
        # Countries and institutions act and speak too ("Qui affirme être proche d'un accord ?").
        kinds.update(("person", "name"))
    speaker = _question_speaker(q)
    if speaker is not None or _Q_SAID.search(q):
        kinds.add("quote")
    # With a speaker, "Selon Poutine, à quoi a contribué…" asks the facts in the named speaker's words.
    exact = "date" in kinds and bool(_Q_EXACT_DATE.search(q))
    town = "place" in kinds and bool(_Q_TOWN.search(q))
    role = "person" in kinds and bool(_Q_ROLE.search(q))
    return AskedFact(frozenset(kinds), speaker, exact, _counted(q) if "quantity" in kinds else None, town, role)


_Q_TOWN = re.compile(r"\b(?:quelles?|which|what)\s+(?:villes?|city|cities|towns?|localités?)\b", re.IGNORECASE)
_BEFORE_TOWN = re.compile(r"(?:^|\s)(?:à|jusqu['’]à)\s*$")


def names_a_town(sentence: str, stated: StatedFacts) -> bool:
    """Whether a sentence names a place as French names a town: after « à » (« leur rencontre à
    Saint-Pétersbourg », « à Abou Dhabi »), where a country or region takes « en », « au » or
    « aux » (« en Russie »). What a question asking for a city needs, beyond any proper name."""
    return any(m.kind == "place" and _BEFORE_TOWN.search(sentence, 0, m.start) for m in stated.mentions)


def _counted(question: str) -> str | None:
    """The noun a French "combien de…" question counts, folded and singular; None when it counts
    time (a duration) or the question has no such noun."""
    m = _Q_COUNTED.search(question)
    if m is None:
        return None
    noun = fold(m.group(1))
    if noun in _NOT_COUNTED:
        return None
    return noun[:-1] if noun.endswith(("s", "x")) and len(noun) > 3 else noun


# Nouns a count of people or things may use whatever the question calls them: "700 000 personnes"
# may be the peasants asked about; a question's noun that may be a kind of one of them is not
# contradicted by its count (if we cannot tell, we answer rather than abstain).
_GENERIC_COUNTED = tuple(
    fold(w) for w in """personne gens individu habitant âme membre victime exemplaire unité élément pièce espèce cas
    people person individual member unit""".split()
)


def counts(mention: Mention, noun: str) -> bool:
    """Whether a quantity stated may count `noun`: it names it ("trois livres" for "livre"), or it
    counts people or things in general ("700 000 personnes" for "paysan"); "240 milliards de
    dollars" does not count documents."""
    words = fold(mention.text).replace("'", " ").replace("’", " ").split()
    return any(word.startswith(noun) or word.startswith(_GENERIC_COUNTED) for word in words)


def speaks_for_a_state(speaker: str) -> bool:
    """Whether a speaker a question names is a capital, country or institution standing for a
    government ("Pékin", "le Kremlin", "Washington"), whose position articles mostly report without
    quoting anyone by name ("ce que la Chine nie", "les autorités russes soulignent que…")."""
    words = [w for w in re.split(r"[\s'’]+", fold(speaker)) if w and w not in ("le", "la", "les", "l", "the")]
    return len(words) == 1 and words[0] in _KNOWN_NAMES and words[0] not in _DEMONYMS


def states_asked_fact(asked: AskedFact, stated: StatedFacts) -> bool:
    """True when a sentence states a fact of a kind the question asks for (any sentence, for open questions).

    For a who-said-what question the quotation is what is asked; the other kinds it names narrow it.
    Place and person questions accept any proper name (see `_SATISFIED_BY`).
    """
    if not asked.kinds:
        return True
    if asked.exact_date and asked.kinds <= {"date", "quote"}:
        return any(m.kind == "date" and _DAY.search(m.text) for m in stated.mentions)
    kinds = asked.kinds - {"quote"} if asked.kinds != {"quote"} else asked.kinds
    accepted = set().union(*(_SATISFIED_BY.get(k, {k}) for k in kinds))
    if asked.role and kinds <= {"person", "name"}:
        # A country, a capital or an institution (« Russie », « Kremlin ») is no spokesman.
        return any(m.kind == "person" or (m.kind == "name" and fold(m.text) not in _KNOWN_NAMES) for m in stated.mentions)
    if asked.counted and "quantity" in kinds and any(m.kind == "amount" and counts(m, asked.counted) for m in stated.mentions):
        return True  # "Combien de livres…": "trois livres" reads as a sum of pounds, and answers it
    return bool(accepted & stated.kinds)


# A place or a person is often named without the preposition or first name that tells the detector
# which it is ("avec la Russie et la Mongolie", "Poutine"): any proper name may answer either.
_SATISFIED_BY: dict[str, set[str]] = {"place": {"place", "name"}, "person": {"person", "name"}}
