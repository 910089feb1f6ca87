"""The optional last stage of a question's route: an LLM writes the answer from the numbered
passages; also builds the client and makes follow-ups standalone.

Everything here fails with `LLMFailed`, whose message is safe to log or show (it never holds the
API key); the engine then falls back to the extractive answer.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import Literal

from llama_index.core.base.llms.types import ChatMessage, MessageRole
from llama_index.core.llms import LLM

from config.settings import LLMSettings
from index.errors import DepecheError
from index.language import Language, detect_language
from index.models import Answer, Hit, Source
from index.present import PASSAGE_GAP, byline
from index.text import ABBREVIATIONS, CASELESS_ABBREVIATIONS

logger = logging.getLogger(__name__)

NO_ANSWER = "NO_ANSWER"
OPENAI_DEFAULT_BASE = "https://api.openai.com/v1"
OLLAMA_DEFAULT_BASE = "http://localhost:11434"
# Explicit, so Ollama never calls /api/show to find it and OpenAILike never guesses.
CONTEXT_WINDOW = 8192
# Four short sentences need far fewer; the headroom is for models that think aloud first.
MAX_OUTPUT_TOKENS = 1024
MAX_PASSAGE_CHARS = 3000
MAX_HISTORY = 6


class LLMFailed(DepecheError):
    """The language model could not give a usable answer (unreachable, too slow, or unsupported)."""


# --------------------------------------------------------------------------- client


def make_llm(settings: LLMSettings) -> LLM | None:
    """The LLM client `settings` describe, or None when `provider` is "none". No network call.

    Retries are off (`max_retries=0`): a chat user is waiting, and the extractive answer is a
    better fallback than a second timeout. Raises `LLMFailed` when the model name is missing.
    """
    if settings.provider == "none":
        return None
    if not settings.model.strip():
        raise LLMFailed(
            f"llm.model is empty: set DEPECHE_LLM__MODEL to use the {settings.provider!r} provider."
        )
    key = settings.api_key.get_secret_value()
    if settings.provider == "openai":
        from llama_index.llms.openai_like import OpenAILike

        return OpenAILike(
            model=settings.model,
            # Both passed explicitly: left empty, the client would read OPENAI_API_KEY/OPENAI_API_BASE.
            api_base=settings.base_url.rstrip("/") or OPENAI_DEFAULT_BASE,
            api_key=key or "no-key",  # local servers ignore it, but the client refuses an empty one
            is_chat_model=True,
            is_function_calling_model=False,
            context_window=CONTEXT_WINDOW,
            max_tokens=MAX_OUTPUT_TOKENS,
            temperature=settings.temperature,
            timeout=settings.timeout,
            max_retries=0,
        )
    if settings.provider == "ollama":
        from llama_index.llms.ollama import Ollama

        return Ollama(
            model=settings.model,
            base_url=settings.base_url.rstrip("/") or OLLAMA_DEFAULT_BASE,
            request_timeout=settings.timeout,
            temperature=settings.temperature,
            context_window=CONTEXT_WINDOW,
            additional_kwargs={"num_predict": MAX_OUTPUT_TOKENS},
            # An Ollama behind an authenticating proxy (or ollama.com) takes a bearer token.
            headers={"Authorization": f"Bearer {key}"} if key else None,
        )
    raise LLMFailed(f"Unknown llm.provider {settings.provider!r}: use none, openai or ollama.")


# --------------------------------------------------------------------------- answers

_SYSTEM = {
    "fr": (
        "Tu réponds à une question à partir d'extraits d'articles de presse numérotés, "
        "et uniquement à partir d'eux.\n"
        "Règles :\n"
        "- N'utilise que les informations des extraits, jamais tes propres connaissances.\n"
        "- Termine chaque phrase par le numéro de l'extrait qui l'appuie, entre crochets : "
        "[1], ou [1][2] pour plusieurs. Seuls les numéros de 1 à {n} existent.\n"
        "- Réponds en français, en quatre phrases au plus.\n"
        "- Si les extraits se contredisent ou datent de moments différents, dis-le en citant les dates.\n"
        "- Si les extraits ne permettent pas de répondre, réponds exactement {token} et rien d'autre."
    ),
    "en": (
        "You answer a question from numbered press-article passages, and only from them.\n"
        "Rules:\n"
        "- Use only what the passages say, never your own knowledge.\n"
        "- End every sentence with the number of the passage that supports it, in brackets: "
        "[1], or [1][2] for several. Only the numbers 1 to {n} exist.\n"
        "- Answer in English, in at most four sentences.\n"
        "- If the passages disagree or date from different times, say so and give the dates.\n"
        "- If the passages do not answer the question, reply exactly {token} and nothing else."
    ),
}
_PASSAGES = {"fr": "Extraits", "en": "Passages"}
_QUESTION = {"fr": "Question : {q}", "en": "Question: {q}"}


def format_passages(sources: Sequence[Source], language: Language) -> str:
    """The numbered passages as the model sees them: `[n] outlet, date — title` then the text."""
    blocks = []
    for source in sources:
        head = f"[{source.n}] {byline(source.outlet, source.date, source.date_precision, language)}"
        if source.title:
            head += f" — {source.title}"
        text = f" {PASSAGE_GAP} ".join(" ".join(p.split()) for p in source.all_passages)[:MAX_PASSAGE_CHARS]
        blocks.append(f"{head}\n{text}")
    return "\n\n".join(blocks)


def answer_messages(question: str, sources: Sequence[Source], language: Language) -> list[ChatMessage]:
    """The chat messages `generate_answer` sends."""
    system = _SYSTEM[language].format(n=len(sources), token=NO_ANSWER)
    user = (
        f"{_PASSAGES[language]} :\n\n" if language == "fr" else f"{_PASSAGES[language]}:\n\n"
    ) + format_passages(sources, language) + "\n\n" + _QUESTION[language].format(q=question.strip())
    return [
        ChatMessage(role=MessageRole.SYSTEM, content=system),
        ChatMessage(role=MessageRole.USER, content=user),
    ]


def generate(llm: LLM, question: str, standalone: str, language: Language, hits: list[Hit]) -> Answer | None:
    """The LLM's answer from the retrieved passages, sources renumbered in citation order; None on failure."""
    # One article is one numbered passage, as in extractive answers: its passages in rank order.
    by_article: dict[str, list[Hit]] = {}
    for h in hits:
        by_article.setdefault(h.article_id, []).append(h)
    sources = []
    for i, group in enumerate(by_article.values(), start=1):
        h = group[0]
        sources.append(
            Source(i, h.article_id, h.title, h.date, h.outlet, h.text, h.start, h.end, h.date_precision,
                   url=h.url, also_in=h.also_in, passages=tuple(g.text for g in group) if len(group) > 1 else ())
        )
    try:
        text = generate_answer(llm, standalone, sources, language)
    except LLMFailed as exc:
        logger.warning("generated answer unavailable (%s); answering extractively", exc)
        return None
    text, kept = renumber(text, sources)
    return Answer(question, text, kept, False, language, standalone, generated=True)


def renumber(text: str, sources: list[Source]) -> tuple[str, list[Source]]:
    """Keep only the cited sources, numbered 1..n in order of first citation."""
    order: dict[int, int] = {}
    for match in re.finditer(r"\[(\d+)\]", text):
        n = int(match.group(1))
        if 1 <= n <= len(sources) and n not in order:
            order[n] = len(order) + 1
    text = re.sub(r"\[(\d+)\]", lambda m: f"[{order[int(m.group(1))]}]" if int(m.group(1)) in order else "", text)
    kept = [replace(sources[old - 1], n=new) for old, new in order.items()]
    return text, kept


def generate_answer(
    llm: LLM, question: str, sources: list[Source], language: Literal["fr", "en"]
) -> str:
    """Ask `llm` to answer `question` from `sources` only.

    Returns the answer in `language`, every sentence ending in `[n]` citations that name one of
    `sources` (numbered by `Source.n`). Raises `LLMFailed` when the model cannot be reached, is too
    slow, declines (`NO_ANSWER`), or writes nothing that cites a passage.
    """
    if not sources:
        raise LLMFailed("no passages to answer from")
    raw = _chat(llm, answer_messages(question, sources, language), purpose="answer")
    text = _strip_thinking(raw)
    if _NO_ANSWER_RE.search(text):
        logger.info("LLM found no answer in the %d passages", len(sources))
        raise LLMFailed("no supported answer")
    text = _ANSWER_PREFIX.sub("", text, count=1)
    cleaned = _clean(text, {source.n for source in sources})
    if not cleaned:
        logger.info("LLM answer dropped: no sentence cites a passage (%d chars)", len(text))
        raise LLMFailed("no supported answer")
    return cleaned


_NO_ANSWER_RE = re.compile(r"\bNO[_ ]ANSWER\b", re.IGNORECASE)
_THINK = re.compile(r"<think(?:ing)?>.*?(?:</think(?:ing)?>|\Z)", re.DOTALL | re.IGNORECASE)
_ANSWER_PREFIX = re.compile(r"^\s*(?:\*\*)?(?:réponse|answer)(?:\*\*)?\s*:\s*(?:\*\*)?", re.IGNORECASE)


def _strip_thinking(text: str) -> str:
    """Drop a reasoning model's `<think>…</think>` preamble."""
    return _THINK.sub("", text or "").strip()


# --------------------------------------------------------------------------- citations

# `[3]`, `[1, 7]`, `[1; 2]`, `[2-4]`, `[source 2]`, `[passage 1]`, `[extrait 3]`.
_CITATION = re.compile(
    r"\[\s*(?:(?:source|sources|passage|passages|extrait|extraits|doc|document)\s*)?"
    r"(\d+(?:\s*(?:[,;]|[-–]|et|and)\s*\d+)*)\s*\]",
    re.IGNORECASE,
)
_SPACE = "[ \t\u00a0\u202f]"
# Sentence end: terminal punctuation, closing quotes/brackets (French » may follow a space),
# then any citations that trail the punctuation. The next sentence must not start in lowercase.
_END = re.compile(
    r"(?:[.!?…]+|\.\.\.)"
    rf"(?:{_SPACE}*[»”]|[\"’')])*"
    rf"(?:{_SPACE}*\[[^\[\]\n]{{1,40}}\])*"
    rf"(?={_SPACE}+\S|{_SPACE}*$)"
)
_CITATIONS_ONLY = re.compile(rf"^(?:{_SPACE}*\[[^\[\]\n]{{1,40}}\])+{_SPACE}*[.,;:]?{_SPACE}*$")


def clean_citations(text: str, n_sources: int) -> str:
    """Keep only sentences backed by a real passage.

    Removes every citation naming no passage (`[0]`, `[7]` when there are 3 sources, also inside
    `[1, 7]` or `[1][7]`), writes the rest as `[1][2]`, then drops each sentence left without a
    citation. Returns the text with normalised spacing, or "" when nothing is left.
    """
    return _clean(text, set(range(1, n_sources + 1)))


def _clean(text: str, valid: set[int]) -> str:
    raw_lines: list[str] = []
    for line in (text or "").replace("\r\n", "\n").split("\n"):
        if raw_lines and raw_lines[-1].strip() and _CITATIONS_ONLY.match(line) and line.strip():
            raw_lines[-1] += " " + line.strip()  # "Sentence.\n[1]": the citation is the sentence's
        else:
            raw_lines.append(line)
    lines = []
    for line in raw_lines:
        kept = [s for s in (_fix_citations(u, valid) for u in _sentences(line)) if _cites(s)]
        if kept:
            lines.append(_tidy(" ".join(kept)))
    return "\n".join(lines).strip()


def _fix_citations(sentence: str, valid: set[int]) -> str:
    def replace(match: re.Match[str]) -> str:
        numbers = _numbers(match.group(1))
        return "".join(f"[{n}]" for n in dict.fromkeys(numbers) if n in valid)

    return _CITATION.sub(replace, sentence)


def _numbers(group: str) -> list[int]:
    numbers: list[int] = []
    for part in re.split(r"\s*(?:[,;]|\bet\b|\band\b)\s*", group):
        bounds = re.split(r"\s*[-–]\s*", part.strip())
        if len(bounds) == 2 and bounds[0].isdigit() and bounds[1].isdigit():
            low, high = int(bounds[0]), int(bounds[1])
            if 0 < high - low < 20:
                numbers.extend(range(low, high + 1))
                continue
        numbers.extend(int(b) for b in bounds if b.isdigit())
    return numbers


def _cites(sentence: str) -> bool:
    """A sentence stays when it cites a passage and says something besides the citations."""
    return bool(re.search(r"\[\d+\]", sentence)) and bool(
        re.search(r"\w", re.sub(r"\[\d+\]", "", sentence))
    )


def _sentences(line: str) -> list[str]:
    """Split one line into sentences; citations that stand alone join the sentence before them."""
    units: list[str] = []
    start = 0
    for match in _END.finditer(line):
        if _is_abbreviation(line, match.start(), start) or _next_is_lowercase(line, match.end()):
            continue
        units.append(line[start : match.end()])
        start = match.end()
    units.append(line[start:])
    merged: list[str] = []
    for unit in (u.strip() for u in units):
        if not unit:
            continue
        if merged and _CITATIONS_ONLY.match(unit):
            merged[-1] += " " + unit
        else:
            merged.append(unit)
    return merged


def _is_abbreviation(line: str, dot: int, start: int) -> bool:
    if line[dot] != ".":
        return False
    before = line[start:dot]
    token = re.split(r"[\s«\"“(']", before)[-1] if before else ""
    letters = re.findall(r"[^\W\d_]+", token)
    if not token:
        return False
    # One abbreviation list with the chunker (index.text); case is unreliable in generated text.
    if token.lower() in CASELESS_ABBREVIATIONS or (token[:1].isupper() and token in ABBREVIATIONS):
        return True
    if letters and all(len(x) == 1 and x.isupper() for x in letters):
        return True  # initials: E. Macron, J.-C. Juncker, U.S.
    # A list number at the start of the line: "1. Le président…"
    return token.isdigit() and not before[: len(before) - len(token)].strip()


def _next_is_lowercase(line: str, end: int) -> bool:
    rest = line[end:].lstrip(" \t\u00a0\u202f")
    return bool(rest) and rest[0].islower()


def _dedupe_run(match: re.Match[str]) -> str:
    return "".join(f"[{n}]" for n in dict.fromkeys(re.findall(r"\d+", match.group(0))))


def _tidy(text: str) -> str:
    text = re.sub(r"[ \t]+", " ", text)
    text = re.sub(r"(?<=\S) +(?=[.,](?:\s|$))", "", text)  # "mot [7]." -> "mot ."
    text = re.sub(r"\] +\[(?=\d+\])", "][", text)
    text = re.sub(r"(?:\[\d+\])+", _dedupe_run, text)  # "[1][2][1]" -> "[1][2]"
    text = re.sub(r"(?<=[^\s\[\](«])\[(?=\d+\])", " [", text)  # "mot[1]" -> "mot [1]"
    text = re.sub(r"\.\s*\[(\d+(?:\]\[\d+)*)\]\s*\.", r" [\1].", text)  # "fin. [1]." -> "fin [1]."
    return text.strip()


# --------------------------------------------------------------------------- follow-ups

_REWRITE_SYSTEM = {
    "fr": (
        "Tu reformules la dernière question d'une conversation pour qu'elle se comprenne seule, "
        "en remplaçant les pronoms et allusions par ce qu'ils désignent dans les questions "
        "précédentes. Garde la langue de la question. Ne réponds pas à la question. "
        "Écris uniquement la question reformulée, sur une ligne."
    ),
    "en": (
        "You rewrite the last question of a conversation so that it stands on its own, replacing "
        "pronouns and references with what they mean in the earlier questions. Keep the question's "
        "language. Do not answer it. Write only the rewritten question, on one line."
    ),
}
_REWRITE_USER = {
    "fr": "Questions précédentes :\n{history}\n\nDernière question : {question}\n\nQuestion autonome :",
    "en": "Earlier questions:\n{history}\n\nLast question: {question}\n\nStandalone question:",
}
_LABEL = re.compile(
    r"^\s*(?:\*\*)?(?:(?:la\s+)?(?:question|reformulation)(?:\s+(?:autonome|reformulée|réécrite))?|"
    r"(?:the\s+)?(?:standalone|rewritten|reformulated)?\s*question|rewrite|réponse|answer)"
    r"(?:\*\*)?\s*:\s*(?:\*\*)?",
    re.IGNORECASE,
)
_QUOTES = "\"'«»“”‘’`*"


def rewrite_followup(llm: LLM, history: list[str], question: str) -> str:
    """Turn a follow-up into one standalone question, in the same language.

    `history` holds the previous standalone questions, oldest first. Returns `question` unchanged
    when there is no history (no call is made). Raises `LLMFailed` when the model fails or writes
    something empty or absurdly long.
    """
    question = question.strip()
    history = [h.strip() for h in history if h and h.strip()][-MAX_HISTORY:]
    if not history:
        return question
    language = detect_language(question)
    listing = "\n".join(f"- {h}" for h in history)
    messages = [
        ChatMessage(role=MessageRole.SYSTEM, content=_REWRITE_SYSTEM[language]),
        ChatMessage(
            role=MessageRole.USER,
            content=_REWRITE_USER[language].format(history=listing, question=question),
        ),
    ]
    raw = _strip_thinking(_chat(llm, messages, purpose="rewrite"))
    rewritten = _first_line(raw)
    limit = 3 * (len(question) + sum(len(h) for h in history))
    if not rewritten or _NO_ANSWER_RE.search(rewritten):
        logger.warning("LLM rewrite rejected: empty output")
        raise LLMFailed("the follow-up could not be rewritten")
    if len(rewritten) > limit:
        logger.warning("LLM rewrite rejected: %d chars, limit %d", len(rewritten), limit)
        raise LLMFailed("the follow-up could not be rewritten")
    return rewritten


def _first_line(text: str) -> str:
    for line in text.splitlines():
        line = _LABEL.sub("", line.strip(), count=1).strip().strip(_QUOTES).strip()
        line = line.lstrip("-•> ").strip().strip(_QUOTES).strip()
        if line:
            return " ".join(line.split())
    return ""


# --------------------------------------------------------------------------- transport


def _chat(llm: LLM, messages: list[ChatMessage], *, purpose: str) -> str:
    """The model's reply text, or `LLMFailed` with a key-free reason."""
    started = time.monotonic()
    try:
        response = llm.chat(messages)
    except Exception as exc:  # noqa: BLE001 - every client error means "no generated answer"
        reason = _describe(exc, llm)
        logger.warning(
            "LLM %s failed after %.1f s: %s [%s: %s]",
            purpose,
            time.monotonic() - started,
            reason,
            type(exc).__name__,
            _redact(str(exc), _secrets(llm))[:300],
        )
        # `from None`: the original exception may quote the request, headers included.
        raise LLMFailed(reason) from None
    logger.debug("LLM %s took %.1f s", purpose, time.monotonic() - started)
    return response.message.content or ""


def _describe(exc: BaseException, llm: LLM) -> str:
    """What went wrong, in words a user can act on; built from types, never from the message."""
    import httpx
    import openai

    timeout = getattr(llm, "timeout", None) or getattr(llm, "request_timeout", None)
    if isinstance(exc, (openai.APITimeoutError, httpx.TimeoutException, TimeoutError)):
        return f"the language model did not answer within {timeout:g} s" if timeout else (
            "the language model did not answer in time"
        )
    status = getattr(exc, "status_code", None)
    if isinstance(status, int) and status > 0:
        hint = " (check llm.api_key)" if status in (401, 403) else ""
        hint = " (check llm.model and llm.base_url)" if status == 404 else hint
        return f"the language model server answered HTTP {status}{hint}"
    if isinstance(exc, (openai.APIConnectionError, httpx.TransportError, ConnectionError, OSError)):
        return "the language model server could not be reached (check llm.base_url)"
    return f"the language model failed ({type(exc).__name__})"


def _secrets(llm: LLM) -> list[str]:
    found = [getattr(llm, "api_key", None)]
    headers = getattr(llm, "headers", None) or {}
    found += [v.split()[-1] for k, v in headers.items() if k.lower() == "authorization" and v]
    return [s for s in found if isinstance(s, str) and len(s) >= 4]


def _redact(text: str, secrets: Iterable[str]) -> str:
    for secret in secrets:
        text = text.replace(secret, "***")
    return re.sub(r"(?i)(bearer\s+)\S+", r"\1***", text)
