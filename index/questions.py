"""The first stage of a question's route: clean it, tell its language, make a follow-up standalone."""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass, replace
from datetime import date

from index.conversation import Conversation
from index.errors import BadQuestion
from index.facts import AskedFact, asked_fact
from index.language import Language, detect_language, phrase
from index.lexical import content_words, tokenize
from index.text import fold
from index.timeask import AskedTime, time_words, understand_time

log = logging.getLogger(__name__)

_TERMINAL_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u206f]")
# Follow-ups lean on the previous turn: they open with a connective ("Et pour les citoyens
# chinois ?") or refer back with a pronoun ("Quand l'a-t-il dit ?" is not one: "-t-il" is inversion).
_FOLLOW_UP = re.compile(
    r"^\s*(et|mais|alors|aussi|puis|and|but|what about|how about|also)\b|"
    r"(?<![-\w])(il|elle|ils|elles|lui|leur|cela|ça|celui-ci|celle-ci|ce dernier|cette date|"
    r"he|she|they|it|that|this|those|them)(?![-\w])",
    re.IGNORECASE,
)
MAX_CARRIED_TERMS = 8
_STATUS = re.compile(r"\boù en (?:est|sont)\b", re.IGNORECASE)
_ENGLISH_CUE = re.compile(r"^\s*(?:what['’]?s new|what is new|any news|what['’]?s the latest)\b", re.IGNORECASE)
# Two prepositions the index's analyser keeps as terms, left out of a question's: « entre la Chine
# et la Russie » stems as « l'entrée » and « entre en vigueur » do ("entre"; before « en », « dans »,
# « au », « à » or a hyphen, « entre-t-il en vigueur », it is the verb and stays), and « sans visa »
# made a sentence about the other country's visa-free entry outscore one about the exemption asked.
_PREPOSITIONS = re.compile(r"\bentre\b(?!\s*-|\s+(?:en|dans|au|aux|à)\b)|\bsans\b", re.IGNORECASE)


@dataclass(frozen=True)
class Question:
    """A question understood once, read by every later stage.

    text: as asked (checked); language: of `text`; standalone: the query retrieval runs on (a
    follow-up with the previous question's terms); already_quoted: the sentence the previous answer
    led with; terms: the analysed terms of what `standalone` is about (`question_terms`); asked: the
    kind of fact asked, from `text` (or from `standalone` when `text` alone asks none: "Et pour les Russes ?");
    speaker: the person whose words the standalone query asks for (who-said-what retrieval);
    time: the period, recency or digest asked (`index.timeask`); today: the day "now" falls on.
    """

    text: str
    language: Language
    standalone: str
    already_quoted: frozenset[str] = frozenset()
    terms: tuple[str, ...] = ()
    asked: AskedFact = AskedFact()
    speaker: str | None = None
    time: AskedTime = AskedTime()
    today: date | None = None


def prepare(
    question: object,
    conversation: Conversation | None,
    limit: int,
    llm: object | None = None,
    today: date | None = None,
) -> Question:
    """Check `question`, make it standalone (the LLM rewrites follow-ups when one is configured) and
    understand it: language, terms, fact and speaker asked, and the time asked relative to `today`."""
    text = check_question(question, limit)
    last = conversation.last_answer if conversation else None
    quoted = frozenset(last.quoted[:1]) if last is not None else frozenset()
    standalone = standalone_query(text, conversation, llm)
    language = detect_language(text)
    standalone_asked = asked_fact(standalone)
    asked = standalone_asked if standalone == text else asked_fact(text)
    if not asked.kinds and standalone != text:
        asked = standalone_asked  # "Et pour les citoyens chinois ?" asks what the last one did
    previous = AskedTime.from_dict(last.time) if last is not None else None
    time = understand_time(text, language, today or date.today(), previous, follow_up=standalone != text)
    if time.kind == "recent" and _STATUS.search(text):
        asked = replace(asked, kinds=frozenset())  # "Où en sont les échanges ?" asks how things stand, not where
    if language == "fr" and _ENGLISH_CUE.search(text):
        language = "en"  # "What's new?" has no word the language guess knows
    terms = question_terms(standalone, language, today or date.today())
    return Question(text, language, standalone, quoted, terms, asked, standalone_asked.speaker, time, today)


def question_terms(text: str, language: Language, today: date) -> tuple[str, ...]:
    """The analysed terms (`lexical.tokenize`) of what `text` is about: its words of time (a period,
    « les dernières nouvelles », "latest": `timeask.time_words`) and the prepositions « entre » and
    « sans » are left out, so that they do not match « septembre dernier » or « l'entrée » in an
    old sentence; all its terms when nothing else is left."""
    kept = text
    for start, end in time_words(text, language, today) + [m.span() for m in _PREPOSITIONS.finditer(text)]:
        kept = kept[:start] + " " * (end - start) + kept[end:]
    return tuple(tokenize(kept)) or tuple(tokenize(text))


def check_question(question: object, limit: int) -> str:
    """Clean a question (control characters, spaces), or raise `BadQuestion` saying what to fix."""
    if not isinstance(question, str):
        raise BadQuestion(phrase("empty_question", "fr"))
    # Terminal control characters (a bell, an escape sequence from an arrow key) are refused, not
    # guessed at; tabs and line ends are spaces, invisible format characters are dropped.
    control = _TERMINAL_CONTROL.search(question)
    cleaned = unicodedata.normalize("NFC", _CONTROL.sub(" ", question))
    cleaned = re.sub(r"\s+", " ", cleaned).strip()
    if control:
        raise BadQuestion(phrase("control_question", detect_language(cleaned), char=f"U+{ord(control.group()):04X}"))
    if not re.search(r"\w", cleaned):
        raise BadQuestion(phrase("wordless_question" if cleaned else "empty_question", detect_language(cleaned)))
    if len(cleaned) > limit:
        raise BadQuestion(phrase("long_question", detect_language(cleaned), length=len(cleaned), limit=limit))
    return cleaned


def standalone_query(question: str, conversation: Conversation | None, llm: object | None = None) -> str:
    """Rewrite a follow-up into a question that stands alone (LLM if configured, else a rule)."""
    history = conversation.recent_queries() if conversation else []
    if not history:
        return question
    if llm is not None:
        from index.llm import LLMFailed, rewrite_followup

        try:
            return rewrite_followup(llm, history, question)
        except LLMFailed as exc:
            log.warning("follow-up rewrite by the LLM failed (%s); using the rule", exc)
    return carry_terms(question, history[-1])


def carry_terms(question: str, previous: str) -> str:
    """The deterministic follow-up rule: short or anaphoric questions borrow the previous key terms."""
    own = content_words(question)
    names = [w for w in own[1:] if w[:1].isupper()]
    short = len(own) <= 2 and not names
    if not short and not _FOLLOW_UP.search(question):
        return question
    seen = {fold(w.lower()) for w in own}
    carried = []
    for word in content_words(previous):
        key = fold(word.lower())
        if key not in seen and len(word) > 1:
            carried.append(word)
            seen.add(key)
    carried = carried[:MAX_CARRIED_TERMS]
    return f"{question} {' '.join(carried)}".strip() if carried else question
