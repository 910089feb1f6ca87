"""Two small failures of issue 11: `/reindex` while another process rebuilds, and an outlet longer than a message."""

from __future__ import annotations

import pytest
from fake_telegram import FakeTelegram, check_html  # tests/ is on sys.path (no __init__.py)
from test_bot_e2e import ADMIN, TOKEN, ask, bot_settings, person, running

from bot.tgbot import formatting
from bot.tgbot.formatting import MAX_MESSAGE, MAX_OUTLET, tg_len
from conftest import make_settings
from index.engine import Engine
from index.models import Answer, ArticleInfo, Source
from index.rebuild import rebuild_lock
from index.store import open_client

ENGLISH_ADMIN = 2


@pytest.mark.slow
@pytest.mark.asyncio(loop_scope="session")
async def test_reindex_while_another_process_rebuilds_says_so_in_the_users_language(embedder, tmp_path):
    settings = make_settings(tmp_path / "index")
    engine = Engine(settings, open_client(settings.chroma, settings.data_dir), embedder)
    engine.rebuild()
    with FakeTelegram(TOKEN) as fake:
        bot = bot_settings(fake, tmp_path / "bot", admin_user_ids=[ADMIN, ENGLISH_ADMIN])
        async with running(bot, engine):
            admin, admin_chat = person(fake, ADMIN)
            english, english_chat = person(fake, ENGLISH_ADMIN, "en")
            # What `depeche index rebuild` in another process holds while it runs (an flock on the data dir).
            with rebuild_lock(settings.data_dir):
                busy = await ask(fake, admin_chat, admin, "/reindex", "déjà en cours")
                assert busy.text == "Une réindexation est déjà en cours : patientez un instant."
                busy = await ask(fake, english_chat, english, "/reindex", "already running")
                assert busy.text == "A re-index is already running: please wait a moment."
            done = await ask(fake, admin_chat, admin, "/reindex", "Réindexation terminée")
            assert "inchangés : 5" in done.text
        replies = [c.text for c in fake.calls_of("sendMessage")]
        assert not any("erreur" in t or "went wrong" in t for t in replies)  # not the generic apology


def long_outlet_source(outlet: str) -> Source:
    return Source(1, "009_x", "Un titre", "2026-02-04", outlet, "Le passage cité, valable jusqu'au 14 septembre.",
                  date_precision="day")


@pytest.mark.parametrize("outlet", ["AFP " * 2000, "&<>" * 3000, "é" * (MAX_MESSAGE + 1)])
def test_an_outlet_longer_than_a_message_is_shortened_everywhere_it_is_shown(outlet):
    source = long_outlet_source(outlet)
    answer = Answer("Jusqu'à quand ?", "Jusqu'au 14 septembre [1].", [source], False, "fr", "visa")
    articles_page, _ = formatting.articles_page(
        [ArticleInfo("009_x", "Un titre", "2026-02-04", "day", outlet, 1)], 0, 8, "fr")
    shown = {
        "answer": formatting.answer_messages(answer),
        "passage": formatting.passage_messages(source, "fr"),
        "/sources": formatting.sources_messages(answer, "fr"),
        "/articles": [articles_page],
    }
    shortened = " ".join(outlet.split())[: MAX_OUTLET - 1].rstrip()
    for where, messages in shown.items():
        assert len(messages) == 1, where  # one short source fits in one message
        visible = check_html(messages[0])  # valid Telegram HTML
        assert tg_len(messages[0]) <= MAX_MESSAGE, where
        assert f"{shortened}…" in visible, where
    assert "14 septembre" in check_html(shown["answer"][0])
