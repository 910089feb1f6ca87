"""Dépêche against a real `chroma run` server: rebuild, search, incremental rebuild and status; and a
message that says what to do, never a traceback, once the server is gone."""

from __future__ import annotations

import pytest

from config.settings import ChromaSettings
from index.engine import Engine
from index.errors import StoreUnavailable
from index.snapshot import load_snapshot
from index.store import open_client
from conftest import cli_env, make_settings, run_cli

pytestmark = pytest.mark.slow


def test_rebuild_search_and_status_through_a_chroma_server(chroma_server, tmp_path, embedder, seeds_copy):
    settings = make_settings(
        tmp_path / "data", seeds_copy, chroma=ChromaSettings(host="127.0.0.1", port=chroma_server.port)
    )
    engine = Engine(settings, open_client(settings.chroma, settings.data_dir), embedder)
    report = engine.rebuild()
    assert len(report.added) == 5 and report.chunks_embedded == report.chunks_total > 0
    assert not (settings.data_dir / "chroma").exists(), "vectors must go to the server, not an embedded store"
    collection = engine.client.get_collection(engine.status().collection)
    assert collection.count() == report.chunks_total

    assert engine.search("Rossiya-24")[0].article_id == "002_83c3c266e9f4ddcc"
    answer = engine.ask("Jusqu'à quand le régime sans visa chinois est-il valable ?")
    assert "14 septembre 2026" in answer.text and answer.sources[0].article_id == "002_83c3c266e9f4ddcc"
    # A who-said-what question queries the server among the chunks quoting the person named.
    quoted = engine.ask("Qu'a dit Poutine sur le régime sans visa ?")
    assert quoted.sources and all(s.speaker is not None and s.speaker.key == "vladimir poutine" for s in quoted.sources)

    edited = "000_232c08492062af93"
    old_ids = set(load_snapshot(settings.data_dir).articles[edited]["chunk_ids"])
    with (seeds_copy / f"{edited}.txt").open("a", encoding="utf-8") as f:
        f.write("\n\nLe Kremlin a précisé que la rencontre aurait lieu dans la station balnéaire de Quilbéronde.\n")
    report = engine.rebuild()
    assert report.updated == [edited] and len(report.unchanged) == 4
    new_ids = load_snapshot(settings.data_dir).articles[edited]["chunk_ids"]
    assert report.chunks_embedded == len(new_ids)
    assert engine.search("station balnéaire de Quilbéronde")[0].article_id == edited
    # A writer keeps the previous generation's vectors (readers answer from it until they poll).
    kept = len(old_ids - set(new_ids))
    assert kept > 0
    assert engine.client.get_collection(engine.status().collection).count() == report.chunks_total + kept

    status = engine.status()
    assert status.articles == 5 and status.chunks == report.chunks_total
    assert (status.date_min, status.date_max) == ("2023-09", "2026-02-04")

    # The server goes away under a running engine (the bot): a clear error, not a transport one.
    chroma_server.stop()
    with pytest.raises(StoreUnavailable, match=f"127.0.0.1:{chroma_server.port}"):
        engine.search("Rossiya-24")


def test_a_stopped_server_is_reported_with_a_fix(chroma_server, tmp_path):
    chroma = ChromaSettings(host="127.0.0.1", port=chroma_server.port)
    open_client(chroma, tmp_path / "data").heartbeat()
    chroma_server.stop()

    with pytest.raises(StoreUnavailable) as caught:
        open_client(chroma, tmp_path / "data")
    message = str(caught.value)
    assert f"127.0.0.1:{chroma_server.port}" in message
    assert "chroma run" in message and "DEPECHE_CHROMA__HOST" in message

    env = cli_env(
        tmp_path / "data", DEPECHE_CHROMA__HOST="127.0.0.1", DEPECHE_CHROMA__PORT=str(chroma_server.port)
    )
    done = run_cli("index", "status", env=env)
    assert done.returncode != 0
    assert done.stderr.startswith(f"depeche: The Chroma server at 127.0.0.1:{chroma_server.port} cannot be reached")
    assert "chroma run" in done.stderr and "Traceback" not in done.stderr
    assert done.stdout == ""
