"""No abort, whatever the pages: real pages in odd shapes added concurrently, again and again, in fresh processes.

Before issue 21's fix, about one run in eight of this kind died with a glibc heap error (exit 134)
or a segfault (139): the fetch threads parsed pages with lxml parsers shared between threads.

    PYTHONPATH=$PWD .venv/bin/python tests/test_web_stress.py --runs 40 [--every 1] [--code DIR]

runs it by hand (`--code` points the processes at another checkout, e.g. the code before the fix).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from index.web.isolate import ExtractionFailed, PageExtractor
from web_site import Site, real_pages, stress_pages

ROOT = Path(__file__).resolve().parents[1]
RUNS = 20
PARALLEL = 2  # two processes at once on the shared two cores; each runs 4 fetch threads
# One fresh process: add every URL, print one JSON line per result. per_host=4 so that all four
# fetch threads work at once, as they did when the processes crashed.
CHILD = """
import json, sys
from pathlib import Path
from config.settings import ChromaSettings, Settings, SourcesSettings
from index.web.add import add_urls
root = Path(sys.argv[1])
settings = Settings(_env_file=None, data_dir=root / "data", seeds_dir=root / "seeds", chroma=ChromaSettings(),
                    sources=SourcesSettings(allow_private=True, timeout=60, retries=0, per_host=4))
for result in add_urls(settings, sys.argv[2:]):
    print(json.dumps([result.url, result.status, result.error]), flush=True)
"""


def run_stress(runs: int, urls: list[str], work: Path, code: Path = ROOT, parallel: int = PARALLEL) -> list[tuple[int, list, str]]:
    """(exit code, results, stderr tail) of each of `runs` fresh processes adding all `urls`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DEPECHE_")}
    env.update(PYTHONPATH=str(code), DEPECHE_LOCAL_CONFIG="", OMP_NUM_THREADS="1")
    done = []
    for start in range(0, runs, parallel):
        procs = []
        for i in range(start, min(runs, start + parallel)):
            (work / f"run{i}").mkdir()
            procs.append(subprocess.Popen(
                [sys.executable, "-c", CHILD, str(work / f"run{i}"), *urls],
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=work,
            ))  # fmt: skip
        for proc in procs:
            out, err = proc.communicate(timeout=600)
            results = [json.loads(line) for line in out.splitlines() if line.startswith("[")]
            done.append((proc.returncode, results, err[-2000:]))
    return done


@pytest.mark.slow
def test_many_real_pages_added_concurrently_never_abort_the_process(tmp_path):
    files = stress_pages()
    assert sum(path.startswith("/real/") for path in files) >= 30  # the issue: 30 realistic pages or more
    with Site(files=files) as site:
        urls = [site.url(path) for path in files]
        started = time.monotonic()
        done = run_stress(RUNS, urls, tmp_path)
        elapsed = time.monotonic() - started
    codes = [code for code, _, _ in done]
    assert codes == [0] * RUNS, [(code, err) for code, _, err in done if code]
    first = done[0][1]
    assert [url for url, _, _ in first] == urls  # one result per URL, in order
    added = [url for url, status, _ in first if status == "added"]
    # The re-encoded and mangled copies are duplicates of pages already added, or hold no text left.
    kept = [url for url, status, _ in first if status in ("added", "duplicate")]
    assert len(added) >= 25 and len(kept) >= 0.75 * len(urls), [r for r in first if r[1] != "added"]
    assert all(error for _, status, error in first if status == "failed")
    for _, results, _ in done[1:]:
        assert results == first  # the same pages come out the same way in every process
    for i in range(RUNS):
        assert len(list((tmp_path / f"run{i}" / "seeds").rglob("*.md"))) == len(added)
    print(f"{RUNS} processes x {len(urls)} pages: no abort, {len(added)} added each, {elapsed:.0f} s")


CRASH = "import ctypes; ctypes.string_at(0)"  # a segfault, as libxml2 gave


def test_a_page_that_crashes_or_hangs_the_parser_fails_alone():
    page = next(iter(real_pages().values()))
    with PageExtractor(timeout=5) as extractor:
        good = extractor.extract(page, "https://www.example.fr/a")
        assert len(good.text.split()) > 100
        child = extractor._child
        # The child segfaults in the middle of a page: that page fails, the next gets a new child.
        os.kill(child.pid, 11)
        with pytest.raises(ExtractionFailed, match="SIGSEGV"):
            extractor.extract(page, "https://www.example.fr/b")
        assert extractor.extract(page, "https://www.example.fr/a") == good
        assert extractor._child is not child
        # A hung parser: stopped at the time bound, and only that page is lost.
        os.kill(extractor._child.pid, 19)  # SIGSTOP: the child neither answers nor dies
        started = time.monotonic()
        with pytest.raises(ExtractionFailed, match="longer than 5 s"):
            extractor.extract(page, "https://www.example.fr/c")
        assert time.monotonic() - started < 10
        assert extractor.extract(page, "https://www.example.fr/a") == good


def test_a_closed_extractors_child_serves_the_next_one_and_leaves_when_idle(monkeypatch):
    from index.web import isolate

    page = next(iter(real_pages().values()))
    with PageExtractor() as first:
        good = first.extract(page, "https://www.example.fr/a")
        child = first._child
    with PageExtractor() as second:  # the next caller in the process: no new start
        assert second.extract(page, "https://www.example.fr/a") == good and second._child is child
    # A child left longer than REUSE_SECONDS is not handed out (it may be leaving): a new one starts,
    # and one started with a short CHILD_IDLE_EXIT leaves by itself.
    monkeypatch.setattr(isolate, "REUSE_SECONDS", 0.0)
    monkeypatch.setattr(isolate, "CHILD_IDLE_EXIT", 1.0)
    with PageExtractor() as third:
        assert third.extract(page, "https://www.example.fr/a") == good and third._child is not child
        short = third._child
    assert child.poll() is not None  # stopped, not reused
    assert short.wait(timeout=15) == 0 and short.poll() == 0


def test_the_child_takes_the_callers_time_zone_for_utc_stamps():
    html = ('<html><head><meta property="article:published_time" content="2020-01-07T23:30:16+00:00"></head><body><article>'
            + "<p>Le conseil municipal a voté mardi soir la création de trois lignes de tramway pour les quartiers nord.</p>" * 3
            + "</article></body></html>").encode()  # fmt: skip
    with PageExtractor() as paris, PageExtractor(timezone="America/Toronto") as toronto:
        assert paris.extract(html, "https://news.example.org/a").date == "2020-01-08"
        assert toronto.extract(html, "https://news.example.org/a").date == "2020-01-07"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=RUNS)
    parser.add_argument("--parallel", type=int, default=PARALLEL)
    parser.add_argument("--code", type=Path, default=ROOT, help="checkout the processes import (default: this one)")
    parser.add_argument("--every", type=int, default=4, help="every Nth real page (1: all of them)")
    args = parser.parse_args()
    files = stress_pages(args.every)
    with Site(files=files) as site, tempfile.TemporaryDirectory() as tmp:
        urls = [site.url(path) for path in files]
        started = time.monotonic()
        done = run_stress(args.runs, urls, Path(tmp), args.code.resolve(), args.parallel)
    codes = [code for code, _, _ in done]
    aborted = [c for c in codes if c != 0]
    print(f"{args.runs} processes x {len(urls)} pages from {args.code}: {len(aborted)} aborted {sorted(aborted)}, "
          f"{time.monotonic() - started:.0f} s")  # fmt: skip
    for code, _, err in done:
        if code:
            print(f"exit {code}: {err.strip().splitlines()[-1:] if err.strip() else ''}")
    return 1 if aborted else 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT / "tests"))
    sys.exit(main())
