"""Ask latency while a rebuild runs in the same process, against ask latency with no rebuild, same run.

    .venv/bin/python benchmarks/during_rebuild.py [--articles 100] [--baseline-asks 60]

One Engine (real encoder, embedded Chroma) over a copy of the seeds. First, with nothing else
running, the ~30 benchmark questions are asked in a loop (`--baseline-asks` asks). Then
`--articles` new synthetic articles are written into the seeds copy and one thread runs
`Engine.rebuild` while the main thread keeps asking the same questions until the rebuild ends.
Questions are answered from the old generation until the rebuild swaps in the new one; the encoder
is shared, one batch at a time (`FairLock`). Prints figures, asserts nothing.
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path[:0] = [str(Path(__file__).resolve().parents[1]), str(Path(__file__).resolve().parent)]

from bench import SEEDS, load_model, questions, settings_for, summary  # noqa: E402


def main() -> int:
    from index.engine import Engine
    from index.store import open_client
    from synthetic import generate_corpus

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=100, help="new articles the concurrent rebuild embeds")
    parser.add_argument("--baseline-asks", type=int, default=60, help="asks measured with no rebuild running")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    with tempfile.TemporaryDirectory(prefix="depeche-concurrent-") as tmp:
        work = Path(tmp)
        shutil.copytree(SEEDS, work / "seeds")
        settings = settings_for(work / "data", work / "seeds")
        embedder, _ = load_model(settings)
        engine = Engine(settings, open_client(settings.chroma, settings.data_dir), embedder)
        engine.rebuild()
        asked = questions()
        for question in asked[:5]:
            engine.ask(question)  # warm-up, not measured

        def ask_loop(keep_going) -> list[float]:
            seconds, i = [], 0
            while keep_going(len(seconds)):
                started = time.perf_counter()
                engine.ask(asked[i % len(asked)])
                seconds.append(time.perf_counter() - started)
                i += 1
            return seconds

        load = os.getloadavg()[0]
        alone = ask_loop(lambda n: n < args.baseline_asks)
        load_alone = f"{load:.2f} → {os.getloadavg()[0]:.2f}"

        new = work / "new"
        generate_corpus(new, args.articles, SEEDS, seed=424242)
        for path in new.glob("*.txt"):
            shutil.move(path, work / "seeds" / f"new_{path.name}")
        reports = []
        rebuilder = threading.Thread(target=lambda: reports.append(engine.rebuild()))
        load = os.getloadavg()[0]
        rebuilder.start()
        during = ask_loop(lambda n: rebuilder.is_alive())
        rebuilder.join()
        load_during = f"{load:.2f} → {os.getloadavg()[0]:.2f}"
        report = reports[0]
        engine.close()

    a, d = summary(alone), summary(during)
    print("| asks | n | p50 (ms) | p95 (ms) | mean (ms) | load avg |\n|---|---|---|---|---|---|")
    print(f"| no rebuild | {a['n']} | {a['p50']:.0f} | {a['p95']:.0f} | {a['mean']:.0f} | {load_alone} |")
    print(f"| during a rebuild in the same process | {d['n']} | {d['p50']:.0f} | {d['p95']:.0f} | {d['mean']:.0f} | "
          f"{load_during} |")  # fmt: skip
    print(f"\nask p95 during / without rebuild: {d['p95'] / a['p95']:.2f} (p50 {d['p50'] / a['p50']:.2f})")
    print(f"the rebuild: {len(report.added)} articles added, {report.chunks_embedded} chunks embedded in "
          f"{report.seconds:.0f} s ({report.chunks_embedded / report.seconds:.1f} chunks/s while questions ran), "
          f"encoder batch size {embedder.batch_size}")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
