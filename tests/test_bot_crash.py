"""A real `depeche bot` process SIGKILLed with questions in flight: after a restart every question is
answered exactly once. Telegram is the fake Bot API; the bot, its engine and its state file are real.
"""

from __future__ import annotations

import signal
import sqlite3
import subprocess
from pathlib import Path

import pytest
from fake_telegram import FakeTelegram  # tests/ is on sys.path (no __init__.py)

from conftest import DEPECHE, cli_env

pytestmark = pytest.mark.slow

TOKEN = "123456:CRASH-test-token"
VISA = "Jusqu'à quand le régime sans visa chinois est-il valable ?"
MOSCOW = "Quand Xi Jinping s'est-il rendu à Moscou ?"
EXPECTED = {VISA: "14 septembre 2026", MOSCOW: "Moscou en mars"}
ANSWERED_BEFORE = 4  # questions answered before the kill
IN_FLIGHT = 8  # questions fetched and being answered when the process dies
START = 300.0  # seconds: loading the model (and, the first time, building the index) on a busy machine
WAIT = 180.0


def start_bot(fake: FakeTelegram, data_dir: Path, log: Path) -> subprocess.Popen:
    env = cli_env(data_dir, DEPECHE_TELEGRAM__TOKEN=TOKEN, DEPECHE_TELEGRAM__BASE_URL=fake.base_url,
                  DEPECHE_TELEGRAM__BASE_FILE_URL=fake.base_file_url, DEPECHE_TELEGRAM__POLL_TIMEOUT="2")
    with log.open("a") as out:
        return subprocess.Popen([str(DEPECHE), "bot"], env=env, cwd=data_dir.parent, stdout=out,
                                stderr=subprocess.STDOUT)


def wait_polling(fake: FakeTelegram, since: int) -> None:
    fake.wait_until(lambda: fake.calls_of("getUpdates", since=since), START, "the bot to poll")


def test_questions_in_flight_at_a_sigkill_are_answered_once_after_a_restart(tmp_path):
    data_dir, log = tmp_path / "data", tmp_path / "bot.log"
    with FakeTelegram(TOKEN) as fake:
        people = [(fake.user(500 + i), VISA if i % 2 else MOSCOW) for i in range(ANSWERED_BEFORE + IN_FLIGHT)]
        chats = [fake.private_chat(user) for user, _ in people]
        bot = start_bot(fake, data_dir, log)
        try:
            wait_polling(fake, 0)
            for (user, question), chat in list(zip(people, chats))[:ANSWERED_BEFORE]:
                fake.send_text(chat, user, question)
            fake.wait_until(lambda: all(fake.sent(c["id"]) for c in chats[:ANSWERED_BEFORE]), WAIT, "first answers")

            # Telegram stops answering sendMessage: the next questions are fetched, answered by the
            # engine, and stuck in their reply when the process dies.
            fake.hold("sendMessage")
            for (user, question), chat in list(zip(people, chats))[ANSWERED_BEFORE:]:
                fake.send_text(chat, user, question)
            in_flight = {c["id"] for c in chats[ANSWERED_BEFORE:]}
            fake.wait_until(lambda: {c.chat_id for c in fake.held("sendMessage")} >= in_flight, WAIT,
                            "every in-flight answer stuck in sendMessage")
            bot.send_signal(signal.SIGKILL)
            assert bot.wait(30) == -signal.SIGKILL
        finally:
            if bot.poll() is None:
                bot.kill()
                bot.wait(30)
        fake.release("sendMessage")  # the stuck calls fail: none of them reached the chat
        assert not any(fake.sent(c["id"]) for c in chats[ANSWERED_BEFORE:])
        # The worst case Telegram allows: the old process's confirmations are lost and it sends
        # every update again, answered or not.
        fake.redeliver()

        since = fake.mark()
        bot = start_bot(fake, data_dir, log)
        try:
            wait_polling(fake, since)
            fake.wait_until(lambda: all(fake.sent(c["id"]) for c in chats), WAIT, "every question answered")
            fake.wait_until(lambda: fake.pending_updates() == 0, WAIT, "every redelivered update confirmed")
            # A graceful stop handles everything already queued, so a duplicate would be sent before it exits.
            bot.send_signal(signal.SIGTERM)
            assert bot.wait(60) == 0
        finally:
            if bot.poll() is None:
                bot.kill()
                bot.wait(30)

        output = log.read_text()
        for (_, question), chat in zip(people, chats):
            [answer] = fake.sent(chat["id"])  # exactly once, whichever side of the kill it was answered on
            assert EXPECTED[question] in answer.text
        assert all(not fake.sent(c["id"], since) for c in chats[:ANSWERED_BEFORE])
        assert f"Answering {IN_FLIGHT} updates received before the last stop" in output
        assert "Traceback" not in output and TOKEN.split(":")[1] not in output
    with sqlite3.connect(data_dir / "bot.sqlite3") as db:
        assert db.execute("SELECT count(*) FROM updates WHERE answered_at IS NULL").fetchone() == (0,)
        assert db.execute("SELECT count(*) FROM updates").fetchone() == (ANSWERED_BEFORE + IN_FLIGHT,)
