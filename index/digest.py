"""What's new: "Quoi de neuf ?", "Quoi de neuf sur les visas ?", "What's new?", `/latest [topic]`.

A digest lists the newest stories of the period asked (by default the last `DIGEST_DAYS` days
before now), on the topic when one is named, one line each: the article's lead sentence, its
outlet and date, cited. When the period holds none, it lists the newest stories saying how old they
are, rather than pretending they are news.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from index.language import Language
from index.models import Answer, Source
from index.present import byline, how_old, period_text
from index.questions import Question
from index.retrieval import HybridRetriever
from index.text import split_sentences
from index.timeask import date_places, published_in, published_span, topic_words

MAX_STORIES = 5
LEAD_WORDS = 6  # a lead sentence shorter than this is a heading or a caption: the next one leads

_HEADER = {
    "fr": "Les nouvelles {period} :",
    "en": "The news of {period}:",
}
_HEADER_TOPIC = {
    "fr": "Les nouvelles {period} sur « {topic} » :",
    "en": "The news of {period} about “{topic}”:",
}
_STALE = {
    "fr": "Rien de nouveau {period}{topic} ; les articles les plus récents datent du {newest} ({age}) :",
    "en": "Nothing new in {period}{topic}; the most recent articles are from {newest} ({age}):",
}
_NONE = {
    "fr": "Aucun article indexé{topic}.",
    "en": "No indexed article{topic}.",
}


def digest(question: Question, retriever: HybridRetriever, today: date, topic: str | None = None) -> Answer:
    """The what's-new answer to `question` (whose `time.kind` is "digest"), read from `retriever`'s
    generation; `topic` (`/latest visas`) replaces the topic read from the question's words."""
    snapshot = retriever.snapshot
    language = question.language
    start, end = question.time.start or today, question.time.end or today
    if topic is None:
        topic = " ".join(topic_words(question.text, date_places(question.text, language, today)))
    # An article published after "now" is not news yet: a pinned clock replays an old corpus.
    dated = {
        aid: span
        for aid, entry in snapshot.articles.items()
        if (span := published_span(entry.get("date"))) is not None and span[0] <= today
    }
    relevant = _representatives(snapshot, _on_topic(retriever, topic) if topic else list(snapshot.articles))
    in_period = [aid for aid in relevant if aid in dated and published_in(snapshot.articles[aid].get("date"), start, end)]
    stories = in_period or [aid for aid in relevant if aid in dated]
    stories = sorted(stories, key=lambda aid: (dated[aid][0], aid), reverse=True)[:MAX_STORIES]
    words = period_text(start, end, language)
    if language == "fr" and not words.startswith(("le ", "du ")):
        words = f"de {words}"
    if not stories:
        about = f" sur « {topic} »" if topic and language == "fr" else f" about “{topic}”" if topic else ""
        text = _NONE[language].format(topic=about)
        return Answer(question.text, text, [], True, language, question.standalone, time=question.time.to_state())
    if in_period:
        header = (_HEADER_TOPIC if topic else _HEADER)[language].format(period=words, topic=topic)
    else:
        newest = dated[stories[0]][0]
        about = (f" sur « {topic} »" if language == "fr" else f" about “{topic}”") if topic else ""
        header = _STALE[language].format(
            period=words, topic=about, newest=_day(snapshot.articles[stories[0]], language), age=how_old(newest, today, language)
        )
    lines, sources = [header], []
    for n, aid in enumerate(stories, start=1):
        entry = snapshot.articles[aid]
        lead, start_at, end_at, passage = _lead(retriever, aid)
        lines.append(f"{byline(entry.get('outlet'), entry.get('date'), entry.get('date_precision', 'unknown'), language)}"
                     f"{' :' if language == 'fr' else ':'} « {lead} » [{n}]")
        sources.append(
            Source(n, aid, entry.get("title") or aid, entry.get("date"), entry.get("outlet"), passage,
                   start_at, end_at, entry.get("date_precision", "unknown"))
        )
    answer = Answer(question.text, "\n".join(lines), sources, False, language, question.standalone,
                    quoted=tuple(line for line in lines[1:]))
    return replace(answer, time=question.time.to_state())


def _representatives(snapshot, article_ids: list[str]) -> list[str]:
    """Each story once, by its representative, in the order its first copy comes: copies of one
    dispatch are one line, dated by the earliest copy (a late republication is not news)."""
    found = {}
    for aid in article_ids:
        story = snapshot.stories.get(snapshot.articles[aid].get("story") or aid, [aid])
        found.setdefault(story[0], None)
    return list(found)


def _on_topic(retriever: HybridRetriever, topic: str) -> list[str]:
    """The articles a topic's passages come from, in ranking order: those sharing a term with it
    (BM25) or close to it in meaning (the abstention threshold `min_dense`)."""
    settings = retriever.settings
    lexical = {cid for cid, _ in retriever.snapshot.bm25.search(topic, settings.bm25_k)}
    vector = retriever.embed(topic, _NoTimings()) if retriever.mode in ("hybrid", "dense") else None
    close = set()
    if vector is not None:
        close = {cid for cid, score in retriever.store.query(vector, settings.dense_k) if score >= settings.min_dense}
    ranked, _ = retriever.rank_chunks(topic, None, vector)
    chunks = retriever.snapshot.chunks
    return list(dict.fromkeys(chunks[cid].article_id for cid, _ in ranked if cid in chunks and (cid in lexical or cid in close)))


class _NoTimings:
    def add(self, stage: str, seconds: float) -> None:
        """Digests are not timed per stage."""


def _lead(retriever: HybridRetriever, article_id: str) -> tuple[str, int, int, str]:
    """An article's lead sentence (its first of `LEAD_WORDS` words or more), its offsets and its chunk's text."""
    snapshot = retriever.snapshot
    ids = snapshot.articles[article_id].get("chunk_ids") or []
    fallback = None
    for cid in ids[:3]:
        rec = snapshot.chunks.get(cid)
        if rec is None:
            continue
        for a, b in split_sentences(rec.text):
            sentence = rec.text[a:b].strip()
            fallback = fallback or (sentence, rec.start + a, rec.start + b, rec.text)
            if len(sentence.split()) >= LEAD_WORDS:
                return sentence, rec.start + a, rec.start + b, rec.text
    return fallback or ("", 0, 0, "")


def _day(entry: dict, language: Language) -> str:
    from index.present import format_date

    return format_date(entry.get("date"), entry.get("date_precision", "unknown"), language)
