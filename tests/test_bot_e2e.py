"""End to end: the real Application from `build_application`, long-polling a fake Bot API server,
over the real engine and the real seeds. Nothing of the bot or of PTB is patched.

Each test talks from its own users and chats, so tests do not share conversations or rate limits.
Every wait has a deadline.
"""

from __future__ import annotations

import contextlib
import json
import logging
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import pytest_asyncio
from conftest import cli_env
from fake_telegram import Call, FakeTelegram, check_html  # tests/ is on sys.path (no __init__.py)
from telegram.ext import Application

from bot.tgbot.app import build_application, polling_options, webhook_options
from config.settings import Settings, TelegramSettings
from index.engine import Engine
from index.store import open_client

pytestmark = [pytest.mark.slow, pytest.mark.asyncio(loop_scope="session")]

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
TOKEN = "123456:TEST-SECRET-token"
ADMIN = 1
GROUP = -1001234567
DISALLOWED = 666
ALLOWED = [*range(1, 400), GROUP]
POLL = 5  # seconds of long polling; the fake answers as soon as an update is queued
WAIT = 60.0  # generous: the machine may be busy, and each answer takes the engine a few seconds

VISA = "Jusqu'à quand le régime sans visa chinois est-il valable ?"
VISA_FOLLOW_UP = "Et pour les citoyens chinois ?"
MOSCOW = "Quand Xi Jinping s'est-il rendu à Moscou ?"
BROAD = "Quand Poutine a-t-il accepté l'invitation de Xi Jinping à se rendre en Chine ?"  # two dated articles, long passages
OFF_TOPIC = "Quel temps fera-t-il demain à Lyon ?"  # abstains, and fast
AA_TITLE = "Chine-Russie: Xi Jinping veut un plan bilatéral ambitieux"  # seeds/002, outlet AA


def bot_settings(fake: FakeTelegram, data_dir: Path, **telegram: object) -> Settings:
    """Settings pointing the bot at the fake server."""
    values = {"token": TOKEN, "base_url": fake.base_url, "base_file_url": fake.base_file_url,
              "allowed_chat_ids": ALLOWED, "admin_user_ids": [ADMIN], **telegram}
    return Settings(data_dir=data_dir, seeds_dir=SEEDS, telegram=TelegramSettings(**values))


@contextlib.asynccontextmanager
async def running(settings: Settings, engine: Engine) -> AsyncIterator[Application]:
    """The bot as `run()` runs it: initialize, post_init, poll (or webhook), start; then stop and shut down."""
    app = build_application(settings, engine)
    async with app:
        await app.post_init(app)
        if settings.telegram.webhook_url:
            await app.updater.start_webhook(**webhook_options(settings))
        else:
            await app.updater.start_polling(**{**polling_options(settings), "timeout": POLL})
        await app.start()
        try:
            yield app
        finally:
            await app.updater.stop()
            await app.stop()


@pytest.fixture(scope="session")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    """The real engine over the real seeds (the model loads once for the whole session)."""
    settings = Settings(data_dir=tmp_path_factory.mktemp("engine"), seeds_dir=SEEDS)
    return Engine.open(settings, build_if_missing=True)


@pytest.fixture(scope="session")
def fake() -> FakeTelegram:
    with FakeTelegram(TOKEN) as server:
        yield server


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def bot(fake: FakeTelegram, engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Application:
    async with running(bot_settings(fake, tmp_path_factory.mktemp("bot")), engine) as app:
        yield app


def person(fake: FakeTelegram, user_id: int, language: str = "fr") -> tuple[dict, dict]:
    user = fake.user(user_id, language)
    return user, fake.private_chat(user)


def sources_of(call: Call) -> list[dict]:
    """The source buttons of an answer."""
    markup = call.params.get("reply_markup") or {}
    return [row[0] for row in markup.get("inline_keyboard", [])]


async def ask(fake: FakeTelegram, chat: dict, user: dict, text: str, expect: str | None = None) -> Call:
    """Send a question and wait for the answer (the first message containing `expect`, if given)."""
    since = fake.mark()
    fake.send_text(chat, user, text)
    return await fake.await_message(chat["id"], expect, since=since, timeout=WAIT)


# --- answers -----------------------------------------------------------------------------------


async def test_start_and_commands_in_the_users_language(bot, fake):
    commands = fake.calls_of("setMyCommands")
    assert {c.params.get("language_code") for c in commands} == {None, "en"}
    assert any(cmd["command"] == "reindex" for cmd in commands[0].params["commands"])
    user, chat = person(fake, 10)
    answer = await ask(fake, chat, user, "/start")
    assert "<b>5</b> articles" in answer.text
    assert "entre septembre 2023 et le 4 février 2026" in answer.text
    user, chat = person(fake, 11, "en-GB")
    answer = await ask(fake, chat, user, "/start")
    assert "<b>5</b> indexed press articles" in answer.text and "between September 2023" in answer.text
    answer = await ask(fake, chat, user, "/help")
    assert "/sources" in answer.text and "@DepecheTestBot" in answer.text


async def test_question_gets_a_cited_answer_then_a_follow_up(bot, fake):
    user, chat = person(fake, 20)
    since = fake.mark()
    answer = await ask(fake, chat, user, VISA, "14 septembre 2026")
    assert "[1]" in answer.text and "<b>Sources</b>" in answer.text
    assert f"AA, 4 février 2026 — <i>{AA_TITLE}</i>" in answer.text
    typing = fake.calls_of("sendChatAction", chat["id"], since)
    assert typing and typing[0].params["action"] == "typing" and typing[0].time <= answer.time
    assert sources_of(answer)[0]["text"].startswith("[1] AA")
    cited = bot.chat_data[chat["id"]]["conversation"].last_answer.sources
    assert cited[0].article_id.startswith("002_") and cited[0].outlet == "AA"
    follow_up = await ask(fake, chat, user, VISA_FOLLOW_UP)
    assert "30 jours" in follow_up.text
    assert len(fake.sent(chat["id"], since)) == 2


async def test_source_button_shows_the_passage(bot, fake):
    user, chat = person(fake, 30)
    answer = await ask(fake, chat, user, VISA, "14 septembre 2026")
    button = sources_of(answer)[0]
    since = fake.mark()
    query_id = fake.press_button(answer.result, user, button["callback_data"])
    passage = await fake.await_message(chat["id"], since=since, timeout=WAIT)
    answered = await fake.await_call("answerCallbackQuery", lambda c: c.params["callback_query_id"] == query_id)
    assert answered.ok and "show_alert" not in answered.params
    assert passage.text.startswith("<b>[1] AA, 4 février 2026</b>")
    assert "14 septembre 2026" in passage.text
    assert passage.params["reply_parameters"]["message_id"] == answer.result["message_id"]
    # A button of an answer the bot no longer knows gets an alert, not a crash.
    since = fake.mark()
    query_id = fake.press_button(answer.result, user, "src:999:1")
    gone = await fake.await_call("answerCallbackQuery", lambda c: c.params["callback_query_id"] == query_id)
    assert gone.params["show_alert"] is True and "plus disponible" in gone.params["text"]
    assert not fake.sent(chat["id"], since)


async def test_sources_and_reset(bot, fake):
    user, chat = person(fake, 40)
    answer = await ask(fake, chat, user, "/sources")
    assert "pas encore de réponse" in answer.text
    await ask(fake, chat, user, VISA, "14 septembre 2026")
    passages = await ask(fake, chat, user, "/sources", "Passages cités")
    assert "Jusqu&#x27;à quand le régime sans visa" in passages.text and "14 septembre 2026" in passages.text
    reset = await ask(fake, chat, user, "/reset")
    assert "oublié" in reset.text
    again = await ask(fake, chat, user, "/sources")
    assert "pas encore de réponse" in again.text
    assert bot.chat_data[chat["id"]]["conversation"].turns == []


async def test_sources_shows_every_cited_passage_in_valid_messages(bot, fake):
    # Splitting past 4,096 characters is tested on the pure formatter (test_bot_formatting); with
    # 80-word chunks the seeds' cited passages fit in one or two messages.
    user, chat = person(fake, 50)
    answer = await ask(fake, chat, user, BROAD)
    assert len(sources_of(answer)) >= 2
    since = fake.mark()
    fake.send_text(chat, user, "/sources")
    parts = await fake.await_until(
        lambda: (sent := fake.sent(chat["id"], since)) and all(
            any(f"<b>[{n}] " in p.text for p in sent) for n in range(1, len(sources_of(answer)) + 1)
        ) and sent,
        WAIT, "/sources with every cited passage",
    )
    assert not [c for c in fake.calls_of("sendMessage", chat["id"], since) if not c.ok]
    for part in parts:
        assert len(check_html(part.text)) <= 4096  # valid HTML (the fake refuses anything else), within the limit
    text = "".join(p.text for p in parts)
    for n in range(1, len(sources_of(answer)) + 1):
        assert f"<b>[{n}] " in text


async def test_edited_question_is_answered_again(bot, fake):
    user, chat = person(fake, 60)
    since = fake.mark()
    question = fake.send_text(chat, user, OFF_TOPIC)
    first = await fake.await_message(chat["id"], since=since, timeout=WAIT)
    assert "ne permettent pas" in first.text and not sources_of(first)
    fake.edit_text(question, VISA)
    second = await fake.await_message(chat["id"], "14 septembre 2026", since=since, timeout=WAIT)
    assert second.params["reply_parameters"]["message_id"] == question["message_id"]
    assert len(fake.sent(chat["id"], since)) == 2


async def test_html_in_a_question_is_escaped(bot, fake):
    user, chat = person(fake, 70)
    since = fake.mark()
    too_long = await ask(fake, chat, user, "<b>&" * 525)  # BadQuestion: its message, no traceback
    assert "trop longue (2100 caractères, maximum 2000)" in too_long.text
    await ask(fake, chat, user, "<b>& régime sans visa", "[1]")
    passages = await ask(fake, chat, user, "/sources", "Passages cités")
    assert "« &lt;b&gt;&amp; régime sans visa »" in passages.text
    sent = fake.calls_of("sendMessage", chat["id"], since)
    assert all(c.ok for c in sent)  # the fake answers 400 to HTML Telegram could not parse
    assert not any("<b>&" in c.text for c in sent)


async def test_non_text_messages_get_a_short_reply(bot, fake):
    user, chat = person(fake, 80, "en")
    since = fake.mark()
    fake.send_sticker(chat, user)
    fake.send_photo(chat, user, caption="what is this?")
    fake.send_voice(chat, user)
    replies = await fake.await_until(lambda: len(fake.sent(chat["id"], since)) >= 3 and fake.sent(chat["id"], since),
                                     WAIT, "three replies")
    assert all(c.text == "I only understand written questions: please send your question as text." for c in replies)


async def test_articles_are_listed_and_paginated(bot, fake):
    user, chat = person(fake, 90)
    bot.bot_data["articles_per_page"] = 2
    try:
        listing = await ask(fake, chat, user, "/articles")
        assert "page 1/3" in listing.text and "(5)" in listing.text
        assert f"1. <b>AA</b>, 4 février 2026 — {AA_TITLE}" in listing.text
        [[next_button]] = listing.params["reply_markup"]["inline_keyboard"]
        since = fake.mark()
        query_id = fake.press_button(listing.result, user, next_button["callback_data"])
        edit = await fake.await_call("editMessageText", since=since, timeout=WAIT)
        assert edit.ok and edit.params["message_id"] == listing.result["message_id"]
        assert "page 2/3" in edit.params["text"] and "3. " in edit.params["text"]
        assert fake.calls_of("answerCallbackQuery", since=since)[0].params["callback_query_id"] == query_id
        buttons = edit.params["reply_markup"]["inline_keyboard"][0]
        assert [b["callback_data"] for b in buttons] == ["art:0", "art:2"]
    finally:
        bot.bot_data["articles_per_page"] = 8


# --- who may ask ---------------------------------------------------------------------------------


async def test_a_chat_not_allowed_gets_nothing_from_the_corpus(bot, fake):
    user, chat = person(fake, DISALLOWED)
    since = fake.mark()
    for text in (VISA, "/start", "/articles", "/sources", "/reindex"):
        fake.send_text(chat, user, text)
    query_id = fake.press_button({"message_id": 1, "date": 0, "chat": chat, "text": "x"}, user, "src:1:1")
    replies = await fake.await_until(lambda: len(fake.sent(chat["id"], since)) >= 5 and fake.sent(chat["id"], since),
                                     WAIT, "five refusals")
    alert = await fake.await_call("answerCallbackQuery", lambda c: c.params["callback_query_id"] == query_id)
    assert alert.params["show_alert"] is True and "réservé" in alert.params["text"]
    assert all("réservé à certaines conversations" in c.text for c in replies)
    assert len(fake.sent(chat["id"], since)) == 5
    assert not any(word in c.text for c in replies for word in ("AA", "septembre", "article", "Xi"))


async def test_reindex_is_for_admins_only(bot, fake):
    user, chat = person(fake, 100)
    refused = await ask(fake, chat, user, "/reindex")
    assert "seuls les administrateurs" in refused.text
    admin, admin_chat = person(fake, ADMIN)
    since = fake.mark()
    fake.send_text(admin_chat, admin, "/reindex")
    summary = await fake.await_message(ADMIN, "Réindexation terminée", since=since, timeout=WAIT)
    assert "inchangés : 5" in summary.text and "ajoutés : 0" in summary.text
    assert fake.sent(ADMIN, since)[0].text == "Réindexation en cours…"


async def test_questions_per_minute_limit(engine, tmp_path):
    with FakeTelegram(TOKEN) as fake:
        async with running(bot_settings(fake, tmp_path, questions_per_minute=2), engine):
            user, chat = person(fake, 110)
            for _ in range(2):
                await ask(fake, chat, user, OFF_TOPIC, "ne permettent pas")
            limited = await ask(fake, chat, user, OFF_TOPIC)
            assert "patienter" in limited.text
            other, other_chat = person(fake, 111)
            assert "ne permettent pas" in (await ask(fake, other_chat, other, OFF_TOPIC)).text


# --- groups ------------------------------------------------------------------------------------


async def test_in_a_group_the_bot_answers_only_when_addressed(bot, fake):
    user = fake.user(120)
    group = fake.group_chat(GROUP)
    since = fake.mark()
    fake.send_text(group, user, VISA)  # not for the bot
    fake.send_sticker(group, user)  # neither
    mention = fake.send_text(group, user, f"@{fake.bot_username} {VISA}")
    answer = await fake.await_message(GROUP, "14 septembre 2026", since=since, timeout=WAIT)
    # Updates of one chat are handled in order, so the first two were already ignored.
    assert fake.sent(GROUP, since) == [answer]
    assert answer.params["reply_parameters"]["message_id"] == mention["message_id"]
    since = fake.mark()
    fake.send_text(group, user, VISA_FOLLOW_UP, reply_to=answer.result)  # a reply to the bot
    follow_up = await fake.await_message(GROUP, since=since, timeout=WAIT)
    assert "30 jours" in follow_up.text
    since = fake.mark()
    start = await ask(fake, group, user, f"/start@{fake.bot_username}")
    assert "<b>5</b> articles" in start.text


# --- the Bot API misbehaving -----------------------------------------------------------------------


async def test_429_on_send_message_then_success_delivers_once(bot, fake):
    user, chat = person(fake, 130)
    since = fake.mark()
    fake.fail_next("sendMessage", 1, status=429, retry_after=1)
    answer = await ask(fake, chat, user, VISA, "14 septembre 2026")
    attempts = fake.calls_of("sendMessage", chat["id"], since)
    assert [c.status for c in attempts] == [429, 200]
    assert attempts[1].time - attempts[0].time >= 1.0  # retry_after honoured
    assert fake.sent(chat["id"], since) == [answer]


async def test_server_errors_are_retried_and_polling_survives(bot, fake):
    user, chat = person(fake, 140)
    since = fake.mark()
    fake.fail_next("sendMessage", 2, status=502)
    answer = await ask(fake, chat, user, OFF_TOPIC, "ne permettent pas")
    assert [c.status for c in fake.calls_of("sendMessage", chat["id"], since)] == [502, 502, 200]
    assert fake.sent(chat["id"], since) == [answer]
    fake.fail_next("getUpdates", 2, status=500)
    await fake.await_until(lambda: len([c for c in fake.calls_of("getUpdates", since=since) if c.status == 500]) == 2,
                           WAIT, "two failed polls")
    again = await ask(fake, chat, user, OFF_TOPIC, "ne permettent pas")
    assert again.ok


async def test_twenty_chats_at_once_each_get_their_own_answer(bot, fake):
    people = [person(fake, 200 + i) for i in range(20)]
    since = fake.mark()
    for i, (user, chat) in enumerate(people):
        fake.send_text(chat, user, VISA if i % 2 == 0 else MOSCOW)

    def all_answered():
        answers = {chat["id"]: fake.sent(chat["id"], since) for _, chat in people}
        return answers if all(answers.values()) else None

    answers = await fake.await_until(all_answered, 3 * WAIT, "20 answers")
    for i, (_, chat) in enumerate(people):
        [answer] = answers[chat["id"]]
        if i % 2 == 0:
            assert "14 septembre 2026" in answer.text and "Moscou" not in answer.text
        else:
            assert "Moscou en mars" in answer.text and "14 septembre" not in answer.text


# --- restarts, other processes, logs ---------------------------------------------------------------


async def test_conversation_survives_a_restart(engine, tmp_path):
    with FakeTelegram(TOKEN) as fake:
        settings = bot_settings(fake, tmp_path)
        user, chat = person(fake, 150)
        async with running(settings, engine):
            await ask(fake, chat, user, VISA, "14 septembre 2026")
        assert (tmp_path / "bot.sqlite3").exists()
        async with running(settings, engine):
            passages = await ask(fake, chat, user, "/sources", "Passages cités")
            assert "régime sans visa chinois" in passages.text
            follow_up = await ask(fake, chat, user, VISA_FOLLOW_UP)
            assert "30 jours" in follow_up.text


NEW_ARTICLE = """ date 2026-03-12 Le Japon et la Mongolie signent un accord sur les terres rares

AFP Agence France-Presse

Le Japon et la Mongolie ont signé jeudi à Oulan-Bator un accord de coopération sur l'exploitation des terres rares, d'une valeur de 4,2 milliards de dollars, a annoncé le ministère japonais de l'Économie.

L'accord prévoit la construction d'une usine de raffinage près de la frontière chinoise d'ici 2029. Tokyo cherche à réduire sa dépendance envers Pékin pour ces métaux stratégiques.
"""
RARE_EARTHS = "Quelle est la valeur de l'accord sur les terres rares entre le Japon et la Mongolie ?"


async def test_a_rebuild_by_another_process_is_picked_up(engine, tmp_path):
    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS, seeds)
    settings = Settings(data_dir=tmp_path / "data", seeds_dir=seeds)
    # Its own index (so other tests keep five articles), sharing the loaded model.
    own = Engine(settings, open_client(settings.chroma, settings.data_dir), engine.embedder)
    own.rebuild()
    with FakeTelegram(TOKEN) as fake:
        async with running(bot_settings(fake, tmp_path / "bot"), own):
            user, chat = person(fake, 160)
            before = await ask(fake, chat, user, RARE_EARTHS)
            assert "4,2 milliards" not in before.text
            (seeds / "005_terres_rares.txt").write_text(NEW_ARTICLE, encoding="utf-8")
            env = cli_env(settings.data_dir, seeds, PYTHONPATH=str(ROOT))
            script = ("import json; from config.settings import Settings; from index.engine import Engine; "
                      "print(json.dumps(Engine.open(Settings()).rebuild().to_dict()))")
            done = subprocess.run([sys.executable, "-c", script], env=env, cwd=tmp_path, capture_output=True,
                                  text=True, timeout=300)
            assert done.returncode == 0, done.stderr[-2000:]
            assert json.loads(done.stdout.strip().splitlines()[-1])["added"] == 1
            after = await ask(fake, chat, user, RARE_EARTHS)
            assert "4,2 milliards" in after.text and "AFP, 12 mars 2026" in after.text


async def test_the_token_never_reaches_logs_or_chats(engine, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    with FakeTelegram(TOKEN) as fake:
        async with running(bot_settings(fake, tmp_path), engine):  # built here: construction logs count too
            user, chat = person(fake, 170)
            fake.fail_next("sendMessage", 1, status=502)
            fake.fail_next("getUpdates", 1, status=500)
            await ask(fake, chat, user, VISA, "14 septembre 2026")
            fake.send_text(chat, user, "/unknown")
            await fake.await_message(chat["id"], "/sources", timeout=WAIT)
        messages = [c.text for c in fake.calls]
    assert any("Set Bot API URL" in r.getMessage() for r in caplog.records)  # PTB did try to log it
    secret = TOKEN.split(":")[1]
    for record in caplog.records:
        assert secret not in record.getMessage()
        assert secret not in (record.exc_text or "")
    assert secret not in caplog.text
    assert not any(secret in m for m in messages)


async def test_engine_errors_reach_the_log_and_an_apology_the_user(engine, tmp_path, caplog):
    settings = Settings(data_dir=tmp_path / "empty", seeds_dir=SEEDS)
    unbuilt = Engine(settings, open_client(settings.chroma, settings.data_dir), engine.embedder)
    with FakeTelegram(TOKEN) as fake:
        async with running(bot_settings(fake, tmp_path / "bot"), unbuilt):
            user, chat = person(fake, 180, "en")
            sorry = await ask(fake, chat, user, VISA)
            assert sorry.text == "Sorry, the articles are not indexed yet: an administrator can run /reindex."
            user, chat = person(fake, 181, "fr")
            assert "pas encore indexés" in (await ask(fake, chat, user, "/articles")).text
    [first, *_] = [r for r in caplog.records if r.name == "bot.tgbot.handlers" and r.levelno == logging.ERROR]
    assert first.exc_info and type(first.exc_info[1]).__name__ == "IndexNotBuilt"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def test_webhook_mode_registers_and_checks_the_secret(engine, tmp_path):
    port = free_port()
    with FakeTelegram(TOKEN) as fake:
        settings = bot_settings(fake, tmp_path, webhook_url=f"http://127.0.0.1:{port}/hook", webhook_port=port,
                                webhook_secret="s3cret_Hook-1")
        async with running(settings, engine):
            [registered] = fake.calls_of("setWebhook")
            assert registered.params["url"] == f"http://127.0.0.1:{port}/hook"
            assert registered.params["secret_token"] == "s3cret_Hook-1"
            user, chat = person(fake, 190)
            update = {"update_id": 1, "message": {"message_id": 1, "date": int(time.time()), "chat": chat,
                                                  "from": user, "text": "/help",
                                                  "entities": [{"type": "bot_command", "offset": 0, "length": 5}]}}
            async with httpx.AsyncClient(timeout=10) as client:
                forged = await client.post(f"http://127.0.0.1:{port}/hook", json=update)
                assert forged.status_code == 403
                genuine = await client.post(f"http://127.0.0.1:{port}/hook", json=update,
                                            headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret_Hook-1"})
                assert genuine.status_code == 200
            answer = await fake.await_message(chat["id"], timeout=WAIT)
            assert "Comment m&#x27;utiliser" in answer.text or "Comment m'utiliser" in answer.text
            assert len(fake.sent(chat["id"])) == 1
            assert not fake.calls_of("getUpdates")
