"""The first stage of a question's route: clean it, tell its language, make a follow-up standalone."""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass

from index.conversation import Conversation
from index.errors import BadQuestion
from index.language import Language, detect_language, phrase
from index.lexical import content_words
from index.text import fold

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


@dataclass(frozen=True)
class Question:
    """A checked question: as asked, its language, and the standalone query retrieval runs on."""

    text: str
    language: Language
    standalone: str
    already_quoted: frozenset[str] = frozenset()  # the sentence the previous answer led with


def prepare(question: object, conversation: Conversation | None, limit: int, llm: object | None = None) -> Question:
    """Check `question` and make it standalone (the LLM rewrites follow-ups when one is configured)."""
    text = check_question(question, limit)
    last = conversation.last_answer if conversation else None
    quoted = frozenset(last.quoted[:1]) if last is not None else frozenset()
    return Question(text, detect_language(text), standalone_query(text, conversation, llm), quoted)


def check_question(question: object, limit: int) -> str:
    """Clean a question (control characters, spaces), or raise `BadQuestion` saying what to fix."""
    if not isinstance(question, str):
        raise BadQuestion(phrase("empty_question", "fr"))
    # Terminal control characters (a bell, an escape sequence from an arrow key) are refused, not
    # guessed at; tabs and line ends are spaces, invisible format characters are dropped.
    control = _TERMINAL_CONTROL.search(question)
    cleaned = unicodedata.normalize("NFC", _CONTROL.sub(" ", question))
    cleaned = re.sub(r"\s+", " ", cleaned).strip()
    language = detect_language(cleaned)
    if control:
        raise BadQuestion(phrase("control_question", language, char=f"U+{ord(control.group()):04X}"))
    if not re.search(r"\w", cleaned):
        raise BadQuestion(phrase("wordless_question" if cleaned else "empty_question", language))
    if len(cleaned) > limit:
        raise BadQuestion(phrase("long_question", language, length=len(cleaned), limit=limit))
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
