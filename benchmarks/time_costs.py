"""What time in questions costs (issue 16): understanding a question's time, a one-shot ask against
the code before time landed, and a dated question at 50,000 chunks against an undated one.

    .venv/bin/python benchmarks/time_costs.py understand [--rounds 60]
    .venv/bin/python benchmarks/time_costs.py oneshot --before ../checkout-before-issue-16 [--runs 7] [--reuse OLD NEW]
    .venv/bin/python benchmarks/time_costs.py dated [--data-dir DIR] [--rounds 5]

`understand`: the time part of `questions.prepare` (`understand_time`, and `time_words` for the
terms) and the whole of `prepare`, per question, warm, wall and CPU (this thread's) time; the
machine is shared, so CPU time is the work and wall time what a user would wait.
`oneshot`: `depeche ask` as a fresh process, this checkout against `--before` (a `git worktree` of
the commit before issue 16), each on its own copy of the seeds and index built first (not timed);
the runs alternate between the two checkouts so that load drift falls on both alike.
`dated`: warm `Engine.ask` over the composed index of `benchmarks/bench.py` (50,000 synthetic
chunks plus the seeds; built by `bench.py --phase big-index`, found in benchmarks/.cache), each
undated question next to the same question restricted to a day, a week, a month and a year; the
rounds alternate the questions. Prints figures, asserts nothing.
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "benchmarks")]
SEEDS = REPO / "seeds"
DEPECHE = Path(sys.executable).parent / "depeche"
CACHE = REPO / "benchmarks" / ".cache"

QUESTIONS = (
    "Que s'est-il passé le 4 février 2026 entre Xi et Poutine ?",
    "Qu'a décidé la Chine sur les visas des Russes en septembre 2026 ?",
    "Quelles sont les dernières nouvelles sur les visas entre la Chine et la Russie ?",
    "Jusqu'à quand les citoyens chinois peuvent-ils entrer en Russie sans visa ?",
    "Qu'a dit Poutine sur les visas la semaine dernière ?",
    "Quels accords ont été signés entre mars et mai 2025 ?",
    "Qu'a annoncé le Kremlin depuis lundi ?",
    "Quel train est arrivé à Moscou il y a trois jours ?",
    "Où en sont les échanges commerciaux entre la Chine et la Russie ?",
    "Quoi de neuf sur les visas ?",
    "Qu'est-ce qui s'est passé cette semaine ?",
    "Combien de temps a duré la visite du plus haut diplomate chinois en Russie ?",
    "Quel conseiller du Kremlin a affirmé que la Russie et la Chine agissaient en coordination ?",
    "What did Xi and Putin agree on yesterday?",
    "What happened between Xi and Putin on 4 February 2026?",
    "Until when can Chinese citizens currently visit Russia without a visa?",
    "How did China-Russia trade fare last month?",
    "What's new?",
    "Who leads the Ukrainian delegation at the Abu Dhabi talks?",
    "Qu'a écrit le ministère dans son communiqué du 17 mars ?",
)


def percentile(values: list[float], q: float) -> float:
    """Linear-interpolated percentile (q in 0..100)."""
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100
    low = int(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def row(label: str, ms: list[float]) -> str:
    return f"| {label} | {len(ms)} | {percentile(ms, 50):.2f} | {percentile(ms, 95):.2f} | {max(ms):.2f} |"


def understand(args) -> None:
    """p50/p95 of understanding a question's time, and of all of `prepare`."""
    from index.language import detect_language
    from index.questions import prepare
    from index.timeask import time_words, understand_time

    today = date(2026, 3, 12)
    started = time.perf_counter()
    understand_time(QUESTIONS[0], "fr", today)  # first call: the date patterns compile
    first = time.perf_counter() - started
    languages = {q: detect_language(q) for q in QUESTIONS}
    for q in QUESTIONS:
        prepare(q, None, 2000, today=today)
    wall, cpu, whole = [], [], []
    for _ in range(args.rounds):
        for q in QUESTIONS:
            w, c = time.perf_counter(), time.thread_time()
            understand_time(q, languages[q], today)
            time_words(q, languages[q], today)
            cpu.append(1000 * (time.thread_time() - c))
            wall.append(1000 * (time.perf_counter() - w))
            w = time.perf_counter()
            prepare(q, None, 2000, today=today)
            whole.append(1000 * (time.perf_counter() - w))
    print(f"{len(QUESTIONS)} questions (French and English, dated, relative, recent, digest, none) x {args.rounds} rounds; "
          f"first call (patterns compile) {1000 * first:.1f} ms; load average {os.getloadavg()[0]:.2f}\n")  # fmt: skip
    print("| what | n | p50 ms | p95 ms | max ms |\n|---|---|---|---|---|")
    print(row("a question's time (understand_time + time_words), wall", wall))
    print(row("a question's time, CPU of this thread", cpu))
    print(row("all of questions.prepare (language, fact, speaker, time, terms), wall", whole))


def _env(checkout: Path, work: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DEPECHE_")}
    env.update(PYTHONPATH=str(checkout), DEPECHE_DATA_DIR=str(work / "data"), DEPECHE_SEEDS_DIR=str(work / "seeds"))
    return env


def oneshot(args) -> None:
    """`depeche ask` as a fresh process: this checkout against the one before issue 16, alternating."""
    checkouts = {"before issue 16": args.before.resolve(), "this checkout": REPO}
    asks = {
        "undated": "Quel conseiller du Kremlin a affirmé que la Russie et la Chine agissaient en coordination ?",
        "recent": "Jusqu'à quand le régime sans visa chinois est-il valable ?",
        "dated": "Que s'est-il passé le 4 février 2026 entre Xi et Poutine ?",
    }
    with tempfile.TemporaryDirectory(prefix="depeche-time-oneshot-") as tmp:
        envs = {}
        for i, (name, checkout) in enumerate(checkouts.items()):
            work = Path(tmp) / str(i)
            if args.reuse:
                # An eval work dir each checkout built (`depeche eval` with DEPECHE_DATA_DIR): a copy
                # of it, its articles as the seeds, its collection; nothing to embed on a loaded machine.
                shutil.copytree(args.reuse[i], work / "data")
                envs[name] = _env(checkout, work) | {
                    "DEPECHE_SEEDS_DIR": str(work / "data" / "articles"), "DEPECHE_CHROMA__COLLECTION": "eval"}
            else:
                shutil.copytree(SEEDS, work / "seeds")
                envs[name] = _env(checkout, work)
            done = subprocess.run([str(DEPECHE), "index", "rebuild"], env=envs[name], cwd=checkout, capture_output=True, text=True)
            if done.returncode != 0:
                sys.exit(f"index rebuild in {checkout} failed: {done.stderr[-2000:]}")
        seconds: dict[tuple[str, str], list[float]] = {(n, a): [] for n in checkouts for a in asks}
        print(f"load average at start: {os.getloadavg()[0]:.2f}", flush=True)
        for _ in range(args.runs):
            for kind, question in asks.items():
                for name, checkout in checkouts.items():
                    started = time.perf_counter()
                    done = subprocess.run([str(DEPECHE), "ask", question], env=envs[name], cwd=checkout,
                                          capture_output=True, text=True)  # fmt: skip
                    seconds[name, kind].append(time.perf_counter() - started)
                    if done.returncode != 0:
                        sys.exit(f"ask in {checkout} failed: {done.stderr[-2000:]}")
        print(f"load average at end: {os.getloadavg()[0]:.2f}\n")
        print("| question | before issue 16, median (min / max) | this checkout, median (min / max) | difference of medians |")
        print("|---|---|---|---|")
        for kind, question in asks.items():
            before, after = seconds["before issue 16", kind], seconds["this checkout", kind]
            cell = lambda s: f"{statistics.median(s):.2f} s ({min(s):.2f} / {max(s):.2f})"  # noqa: E731
            print(f"| {kind}: « {question} » | {cell(before)} | {cell(after)} | "
                  f"{statistics.median(after) - statistics.median(before):+.2f} s |")
        print(f"\n{args.runs} fresh processes each, alternating checkouts.")


def dated(args) -> None:
    """Warm asks over the composed 50,000-chunk index: undated questions against dated ones."""
    from config.settings import Settings
    from index.embeddings import Embedder
    from index.engine import Engine
    from index.store import open_client

    data_dir = args.data_dir or next(iter(sorted(CACHE.glob("big-*/data"))), None)
    if data_dir is None or not (data_dir.parent / "complete.json").exists():
        sys.exit("no complete composed index: run `benchmarks/bench.py --phase big-index --phase-out /tmp/x.json` first")
    settings = Settings(_env_file=None, data_dir=data_dir, seeds_dir=SEEDS, clock="")
    settings = settings.model_copy(update={"chroma": settings.chroma.model_copy(update={"host": None})})
    embedder = Embedder(settings.embedding)
    embedder.encode_query("warm-up")
    engine = Engine(settings, open_client(settings.chroma, data_dir), embedder)
    status = engine.status()
    today = date(2025, 6, 12)  # "la semaine dernière" falls inside the corpus's dates
    topics = (
        "Qu'a dit Vladimir Poutine sur le gazoduc Force de Sibérie 2",
        "Quelle position l'Union européenne a-t-elle prise sur les sanctions occidentales",
        "Que s'est-il passé à Kazan sur les règlements en monnaies nationales",
        "Quel accord Xi Jinping et Vladimir Poutine ont-ils signé sur la coopération énergétique",
    )
    periods = {
        "undated": "",
        "day": " le 14 mai 2024",
        "week": " la semaine dernière",
        "month": " en septembre 2022",
        "year": " en 2021",
    }
    started = time.perf_counter()
    with engine.handle.using() as loaded:
        loaded.snapshot.dated(date(2024, 5, 14), date(2024, 5, 14))  # the in-memory date arrays, built once per generation
    build = time.perf_counter() - started
    for topic in topics:  # warm-up, not measured
        engine.ask(topic + " ?", None, today)
    ms: dict[str, list[float]] = {kind: [] for kind in periods}
    cpu: dict[str, list[float]] = {kind: [] for kind in periods}
    stages: dict[str, dict[str, float]] = {kind: {} for kind in periods}
    kinds_seen: dict[str, str] = {}
    for _ in range(args.rounds):
        for topic in topics:
            for kind, period in periods.items():
                started, process = time.perf_counter(), time.process_time()
                traced = engine.ask_traced(f"{topic}{period} ?", None, today)
                cpu[kind].append(1000 * (time.process_time() - process))
                ms[kind].append(1000 * (time.perf_counter() - started))
                kinds_seen[kind] = traced.answer.time.get("kind", "none")
                for stage, seconds in traced.timings.stages.items():
                    stages[kind][stage] = stages[kind].get(stage, 0.0) + 1000 * seconds / (args.rounds * len(topics))
    engine.close()
    print(f"{status.chunks:,} chunks of {status.articles:,} articles (dates spread over 2019-2026); "
          f"{args.rounds} rounds x {len(topics)} questions per kind; date arrays built in {1000 * build:.0f} ms "
          f"(first dated question of a generation); load average {os.getloadavg()[0]:.2f}\n")  # fmt: skip
    base, base_cpu = percentile(ms["undated"], 50), percentile(cpu["undated"], 50)
    print("| question | understood as | n | wall p50 ms | wall p95 ms | wall p50 / undated | CPU p50 ms | CPU p50 / undated |")
    print("|---|---|---|---|---|---|---|---|")
    for kind, values in ms.items():
        print(f"| {kind}{(': …' + periods[kind]) if periods[kind] else ''} | {kinds_seen[kind]} | {len(values)} | "
              f"{percentile(values, 50):.0f} | {percentile(values, 95):.0f} | {percentile(values, 50) / base:.2f} | "
              f"{percentile(cpu[kind], 50):.0f} | {percentile(cpu[kind], 50) / base_cpu:.2f} |")  # fmt: skip
    names = sorted({stage for per in stages.values() for stage in per})
    print("\nMean wall ms per stage (`Engine.ask_traced` timings):\n")
    print("| question | " + " | ".join(names) + " |\n|---|" + "---|" * len(names))
    for kind, per in stages.items():
        print(f"| {kind} | " + " | ".join(f"{per.get(stage, 0.0):.0f}" for stage in names) + " |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="part", required=True)
    p = sub.add_parser("understand")
    p.add_argument("--rounds", type=int, default=60)
    p = sub.add_parser("oneshot")
    p.add_argument("--before", type=Path, required=True, help="a checkout of the commit before issue 16")
    p.add_argument("--runs", type=int, default=7)
    p.add_argument("--reuse", type=Path, nargs=2, metavar=("BEFORE_EVAL_DIR", "THIS_EVAL_DIR"),
                   help="eval work dirs each checkout built, copied instead of indexing the seeds")
    p = sub.add_parser("dated")
    p.add_argument("--data-dir", type=Path, default=None)
    p.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    {"understand": understand, "oneshot": oneshot, "dated": dated}[args.part](args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
