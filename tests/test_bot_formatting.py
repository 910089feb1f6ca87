"""Unit tests of the bot's pure parts: HTML formatting, splitting at 4,096, keyboards, mentions, rate limit."""

from __future__ import annotations

import re
from collections import deque
from html import unescape

import pytest

from bot.tgbot import formatting
from bot.tgbot.formatting import MAX_MESSAGE, tg_len
from telegram import Message

from bot.tgbot.handlers import addressed, rate_limit_wait, remember_sources
from index.models import Answer, ArticleInfo, IndexStatus, Source
from fake_telegram import HTMLError, check_html, utf16_len


def source(n: int = 1, **overrides) -> Source:
    values = dict(n=n, article_id=f"00{n}_abc", title=f"Titre {n}", date="2026-02-04", outlet="AA",
                  passage=f"Passage {n} : le régime sans visa est valable jusqu'au 14 septembre 2026.",
                  date_precision="day")
    values.update(overrides)
    return Source(**values)


def visible(parts: list[str]) -> str:
    """The text a reader sees across messages, whitespace-normalised."""
    return " ".join(" ".join(check_html(p).split()) for p in parts)


def assert_valid_messages(parts: list[str]) -> None:
    assert parts
    for part in parts:
        check_html(part)  # raises on a cut tag or entity
        assert tg_len(part) <= MAX_MESSAGE
        assert utf16_len(check_html(part)) <= MAX_MESSAGE
        assert part.strip()


# --- dates ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("date", "precision", "language", "expected"),
    [
        ("2026-02-04", "day", "fr", "4 février 2026"),
        ("2026-02-01", "day", "fr", "1er février 2026"),
        ("2026-02-04", "day", "en", "4 February 2026"),
        ("2023-09", "month", "fr", "septembre 2023"),
        ("2023-09", "unknown", "en", "September 2023"),
        ("2023", "year", "fr", "2023"),
        (None, "unknown", "fr", "non daté"),
        (None, "unknown", "en", "undated"),
        ("2026-13-40", "day", "fr", "2026"),
    ],
)
def test_format_date(date, precision, language, expected):
    assert formatting.format_date(date, precision, language) == expected


# --- answers -------------------------------------------------------------------------------------


def test_answer_has_citations_and_sources_block():
    answer = Answer(question="q", text="Le régime est valable jusqu'au 14 septembre 2026 [1].",
                    sources=[source(1), source(2, outlet=None, date=None, date_precision="unknown")])
    [message] = formatting.answer_messages(answer)
    assert_valid_messages([message])
    assert "[1]" in message and "14 septembre 2026" in message
    assert "<b>Sources</b>" in message
    assert "<b>[1]</b> AA, 4 février 2026 — <i>Titre 1</i>" in message
    assert "<b>[2]</b> source et date non précisées — <i>Titre 2</i>" in message


def test_english_answer_uses_english_labels():
    answer = Answer(question="q", text="Valid until 14 September 2026 [1].", language="en",
                    sources=[source(1, date=None, date_precision="unknown")])
    [message] = formatting.answer_messages(answer)
    assert "undated" in message and "non daté" not in message


def test_abstention_has_no_sources_or_buttons():
    answer = Answer(question="q", text="Les articles indexés ne couvrent pas cette question.", abstained=True)
    assert formatting.answer_messages(answer) == ["Les articles indexés ne couvrent pas cette question."]
    assert formatting.source_keyboard(answer, "1") is None


def test_every_article_and_user_text_is_escaped():
    evil = '<b>&amp; "x" <script>'
    answer = Answer(question=evil, text=f"Réponse {evil} [1]",
                    sources=[source(1, title=evil, outlet="<AA&>", passage=evil)])
    parts = formatting.answer_messages(answer) + formatting.sources_messages(answer, "fr")
    parts += formatting.passage_messages(answer.sources[0], "fr")
    assert_valid_messages(parts)
    for part in parts:
        assert "<script>" not in part and "<b>&" not in part and "<AA&>" not in part
    assert "&lt;b&gt;&amp;amp;" in parts[0]
    assert evil in check_html(parts[0])  # the reader sees exactly what was written


def long_answer(chars: int = 5000) -> Answer:
    sentence = "Xi Jinping & Vladimir Poutine <partenaires> ont signé un accord « ambitieux » [1]. "
    paragraphs = []
    while sum(map(len, paragraphs)) < chars:
        paragraphs.append(sentence * 6)
    return Answer(question="q", text="\n\n".join(paragraphs), sources=[source(1), source(2)])


def test_5000_character_answer_splits_on_paragraphs():
    answer = long_answer(5000)
    assert len(answer.text) >= 5000
    parts = formatting.answer_messages(answer)
    assert len(parts) == 2
    assert_valid_messages(parts)
    # Cut between paragraphs: each part starts at a paragraph's start, ends at one's end.
    paragraph = answer.text.split("\n\n")[0].strip()
    for part in parts:
        text = check_html(part)
        assert text.startswith(paragraph[:40])
    assert "Sources" in check_html(parts[-1])
    assert visible(parts).startswith(" ".join(answer.text.split()))


def test_a_paragraph_too_long_is_cut_at_lines_then_words():
    lines = "\n".join(f"Ligne {i} avec &amp; et <i> : " + "mot " * 30 for i in range(80))
    words = "&<>é " * 3000  # one paragraph, one line: must be cut between words
    answer = Answer(question="q", text=lines + "\n\n" + words)
    parts = formatting.answer_messages(answer)
    assert len(parts) >= 4
    assert_valid_messages(parts)
    assert visible(parts) == " ".join(answer.text.split())
    # No part ends inside an entity; lines are kept whole.
    for part in parts:
        assert not re.search(r"&[a-z]*$", part)
        if part.startswith("Ligne"):
            assert part.endswith(("mot", "mot "))


def test_a_single_enormous_word_is_cut_between_characters():
    word = "&" * 5000 + "😀" * 3000
    parts = formatting.answer_messages(Answer(question="q", text=word))
    assert_valid_messages(parts)
    assert "".join(unescape(p) for p in parts) == word


@pytest.mark.parametrize("limit", [50, 200, 1000])
def test_splitting_holds_at_any_limit(limit):
    answer = long_answer(3000)
    parts = formatting.answer_messages(answer, limit=limit)
    for part in parts:
        check_html(part)
        assert tg_len(part) <= limit


def test_pack_refuses_an_oversized_block():
    with pytest.raises(ValueError):
        formatting.pack(["x" * (MAX_MESSAGE + 1)])


# --- sources ------------------------------------------------------------------------------------


def test_source_keyboard_one_button_per_source():
    answer = Answer(question="q", text="t [1] [2]", sources=[source(1), source(2, title="Un très long titre " * 5)])
    keyboard = formatting.source_keyboard(answer, "7")
    buttons = [row[0] for row in keyboard.inline_keyboard]
    assert [b.callback_data for b in buttons] == ["src:7:1", "src:7:2"]
    assert buttons[0].text.startswith("[1] AA")
    assert all(len(b.text) <= formatting.MAX_BUTTON for b in buttons)
    assert all(len(b.callback_data.encode()) <= 64 for b in buttons)
    assert formatting.parse_source_callback("src:7:2") == ("7", 2)
    assert formatting.parse_source_callback("art:1") is None


def test_sources_messages_show_question_and_full_passages():
    passage = "Un passage entier. " * 400  # ~7,600 characters: must go over two messages at least
    answer = Answer(question="Jusqu'à quand ?", text="t [1]", sources=[source(1, passage=passage), source(2)])
    parts = formatting.sources_messages(answer, "fr")
    assert len(parts) >= 2
    assert_valid_messages(parts)
    assert "Jusqu&#x27;à quand ?" in parts[0]
    assert visible(parts).count("Un passage entier.") == 400
    assert "[2] AA" in check_html(parts[-1])


def test_remember_sources_keeps_the_latest_answers():
    chat_data: dict = {}
    keys = [remember_sources(chat_data, Answer(question="q", text="t", sources=[source(1)])) for _ in range(25)]
    assert keys[-1] == "25"
    assert sorted(chat_data["cited"], key=int) == [str(i) for i in range(6, 26)]


# --- articles and status -------------------------------------------------------------------------


def infos(count: int) -> list[ArticleInfo]:
    return [ArticleInfo(id=f"{i:03}", title=f"Article <{i}>", date="2026-02-04", date_precision="day",
                        outlet="AFP" if i % 2 else None, chunks=3) for i in range(count)]


def test_articles_pages():
    html, keyboard = formatting.articles_page(infos(19), 0, 8, "fr")
    check_html(html)
    assert "page 1/3" in html and "(19)" in html
    assert "1. <b>source non précisée</b>, 4 février 2026 — Article &lt;0&gt;" in html
    assert [b.callback_data for b in keyboard.inline_keyboard[0]] == ["art:1"]
    html, keyboard = formatting.articles_page(infos(19), 1, 8, "en")
    assert "page 2/3" in html and "9. <b>outlet not stated</b>" in html
    assert [b.callback_data for b in keyboard.inline_keyboard[0]] == ["art:0", "art:2"]
    html, keyboard = formatting.articles_page(infos(19), 99, 8, "fr")  # clamped to the last page
    assert "page 3/3" in html and "19." in html
    assert [b.callback_data for b in keyboard.inline_keyboard[0]] == ["art:1"]
    assert formatting.articles_page(infos(3), 0, 8, "fr")[1] is None
    assert formatting.articles_page([], 0, 8, "en") == ("No article is indexed.", None)
    assert formatting.parse_articles_callback("art:2") == 2


def status(**overrides) -> IndexStatus:
    values = dict(articles=5, chunks=60, date_min="2023-03", date_max="2026-02-04", undated=1,
                  model="m", collection="c", last_rebuilt=None, generation=None)
    values.update(overrides)
    return IndexStatus(**values)


def test_status_text():
    fr = formatting.status_text(status(), "fr")
    assert "<b>5</b> articles" in fr and "publiés entre mars 2023 et le 4 février 2026" in fr and "1 non datés" in fr
    en = formatting.status_text(status(undated=0), "en")
    assert "between March 2023 and 4 February 2026" in en and "undated" not in en
    assert "publiés le 4 février 2026." in formatting.status_text(status(date_min="2026-02-04", undated=0), "fr")
    assert "published in 2023." in formatting.status_text(status(date_min="2023", date_max="2023", undated=0), "en")
    assert "Aucun article" in formatting.status_text(status(articles=0, chunks=0), "fr")
    check_html(fr)


def test_reindex_text():
    summary = {"added": 1, "updated": 0, "removed": 2, "unchanged": 5, "skipped": 0, "chunks_embedded": 12,
               "seconds": 3.25}
    assert "ajoutés : 1" in formatting.reindex_text(summary, "fr")
    assert "3,2 s" in formatting.reindex_text(summary, "fr")
    assert "removed: 2" in formatting.reindex_text(summary, "en")


# --- groups and rate limit -----------------------------------------------------------------------


def test_mentions_are_detected_and_stripped():
    assert formatting.mentions("@depechebot jusqu'à quand ?", "DepecheBot")
    assert not formatting.mentions("@DepecheBotX quoi ?", "DepecheBot")
    assert formatting.strip_mention("@DepecheBot, jusqu'à quand ?", "DepecheBot") == "jusqu'à quand ?"
    assert formatting.strip_mention("Jusqu'à quand @DepecheBot ?", "DepecheBot") == "Jusqu'à quand ?"


def group_message(text: str, reply_to_user: int | None = None) -> Message:
    data = {"message_id": 5, "date": 0, "chat": {"id": -100, "type": "supergroup", "title": "g"},
            "from": {"id": 1, "is_bot": False, "first_name": "A"}, "text": text}
    if reply_to_user is not None:
        data["reply_to_message"] = {"message_id": 4, "date": 0, "chat": data["chat"], "text": "r",
                                    "from": {"id": reply_to_user, "is_bot": True, "first_name": "B"}}
    return Message.de_json(data, None)


def test_group_messages_are_for_the_bot_when_addressed():
    bot_id, name = 99, "DepecheBot"
    assert not addressed(group_message("Jusqu'à quand ?"), bot_id, name, "mention")
    assert addressed(group_message("@depechebot Jusqu'à quand ?"), bot_id, name, "mention")
    assert addressed(group_message("Et pour les Chinois ?", reply_to_user=bot_id), bot_id, name, "mention")
    assert not addressed(group_message("Et pour les Chinois ?", reply_to_user=7), bot_id, name, "mention")
    assert addressed(group_message("Jusqu'à quand ?"), bot_id, name, "always")


def test_rate_limit_is_a_sliding_window():
    windows: dict[int, deque] = {}
    assert [rate_limit_wait(windows, 1, 3, t) for t in (0, 1, 2)] == [0, 0, 0]
    assert rate_limit_wait(windows, 1, 3, 30) == pytest.approx(30)
    assert rate_limit_wait(windows, 2, 3, 30) == 0  # per user
    assert rate_limit_wait(windows, 1, 3, 60.5) == 0  # the first question left the window
    assert rate_limit_wait(windows, 1, 0, 61) == 0  # 0 disables the limit


def test_check_html_is_strict_like_telegram():
    for bad in ["<b>x", "a < b", "x &nbsp; y", "<b><i>x</b></i>", "<script>x</script>", "&"]:
        with pytest.raises(HTMLError):
            check_html(bad)
    assert check_html("<b>a</b> &lt;&amp;&gt; &#39;") == "a <&> '"


def test_a_source_with_two_cited_passages_shows_both_in_order():
    two = source(1, passage="Premier passage cité.", passages=("Premier passage cité.", "Second passage cité."))
    parts = formatting.passage_messages(two, "fr")
    assert_valid_messages(parts)
    shown = visible(parts)
    assert shown.index("Premier passage cité.") < shown.index("[…]") < shown.index("Second passage cité.")
    # Saved and read back by the bot's state store, it keeps them.
    from index.models import Source as Saved

    assert Saved.from_dict(two.to_dict()).all_passages == two.passages
