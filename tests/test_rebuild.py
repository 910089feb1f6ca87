"""Rebuilds against a real embedded Chroma and the real model: incremental, bad files, model changes,
SIGKILLed rebuilds and a rebuild in another process while an engine keeps answering."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import shutil
import signal
import struct
import subprocess
import termios
import time
from pathlib import Path

import pytest

from config.settings import ChunkingSettings, EmbeddingSettings
from index.engine import Engine
from index.errors import IndexNotBuilt
from index.rebuild import RebuildInProgress, collect_garbage, rebuild_lock
from index.snapshot import current_generation, index_dir, load_snapshot
from index.store import VectorStore, dated_where, open_client, reopen_client
from conftest import DEPECHE, SEEDS, cli_env, make_settings, run_cli  # tests/ is on sys.path

pytestmark = pytest.mark.slow

SEED_IDS = sorted(p.stem for p in SEEDS.glob("*.txt"))
# The kill test's rebuilds write their chunk vectors this many at a time (`embedding.commit_batch`,
# 256 by default: the test would encode 300 chunks a run to see a batch land and a second begin).
COMMIT_BATCH = 16
SYNTHETIC = 24  # one chunk each: more than one batch even before the seeds' changed chunks
assert SYNTHETIC > COMMIT_BATCH
# A query only its own seed article answers; the kill test checks each one survives.
SEED_QUERIES = {
    "000_232c08492062af93": "Iouri Ouchakov conseiller du Kremlin en politique étrangère",
    "001_144ff868b3a4961c": "pourparlers sur l'Ukraine à Abou Dhabi facteur stabilisant",
    "002_83c3c266e9f4ddcc": "Rossiya-24",
    "003_5487023a91da2442": "Alexei Druzhinin Sputnik photo",
    "004_7c2a5c67d315efc7": "visite d'État en Russie du 20 au 22 mars",
}


def engine_for(settings, embedder, fresh: bool = False) -> Engine:
    """An engine sharing the session's model; `fresh` rereads what other processes wrote."""
    client = (reopen_client if fresh else open_client)(settings.chroma, settings.data_dir)
    return Engine(settings, client, embedder)


def stored_ids(engine: Engine) -> set[str]:
    """Every chunk id in the engine's current collection."""
    return VectorStore.open(engine.client, engine.status().collection).all_ids()


def top_ids(engine: Engine, query: str) -> list[str]:
    return [hit.article_id for hit in engine.search(query)]


def test_first_rebuild_indexes_the_seeds_and_the_second_is_a_no_op(tmp_path, embedder):
    settings = make_settings(tmp_path / "data")
    engine = engine_for(settings, embedder)
    with pytest.raises(IndexNotBuilt, match="depeche index rebuild"):
        engine.status()

    report = engine.rebuild()
    assert sorted(report.added) == SEED_IDS
    assert report.updated == report.removed == report.unchanged == report.skipped == []
    assert report.chunks_total > 0 and report.chunks_embedded == report.chunks_total
    assert "no index yet" in report.reason

    status = engine.status()
    assert status.articles == 5 and status.chunks == report.chunks_total
    assert (status.date_min, status.date_max) == ("2023-09", "2026-02-04")
    assert status.model == "multilingual-e5-small-q4"
    assert status.collection.startswith("depeche-")
    assert len(stored_ids(engine)) == report.chunks_total

    again = engine.rebuild()
    assert again.chunks_embedded == 0
    assert sorted(again.unchanged) == SEED_IDS
    assert again.added == again.updated == again.removed == []
    assert again.chunks_total == report.chunks_total
    assert engine.status().generation == status.generation  # nothing changed, nothing written


def test_incremental_rebuild_updates_removes_and_adds_one_article(tmp_path, embedder, seeds_copy):
    settings = make_settings(tmp_path / "data", seeds_copy)
    engine = engine_for(settings, embedder)
    engine.rebuild()
    edited = "003_5487023a91da2442"
    old_ids = set(load_snapshot(settings.data_dir).articles[edited]["chunk_ids"])

    with (seeds_copy / f"{edited}.txt").open("a", encoding="utf-8") as f:
        f.write("\n\nLes deux dirigeants ont aussi évoqué le corridor Zorblaxien, un projet ferroviaire inédit.\n")
    report = engine.rebuild()
    assert report.updated == [edited]
    assert report.added == report.removed == []
    assert sorted(report.unchanged) == [i for i in SEED_IDS if i != edited]
    new_ids = set(load_snapshot(settings.data_dir).articles[edited]["chunk_ids"])
    assert report.chunks_embedded == len(new_ids) > 0
    hits = engine.search("corridor Zorblaxien")
    assert hits[0].article_id == edited and "Zorblaxien" in hits[0].text
    in_chroma = stored_ids(engine)
    assert not old_ids & in_chroma, "the old version's chunks must leave the collection"
    assert new_ids <= in_chroma and len(in_chroma) == report.chunks_total

    gone = "001_144ff868b3a4961c"
    gone_ids = set(load_snapshot(settings.data_dir).articles[gone]["chunk_ids"])
    (seeds_copy / f"{gone}.txt").unlink()
    report = engine.rebuild()
    assert report.removed == [gone] and report.chunks_embedded == 0
    in_chroma = stored_ids(engine)
    assert not gone_ids & in_chroma and len(in_chroma) == report.chunks_total
    assert gone not in top_ids(engine, SEED_QUERIES[gone])
    assert engine.status().articles == 4

    (seeds_copy / "005_nouveau.txt").write_text(
        "Le Transsibérien accélère\n\n date 2026-03-01\n\nLa compagnie ferroviaire russe a annoncé que le "
        "trajet Moscou–Vladivostok durera désormais cinq jours et demi grâce au tronçon Kvastorine.\n",
        encoding="utf-8",
    )
    report = engine.rebuild()
    assert report.added == ["005_nouveau"] and report.updated == report.removed == []
    assert top_ids(engine, "tronçon Kvastorine")[0] == "005_nouveau"
    assert len(stored_ids(engine)) == report.chunks_total


def test_bad_files_get_a_notice_and_the_rest_is_indexed(tmp_path, embedder, seeds_copy):
    (seeds_copy / "vide.txt").write_bytes(b"")
    (seeds_copy / "binaire.txt").write_bytes(bytes(range(256)) * 40)
    (seeds_copy / "windows.txt").write_bytes(
        "Réunion à Pékin\n\nLes délégués ont signé un accord sur l'énergie et les céréales à Pékin, "
        "après trois jours de négociations très serrées.\n".encode("cp1252")
    )
    (seeds_copy / "enorme.txt").write_bytes(b"Un article sans fin. " * 260_000)  # ~5.5 MB
    shutil.copy(seeds_copy / "002_83c3c266e9f4ddcc.txt", seeds_copy / "copie_002.txt")
    settings = make_settings(tmp_path / "data", seeds_copy)
    engine = engine_for(settings, embedder)

    report = engine.rebuild()
    assert sorted(report.added) == sorted([*SEED_IDS, "windows"])
    notices = "\n".join(report.notices)
    assert len(report.skipped) == 4, report.skipped
    for name, reason in [
        ("vide.txt", "empty"),
        ("binaire.txt", "binary"),
        ("enorme.txt", "over the 5,000,000-byte limit"),
        ("copie_002.txt", "duplicate of 002_83c3c266e9f4ddcc"),
    ]:
        line = next((s for s in report.skipped if name in s), None)
        assert line is not None and reason in line, (name, report.skipped)
    assert "windows.txt: decoded: decoded as cp1252" in notices
    hit = engine.search("accord sur l'énergie et les céréales")[0]
    assert hit.article_id == "windows" and "énergie et les céréales" in hit.text  # accents survive
    assert engine.status().articles == 6

    # An indexed article whose file turns unreadable keeps its previous version.
    kept = "004_7c2a5c67d315efc7"
    (seeds_copy / f"{kept}.txt").write_bytes(b"\x00\x01\x02" * 100)
    report = engine.rebuild()
    assert kept in report.unchanged and report.removed == []
    assert f"{kept}: kept the previously indexed version" in report.notices
    assert any(f"{kept}.txt" in s and "binary" in s for s in report.skipped)
    assert top_ids(engine, SEED_QUERIES[kept])[0] == kept
    assert engine.status().articles == 6


def test_chunking_change_rebuilds_everything_in_a_new_collection(tmp_path, embedder):
    old_settings = make_settings(tmp_path / "data")
    old = engine_for(old_settings, embedder)
    old.rebuild()
    old_status = old.status()

    new_settings = make_settings(tmp_path / "data", chunking=ChunkingSettings(max_words=60))
    new = engine_for(new_settings, embedder)
    report = new.rebuild()
    assert report.full is True
    assert "chunking changed" in report.reason and "every article is re-embedded" in report.reason
    assert sorted(report.updated) == SEED_IDS
    assert report.chunks_embedded == report.chunks_total > old_status.chunks  # smaller chunks, more of them
    new_status = new.status()
    assert new_status.collection != old_status.collection
    # Peers of the deployment still on the old chunking query the old collection: a rebuild keeps
    # it, and only an explicit `index gc` drops it.
    names = sorted(c.name for c in new.client.list_collections())
    assert names == sorted([old_status.collection, new_status.collection])
    assert stored_ids(new) == set(load_snapshot(new_settings.data_dir).chunks)
    gc = collect_garbage(new_settings, new.client)
    assert gc.dropped == [old_status.collection] and gc.current == new_status.collection
    assert [c.name for c in new.client.list_collections()] == [new_status.collection]

    # Vectors of two chunkings never mix: the old settings refuse to answer and say what to do.
    with pytest.raises(IndexNotBuilt, match="depeche index rebuild"):
        old.search("Rossiya-24")
    with pytest.raises(IndexNotBuilt, match="depeche index rebuild"):
        engine_for(old_settings, embedder, fresh=True).status()


def test_a_second_rebuild_while_one_holds_the_lock_is_refused(tmp_path, embedder):
    settings = make_settings(tmp_path / "data")
    engine = engine_for(settings, embedder)
    with rebuild_lock(settings.data_dir):
        with pytest.raises(RebuildInProgress, match="Another rebuild of this index is running"):
            engine.rebuild()
    assert current_generation(settings.data_dir) is None  # the refused rebuild wrote nothing
    assert engine.rebuild().added  # the lock is free again


def test_a_rebuild_in_another_process_is_seen_without_restart(tmp_path, embedder, seeds_copy):
    settings = make_settings(tmp_path / "data", seeds_copy)
    engine = engine_for(settings, embedder)
    engine.rebuild()
    assert engine.ask("Quand le pont de Blagovechtchensk-Heihe sera-t-il rouvert ?").abstained

    (seeds_copy / "006_pont.txt").write_text(
        "Le pont de l'Amour rouvre\n\n date 2026-03-02\n\nLe pont routier de Blagovechtchensk-Heihe, fermé "
        "pour travaux, sera rouvert le 17 juin 2026, a indiqué le gouverneur de la région de l'Amour.\n",
        encoding="utf-8",
    )
    done = run_cli("index", "rebuild", "--json", env=cli_env(settings.data_dir, seeds_copy))
    assert done.returncode == 0, done.stderr
    assert '"added": 1' in done.stdout

    answer = engine.ask("Quand le pont de Blagovechtchensk-Heihe sera-t-il rouvert ?")
    assert not answer.abstained and "17 juin 2026" in answer.text
    assert answer.sources[0].article_id == "006_pont"
    assert engine.status().articles == 6


# --- SIGKILL during a rebuild ------------------------------------------------------------------


def _vary_seeds(seeds: Path, seed_variant: int, synthetic_variant: int) -> None:
    """Change every seed (so all are updated) and write many one-chunk articles (so embedding takes
    more than one batch of `COMMIT_BATCH`)."""
    for path in seeds.glob("0*.txt"):
        text = path.read_text(encoding="utf-8").split("\n\nMise à jour ")[0]
        path.write_text(f"{text}\n\nMise à jour {seed_variant} : l'article a été relu.\n", encoding="utf-8")
    for i in range(SYNTHETIC):
        (seeds / f"synth_{i:03d}.txt").write_text(
            f"Transports de la commune {i}\n\n"
            f"Le conseil de la commune numéro {i} a voté sa {synthetic_variant}e délibération sur les bus. "
            f"Les élus ont approuvé {i % 7 + 2} lignes nouvelles et un emprunt de {i + 3} millions.\n",
            encoding="utf-8",
        )


class _Rebuild:
    """`depeche index rebuild` in a child process, its stderr on a pseudo-terminal so that it draws
    its progress bar: "16/29" appears once the first batch of vectors is committed to Chroma."""

    def __init__(self, env: dict[str, str], cwd: Path) -> None:
        master, slave = pty.openpty()
        # A pty is born 0 columns wide, and tqdm draws nothing in no columns.
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 120, 0, 0))
        self.proc = subprocess.Popen(
            [str(DEPECHE), "-v", "index", "rebuild"], env=env, cwd=cwd,
            stdin=subprocess.DEVNULL, stdout=slave, stderr=slave,
        )
        os.close(slave)
        self.master = master
        self.output = ""

    def read(self) -> str:
        """Everything the child wrote so far (reading also keeps it from blocking on a full pty)."""
        while select.select([self.master], [], [], 0)[0]:
            try:
                data = os.read(self.master, 65536)
            except OSError:  # EIO: the child is gone
                break
            if not data:
                break
            self.output += data.decode("utf-8", errors="replace")
        return self.output

    def wait_for(self, predicate, timeout: float, what: str, interval: float = 0.005) -> float:
        """Poll until `predicate()` holds; fail if the child exits first or time runs out."""
        deadline = time.monotonic() + timeout
        while not predicate():
            self.read()
            if self.proc.poll() is not None:
                pytest.fail(f"the rebuild exited ({self.proc.returncode}) before {what}:\n{self.read()[-2000:]}")
            if time.monotonic() > deadline:
                pytest.fail(f"timed out after {timeout} s waiting for {what}:\n{self.read()[-2000:]}")
            time.sleep(interval)
        return time.monotonic()

    def kill(self) -> None:
        """SIGKILL, as an OOM killer or a power cut would."""
        assert self.proc.poll() is None, f"the rebuild finished before the kill:\n{self.read()[-2000:]}"
        self.proc.send_signal(signal.SIGKILL)
        assert self.proc.wait(timeout=30) == -signal.SIGKILL

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=30)
        self.read()
        os.close(self.master)


def _staging(data_dir: Path) -> bool:
    root = index_dir(data_dir) / "generations"
    return root.exists() and any(p.name.endswith(".tmp") for p in os.scandir(root))


def _check_every_seed_answers(settings, embedder) -> dict:
    """A fresh engine finds each seed article, and every vector its generation names is stored."""
    engine = engine_for(settings, embedder, fresh=True)
    status = engine.status()
    snapshot = load_snapshot(settings.data_dir)
    store = VectorStore.open(engine.client, snapshot.collection)
    assert store.existing(list(snapshot.chunks)) == set(snapshot.chunks), "CURRENT names missing vectors"
    for article_id, query in SEED_QUERIES.items():
        assert article_id in top_ids(engine, query), (article_id, query)
    return {"articles": status.articles, "generation": status.generation, "vectors": store.count()}


def test_sigkill_at_any_moment_leaves_a_whole_index(tmp_path, embedder, seeds_copy):
    settings = make_settings(tmp_path / "data", seeds_copy, embedding=EmbeddingSettings(commit_batch=COMMIT_BATCH))
    base = engine_for(settings, embedder).rebuild()
    env = cli_env(settings.data_dir, seeds_copy, DEPECHE_EMBEDDING__COMMIT_BATCH=str(COMMIT_BATCH))
    lock = settings.data_dir / "rebuild.lock"
    first_batch = re.compile(rf"\b{COMMIT_BATCH}/\d+")
    figures = [f"base index: {base.chunks_total} chunks"]
    # (when to kill, seeds variant, synthetic variant). The second run is killed once its first batch
    # of vectors is committed; the third shares its synthetic articles, so it resumes that work, and
    # the second run's seed vectors become orphans the converging rebuild must collect.
    for moment, seed_variant, synthetic_variant in [(1.0, 1, 1), ("first batch stored", 2, 2), ("staging", 3, 2)]:
        _vary_seeds(seeds_copy, seed_variant, synthetic_variant)
        before = current_generation(settings.data_dir)
        lock.unlink()  # its reappearance marks the moment the rebuild takes the lock
        child = _Rebuild(env, tmp_path)
        try:
            started = child.wait_for(lock.exists, 120, "taking the lock", 0.02)
            if moment == 1.0:
                # Meanwhile a rebuild from this process is refused, not run alongside.
                time.sleep(0.2)
                with pytest.raises(RebuildInProgress):
                    engine_for(settings, embedder).rebuild()
                time.sleep(max(0.0, started + moment - time.monotonic()))
            elif moment == "staging":
                child.wait_for(lambda: _staging(settings.data_dir), 180, "writing a generation", 0.002)
            else:
                child.wait_for(lambda: first_batch.search(child.output), 180, "storing a first batch")
            at = time.monotonic() - started
            child.kill()
        finally:
            child.close()
            (tmp_path / f"kill-{seed_variant}.log").write_text(child.output)
        held = _check_every_seed_answers(settings, embedder)
        assert held["generation"] == before, "a killed rebuild must not swap in a generation"
        assert held["articles"] == 5
        if moment == "first batch stored":
            assert held["vectors"] >= base.chunks_total + COMMIT_BATCH, "a stored batch outlives the kill"
        figures.append(f"kill at {moment} ({at:.2f} s after taking the lock): {held}")
    print("\n".join(["", *figures]))

    # A normal rebuild converges: every vector it needs was stored by the killed runs.
    engine = engine_for(settings, embedder, fresh=True)
    report = engine.rebuild()
    assert sorted(report.updated) == SEED_IDS and len(report.added) == SYNTHETIC
    assert report.removed == [] and report.chunks_embedded == 0
    snapshot = load_snapshot(settings.data_dir)
    assert len(snapshot.chunks) == report.chunks_total
    assert stored_ids(engine) == set(snapshot.chunks)  # the killed runs' orphans are collected
    again = engine.rebuild()
    assert again.chunks_embedded == 0 and again.added == again.updated == again.removed == []
    for article_id, query in SEED_QUERIES.items():
        assert article_id in top_ids(engine, query)


def test_an_index_built_before_dates_gets_them_from_one_rebuild_without_re_embedding(tmp_path, embedder, monkeypatch):
    """Ingest version 2 stored no dates: one `index rebuild` writes them, vectors untouched."""
    import json
    from datetime import date

    import numpy as np

    import index.rebuild as rebuild_module

    settings = make_settings(tmp_path / "data")
    with monkeypatch.context() as old:
        # What version 2 wrote: no dates in the chunk file, none in Chroma's metadata.
        old.setattr(rebuild_module, "INGEST_VERSION", 2)
        old.setattr(rebuild_module, "sentence_dates", lambda *args, **kwargs: [])
        old.setattr(rebuild_module, "_date_metadata", lambda rec, article: {})
        engine_for(settings, embedder).rebuild()
    before = load_snapshot(settings.data_dir)
    assert before.manifest["ingest_version"] == 2
    assert all(rec.dates == () for rec in before.chunks.values())
    assert before.dated(date(2026, 2, 4), date(2026, 2, 4))  # publication dates already in the manifest
    collection = VectorStore.open(open_client(settings.chroma, settings.data_dir), before.collection).collection
    old_rows = collection.get(ids=sorted(before.chunks), include=["embeddings", "metadatas"])
    assert not any("published_from" in meta for meta in old_rows["metadatas"])

    out = run_cli("index", "rebuild", "--json", env=cli_env(settings.data_dir))
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout.strip().splitlines()[-1])
    assert report["chunks_embedded"] == 0 and report["sentences_embedded"] == 0
    assert report["metadata_updated"] == report["chunks_total"] == len(before.chunks)
    assert f"ingestion changed (version 2 → {rebuild_module.INGEST_VERSION})" in report["reason"]

    after = load_snapshot(settings.data_dir)
    assert after.manifest["ingest_version"] == rebuild_module.INGEST_VERSION and set(after.chunks) == set(before.chunks)
    dates = {d[2:] for rec in after.chunks.values() if rec.article_id == "002_83c3c266e9f4ddcc" for d in rec.dates}
    assert ("2025-09-15", "2026-09-14", "day") in dates  # « valable du 15 septembre 2025 au 14 septembre 2026 »
    assert ("2025-09-01", "2025-09-30", "month") in dates  # « En septembre dernier », published 4 February 2026

    client = reopen_client(settings.chroma, settings.data_dir)
    rows = VectorStore.open(client, after.collection).collection.get(
        ids=sorted(after.chunks), include=["embeddings", "metadatas"]
    )
    assert rows["ids"] == old_rows["ids"]
    assert np.array_equal(np.asarray(rows["embeddings"]), np.asarray(old_rows["embeddings"])), "no vector rewritten"
    by_id = dict(zip(rows["ids"], rows["metadatas"]))
    for rec in after.chunks.values():
        meta = by_id[rec.id]
        article = after.articles[rec.article_id]
        if article["date"] == "2026-02-04":
            assert (meta["published_from"], meta["published_to"]) == (20260204, 20260204)
        elif article["date"] == "2023-09":
            assert (meta["published_from"], meta["published_to"]) == (20230901, 20230930)
        else:
            assert article["date"] is None and meta["published_from"] == meta["published_to"] == 0
        if rec.dates:
            assert meta["mentions_from"] == min(int(d[2].replace("-", "")) for d in rec.dates)
            assert meta["mentions_to"] == max(int(d[3].replace("-", "")) for d in rec.dates)
        else:
            assert meta["mentions_from"] == meta["mentions_to"] == 0
    # The stored integers answer a Chroma range filter; the snapshot answers the same question in memory.
    collection = VectorStore.open(client, after.collection).collection
    day = date(2026, 9, 14)  # the end of the visa regime « du 15 septembre 2025 au 14 septembre 2026 »
    in_range = collection.get(where=dated_where(day, day), include=[])["ids"]
    assert in_range and set(in_range) == after.dated(day, day)
    published = set(collection.get(where=dated_where(date(2026, 2, 4), date(2026, 2, 4)), include=[])["ids"])
    assert published == after.dated(date(2026, 2, 4), date(2026, 2, 4))
    assert {i for i in published if after.chunks[i].article_id.startswith(("000", "001", "002"))} == {
        cid for aid in ("000_232c08492062af93", "001_144ff868b3a4961c", "002_83c3c266e9f4ddcc")
        for cid in after.articles[aid]["chunk_ids"]
    }
    assert after.newest_date() == "2026-02-04"


def test_an_index_built_before_stories_gets_them_from_one_rebuild_without_re_embedding(
    tmp_path, embedder, seeds_copy, monkeypatch
):
    """Ingest version 3 grouped nothing: one `index rebuild` puts two republications of the AFP
    seed in its story (manifest, chunk file, Chroma metadata), vectors untouched; `index status`
    counts the stories; a later copy is reported as joining it."""
    import json

    import numpy as np

    import index.rebuild as rebuild_module

    seed = seeds_copy / "000_232c08492062af93.txt"
    text = seed.read_text(encoding="utf-8")
    body = text.split("\n\n", 1)[1]
    paragraphs = body.split("\n\n")
    (seeds_copy / "figaro_poutine-xi.txt").write_text(
        "---\ntitle: Poutine ira en Chine, annonce le Kremlin\ndate: 2026-02-04\nsource: Le Figaro (avec AFP)\n"
        "url: https://example.org/figaro/poutine-xi\n---\n\n"
        "Vladimir Poutine se rendra en Chine au premier semestre, a fait savoir mercredi le Kremlin.\n\n"
        + "\n\n".join(paragraphs[1:]),
        encoding="utf-8",
    )
    settings = make_settings(tmp_path / "data", seeds_copy)
    with monkeypatch.context() as old:
        # What version 3 wrote: no story in the manifest, the chunk file or Chroma's metadata.
        old.setattr(rebuild_module, "INGEST_VERSION", 3)
        old.setattr(rebuild_module, "_stories", lambda settings, scanned, articles, chunks, report: (chunks, set()))
        engine_for(settings, embedder).rebuild()
    before = load_snapshot(settings.data_dir)
    assert before.manifest["ingest_version"] == 3
    assert not any("story" in entry for entry in before.articles.values())
    collection = VectorStore.open(open_client(settings.chroma, settings.data_dir), before.collection).collection
    old_rows = collection.get(ids=sorted(before.chunks), include=["embeddings", "metadatas"])
    assert not any(meta["story"] for meta in old_rows["metadatas"])

    env = cli_env(settings.data_dir, seeds_copy)
    out = run_cli("index", "rebuild", "--json", env=env)
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout.strip().splitlines()[-1])
    assert report["chunks_embedded"] == 0 and report["sentences_embedded"] == 0
    assert report["metadata_updated"] == report["chunks_total"] == len(before.chunks)
    assert f"ingestion changed (version 3 → {rebuild_module.INGEST_VERSION})" in report["reason"]
    assert report["stories"] == len(SEED_IDS) and report["stories_signed"] == len(SEED_IDS) + 1
    assert [(j["article_id"], j["representative"]) for j in report["joined"]] == [
        ("figaro_poutine-xi", "000_232c08492062af93")
    ]

    after = load_snapshot(settings.data_dir)
    story = after.articles["000_232c08492062af93"]["story"]
    assert after.articles["figaro_poutine-xi"]["story"] == story
    assert len({entry["story"] for entry in after.articles.values()}) == len(SEED_IDS)
    assert after.stories[story] == ["000_232c08492062af93", "figaro_poutine-xi"]
    assert all(rec.story == after.articles[rec.article_id]["story"] for rec in after.chunks.values())
    client = reopen_client(settings.chroma, settings.data_dir)
    rows = VectorStore.open(client, after.collection).collection.get(
        ids=sorted(after.chunks), include=["embeddings", "metadatas"]
    )
    assert rows["ids"] == old_rows["ids"]
    assert np.array_equal(np.asarray(rows["embeddings"]), np.asarray(old_rows["embeddings"])), "no vector rewritten"
    for cid, meta in zip(rows["ids"], rows["metadatas"]):
        assert meta["story"] == after.chunks[cid].story != ""

    out = run_cli("index", "status", "--json", env=env)
    status = json.loads(out.stdout)
    assert (status["articles"], status["stories"]) == (len(SEED_IDS) + 1, len(SEED_IDS))

    # A second copy, cut to its first half: it joins; nothing else is signed or rewritten.
    (seeds_copy / "ouest-france_poutine-xi.txt").write_text(
        "---\ndate: 2026-02-05\nsource: Ouest-France\n---\n\n" + "\n\n".join(paragraphs[: len(paragraphs) // 2 + 1]),
        encoding="utf-8",
    )
    out = run_cli("index", "rebuild", "--json", env=env)
    report = json.loads(out.stdout.strip().splitlines()[-1])
    assert report["added"] == 1 and report["stories_signed"] == 1 and report["metadata_updated"] == 0
    assert report["joined"] == [
        {"article_id": "ouest-france_poutine-xi", "story": story, "representative": "000_232c08492062af93"}
    ]


def test_an_index_built_before_sentence_facts_answers_then_gets_them_without_re_embedding(
    tmp_path, embedder, monkeypatch
):
    """Ingest version 4 stored no sentence or fact with a chunk: its answers parse sentences per
    question; one rebuild stores them (vectors untouched) and the answer stays the same."""
    from dataclasses import replace

    import index.rebuild as rebuild_module

    settings = make_settings(tmp_path / "data")
    question = "Jusqu'à quand le régime sans visa chinois est-il valable ?"
    records = rebuild_module._records
    with monkeypatch.context() as old:
        old.setattr(rebuild_module, "INGEST_VERSION", 4)
        old.setattr(rebuild_module, "_records", lambda article, s: [replace(r, sentences=()) for r in records(article, s)])
        engine_for(settings, embedder).rebuild()
    assert not any(rec.sentences for rec in load_snapshot(settings.data_dir).chunks.values())
    before = engine_for(settings, embedder).ask(question)
    report = engine_for(settings, embedder).rebuild()
    assert report.chunks_embedded == 0 and report.sentences_embedded == 0  # no seed sentence is cut
    assert report.metadata_updated == report.chunks_total
    after = load_snapshot(settings.data_dir)
    assert all(rec.sentences for rec in after.chunks.values())
    assert engine_for(settings, embedder).ask(question).quoted == before.quoted and "14 septembre 2026" in before.text
