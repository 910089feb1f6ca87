"""Which language a question is in (French or English), and the fixed phrases in each."""

from __future__ import annotations

import re
from typing import Literal

Language = Literal["fr", "en"]

_WORD = re.compile(r"[a-zàâäçéèêëîïôöùûüÿœæ']+", re.IGNORECASE)
_EN = frozenset(
    "the what when who whom whose which where why how did does do is are was were will would "
    "can could should has have had of to in on for with about and or from by at this that "
    "these those an it its his her their they he she visit president visa trade".split()
)
_FR = frozenset(
    "le la les un une des du de d l qu que qui quoi quand quel quelle quels quelles où pourquoi "
    "comment combien est sont était a ont au aux en et ou pour avec sur dans par ce cette ces "
    "il elle ils elles se s y jusqu à président visite régime".split()
)

PHRASES: dict[str, dict[Language, str]] = {
    "abstain": {
        "fr": "Les articles indexés ne permettent pas de répondre à cette question.",
        "en": "The indexed articles do not answer this question.",
    },
    "sources": {"fr": "Sources", "en": "Sources"},
    "undated": {"fr": "non daté", "en": "undated"},
    "unknown_outlet": {"fr": "source non précisée", "en": "outlet not stated"},
    "unknown_outlet_and_date": {"fr": "source et date non précisées", "en": "outlet and date not stated"},
    "empty_question": {
        "fr": "La question est vide : écrivez une question en toutes lettres.",
        "en": "The question is empty: please type a question.",
    },
    "control_question": {
        "fr": "La question contient un caractère de contrôle ({char}) : retapez-la sans lui.",
        "en": "The question holds a control character ({char}): please type it again without it.",
    },
    "wordless_question": {
        "fr": "La question n'a pas de mots : écrivez-la en toutes lettres.",
        "en": "The question has no words: please write the question in words.",
    },
    "long_question": {
        "fr": "La question est trop longue ({length} caractères, maximum {limit}) : raccourcissez-la.",
        "en": "The question is too long ({length} characters, at most {limit}): please shorten it.",
    },
}


def detect_language(text: str) -> Language:
    """Guess French or English from function words and accents; French when unsure."""
    words = [w.lower().strip("'") for w in _WORD.findall(text)]
    if not words:
        return "fr"
    fr = sum(w in _FR for w in words) + 2 * len(re.findall(r"[àâçéèêëîïôûùœ]", text.lower()))
    en = sum(w in _EN for w in words)
    return "en" if en > fr else "fr"


def phrase(key: str, language: Language, **values: object) -> str:
    """A fixed phrase in the given language, with `{placeholders}` filled."""
    return PHRASES[key][language].format(**values)


def normalize_language(code: str | None) -> Language:
    """Map a Telegram `language_code` (e.g. "en-GB") to a supported language; French otherwise."""
    return "en" if code and code.lower().startswith("en") else "fr"
