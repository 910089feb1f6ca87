"""Pickup leak: what a long-lived process keeps after answering across rebuilds made by another process.

    .venv/bin/python benchmarks/pickup.py [--rebuilds 50] [--warmup 5] [--code DIR]

One `depeche ask -` process reads questions on stdin for the whole run. Before each question,
another process (`depeche index rebuild`, a fresh process every time) rebuilds the index after one
article of the seeds copy was changed, so a new generation is written and the asking process must
pick it up (a new Chroma client, issue 11 point 6). After each answer, the asker's RSS (VmRSS of
/proc/<pid>/status) and open file descriptors (entries of /proc/<pid>/fd) are read. Growth is
reported from the last warm-up pickup to the last one. `--code DIR` runs another checkout's code
(e.g. an older commit extracted with `git archive`) in both processes. Prints figures, asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))
SEEDS = REPO / "seeds"
DEPECHE = Path(sys.executable).parent / "depeche"
QUESTION = "Jusqu'à quand le régime sans visa chinois est-il valable ?"


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for {pid}")


def open_fds(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def main() -> int:
    from synthetic import touch_article

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rebuilds", type=int, default=50, help="measured pickups after the warm-up")
    parser.add_argument("--warmup", type=int, default=5, help="pickups before the first reference reading")
    parser.add_argument("--code", type=Path, default=REPO, help="checkout whose code both processes run")
    args = parser.parse_args()
    code = args.code.resolve()
    with tempfile.TemporaryDirectory(prefix="depeche-pickup-") as tmp:
        work = Path(tmp)
        shutil.copytree(SEEDS, work / "seeds")
        env = {k: v for k, v in os.environ.items() if not k.startswith("DEPECHE_")}
        env.update(PYTHONPATH=str(code), DEPECHE_DATA_DIR=str(work / "data"), DEPECHE_SEEDS_DIR=str(work / "seeds"))
        # The console script's module: bot.cli now, index.cli before the front ends moved to bot/.
        cli = "bot.cli" if (code / "bot" / "cli.py").exists() else "index.cli"
        entry = [sys.executable, "-c", f"import sys; from {cli} import main; sys.exit(main())"]
        rebuild = entry + ["index", "rebuild"]
        subprocess.run(rebuild, env=env, cwd=code, check=True, capture_output=True)
        asker = subprocess.Popen(
            entry + ["ask", "-"],
            env=env, cwd=code, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        files = sorted((work / "seeds").glob("*.txt"))
        readings = []
        started = time.perf_counter()
        try:

            def ask() -> dict:
                asker.stdin.write(QUESTION + "\n")
                asker.stdin.flush()
                return json.loads(asker.stdout.readline())

            ask()  # the first answer loads the model and the first generation
            readings.append((0, rss_kib(asker.pid), open_fds(asker.pid), ""))
            for n in range(1, args.warmup + args.rebuilds + 1):
                touch_article(files[n % len(files)], seed=n)
                done = subprocess.run(rebuild, env=env, cwd=code, capture_output=True, text=True)
                if done.returncode != 0:
                    sys.exit(f"rebuild {n} failed: {done.stderr[-2000:]}")
                # Found rather than named: where CURRENT lives in the data dir changed between versions.
                generation = next((work / "data").rglob("CURRENT")).read_text().strip()
                answer = ask()
                readings.append((n, rss_kib(asker.pid), open_fds(asker.pid), generation))
                if "error" in answer:
                    sys.exit(f"pickup {n}: {answer}")
                print(f"pickup {n:3d}: RSS {readings[-1][1] / 1024:7.1f} MiB, {readings[-1][2]:3d} fds, "
                      f"generation {generation}", file=sys.stderr, flush=True)  # fmt: skip
        finally:
            asker.stdin.close()
            asker.wait(timeout=60)
        seconds = time.perf_counter() - started
    base = readings[args.warmup]
    last = readings[-1]
    generations = {r[3] for r in readings[1:]}
    print(f"code: {code}")
    print(f"{len(readings) - 1} rebuilds by another process, {len(generations)} distinct generations picked up, "
          f"{seconds:.0f} s")  # fmt: skip
    print(f"after the first answer: RSS {readings[0][1] / 1024:.1f} MiB, {readings[0][2]} fds")
    print(f"pickup {base[0]}: RSS {base[1] / 1024:.1f} MiB, {base[2]} fds")
    print(f"pickup {last[0]}: RSS {last[1] / 1024:.1f} MiB, {last[2]} fds")
    growth = (last[1] - base[1]) / 1024
    print(f"growth pickup {base[0]} → {last[0]}: RSS {growth:+.1f} MiB ({growth / max(1, last[0] - base[0]) * 1024:+.0f} KiB "
          f"per pickup; target ≤ +2 MB), fds {last[2] - base[2]:+d} (target +0)")  # fmt: skip
    print("RSS (MiB) every 5 pickups: " + ", ".join(f"{r[0]}: {r[1] / 1024:.1f}" for r in readings[::5]))
    print("fds every 5 pickups: " + ", ".join(f"{r[0]}: {r[2]}" for r in readings[::5]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
