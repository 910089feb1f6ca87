"""Two deployments and other applications on one real `chroma run` server: a rebuild removes stale
chunks only inside its own collection, keeps its deployment's other collections (peers mid-upgrade
still query them), and only `depeche index gc` drops those, never anything else on the server."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from conftest import SEEDS, cli_env, make_settings, run_cli
from config.settings import ChromaSettings, ChunkingSettings
from index.engine import Engine
from index.rebuild import collect_garbage, index_fingerprint
from index.store import open_client

pytestmark = pytest.mark.slow

GONE = "001_144ff868b3a4961c"
GONE_QUERY = "pourparlers sur l'Ukraine à Abou Dhabi facteur stabilisant"


# What a writer publishes for its readers (index.publish): records, sentence vectors, control
# records and leases; `counts` follows the vector collections alone.
PUBLISHED = re.compile(r".*-(records|sentences|control)|.*-lease-\d+")


def counts(client) -> dict[str, int]:
    return {c.name: c.count() for c in client.list_collections() if not PUBLISHED.fullmatch(c.name)}


def test_deployments_share_a_server_and_gc_touches_only_its_own(chroma_server, tmp_path, embedder, seeds_copy):
    server = {"host": "127.0.0.1", "port": chroma_server.port}
    prod = make_settings(tmp_path / "prod", seeds_copy, chroma=ChromaSettings(**server))  # deployment: "depeche"
    staging = make_settings(tmp_path / "staging", SEEDS, chroma=ChromaSettings(**server, deployment="staging"))
    client = open_client(prod.chroma, prod.data_dir)

    # What else lives on the server: a collection named like ours but another deployment's, one
    # with our name pattern and no label, an unrelated one; and prod's collection as an older
    # version made it (same name, no labels).
    vector = np.ones((1, 8)).tolist()
    for name, metadata in [
        ("depeche-0123456789", {"deployment": "someone-else"}),
        ("depeche-abcdef0123", None),
        ("notes", {"deployment": "depeche"}),
    ]:
        client.create_collection(name, metadata=metadata).add(ids=["x"], embeddings=vector)
    fingerprint = index_fingerprint(embedder, prod)
    client.create_collection(f"depeche-{fingerprint}", metadata={"hnsw:space": "cosine", "model": "all-MiniLM-L6-v2"})

    prod_engine = Engine(prod, client, embedder)
    staging_engine = Engine(staging, open_client(staging.chroma, staging.data_dir), embedder)
    prod_engine.rebuild()
    staged = staging_engine.rebuild()
    old_prod = prod_engine.status().collection
    assert old_prod == f"depeche-{fingerprint}"
    assert staging_engine.status().collection == f"staging-{fingerprint}"
    metadata = client.get_collection(old_prod).metadata
    assert metadata["deployment"] == "depeche" and metadata["fingerprint"] == fingerprint  # labelled on rebuild
    assert client.get_collection(old_prod).configuration["hnsw"]["space"] == "cosine"  # labelling kept it
    assert prod_engine.search("Rossiya-24")[0].article_id == "002_83c3c266e9f4ddcc"
    before = counts(client)

    # A removal prunes prod's collection only.
    (seeds_copy / f"{GONE}.txt").unlink()
    report = prod_engine.rebuild()
    assert report.removed == [GONE]
    # A writer keeps the previous generation's chunks (readers answer from it until they poll); the
    # next rebuild prunes them.
    assert counts(client)[old_prod] > report.chunks_total
    report = prod_engine.rebuild()
    assert report.removed == []
    after = counts(client)
    assert after[old_prod] == report.chunks_total < before[old_prod]
    assert {k: v for k, v in after.items() if k != old_prod} == {k: v for k, v in before.items() if k != old_prod}
    assert GONE in [h.article_id for h in staging_engine.search(GONE_QUERY)]

    # A chunking change: a new collection; the old one stays for peers still on the old chunking.
    upgraded = make_settings(tmp_path / "prod", seeds_copy, chroma=prod.chroma, chunking=ChunkingSettings(max_words=60))
    upgraded_engine = Engine(upgraded, client, embedder)
    report = upgraded_engine.rebuild()
    new_prod = upgraded_engine.status().collection
    assert new_prod != old_prod and report.full
    assert counts(client)[old_prod] == after[old_prod]

    env = cli_env(
        prod.data_dir, seeds_copy, DEPECHE_CHROMA__HOST="127.0.0.1", DEPECHE_CHROMA__PORT=str(chroma_server.port)
    )
    done = run_cli("index", "gc", "--dry-run", "--json", env=env)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {
        "deployment": "depeche", "current": new_prod,
        "dropped": [old_prod, f"{old_prod}-records", f"{old_prod}-sentences"],  # what it published for readers too
        "unlabelled": ["depeche-abcdef0123"], "dry_run": True, "generations": [],
    }
    assert old_prod in counts(client)

    done = run_cli("index", "gc", env=env)
    assert done.returncode == 0, done.stderr
    assert f"dropped {old_prod}" in done.stdout and "left alone depeche-abcdef0123" in done.stdout
    assert f"deployment depeche: 3 collection(s) dropped, kept {new_prod}" in done.stdout
    final = counts(client)
    assert old_prod not in final
    assert final == {k: v for k, v in after.items() if k != old_prod} | {new_prod: report.chunks_total}
    assert GONE in [h.article_id for h in staging_engine.search(GONE_QUERY)]

    # Staging's gc keeps its one collection and drops nothing of anyone else's.
    gc = collect_garbage(staging, staging_engine.client)
    assert gc.dropped == [] and gc.current == f"staging-{fingerprint}"
    assert counts(client) == final
    assert staged.chunks_total == final[f"staging-{fingerprint}"]
