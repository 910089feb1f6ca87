"""Who said what in one article: each sentence that quotes or reports speech gets its speaker.

French press conventions handled: « … », a déclaré X; "…", a insisté X; …, a-t-il ajouté (the pronoun
is the last named speaker); X a estimé que…; selon X; pour X, …; an attribution set inside a
quotation that runs over several sentences; quoted lines broken and rejoined by the article parser.

A speaker's `key` groups the ways one article names one person ("Vladimir Poutine", "Poutine", "le
président russe") so that who-said-what questions can be matched against it; `resolve_speaker` maps a
name from a question ("Putin", "le président chinois") onto those keys.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from index.text import fold

__all__ = [
    "Speaker", "attribute_quotes", "fuller", "keys_naming", "reports_speech", "resolve_speaker", "speaker_key", "speaker_titles",
]


@dataclass(frozen=True)
class Speaker:
    """Who a sentence quotes: `name` as the article writes it, `key` shared by every name of that person."""

    name: str
    key: str


# --- vocabulary -----------------------------------------------------------------------------------

# Past participles of verbs that introduce or attribute speech ("a déclaré", "a-t-il ajouté").
_PARTICIPLES = (
    "déclaré dit affirmé assuré ajouté estimé insisté souligné indiqué précisé expliqué annoncé averti "
    "jugé rappelé répondu répété réitéré confié martelé noté observé prévenu plaidé "
    "dénoncé qualifié appelé salué vanté promis reconnu admis écrit commenté remercié proposé demandé "
    "exhorté réaffirmé regretté déploré relevé signalé prédit tempéré exprimé accusé raconté confirmé "
    "démenti nié argué avancé protesté souhaité évoqué invoqué présenté"
).split()
# Present-tense forms used the same way ("…, estime Iouri Ouchakov", "Le ministère écrit : …").
_PRESENT = (
    "déclare dit affirme assure ajoute estime insiste souligne indique précise explique annonce écrit "
    "juge rappelle répond confie martèle prévient plaide dénonce avertit note observe insiste tranche"
).split()
# Verbs that attribute speech only after the quotation ("…, a poursuivi X"): "Moscou avait conclu des
# accords" and "a lancé des exercices" are deeds.
_INVERTED_ONLY = "poursuivi conclu lancé enchaîné renchéri glissé résumé".split()
_INVERTED_ONLY_PRESENT = "poursuit conclut lance enchaîne renchérit glisse résume".split()
_PARTICIPLE = "|".join(sorted(_PARTICIPLES, key=len, reverse=True))
_PRESENT_VERB = "|".join(sorted(_PRESENT, key=len, reverse=True))
_INVERTED_PARTICIPLE = "|".join(sorted(_PARTICIPLES + _INVERTED_ONLY, key=len, reverse=True))
_INVERTED_PRESENT = "|".join(sorted(_PRESENT + _INVERTED_ONLY_PRESENT, key=len, reverse=True))

# Words that may sit between the auxiliary, the verb and the speaker without changing who speaks.
_ADVERB = (
    r"(?:également|aussi|encore|même|notamment|déjà|ensuite|alors|toutefois|cependant|pourtant|"
    r"néanmoins|enfin|ainsi|plus\s+tard|la\s+veille|lundi|mardi|mercredi|jeudi|vendredi|samedi|"
    r"dimanche|hier|aujourd['’]hui|ce\s+matin|ce\s+soir|de\s+son\s+côté|pour\s+sa\s+part|"
    r"à\s+son\s+tour|récemment|publiquement|devant\s+la\s+presse|aux\s+journalistes)"
)
_ADVERBS = rf"(?:{_ADVERB}\s+)*"
_SINGULAR_AUX = r"(?:a|avait|aurait|a\s+ensuite)"

# ", a déclaré X" / ", avait estimé mercredi le président chinois" / ", estime X".
_INVERTED = re.compile(
    rf",\s*(?:{_SINGULAR_AUX}\s+{_ADVERBS}(?:{_INVERTED_PARTICIPLE})|(?:{_INVERTED_PRESENT}))\s+{_ADVERBS}"
    r"(?P<who>[^\s,.;:!?].*)",
    re.IGNORECASE | re.DOTALL,
)
# ", a-t-il ajouté", ", a-t-elle même déclaré", ", estime-t-il", ", dit-il".
_INVERTED_PRONOUN = re.compile(
    rf",\s*(?:(?:a|avait)-t-(?:il|elle)\s+{_ADVERBS}(?:{_INVERTED_PARTICIPLE})"
    rf"|(?:{_INVERTED_PRESENT})-(?:t-)?(?:il|elle))\b",
    re.IGNORECASE,
)
# "X a déclaré", "X avait indiqué la veille", "Le ministère écrit" (the subject is found by looking back).
# An object pronoun may sit before the verb ("Lavrov lui a assuré"); "s'est dit" speaks too.
_CLITIC = r"(?:(?:lui|leur|nous|vous|me|te)\s+|l['’]\s*)?"
_SUBJECT_VERB = re.compile(
    rf"(?<![,\w])\s*\b{_CLITIC}(?:{_SINGULAR_AUX}\s+{_ADVERBS}(?:{_PARTICIPLE})|(?:{_PRESENT_VERB})"
    rf"|s['’]est\s+{_ADVERBS}(?:dit|dite|déclaré|déclarée|montré|montrée))\b",
    re.IGNORECASE,
)
_SELON = re.compile(r"\bselon\s+(?P<who>[^,.;:!?«»\"“”()]+(?:,\s*[A-ZÀ-Ý][^,.;:!?«»\"“”()]*)?)", re.IGNORECASE)
_POUR = re.compile(r"^\s*Pour\s+(?P<who>[^,]{2,80}),")
# What "selon" introduces when it is not a speaker but a document or a statistic.
_DOCUMENTS = frozenset(
    "communiqué communiqués vidéo vidéos chiffres données document documents texte presse source sources "
    "médias sondage sondages estimations estimation rapport étude études calculs images bilan décompte "
    "informations".split()
)
_FOLDED_DOCUMENTS = frozenset(fold(d) for d in _DOCUMENTS)
_PRONOUNS = frozenset({"il", "elle", "lui"})

_UPPER = "A-ZÀÂÄÇÉÈÊËÎÏÔÖÙÛÜŸ"
_NAME_TOKEN = rf"[{_UPPER}][\w'’-]*"
# A run of capitalised words, with the lower-case particles of some names ("Lula da Silva", "ben Farhane");
# not "de", which joins titles to names far more often than it sits inside one ("Fédération de Russie").
# Words of a name are joined by spaces on one line, never by a line break.
_NAME_RUN = re.compile(
    rf"{_NAME_TOKEN}(?:[ \u00a0]+(?:(?:da|di|do|dos|del|ben|bin|al|van|von|der)[ \u00a0]+)*{_NAME_TOKEN})*"
)
# Capitalised words that start sentences or name things, never people.
_NOT_NAMES = frozenset(
    fold(w)
    for w in """
    Le La Les L Un Une Des Du De D Au Aux À A En Et Ou Mais Si Ce Cette Ces Son Sa Ses Leur Leurs Il Elle
    Ils Elles Nous Vous Je J On Selon Pour Pendant Depuis Après Avant Dans Sur Sous Par Avec Sans Lors
    Lundi Mardi Mercredi Jeudi Vendredi Samedi Dimanche Interrogé Interrogée Quelques Plus Côté Cet
    """.split()
)
# Where a title phrase stops: its complement starts ("le ministère dans un communiqué").
_TITLE_STOP = re.compile(
    r"\s+(?:à|au|aux|dans|lors|devant|en|sur|pendant|après|avant|selon|depuis|mardi|lundi|mercredi|jeudi|"
    r"vendredi|samedi|dimanche|qui|que|dont|cité|citée|interrogé|interrogée)\b|[,;:.!?«»\"“”()]",
    re.IGNORECASE,
)
_DETERMINER = re.compile(r"^(?:(?:le|la|les|des|un|une|son|sa|leur|ce|cette)\s+|l['’]\s*)", re.IGNORECASE)
_PREPOSITION_BEFORE = re.compile(r"(?:\b(?:de|du|des|à|au|aux|en|la|d['’]|l['’])\s*)$", re.IGNORECASE)
_TITLE_OPENER = re.compile(r"(?:^|(?<=[\s(]))(?:(?:le|la|son|sa|un|une|au|du|à\s+son)\s+|l['’]\s*)", re.IGNORECASE)

# Heads of titles that name a person; a title with one of these followed by a name introduces that person.
_TITLE_HEADS = frozenset(
    fold(w)
    for w in """
    président présidente dirigeant dirigeante conseiller conseillère ministre porte-parole chef cheffe
    secrétaire homologue émissaire envoyé ambassadeur ambassadrice patron patronne diplomate vice-ministre
    vice-président premier première négociateur numéro responsable maire gouverneur gouverneure
    vice-gouverneur commandant directeur directrice adjoint adjointe vice-premier
    """.split()
)
# Heads of phrases that may speak without being people ("le Kremlin", "le ministère", "la diplomatie iranienne").
_SPEAKER_HEADS = _TITLE_HEADS | frozenset(
    fold(w)
    for w in "ministère kremlin gouvernement présidence diplomatie porte-parole maison partie délégation "
    "administration agence commission autorité armée".split()
)
_NATIONALITIES = frozenset(
    fold(w)
    for w in """
    russe russes chinois chinoise américain américaine ukrainien ukrainienne iranien iranienne mongol
    mongole kazakh kazakhe indien indienne saoudien saoudienne nord-coréen nord-coréenne sud-coréen turc
    turque français française allemand allemande britannique japonais japonaise européen européenne
    brésilien brésilienne omanais ouzbek biélorusse
    """.split()
)
_PERSON_HEADS = frozenset(fold(w) for w in "président présidente dirigeant dirigeante homologue chef numéro".split())

# Offices whose holder the corpus names; used only when the article itself mentions that person.
_OFFICE_HOLDERS = {
    "president russe": "vladimir poutine",
    "dirigeant russe": "vladimir poutine",
    "chef de l'etat russe": "vladimir poutine",
    "maitre du kremlin": "vladimir poutine",
    "chef du kremlin": "vladimir poutine",
    "president chinois": "xi jinping",
    "dirigeant chinois": "xi jinping",
    "numero un chinois": "xi jinping",
    "chef de l'etat chinois": "xi jinping",
    "ministre russe des affaires etrangeres": "serguei lavrov",
    "chef de la diplomatie russe": "serguei lavrov",
    "ministre chinois des affaires etrangeres": "wang yi",
    "chef de la diplomatie chinoise": "wang yi",
    "porte-parole du kremlin": "dmitri peskov",
    "conseiller diplomatique du kremlin": "iouri ouchakov",
    "president americain": "donald trump",
    "president ukrainien": "volodymyr zelensky",
    # English forms, for questions.
    "russian president": "vladimir poutine",
    "russian leader": "vladimir poutine",
    "chinese president": "xi jinping",
    "chinese leader": "xi jinping",
    "russian foreign minister": "serguei lavrov",
    "chinese foreign minister": "wang yi",
    "kremlin spokesman": "dmitri peskov",
    "kremlin spokesperson": "dmitri peskov",
    "kremlin adviser": "iouri ouchakov",
    "kremlin aide": "iouri ouchakov",
    "us president": "donald trump",
    "american president": "donald trump",
    "ukrainian president": "volodymyr zelensky",
}
# English (and other) spellings of the names French copy transliterates its own way.
_EXONYMS = {
    "putin": "poutine",
    "vladimir putin": "vladimir poutine",
    "ushakov": "ouchakov",
    "yuri ushakov": "iouri ouchakov",
    "yury ushakov": "iouri ouchakov",
    "sergey lavrov": "serguei lavrov",
    "sergei lavrov": "serguei lavrov",
    "dmitry peskov": "dmitri peskov",
    "zelenskyy": "zelensky",
    "volodymyr zelenskyy": "volodymyr zelensky",
    "xi jin ping": "xi jinping",
    "the kremlin": "kremlin",
    "beijing": "pekin",
    "moscow": "moscou",
    "medinsky": "medinski",
    "belousov": "belooussov",
}
_ENGLISH_DETERMINER = re.compile(r"^(?:the|a|an|mr\.?|mrs\.?|ms\.?|president|m\.)\s+", re.IGNORECASE)


def speaker_key(name: str) -> str:
    """The normalised form of a name or title: folded, without determiner, single-spaced."""
    text = fold(name.replace("’", "'")).strip(" ,.;:")
    text = _DETERMINER.sub("", text)
    return re.sub(r"\s+", " ", text).strip()


# --- the article's cast ---------------------------------------------------------------------------


@dataclass
class _Cast:
    """People an article names: full names, and titles it introduces them with."""

    full_names: list[tuple[int, str, str]]  # (offset, key, name) of every name of two words or more
    titles: dict[str, str]  # title key ("president russe") -> person key
    # word -> offsets and keys of the full names holding it, in body order: a long body names
    # hundreds of people, and a scan of every name for every mention would be quadratic.
    by_word: dict[str, list[tuple[int, str]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for pos, key, _ in self.full_names:
            for word in set(key.split()):
                self.by_word.setdefault(word, []).append((pos, key))

    def name_key(self, name: str, at: int) -> str:
        """The key of a name mention: the full name it abbreviates ("Poutine" -> "vladimir poutine")."""
        key = speaker_key(name)
        tokens = key.split()
        if not tokens:
            return key
        wanted = set(tokens)
        names = self.by_word.get(min(tokens, key=lambda t: len(self.by_word.get(t, ()))), [])
        # The most recent full name before the mention, else the first one after it.
        i = bisect.bisect_right(names, (at, "\uffff"))
        for j in [*range(i - 1, -1, -1), *range(i, len(names))]:
            if wanted <= set(names[j][1].split()):
                return names[j][1]
        return key

    def title_key(self, title: str) -> str:
        """The person an article's title phrase stands for, or the title itself (institutions)."""
        key = speaker_key(title)
        if key in self.titles:
            return self.titles[key]
        words = key.split()
        if not words:
            return key
        head, tokens = words[0], set(words)
        people = {k for t, k in self.titles.items() if t.split()[0] == head and tokens <= set(t.split())}
        if len(people) == 1:
            return people.pop()
        nationality = tokens & _NATIONALITIES
        if head in _PERSON_HEADS and nationality:
            people = {
                k for t, k in self.titles.items()
                if set(t.split()) & nationality and t.split()[0] in _PERSON_HEADS
            }  # fmt: skip
            if len(people) == 1:
                return people.pop()
        holder = _OFFICE_HOLDERS.get(key)
        if holder and any(full == holder for _, full, _ in self.full_names):
            return holder
        return key


def _name_runs(text: str, start: int = 0, end: int | None = None) -> list[re.Match[str]]:
    """Capitalised runs that may be names, without sentence-initial function words."""
    runs = []
    for m in _NAME_RUN.finditer(text, start, len(text) if end is None else end):
        if all(fold(t.strip("'’")) in _NOT_NAMES for t in m.group().split()):
            continue
        runs.append(m)
    return runs


def _trim_run(text: str, m: re.Match[str]) -> tuple[int, int]:
    """A run's span without its leading function words ("Selon Iouri Ouchakov" -> "Iouri Ouchakov")."""
    start, end = m.start(), m.end()
    words = list(re.finditer(r"\S+", m.group()))
    for w in words:
        if fold(w.group().strip("'’")) in _NOT_NAMES:
            start = m.start() + w.end()
            while start < end and text[start].isspace():
                start += 1
        else:
            break
    # "du Kremlin Iouri Ouchakov": the first word after a preposition belongs to the title.
    if _PREPOSITION_BEFORE.search(text[max(0, start - 4) : start]) and len(text[start:end].split()) >= 3:
        first = re.match(r"\S+\s+", text[start:end])
        if first:
            start += first.end()
    return start, end


def _cast(body: str) -> _Cast:
    full_names: list[tuple[int, str, str]] = []
    titles: dict[str, str] = {}
    for m in _name_runs(body):
        start, end = _trim_run(body, m)
        name = body[start:end]
        if len(name.split()) < 2 or _PREPOSITION_BEFORE.search(body[max(0, start - 4) : start]):
            continue
        key = speaker_key(name)
        full_names.append((start, key, name))
        # "Le président russe Vladimir Poutine", "le porte-parole du Kremlin, Dmitri Peskov": the nearest
        # determiner that opens a title ("du Kremlin" does not, "Le conseiller du Kremlin" does).
        before = body[max(0, start - 90) : start]
        for d in reversed(list(_TITLE_OPENER.finditer(before))):
            title = speaker_key(before[d.end() :].rstrip(" ,"))
            words = title.split()
            between = before[d.end() :]
            # A clause boundary or a verb between determiner and name: the determiner opens something else.
            if re.search(r"[.;:!?«»\"“”()]|\b(?:a|et|que|qui|ont|est)\b", between, re.IGNORECASE):
                break
            if words and words[0] in _TITLE_HEADS:
                titles.setdefault(title, key)
                break
        # "Iouri Ouchakov, conseiller du Kremlin en matière de politique étrangère, a déclaré".
        after = re.match(r",\s+(?:le\s+|la\s+|l['’])?([^,.;:!?«»\"“”()]{2,80}),", body[end : end + 100])
        if after and speaker_key(after.group(1)).split()[:1] and speaker_key(after.group(1)).split()[0] in _TITLE_HEADS:
            title = speaker_key(_TITLE_STOP.split(after.group(1))[0])
            titles.setdefault(title, key)
    return _Cast(full_names, titles)


# --- finding the speaker of one sentence ----------------------------------------------------------


def _who(cast: _Cast, text: str, offset: int) -> tuple[str, str] | None:
    """(name as written, key) of the speaker phrase at the start of `text`, or None.

    `offset` is where `text` starts in the body. The speaker comes first ("Poutine au ministre…" is
    Poutine); a title may be followed by the name it introduces ("la porte-parole…, Mao Ning").
    """
    text = text.lstrip()
    if not text:
        return None
    word = re.match(r"[\w'’-]+", text)
    if word and fold(word.group()) in _PRONOUNS:
        return ("", "")  # a pronoun: the caller substitutes the last named speaker
    if _DETERMINER.match(text) or text[:1].islower():
        stop = _TITLE_STOP.search(text)
        title = text[: stop.start()] if stop else text[:80]
        title = title.strip()
        if not title or " et " in f" {title} ":
            return None
        rest = text[len(title) :]
        # "la porte-parole de la diplomatie chinoise, Mao Ning", "l'ambassadeur russe à New Delhi, Denis Alipov".
        named = re.match(
            rf"(?:\s+(?:à|au|en)\s+{_NAME_TOKEN}(?:\s+{_NAME_TOKEN})*)?\s*,?\s*({_NAME_RUN.pattern})",
            rest,
        )
        if named and all(fold(t) not in _NOT_NAMES for t in named.group(1).split()[:1]):
            name = named.group(1)
            at = offset + len(title) + named.start(1)
            return name, cast.name_key(name, at)
        # A title whose last words are capitalised ("le porte-parole de la diplomatie chinoise Lin Jian").
        runs = [m for m in _name_runs(title) if m.end() == len(title)]
        if runs:
            s, e = _trim_run(title, runs[-1])
            name = title[s:e]
            if len(name.split()) >= 2 and not _PREPOSITION_BEFORE.search(title[:s]):
                return name, cast.name_key(name, offset + s)
        if len(title.split()) > 10:
            return None
        key = cast.title_key(title)
        head = speaker_key(title).split()[:1]
        # "des diplomates", "les porte-parole": plural heads speak too.
        if not head or (
            head[0] not in _SPEAKER_HEADS and head[0].rstrip("s") not in _SPEAKER_HEADS and key == speaker_key(title)
        ):
            return None
        if key == speaker_key(title):
            cast.titles.setdefault(key, key)  # an institution: "le ministère" later refers back to it
        return title, key
    m = _NAME_RUN.match(text)
    if not m:
        return None
    name = m.group()
    if fold(name.split()[0]) in _NOT_NAMES:
        return None
    if re.match(r"\s+et\s+", text[m.end() :]):
        return None  # "Xi Jinping et Vladimir Poutine": no single speaker
    return name, cast.name_key(name, offset)


def _subject(cast: _Cast, body: str, start: int, verb: int) -> tuple[str, str] | None:
    """The subject of a speech verb at `verb`, looking back to the start of its clause."""
    before = body[start:verb].rstrip()
    # Strip adverbs and time words that sit between subject and verb ("Poutine, mercredi, a dit").
    while True:
        stripped = re.sub(rf"(?:,?\s*{_ADVERB})\s*,?$", "", before, flags=re.IGNORECASE).rstrip()
        if stripped == before:
            break
        before = stripped
    # An apposition: "Iouri Ouchakov, conseiller du Kremlin…, a déclaré"; "Le porte-parole, Dmitri Peskov, a".
    appo = re.search(r",([^,]{1,140}),$", before)
    if appo:
        inner = appo.group(1).strip()
        head = before[: appo.start()].rstrip()
        inner_run = _NAME_RUN.fullmatch(inner)
        if inner_run and fold(inner.split()[0]) not in _NOT_NAMES and len(inner.split()) >= 2:
            return inner, cast.name_key(inner, start + appo.start(1))
        before = head
    pronoun = re.search(r"(?:^|[\s,])(il|elle)$", before, re.IGNORECASE)
    if pronoun:
        # Only a pronoun opening the sentence ("Il a précisé", "Mardi, il a dit") stands for the last
        # speaker; one inside a clause ("…, où elle avait averti") refers to whoever the clause is about.
        opener = before[: pronoun.start(1)].strip()
        if not opener or (opener.endswith(",") and len(opener.split()) <= 5 and not _has_quote(opener)):
            return ("", "")
        return None
    # The subject starts after the last clause boundary.
    cut = max(before.rfind(", "), before.rfind(": "), before.rfind("; "), before.rfind(" que "), before.rfind(" qu'"))
    if cut >= 0:
        clause_start = cut + (4 if before[cut:].startswith((" que", " qu'")) else 2)
    else:
        clause_start = 0
    clause = before[clause_start:].strip()
    if not clause or len(clause.split()) > 12 or re.search(r"\bet\b", clause):
        return None
    # A name at the end of the clause: "Le président russe Vladimir Poutine", "Xi".
    runs = [m for m in _name_runs(clause) if m.end() == len(clause)]
    if runs:
        s, e = _trim_run(clause, runs[-1])
        name = clause[s:e]
        if name and not _PREPOSITION_BEFORE.search(clause[max(0, s - 4) : s]):
            return name, cast.name_key(name, start + clause_start + s)
    if _DETERMINER.match(clause):
        return _who(cast, clause, start + clause_start)
    return None


def _closes_apposition(text: str, comma: int) -> bool:
    """True when the comma at `comma` ends an apposition to the subject, not a quotation.

    "La présidente de la Commission, Ursula von der Leyen, a accusé Pékin" and "Xi Jinping, s'exprimant
    par un interprète, a appelé" read like inverted attributions but name their speaker first.
    """
    before = text[:comma].rstrip()
    if before[-1:] in "»”\"":
        return False
    segment = before[before.rfind(",") + 1 :].strip()
    run = _NAME_RUN.fullmatch(segment)
    if run and len(segment.split()) >= 2 and fold(segment.split()[0]) not in _NOT_NAMES:
        return True
    first = _NAME_RUN.match(text.lstrip())
    return bool(first and before.count(",") == 1 and text.lstrip()[first.end() :].startswith(","))


def _attributions(cast: _Cast, body: str, start: int, end: int) -> Iterator[tuple[str, str]]:
    """Speakers a sentence names, most reliable form first; ("", "") stands for a pronoun."""
    text = body[start:end]
    if _INVERTED_PRONOUN.search(text):
        yield ("", "")
    for m in _INVERTED.finditer(text):
        if _closes_apposition(text, m.start()):
            continue
        if who := _who(cast, m.group("who"), start + m.start("who")):
            yield who
    for m in _SELON.finditer(text):
        who_text = m.group("who").strip()
        first = re.match(r"(?:le|la|les|l['’]|un|une|des|du)?\s*([\w-]+)", who_text, re.IGNORECASE)
        if first and fold(first.group(1)) in _FOLDED_DOCUMENTS:
            continue
        if who := _who(cast, who_text, start + m.start("who")):
            yield who
    for m in _SUBJECT_VERB.finditer(text):
        if who := _subject(cast, body, start, start + m.start()):
            yield who
    pour = _POUR.match(text)
    if pour:
        who = _who(cast, pour.group("who"), start + pour.start("who"))
        # Only people: "Pour Pékin, le sommet est une vitrine" is not a quotation.
        if who and who != ("", "") and (" " in who[1] or who[1] in cast.titles.values()):
            yield who


def _quote_depths(body: str, spans: Sequence[tuple[int, int]]) -> list[tuple[bool, bool]]:
    """For each sentence: (starts inside an open quotation, ends inside one), paragraph by paragraph."""
    result = []
    open_quote = False
    previous_end = 0
    for start, end in spans:
        if "\n\n" in body[previous_end:start]:
            open_quote = False  # a paragraph break closes any quotation left open
        starts_open = open_quote
        depth = 1 if open_quote else 0
        straight = open_quote
        for ch in body[start:end]:
            if ch in "«“":
                depth += 1
            elif ch in "»”":
                depth = max(0, depth - 1)
            elif ch == '"':
                straight = not straight
                depth = 1 if straight else 0
        open_quote = depth > 0
        result.append((starts_open, open_quote))
        previous_end = end
    return result


def _has_quote(text: str) -> bool:
    return any(ch in text for ch in "«»“”\"")


def attribute_quotes(body: str, spans: Sequence[tuple[int, int]]) -> list[Speaker | None]:
    """The speaker of each sentence of `body`, or None where a sentence neither quotes nor reports speech.

    body: an article body (`Article.body`); spans: its sentences as `(start, end)` offsets, as
    `index.chunking.split_sentences(body)` returns them. A pronoun ("a-t-il ajouté", "Il a
    précisé") stands for the last named speaker; the sentences of a quotation that runs over several
    sentences share the speaker its attribution names; a quotation with no attribution that directly
    follows another quotation continues it. Raises ValueError when the spans are not ordered offsets
    into `body`.
    """
    previous = 0
    for start, end in spans:
        if not (previous <= start <= end <= len(body)):
            raise ValueError(
                f"sentence span ({start}, {end}) is out of order or outside the {len(body)}-character body; "
                "pass the spans split_sentences(body) returns"
            )
        previous = end
    cast = _cast(body)
    found = [list(_attributions(cast, body, start, end)) for start, end in spans]

    speakers: list[Speaker | None] = [None] * len(spans)
    depths = _quote_depths(body, spans)
    # Sentences of one quotation that runs over several sentences: the attribution may sit in any of them.
    groups: list[list[int]] = []
    for i, (starts_open, _) in enumerate(depths):
        if starts_open and groups and groups[-1][-1] == i - 1:
            groups[-1].append(i)
        else:
            groups.append([i])
    last: Speaker | None = None
    previous_quote: Speaker | None = None
    for group in groups:
        candidates = [who for i in group for who in found[i]]
        speaker = _choose(candidates, last, cast, spans[group[0]][0])
        quoted = any(_has_quote(body[spans[i][0] : spans[i][1]]) for i in group)
        first_text = body[spans[group[0]][0] : spans[group[0]][1]].lstrip()
        if speaker is None and previous_quote is not None and first_text[:1] in "«“\"":
            speaker = previous_quote  # « A », a dit X. « B. »: B is X's too
        for i in group:
            speakers[i] = speaker
        if speaker is not None:
            last = speaker
        previous_quote = speaker if (speaker is not None and quoted) else None
    return speakers


def _choose(candidates: list[tuple[str, str]], last: Speaker | None, cast: _Cast, at: int) -> Speaker | None:
    """The first candidate; a pronoun is the last named speaker, else the next named candidate,
    else the last person the article named before `at`."""
    if not candidates:
        return None
    if candidates[0] != ("", ""):
        return Speaker(*candidates[0])
    if last is not None:
        return last
    named = next((c for c in candidates if c != ("", "")), None)
    if named is not None:
        return Speaker(*named)
    earlier = [(pos, key, name) for pos, key, name in cast.full_names if pos < at]
    if earlier:
        _, key, name = earlier[-1]
        return Speaker(name, key)
    return None


def speaker_titles(body: str) -> dict[str, tuple[str, ...]]:
    """The titles an article introduces each person with: person key -> title keys.

    "Le porte-parole du Kremlin, Dmitri Peskov" gives {"dmitri peskov": ("porte-parole du kremlin",)}.
    Store it with the article's speakers so that `resolve_speaker` can match a question's title.
    """
    titles: dict[str, list[str]] = {}
    for title, key in _cast(body).titles.items():
        titles.setdefault(key, []).append(title)
    return {key: tuple(found) for key, found in titles.items()}


def resolve_speaker(
    mention: str,
    speakers: Iterable[Speaker | None],
    titles: Mapping[str, Sequence[str]] | None = None,
) -> str | None:
    """The key of the article speaker a question names ("Putin", "le président chinois"), or None.

    mention: a name or title as a question writes it, French or English; speakers: the article's
    `attribute_quotes` result (Nones are skipped); titles: the article's `speaker_titles`, to match a
    title the question uses ("the Kremlin spokesman", "le vice-gouverneur"). English spellings and a
    few well-known offices are translated first; a surname matches the full name it belongs to. None
    when no speaker, or more than one, matches.
    """
    people = [s for s in speakers if s is not None]
    if not people:
        return None
    candidates = _spellings(mention)
    keys = {s.key for s in people}
    for candidate in candidates:
        if candidate in keys:
            return candidate
    for candidate in candidates:
        named = {s.key for s in people if speaker_key(s.name) == candidate}
        if len(named) == 1:
            return named.pop()
    for candidate in candidates:
        tokens = set(candidate.split())
        if not tokens:
            continue
        matches = {k for k in keys if tokens <= set(k.split())}
        if len(matches) == 1:
            return matches.pop()
    return _resolve_title(mention, keys, titles or {})


def _spellings(mention: str) -> list[str]:
    """The speaker keys a question's mention may stand for: as written, in French spelling, and the
    office holder a few well-known offices name."""
    key = speaker_key(_ENGLISH_DETERMINER.sub("", mention.strip()))
    candidates = [key, _EXONYMS.get(key, key)]
    if key in _OFFICE_HOLDERS:
        candidates.append(_OFFICE_HOLDERS[key])
    for candidate in list(candidates):
        words = candidate.split()
        candidates.append(" ".join(_EXONYMS.get(w, w) for w in words))
    return candidates


def name_words(text: str) -> frozenset[str]:
    """The folded words of a text, with the French spelling of each name English writes its own way
    ("Putin" gives "putin" and "poutine"): what a question already names."""
    words = re.findall(r"\w+", fold(text))
    return frozenset(words) | {
        french for word in words if (french := _EXONYMS.get(word)) is not None and " " not in french
    }


def fuller(name: str, than: str) -> bool:
    """Whether `name` names a person better: a proper name ("Vladimir Poutine") beats a title
    ("le président russe"), then the longer one wins."""

    def rank(candidate: str) -> tuple[bool, int]:
        proper = candidate[:1].isupper() and not candidate.lower().startswith(("le ", "la ", "les ", "l'", "l’"))
        return proper, len(candidate)

    return rank(name) > rank(than)


def keys_naming(mention: str, keys: Iterable[str]) -> set[str]:
    """Every speaker key, across articles, that a question's name for a person may stand for:
    "Putin" names "vladimir poutine" and "poutine". Titles ("le président russe") are left to
    `resolve_speaker`, which knows whom each article gives them to."""
    wanted = [set(c.split()) for c in _spellings(mention) if c]
    return {key for key in keys if any(tokens <= set(key.split()) for tokens in wanted)}


# English words of titles, as the French stems (`_title_stem`) they may stand for.
_ENGLISH_TITLE_WORDS = {
    "spokesman": {"porte-parol"}, "spokeswoman": {"porte-parol"}, "spokesperson": {"porte-parol"},
    "deputy": {"adjoint", "vice"}, "vice": {"vice"}, "mayor": {"mair"}, "governor": {"gouverneur"},
    "vice-governor": {"vice-gouverneur"}, "deputy-governor": {"vice-gouverneur"},
    "head": {"chef", "cheff", "directeur", "directric", "patron", "president"}, "chief": {"chef", "cheff"},
    "boss": {"patron", "chef"}, "director": {"directeur", "directric"}, "adviser": {"conseiller", "conseiller"},
    "advisor": {"conseiller"}, "aide": {"conseiller"}, "minister": {"ministr"}, "ministry": {"minister"},
    "foreign": {"etranger"}, "affairs": {"affair"}, "president": {"president", "presidenc"},
    "leader": {"dirigeant", "chef"}, "envoy": {"emissair", "envoy"}, "ambassador": {"ambassadeur", "ambassadric"},
    "diplomat": {"diplomat"}, "secretary": {"secretair"}, "agency": {"agenc"}, "space": {"spatial"},
    "reserve": {"reserv"}, "park": {"parc"}, "national": {"national"}, "region": {"region"},
    "chinese": {"chinoi"}, "russian": {"russ"}, "american": {"americain"}, "ukrainian": {"ukrainien"},
    "kremlin": {"kremlin"}, "diplomacy": {"diplomati"},
}  # fmt: skip
_TITLE_STOP_WORDS = frozenset("de du des la le les l d the of a an s 's".split())


def _title_stem(word: str) -> str:
    """A crude stem that makes French genders and plurals meet ("chinoise", "chinois" -> "chinoi")."""
    word = fold(word).strip("'’.,")
    while len(word) > 4 and word[-1] in "es":
        word = word[:-1]
    return word


def _title_tokens(text: str) -> list[str]:
    words = re.findall(r"[\w-]+", fold(text).replace("’", "'"))
    return [w for w in words if w not in _TITLE_STOP_WORDS]


def _resolve_title(mention: str, keys: set[str], titles: Mapping[str, Sequence[str]]) -> str | None:
    """The speaker whose article titles hold every word of the mention (English words translated)."""
    wanted = _title_tokens(mention)
    if not wanted:
        return None
    matches = set()
    for key, found in titles.items():
        if key not in keys:
            continue
        for title in found:
            stems = {_title_stem(w) for w in _title_tokens(title)}
            if all(_title_stem(w) in stems or _ENGLISH_TITLE_WORDS.get(w, set()) & stems for w in wanted):
                matches.add(key)
    return matches.pop() if len(matches) == 1 else None


_QUOTATION = re.compile(r"[«“\"]\s*([^«»“”\"]+?)\s*[»”\"]")


# "…, affirmant qu'elle n'est pas partie au conflit"; "Pour le président russe, les relations…".
_SPEECH_PARTICIPLE = re.compile(
    r"\b(?:affirmant|estimant|ajoutant|assurant|soulignant|répétant|jugeant|déclarant|expliquant|précisant|"
    r"rappelant|dénonçant|martelant|insistant|avertissant|prévenant|promettant)\b",
    re.IGNORECASE,
)
_OPINION_OF = re.compile(
    rf"^\s*(?:Pour|Selon|D['’]après)\s+(?:le|la"
    rf"|l['’])\s*(?:{'|'.join(sorted(_TITLE_HEADS, key=len, reverse=True))})\b[^,]{{0,80}},",
    re.IGNORECASE,
)


def reports_speech(sentence: str) -> bool:
    """True when a sentence quotes words (three or more between quotation marks) or reports speech."""
    if any(len(m.group(1).split()) >= 3 for m in _QUOTATION.finditer(sentence)):
        return True
    return bool(
        _SPEECH_PARTICIPLE.search(sentence)
        or _OPINION_OF.match(fold(sentence))  # the title heads are folded
        or _INVERTED_PRONOUN.search(sentence)
        or _INVERTED.search(sentence)
        or _SUBJECT_VERB.search(sentence)
        or re.search(r"\bselon\s+(?!un\s+communiqué|les\s+chiffres|des\s+données)", sentence, re.IGNORECASE)
    )
