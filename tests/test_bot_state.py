"""The bot's state file (`bot.sqlite3`): damaged files, the old `telegram.pickle`, and updates that must
be answered once across restarts. The real Application runs against the fake Bot API, in process; the
SIGKILL case with a real process is in test_bot_crash.py.
"""

from __future__ import annotations

import logging
import sqlite3

import pytest
from fake_telegram import FakeTelegram  # tests/ is on sys.path (no __init__.py)
from telegram import Update
from telegram.ext import ExtBot, PersistenceInput, PicklePersistence
from test_bot_e2e import TOKEN, VISA, VISA_FOLLOW_UP, ask, bot_settings, person, running

from bot.tgbot.state import (
    MAX_ATTEMPTS,
    SCHEMA_VERSION,
    STATE_FILE,
    BotState,
    decode_chat_data,
    encode_chat_data,
)
from conftest import make_settings
from index.conversation import Conversation
from index.engine import Engine
from index.errors import DepecheError
from index.models import Answer, Source
from index.store import open_client

SESSION_LOOP = pytest.mark.asyncio(loop_scope="session")
GARBAGE = b"\x00\xff half-written state \xfe" * 200  # what a crash in the middle of a flush may leave


@pytest.fixture(scope="module")
def engine(embedder, tmp_path_factory: pytest.TempPathFactory) -> Engine:
    """The real engine over the seeds, sharing the session's model."""
    settings = make_settings(tmp_path_factory.mktemp("engine"))
    engine = Engine(settings, open_client(settings.chroma, settings.data_dir), embedder)
    engine.rebuild()
    return engine


def warnings_of(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "bot.tgbot.state" and r.levelno == logging.WARNING]


def message_update(update_id: int, chat: dict, user: dict, text: str, message_id: int) -> Update:
    return Update.de_json({"update_id": update_id, "message": {
        "message_id": message_id, "date": 1764000000, "chat": chat, "from": user, "text": text}}, None)


# --- the JSON documents, without the bot ------------------------------------------------------------


def sample_chat_data() -> dict:
    source = Source(1, "002_abc", "Chine-Russie", "2026-02-04", "AA", "Le régime sans visa…", 10, 40, "day")
    answer = Answer("Jusqu'à quand ?", "Jusqu'au 14 septembre 2026 [1].", [source], False, "fr", "régime sans visa")
    conversation = Conversation(max_turns=4)
    conversation.add(answer)
    return {"conversation": conversation, "answer_seq": 1, "cited": {"1": ("fr", [source])}}


def test_chat_data_is_versioned_json_and_reads_back_equal():
    data = {**sample_chat_data(), "note": {"plain": ["json", 1]}}
    payload = encode_chat_data(data)
    assert payload.startswith(f'{{"v": {SCHEMA_VERSION}, "data": ')
    assert "pickle" not in payload and "régime sans visa" in payload  # readable text, not escaped bytes
    assert decode_chat_data(payload) == data


def test_a_value_that_is_not_json_is_left_out_with_a_warning(caplog):
    data = {**sample_chat_data(), "lock": object()}
    decoded = decode_chat_data(encode_chat_data(data))
    assert "lock" not in decoded and decoded["conversation"] == data["conversation"]
    assert any("chat_data['lock']" in w for w in warnings_of(caplog))


def test_a_newer_schema_is_refused_and_left_in_place(tmp_path):
    BotState(tmp_path).close()
    with sqlite3.connect(tmp_path / STATE_FILE) as db:
        db.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(SCHEMA_VERSION + 1),))
    with pytest.raises(DepecheError, match="newer version of Dépêche"):
        BotState(tmp_path)
    assert not list(tmp_path.glob("*unreadable*"))  # nothing moved aside: a newer bot's state is kept whole
    with sqlite3.connect(tmp_path / STATE_FILE) as db:
        version = db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    assert version == (str(SCHEMA_VERSION + 1),)


def test_a_damaged_chat_row_loses_that_chat_only(tmp_path, caplog):
    state = BotState(tmp_path)
    state.save_chat(1, sample_chat_data())
    state.save_chat(2, sample_chat_data())
    state.close()
    with sqlite3.connect(tmp_path / STATE_FILE) as db:
        db.execute("UPDATE chat_data SET payload = '{\"v\": 1, \"data\": {\"conversation\": 3' WHERE chat_id = 2")
    chats = BotState(tmp_path).load_chats()
    assert list(chats) == [1] and chats[1] == sample_chat_data()
    assert any("chat 2 could not be read" in w for w in warnings_of(caplog))


def test_an_update_that_never_gets_answered_is_given_up_after_a_few_restarts(tmp_path, caplog):
    user = FakeTelegram.user(5)
    state = BotState(tmp_path)
    assert state.record([message_update(7, FakeTelegram.private_chat(user), user, "boom", 1)])
    for _ in range(MAX_ATTEMPTS):  # each start-up tries it again
        assert [u["update_id"] for u in BotState(tmp_path).take_pending()] == [7]
    assert BotState(tmp_path).take_pending() == []
    assert any("Update 7 was recovered 3 times" in w for w in warnings_of(caplog))


# --- damaged files at start-up -------------------------------------------------------------------


@SESSION_LOOP
async def test_an_unreadable_state_file_is_moved_aside_and_the_bot_starts_empty(engine, tmp_path, caplog):
    (tmp_path / STATE_FILE).write_bytes(GARBAGE)
    with FakeTelegram(TOKEN) as fake:
        settings = bot_settings(fake, tmp_path)
        user, chat = person(fake, 301)
        async with running(settings, engine):
            await ask(fake, chat, user, VISA, "14 septembre 2026")
        [aside] = tmp_path.glob(f"{STATE_FILE}.unreadable-*")
        assert aside.read_bytes() == GARBAGE  # kept for whoever wants to look, not deleted
        [warning] = warnings_of(caplog)
        assert "could not be read" in warning and aside.name in warning and "empty state" in warning
        async with running(settings, engine):  # the new file holds what the first run answered
            passages = await ask(fake, chat, user, "/sources", "Passages cités")
            assert "régime sans visa chinois" in passages.text
    assert len(list(tmp_path.glob(f"{STATE_FILE}.unreadable-*"))) == 1


@SESSION_LOOP
async def test_an_unreadable_old_pickle_is_moved_aside_and_the_bot_starts(engine, tmp_path, caplog):
    (tmp_path / "telegram.pickle").write_bytes(GARBAGE)
    with FakeTelegram(TOKEN) as fake:
        user, chat = person(fake, 302)
        async with running(bot_settings(fake, tmp_path), engine):
            assert "pas encore de réponse" in (await ask(fake, chat, user, "/sources")).text
    [aside] = tmp_path.glob("telegram.pickle.unreadable-*")
    assert aside.read_bytes() == GARBAGE and not (tmp_path / "telegram.pickle").exists()
    assert any("telegram.pickle could not be read" in w for w in warnings_of(caplog))


@SESSION_LOOP
async def test_an_old_pickle_is_migrated_once(engine, tmp_path, caplog):
    caplog.set_level(logging.INFO, logger="bot.tgbot.state")
    with FakeTelegram(TOKEN) as fake:
        user, chat = person(fake, 303)
        # What the previous version wrote: PTB's PicklePersistence holding the chat's data as handlers kept it.
        conversation = Conversation(max_turns=6)
        answer = engine.ask(VISA, conversation)
        conversation.add(answer)
        legacy = PicklePersistence(tmp_path / "telegram.pickle", store_data=PersistenceInput(
            bot_data=False, chat_data=True, user_data=False, callback_data=False))
        legacy.set_bot(ExtBot(TOKEN))
        await legacy.update_chat_data(chat["id"], {"conversation": conversation, "answer_seq": 1,
                                                   "cited": {"1": (answer.language, list(answer.sources))}})
        await legacy.flush()

        settings = bot_settings(fake, tmp_path)
        async with running(settings, engine):
            passages = await ask(fake, chat, user, "/sources", "Passages cités")
            assert "régime sans visa chinois" in passages.text
            since = fake.mark()
            fake.press_button({"message_id": 999, "date": 0, "chat": chat, "text": "answer"}, user, "src:1:1")
            shown = await fake.await_message(chat["id"], since=since)
            assert shown.text.startswith("<b>[1] AA, 4 février 2026</b>")
            assert "30 jours" in (await ask(fake, chat, user, VISA_FOLLOW_UP)).text  # the follow-up sees it
        assert not (tmp_path / "telegram.pickle").exists() and (tmp_path / "telegram.pickle.migrated").exists()
        migrated = [r for r in caplog.records if r.getMessage().startswith("Migrated 1 chats")]
        assert len(migrated) == 1

        async with running(settings, engine):  # nothing migrated twice; the chat goes on
            passages = await ask(fake, chat, user, "/sources", "Passages cités")
            assert "30 jours" in passages.text
    assert len([r for r in caplog.records if r.getMessage().startswith("Migrated")]) == 1


# --- once, and only once ---------------------------------------------------------------------------


@SESSION_LOOP
async def test_answered_updates_delivered_again_after_a_restart_are_not_answered_again(engine, tmp_path):
    with FakeTelegram(TOKEN) as fake:
        settings = bot_settings(fake, tmp_path)
        people = [person(fake, 310 + i) for i in range(3)]
        async with running(settings, engine):
            for user, chat in people:
                await ask(fake, chat, user, "/help")
        fake.redeliver()  # as if the confirming getUpdates had been lost with the old process
        assert fake.pending_updates() == 3
        since = fake.mark()
        async with running(settings, engine):
            await fake.await_until(lambda: fake.pending_updates() == 0, 30, "the redelivered updates confirmed")
            user, chat = person(fake, 313)
            await ask(fake, chat, user, "/help")  # handled after them, in the same order
        for _, chat in people:
            assert fake.sent(chat["id"]) and not fake.sent(chat["id"], since)


@SESSION_LOOP
async def test_an_update_recorded_but_not_answered_is_answered_once_at_start_up(engine, tmp_path, caplog):
    caplog.set_level(logging.INFO, logger="bot.tgbot.state")
    with FakeTelegram(TOKEN) as fake:
        user, chat = person(fake, 320)
        message = fake.send_text(chat, user, VISA)  # Telegram still holds it: never confirmed
        # The previous process recorded it, then died before answering.
        state = BotState(tmp_path)
        state.record([message_update(1, chat, user, VISA, message["message_id"])])  # a new fake numbers from 1
        state.close()
        async with running(bot_settings(fake, tmp_path), engine):
            answer = await fake.await_message(chat["id"], "14 septembre 2026", timeout=60)
            await fake.await_until(lambda: fake.pending_updates() == 0, 30, "the update confirmed")
            user2, chat2 = person(fake, 321)
            await ask(fake, chat2, user2, "/help")  # a later update went all the way through
        assert fake.sent(chat["id"]) == [answer]
    assert any("Answering 1 updates received before the last stop" in r.getMessage() for r in caplog.records)
    assert any("Update 1 delivered again: already being answered" in r.getMessage() for r in caplog.records)
    assert BotState(tmp_path).take_pending() == []
