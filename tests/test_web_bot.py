"""`/add URL` and feed polling in the real bot, against the fake Bot API and the loopback news site."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from fake_telegram import FakeTelegram, check_html  # tests/ is on sys.path
from test_bot_e2e import running

from config.settings import Settings, SourcesSettings, TelegramSettings
from index.engine import Engine
from web_site import EXPECTED, Site

pytestmark = [pytest.mark.slow, pytest.mark.asyncio(loop_scope="session")]

SEEDS = Path(__file__).resolve().parents[1] / "seeds"
TOKEN = "123456:TEST-SECRET-web"
ADMIN, OTHER = 501, 502
WAIT = 90.0  # an /add fetches, extracts and rebuilds with the real model on a busy machine
PAGES = list(EXPECTED)


async def test_admin_add_and_feed_polling(tmp_path):
    seeds = Path(shutil.copytree(SEEDS, tmp_path / "seeds"))
    with Site() as site, FakeTelegram(TOKEN) as fake:
        settings = Settings(
            data_dir=tmp_path / "data",
            seeds_dir=seeds,
            telegram=TelegramSettings(token=TOKEN, base_url=fake.base_url, base_file_url=fake.base_file_url,
                                      admin_user_ids=[ADMIN]),  # fmt: skip
            sources=SourcesSettings(allow_private=True, timeout=2, retries=1, feeds=[site.url("/atom.xml")], poll_minutes=30),
        )
        engine = Engine.open(settings, build_if_missing=True)
        assert engine.status().articles == 5
        async with running(settings, engine) as app:
            other = fake.user(OTHER)
            since = fake.mark()
            fake.send_text(fake.private_chat(other), other, f"/add {site.url(PAGES[0])}")
            refused = await fake.await_message(OTHER, since=since, timeout=WAIT)
            assert "seuls les administrateurs" in check_html(refused.text)
            assert site.hits[PAGES[0]] == 0

            admin = fake.user(ADMIN)
            since = fake.mark()
            fake.send_text(fake.private_chat(admin), admin, f"/add {site.url(PAGES[0])} {site.url('/rapport.pdf')}")
            done = await fake.await_message(ADMIN, "Ajouté", since=since, timeout=WAIT)
            shown = check_html(done.text).splitlines()
            assert shown[0] == "Ajouté : Le Transsibérien rouvre sa ligne vers Pékin — Le Courrier de l'Est, 5 novembre 2026"
            assert shown[1].startswith("Échec : ") and "is a PDF document" in shown[1]
            assert engine.status().articles == 6  # rebuilt before the reply

            # The polling job, run now rather than in 30 minutes: the feed's two pages come in.
            jobs = app.job_queue.get_jobs_by_name("poll_feeds")
            assert len(jobs) == 1 and jobs[0].job.trigger.interval.total_seconds() == 30 * 60
            await jobs[0].run(app)
            assert engine.status().articles == 8
            answer = engine.ask("Combien de jours sans visa les voyageurs pourront-ils séjourner en Chine ?")
            assert any(s.outlet == "AFP" and s.date == "2026-11-05" for s in answer.sources)
