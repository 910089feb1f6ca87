"""One writer and many readers through a real `chroma run` on loopback (issue 20): readers with no
seeds answer byte for byte as the writer does, pick up a new generation without a restart, survive
a writer killed mid-publication and a server restart; a second writer is refused.

One server and one writer's index are built once for the module; the tests run in file order and
each leaves the cluster as the next expects it.
"""

from __future__ import annotations

import json
import logging
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from config.settings import ChromaSettings, IndexSettings
from index.engine import Engine
from index.errors import StoreUnavailable
from index.publish import Lease, Server, control_name, published_generation, records_name
from index.snapshot import current_generation
from index.store import open_client
from conftest import ROOT, SEEDS, cli_env, make_settings

pytestmark = pytest.mark.slow

POLL = 1.0  # readers' index.poll_seconds
SEED_FILES = ("000_232c08492062af93.txt", "002_83c3c266e9f4ddcc.txt")
# Eval questions (tests/eval/questions.jsonl) about the bundled seeds: dates, names, quotes, English.
EVAL_IDS = ("fr-000-visite-01", "fr-000-ouchakov-01")
QUESTIONS = [
    "Jusqu'à quand le régime sans visa chinois est-il valable ?",
    "Qu'a dit Poutine sur le régime sans visa ?",
    "Rossiya-24",
    "When will Putin visit China?",
]
NEW_ARTICLE = """---
title: Un pont flottant relie Quilbéronde à l'île de Marvesc
date: 2026-02-20
source: Agence test
---

Les autorités de Quilbéronde ont inauguré vendredi un pont flottant de 740 mètres vers l'île de Marvesc.

Le chantier du pont flottant a coûté 31 millions d'euros, a précisé la mairie de Quilbéronde.
"""
NEW_QUESTION = "Combien a coûté le pont flottant vers l'île de Marvesc ?"


def _eval_questions() -> list[str]:
    lines = (ROOT / "tests" / "eval" / "questions.jsonl").read_text(encoding="utf-8").splitlines()
    cases = [json.loads(line) for line in lines if line.strip()]
    return [case["question"] for case in cases if case["id"] in EVAL_IDS]


class Cluster:
    """A `chroma run`, a writer (in process, with the seeds) and what readers need to join it."""

    def __init__(self, root: Path, embedder) -> None:
        from chroma_helpers import ChromaServer

        self.root = root
        self.server = ChromaServer(root)
        self.server.wait_ready()
        # Two of the seeds (the eval questions below are about them): half the encoding of five.
        self.seeds = root / "seeds"
        self.seeds.mkdir()
        for name in SEED_FILES:
            shutil.copy(SEEDS / name, self.seeds / name)
        self.chroma = ChromaSettings(host="127.0.0.1", port=self.server.port)
        self.writer_settings = make_settings(root / "writer", self.seeds, chroma=self.chroma)
        self.embedder = embedder
        self.writer = Engine(self.writer_settings, open_client(self.chroma, root / "writer"), embedder)
        self.writer.rebuild()

    def reader(self, name: str) -> Engine:
        """A reader engine in this process: an empty data dir, no seeds."""
        settings = make_settings(
            self.root / name, self.root / "no-seeds", chroma=self.chroma,
            index=IndexSettings(role="reader", poll_seconds=POLL),
        )
        return Engine(settings, open_client(self.chroma, settings.data_dir), self.embedder)

    def env(self, data_dir: Path, role: str, seeds: Path | None = None) -> dict[str, str]:
        return cli_env(
            data_dir, seeds or self.root / "no-seeds", DEPECHE_CHROMA__HOST="127.0.0.1",
            DEPECHE_CHROMA__PORT=str(self.server.port), DEPECHE_INDEX__ROLE=role,
            DEPECHE_INDEX__POLL_SECONDS=str(POLL),
            DEPECHE_EMBEDDING__THREADS="2",  # as the in-process writer's encoder (conftest `embedder`)
        )

    def collections(self) -> dict[str, int]:
        client = self.writer.client
        return {c.name: client.get_collection(c.name).count() for c in client.list_collections()}


@pytest.fixture(scope="module")
def cluster(tmp_path_factory, embedder):
    built = Cluster(tmp_path_factory.mktemp("cluster"), embedder)
    yield built
    built.writer.close()
    built.server.stop()


def _depeche(*args: str, env: dict[str, str], stdin: str | None = None) -> subprocess.Popen:
    depeche = Path(sys.executable).parent / "depeche"
    return subprocess.Popen(
        [str(depeche), *args], env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True,
    )


def _answers_new_article(engine: Engine) -> bool:
    answer = engine.ask(NEW_QUESTION)
    return not answer.abstained and any(s.article_id == "zz_pont_marvesc" for s in answer.sources)


def test_readers_with_no_seeds_answer_byte_for_byte_as_the_writer(cluster):
    from bot.cli import answer_json

    asked = _eval_questions() + QUESTIONS
    questions = "".join(q + "\n" for q in asked)
    before = cluster.collections()
    runs = {
        "reader-a": _depeche("ask", "--json", "-", env=cluster.env(cluster.root / "cli-a", "reader")),
        "reader-b": _depeche("ask", "--json", "-", env=cluster.env(cluster.root / "cli-b", "reader")),
    }
    # The writer's lines as its `ask --json` prints them (in process: its model and index are loaded).
    out = {"writer": "".join(json.dumps(answer_json(cluster.writer.ask(q)), ensure_ascii=False) + "\n" for q in asked)}
    for name, proc in runs.items():
        stdout, stderr = proc.communicate(questions, timeout=180)
        assert proc.returncode == 0, f"{name}: {stderr}"
        out[name] = stdout
    lines = out["writer"].splitlines()
    assert len(lines) == 6 and all(not json.loads(line)["abstained"] for line in lines[:2])
    assert "14 septembre 2026" in json.loads(lines[2])["answer"]
    assert out["reader-a"] == out["writer"] and out["reader-b"] == out["writer"]
    # Readers write nothing: neither locally (no index, no sentence file) nor on the server.
    for name in ("cli-a", "cli-b"):
        assert not (cluster.root / name / "index").exists() and not (cluster.root / name / "chroma").exists()
    assert cluster.collections() == before


def test_an_article_rebuilt_on_the_writer_reaches_running_readers(cluster, caplog):
    readers = [cluster.reader("reader-1"), cluster.reader("reader-2")]
    for reader in readers:
        assert not _answers_new_article(reader)
    records = cluster.writer.client.get_collection(records_name("depeche", cluster.writer.handle.fingerprint))
    stored = records.count()
    (cluster.seeds / "zz_pont_marvesc.md").write_text(NEW_ARTICLE, encoding="utf-8")
    report = cluster.writer.rebuild()
    assert report.added == ["zz_pont_marvesc"]
    # Content-addressed: the new article's entry and chunks, and the generation's three pages (its
    # head, one page of record ids, one of sentence-vector keys); every other record is shared with
    # the previous generation.
    assert records.count() - stored == 1 + report.chunks_embedded + 3
    generation = current_generation(cluster.writer_settings.data_dir)
    published = time.monotonic()
    # Nobody asks meanwhile: each reader's poller finds the new generation and loads it, so the
    # first question after it is answered from the new article (not the one that noticed it).
    with caplog.at_level(logging.INFO, logger="index.handle"):
        while sum(f"using published generation {generation}" in r.getMessage() for r in caplog.records) < 2:
            assert time.monotonic() - published < POLL + 5, "a reader did not pick up the new generation"
            time.sleep(0.1)
    for reader in readers:
        assert _answers_new_article(reader)
        assert reader.status().generation == generation
        reader.close()


def test_a_second_writer_is_refused_naming_the_first(cluster):
    from index.publish import WriterRefused
    from index.rebuild import rebuild

    server = Server(cluster.writer.client, cluster.writer_settings)
    lease = Lease.acquire(server, host="bot-machine-a")  # held by this (live) process
    try:
        other = make_settings(cluster.root / "second-writer", cluster.seeds, chroma=cluster.chroma)
        with pytest.raises(WriterRefused) as refused:
            rebuild(other, open_client(other.chroma, other.data_dir), cluster.embedder)
        assert "bot-machine-a" in str(refused.value) and "DEPECHE_INDEX__ROLE=reader" in str(refused.value)
        assert current_generation(other.data_dir) is None  # refused before anything was written
    finally:
        lease.release()
    # Released: the next writer takes the lease at once.
    Lease.acquire(server, host="bot-machine-b").release()


# Runs `depeche index rebuild` in a real process that SIGKILLs itself once every record and sentence
# vector of the new generation is stored, as it starts writing the generation's pages: the control
# record is never written.
_KILLED_MID_PUBLICATION = """
import os, signal, sys
import index.publish as publish
real_put = publish.Server.put
def put(self, collection, ids, *args, **kwargs):
    if ids and str(ids[0]).startswith("g:"):
        os.kill(os.getpid(), signal.SIGKILL)
    return real_put(self, collection, ids, *args, **kwargs)
publish.Server.put = put
from bot.cli import main
sys.exit(main(["index", "rebuild"]))
"""


def test_a_writer_killed_mid_publication_leaves_readers_on_the_previous_generation(cluster):
    reader = cluster.reader("reader-3")
    assert _answers_new_article(reader)
    before = reader.status().generation
    (cluster.seeds / "zz_pont_marvesc.md").unlink()
    killed = subprocess.run(
        [sys.executable, "-c", _KILLED_MID_PUBLICATION],
        env=cluster.env(cluster.writer_settings.data_dir, "writer", cluster.seeds), capture_output=True, text=True,
        timeout=180,
    )
    assert killed.returncode == -9, killed.stderr
    local = current_generation(cluster.writer_settings.data_dir)
    assert local != before  # the writer swapped its own generation, then died publishing it
    time.sleep(POLL)
    assert _answers_new_article(reader) and reader.status().generation == before

    # The next rebuild (same host, the dead writer's lease taken at once) publishes what was left.
    report = cluster.writer.rebuild()
    assert report.added == report.removed == []
    assert published_generation(Server(cluster.writer.client, cluster.writer_settings))[1]["generation"] == local
    deadline = time.monotonic() + POLL + 5
    while _answers_new_article(reader):
        assert time.monotonic() < deadline, "the reader stayed on the generation the writer replaced"
        time.sleep(0.2)
    assert reader.status().generation == local
    reader.close()


def test_gc_keeps_the_current_and_the_previous_published_generations(cluster):
    server = Server(cluster.writer.client, cluster.writer_settings)
    control = server.collection(control_name(server.deployment))
    named = [meta["generation"] for _, meta in sorted(server.all_ids(control, metadatas=True).items())]
    assert len(set(named)) == 3  # the first build, the new article, its removal (the killed one's)
    from index.rebuild import collect_garbage

    report = collect_garbage(cluster.writer_settings, cluster.writer.client)
    assert report.generations == [named[0]]
    reader = cluster.reader("reader-4")
    assert reader.ask(QUESTIONS[0]).sources and not _answers_new_article(reader)
    reader.close()


def test_a_failover_writer_re_encodes_nothing_the_server_holds(cluster):
    failover = make_settings(cluster.root / "failover-writer", cluster.seeds, chroma=cluster.chroma)
    engine = Engine(failover, open_client(cluster.chroma, failover.data_dir), cluster.embedder)
    report = engine.rebuild()  # a machine with the seeds and an empty data dir
    assert report.added and report.chunks_embedded == 0 and report.sentences_embedded == 0
    published = published_generation(Server(engine.client, failover))[1]["generation"]
    assert published == current_generation(failover.data_dir)
    reader = cluster.reader("reader-failover")
    assert reader.ask(QUESTIONS[0]).text == cluster.writer.ask(QUESTIONS[0]).text
    reader.close()
    engine.close()


def test_a_reader_with_other_model_settings_is_told_which_ones(cluster):
    from config.settings import ChunkingSettings
    from index.publish import NotPublished

    settings = make_settings(
        cluster.root / "reader-other", cluster.root / "no-seeds", chroma=cluster.chroma,
        index=IndexSettings(role="reader"), chunking=ChunkingSettings(max_words=60),
    )
    reader = Engine(settings, open_client(settings.chroma, settings.data_dir), cluster.embedder)
    with pytest.raises(NotPublished, match="DEPECHE_CHUNKING__"):
        reader.ask(QUESTIONS[0])
    reader.close()


def test_readers_report_a_stopped_server_then_answer_again_without_restart(cluster):
    reader = cluster.reader("reader-5")
    assert not reader.ask(QUESTIONS[0]).abstained
    cluster.server.stop()
    time.sleep(POLL)
    with pytest.raises(StoreUnavailable, match=f"127.0.0.1:{cluster.server.port}"):
        reader.ask(QUESTIONS[0])
    cluster.server.start()
    cluster.server.wait_ready()
    deadline = time.monotonic() + 15
    while True:
        try:
            answer = reader.ask(QUESTIONS[0])
            break
        except StoreUnavailable:
            assert time.monotonic() < deadline, "the reader did not answer again after the server came back"
            time.sleep(0.5)
    assert "14 septembre 2026" in answer.text
    reader.close()


def test_a_server_without_a_role_is_refused_with_the_setting_to_set(monkeypatch):
    from config.settings import load_settings
    from index.errors import SettingsInvalid

    monkeypatch.setenv("DEPECHE_CHROMA__HOST", "127.0.0.1")
    with pytest.raises(SettingsInvalid, match="DEPECHE_INDEX__ROLE") as caught:
        load_settings(_env_file=None)
    assert "writer" in str(caught.value) and "reader" in str(caught.value)
    monkeypatch.delenv("DEPECHE_CHROMA__HOST")
    monkeypatch.setenv("DEPECHE_INDEX__ROLE", "reader")
    with pytest.raises(SettingsInvalid, match="DEPECHE_CHROMA__HOST"):
        load_settings(_env_file=None)


def test_a_reader_neither_rebuilds_nor_collects_garbage(tmp_path):
    from index.errors import DepecheError
    from index.rebuild import collect_garbage, rebuild

    settings = make_settings(
        tmp_path, tmp_path / "seeds", chroma=ChromaSettings(host="127.0.0.1", port=9),
        index=IndexSettings(role="reader"),
    )
    with pytest.raises(DepecheError, match="reader.*never rebuilds"):
        rebuild(settings, None, None)
    with pytest.raises(DepecheError, match="readers never delete"):
        collect_garbage(settings, None)
