"""Readers of a Chroma server (issue 20): how fast a reader with an empty data dir answers its first
question, what it re-encodes, its start time and memory, and warm asks on a reader vs the writer.

    PYTHONPATH=$PWD .venv/bin/python benchmarks/readers.py --corpus eval --out /tmp/readers-eval.json
    PYTHONPATH=$PWD .venv/bin/python benchmarks/readers.py --source DATA_DIR --out /tmp/readers-big.json

`--corpus eval`: a `chroma run` on loopback, a writer that rebuilds the eval corpus (the seeds, the
eval's own articles and its distractors) and publishes it. `--source DATA_DIR`: an index already
built with an embedded store (e.g. bench.py's composed 50,000-chunk index), copied, its chunk
vectors copied into the server and the generation published as a writer would (nothing encoded).
Then, for both: a reader process with an empty data dir answers one question (wall time from
spawn, peak RSS, its own log of the load), and a writer and a reader in this process answer the
same questions warm (p50), counting what the reader encodes besides questions.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "benchmarks"), str(REPO / "tests")]

from bench import percentile, questions  # noqa: E402

log = logging.getLogger("readers")
EVAL = REPO / "tests" / "eval"


def _settings(data_dir: Path, seeds: Path, port: int, role: str):
    from config.settings import ChromaSettings, IndexSettings, Settings

    return Settings(
        _env_file=None, data_dir=data_dir, seeds_dir=seeds, chroma=ChromaSettings(host="127.0.0.1", port=port),
        index=IndexSettings(role=role, poll_seconds=3600),
    )


def eval_corpus(target: Path) -> Path:
    """The eval's corpus in one folder: the seeds, the eval's own articles, the distractors."""
    target.mkdir(parents=True, exist_ok=True)
    for folder in (REPO / "seeds", EVAL / "articles", EVAL / "distractors"):
        for path in folder.iterdir():
            if path.is_file() and not path.name.startswith("."):
                shutil.copy(path, target / path.name)
    return target


def copy_vectors(source_data: Path, settings, client) -> tuple[int, float]:
    """The chunk vectors of an embedded store, copied into the server's collection (page by page)."""
    import chromadb

    from index.snapshot import load_snapshot
    from index.store import VectorStore

    snapshot = load_snapshot(settings.data_dir)
    local = chromadb.PersistentClient(path=str(source_data / "chroma"))
    collection = local.get_collection(snapshot.collection, embedding_function=None)
    meta = {k: v for k, v in (collection.metadata or {}).items() if not k.startswith("hnsw:")}
    store = VectorStore.open(client, snapshot.collection, {**meta, "deployment": settings.chroma.deployment_name},
                             create=True)
    started = time.perf_counter()
    copied, offset, page = 0, 0, 2000
    while True:
        got = collection.get(include=["embeddings", "documents", "metadatas"], limit=page, offset=offset)
        if not got["ids"]:
            break
        import numpy as np

        store.add(got["ids"], np.asarray(got["embeddings"], dtype=np.float32), got["documents"], got["metadatas"])
        copied += len(got["ids"])
        offset += len(got["ids"])
    return copied, time.perf_counter() - started


def first_answer(port: int, work: Path, question: str, writer_data: Path | None = None) -> dict:
    """A reader process with an empty data dir, from spawn to its first answer (with `writer_data`:
    the writer's one-shot `ask` on its own data dir, for comparison)."""
    data = writer_data or work / "reader-cli"
    if writer_data is None:
        shutil.rmtree(data, ignore_errors=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("DEPECHE_")}
    env.update(
        DEPECHE_DATA_DIR=str(data), DEPECHE_SEEDS_DIR=str(work / "no-seeds"), DEPECHE_LOCAL_CONFIG="",
        DEPECHE_CHROMA__HOST="127.0.0.1", DEPECHE_CHROMA__PORT=str(port),
        DEPECHE_INDEX__ROLE="writer" if writer_data else "reader",
        HF_HUB_OFFLINE="1", PYTHONPATH=str(REPO),
    )
    depeche = Path(sys.executable).parent / "depeche"
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    done = subprocess.run([str(depeche), "-v", "ask", "--json", question], env=env, capture_output=True, text=True,
                          timeout=900)
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if done.returncode != 0:
        raise SystemExit(f"reader failed: {done.stderr[-2000:]}")
    loaded = [line for line in done.stderr.splitlines() if "loaded published generation" in line]
    encoded_now = [line for line in done.stderr.splitlines() if "no stored vector" in line]
    return {
        "first_answer_s": round(seconds, 2),
        "peak_rss_mb": round(max(after, before) / 1024, 1),  # the largest child so far: this one
        "load_log": loaded[0].split("INFO ", 1)[-1] if loaded else None,
        "sentences_encoded_at_question_time": bool(encoded_now),
        "abstained": json.loads(done.stdout)["abstained"],
        "data_dir_after": sorted(p.name for p in data.iterdir()) if data.exists() and not writer_data else None,
    }


class Counting:
    """The embedder, counting the texts encoded other than questions."""

    def __init__(self, embedder) -> None:
        self._embedder = embedder
        self.other = 0

    def __getattr__(self, name):
        return getattr(self._embedder, name)

    def encode_passages(self, texts, *args, **kwargs):
        self.other += len(texts)
        return self._embedder.encode_passages(texts, *args, **kwargs)

    def encode_sentences(self, texts, *args, **kwargs):
        self.other += len(texts)
        return self._embedder.encode_sentences(texts, *args, **kwargs)


def warm_asks(writer_settings, reader_settings, embedder, asked: list[str]) -> dict:
    """p50 of warm asks on the writer and on a reader of the same generation, in this process."""
    from index.engine import Engine
    from index.store import open_client

    counting = Counting(embedder)
    writer = Engine(writer_settings, open_client(writer_settings.chroma, writer_settings.data_dir), embedder)
    started = time.perf_counter()
    reader = Engine(reader_settings, open_client(reader_settings.chroma, reader_settings.data_dir), counting)
    reader.handle.current()
    reader_start = time.perf_counter() - started
    rss_after_reader = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    same = 0
    for q in asked[:3]:  # warm both
        same += writer.ask(q) == reader.ask(q)
    counting.other = 0
    times = {"writer": [], "reader": []}
    identical = 0
    for q in asked:
        for name, engine in (("writer", writer), ("reader", reader)):
            t = time.perf_counter()
            answer = engine.ask(q)
            times[name].append(time.perf_counter() - t)
            if name == "writer":
                expected = answer
            else:
                identical += answer == expected
    writer.close()
    reader.close()
    return {
        "questions": len(asked),
        "writer_p50_ms": round(percentile(times["writer"], 50) * 1000, 1),
        "reader_p50_ms": round(percentile(times["reader"], 50) * 1000, 1),
        "writer_p90_ms": round(percentile(times["writer"], 90) * 1000, 1),
        "reader_p90_ms": round(percentile(times["reader"], 90) * 1000, 1),
        "identical_answers": identical,
        "reader_texts_encoded_besides_questions": counting.other,
        "reader_start_in_process_s": round(reader_start, 2),
        "peak_rss_mb_after_reader_in_process": round(rss_after_reader, 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    what = parser.add_mutually_exclusive_group(required=True)
    what.add_argument("--corpus", choices=["eval"])
    what.add_argument("--source", type=Path, help="a data dir holding an index built with an embedded store")
    parser.add_argument("--work", type=Path, help="where the server and copies go (default: a temp dir)")
    parser.add_argument("--questions", type=int, default=20)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per request otherwise

    from chroma_helpers import ChromaServer

    from index.embeddings import Embedder
    from index.publish import Lease, Server, publish
    from index.rebuild import index_fingerprint, rebuild
    from index.sentences import FILE_NAME, SentenceVectors
    from index.snapshot import index_dir, load_snapshot
    from index.store import open_client

    work = args.work or Path(tempfile.mkdtemp(prefix="readers-"))
    work.mkdir(parents=True, exist_ok=True)
    server = ChromaServer(work)
    server.wait_ready()
    result: dict = {"port": server.port}
    try:
        if args.corpus:
            seeds = eval_corpus(work / "corpus")
            writer_settings = _settings(work / "writer", seeds, server.port, "writer")
            embedder = Embedder(writer_settings.embedding)
            client = open_client(writer_settings.chroma, writer_settings.data_dir)
            report = rebuild(writer_settings, client, embedder)  # incremental when --work is reused
            result["corpus"] = {"articles": len(report.added), "chunks": report.chunks_total,
                                "sentences_embedded": report.sentences_embedded, "rebuild_s": round(report.seconds, 1)}
        else:
            copy = work / "writer"
            started = time.perf_counter()
            shutil.copytree(args.source, copy, ignore=shutil.ignore_patterns("rebuild.lock"))
            result["copy_s"] = round(time.perf_counter() - started, 1)
            writer_settings = _settings(copy, work / "no-seeds", server.port, "writer")
            embedder = Embedder(writer_settings.embedding)
            client = open_client(writer_settings.chroma, writer_settings.data_dir)
            copied, seconds = copy_vectors(copy, writer_settings, client)
            result["chunk_vectors_copied"] = copied
            result["chunk_vectors_copy_s"] = round(seconds, 1)
            snapshot = load_snapshot(copy)
            started = time.perf_counter()
            lease = Lease.acquire(Server(client, writer_settings))
            sentences = SentenceVectors(index_dir(copy) / FILE_NAME, embedder.dimension)
            publish(Server(client, writer_settings), lease, snapshot, sentences,
                    index_fingerprint(embedder, writer_settings))
            sentences.close()
            lease.release()
            result["publish_full_s"] = round(time.perf_counter() - started, 1)
            result["corpus"] = {"articles": len(snapshot.articles), "chunks": len(snapshot.chunks)}
        asked = questions(args.questions)
        result["first_answer"] = first_answer(server.port, work, asked[0])
        result["writer_one_shot"] = first_answer(server.port, work, asked[0], writer_settings.data_dir)
        result["load_average"] = os.getloadavg()
        reader_settings = _settings(work / "reader", work / "no-seeds", server.port, "reader")
        result["warm"] = warm_asks(writer_settings, reader_settings, embedder, asked)
    finally:
        server.stop()
    text = json.dumps(result, ensure_ascii=False, indent=1)
    print(text)
    if args.out:
        args.out.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
