"""Page extraction in a child process: a parser that crashes or hangs costs one page, never the caller.

lxml parsers are not thread-safe, and trafilatura and htmldate each parse with one `HTMLParser`
shared at module level (`trafilatura.utils.HTML_PARSER`, `htmldate.utils.HTML_PARSER`): two threads
extracting at once corrupted the heap and aborted the whole process (issue 21, exit 134/139), the
bot included. So a `PageExtractor` extracts pages one at a time, in a child process that does
nothing else (`index.web.add` runs two, each fed by one thread); each page gets `timeout` seconds.
A child that dies (a segfault in libxml2) or overruns is killed and the page is reported as failed;
the next page starts a fresh child. A closed extractor leaves its child to the next one in the
process (up to two wait, each for less than two minutes), so the bot's feed polls and repeated
`add_urls` calls pay the child's start once.

The child is `python -m index.web.isolate`, a plain subprocess (not multiprocessing: a forked copy
of a process holding torch threads can deadlock, and spawn re-runs the caller's `__main__`). Frames
on its stdin/stdout: 4-byte big-endian length, then a pickle. Only our own child's output is
unpickled.
"""

from __future__ import annotations

import atexit
import logging
import os
import pickle
import select
import struct
import subprocess
import sys
import threading
import time
from pathlib import Path

from index.web.extract import Page, extract_page
from index.web.metadata import DEFAULT_TIMEZONE

__all__ = ["EXTRACT_TIMEOUT", "ExtractionFailed", "PageExtractor"]

logger = logging.getLogger(__name__)

# Seconds a page may take. Real pages take 5-300 ms here and a 5 MB page about 3 s; a shared,
# loaded machine can be ten times slower: past this, the parser is stuck, not slow.
EXTRACT_TIMEOUT = 30.0
START_TIMEOUT = 60.0  # the child's imports (trafilatura, htmldate, lxml) on a cold, loaded machine
CHILD_MEMORY = 2 << 30  # address space of the child: a runaway parse fails the page, not the machine
# A closed extractor's child waits for the next caller in this process (the bot's next feed poll,
# the next `add_urls`) instead of paying its start again (about 0.3 s of CPU for the imports); the
# child exits by itself after CHILD_IDLE_EXIT seconds without a page, and a parent only reuses one
# idle for less than REUSE_SECONDS, so it never writes to a child that is leaving.
CHILD_IDLE_EXIT = 120.0
REUSE_SECONDS = CHILD_IDLE_EXIT - 20.0
IDLE_CHILDREN = 2  # the extraction children `index.web.add` runs at once
_HEADER = struct.Struct(">I")
_READY = b"ready"
_idle: list[tuple[subprocess.Popen, float]] = []  # children waiting for a caller, with the time they were left
_idle_lock = threading.Lock()


class ExtractionFailed(Exception):
    """One page could not be extracted: the parser raised, crashed or ran out of time."""


class PageExtractor:
    """Extracts pages one at a time in a child process; `extract()` raises `ExtractionFailed` for a bad page.

    Not thread-safe: one caller thread. With `isolated=False` (or when no child can be started),
    pages are extracted in this process, serialised by `extract_page`'s own lock, without a time bound.
    """

    def __init__(self, *, timeout: float = EXTRACT_TIMEOUT, isolated: bool = True, timezone: str = DEFAULT_TIMEZONE) -> None:
        self.timeout = timeout
        self.timezone = timezone
        self.isolated = isolated
        self._child: subprocess.Popen | None = None

    def __enter__(self) -> PageExtractor:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Leave the child for the next extractor of this process (or stop it when enough wait already)."""
        child, self._child = self._child, None
        if child is None:
            return
        if child.poll() is None:
            with _idle_lock:
                if len(_idle) < IDLE_CHILDREN:
                    _idle.append((child, time.monotonic()))
                    return
        _stop(child)

    def start(self) -> None:
        """Take an idle child, or start one now (else the first page does): its imports take about a second."""
        if self.isolated and self._child is None:
            self._child = _take_idle()
        if self.isolated and self._child is None:
            try:
                self._child = self._start()
            except (OSError, ExtractionFailed) as exc:
                logger.warning("page extraction runs in this process, without a time limit: %s", exc)
                self.isolated = False

    def extract(self, html: bytes | str, url: str | None = None) -> Page:
        """The page's article, as `extract_page` finds it; `ExtractionFailed` says why not."""
        self.start()
        if not self.isolated:
            try:
                return extract_page(html, url, timezone=self.timezone)
            except Exception as exc:  # hostile bytes: this page's failure
                raise ExtractionFailed(f"the page could not be parsed ({type(exc).__name__}: {exc})") from None
        started = time.monotonic()
        try:
            _send(self._child, pickle.dumps((html, url, self.timezone), protocol=pickle.HIGHEST_PROTOCOL))
            kind, value = pickle.loads(_receive(self._child, self.timeout))
        except _ChildGone as exc:
            code = self._discard()
            raise ExtractionFailed(f"{exc}{_exit_reason(code)}") from None
        logger.debug("extracted %s in %.3f s", url, time.monotonic() - started)
        if kind == "error":
            raise ExtractionFailed(f"the page could not be parsed ({value})")
        return value

    def _start(self) -> subprocess.Popen:
        root = str(Path(__file__).resolve().parents[2])  # the checkout holding `index`, first on the child's path
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join([root, *filter(None, [env.get("PYTHONPATH")])])
        env.setdefault("OMP_NUM_THREADS", "1")
        child = subprocess.Popen(
            [sys.executable, "-m", "index.web.isolate", "--idle-exit", str(CHILD_IDLE_EXIT)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env, cwd=root, close_fds=True,
        )  # fmt: skip
        try:
            if _receive(child, START_TIMEOUT) != _READY:
                raise _ChildGone("the extraction process answered nonsense at start")
        except _ChildGone as exc:
            child.kill()
            child.wait()
            child.stdout.close()
            child.stdin.close()
            raise ExtractionFailed(f"the extraction process did not start ({exc})") from None
        return child

    def _discard(self) -> int | None:
        """Kill the child after a crash or a timeout; the next page starts another."""
        child, self._child = self._child, None
        if child is None:
            return None
        if child.poll() is None:
            child.kill()
        code = child.wait()
        for stream in (child.stdin, child.stdout):
            try:
                stream.close()
            except OSError:
                pass
        return code


class _ChildGone(Exception):
    pass


def _take_idle() -> subprocess.Popen | None:
    """A child left by a closed extractor, still running and not about to leave; the others are stopped."""
    now = time.monotonic()
    with _idle_lock:
        waiting = list(_idle)
        _idle.clear()
    found = None
    for child, since in waiting:
        if found is None and child.poll() is None and now - since < REUSE_SECONDS:  # read at call time: tests shorten it
            found = child
        else:
            _stop(child)
    return found


def _stop(child: subprocess.Popen) -> None:
    """End a child: end of input makes it exit by itself; one that does not is killed."""
    try:
        child.stdin.close()
        child.wait(timeout=5)
    except (OSError, subprocess.TimeoutExpired):
        child.kill()
        child.wait()
    finally:
        child.stdout.close()


@atexit.register
def _stop_idle() -> None:
    with _idle_lock:
        waiting = list(_idle)
        _idle.clear()
    for child, _ in waiting:
        _stop(child)


def _send(child: subprocess.Popen, data: bytes) -> None:
    try:
        child.stdin.write(_HEADER.pack(len(data)) + data)
        child.stdin.flush()
    except (BrokenPipeError, OSError):
        raise _ChildGone("the extraction process stopped") from None


def _receive(child: subprocess.Popen, timeout: float) -> bytes:
    """One frame from the child within `timeout` seconds."""
    deadline = time.monotonic() + timeout
    fd = child.stdout.fileno()
    buffer = bytearray()
    need = _HEADER.size
    length = None
    while len(buffer) < need:
        left = deadline - time.monotonic()
        if left <= 0:
            raise _ChildGone(f"extraction took longer than {timeout:.0f} s")
        ready, _, _ = select.select([fd], [], [], left)
        if not ready:
            continue
        chunk = os.read(fd, max(need - len(buffer), 65536) if length is None else need - len(buffer))
        if not chunk:
            raise _ChildGone("the extraction process stopped")
        buffer += chunk
        if length is None and len(buffer) >= _HEADER.size:
            (length,) = _HEADER.unpack_from(buffer)
            need = _HEADER.size + length
    return bytes(buffer[_HEADER.size : need])


def _exit_reason(code: int | None) -> str:
    if code is None or code >= 0:
        return ""
    import signal

    try:
        return f" (killed by {signal.Signals(-code).name})"
    except ValueError:
        return f" (signal {-code})"


# --- the child ---------------------------------------------------------------------------------


def _read_exactly(fd: int, size: int, idle: float | None = None) -> bytes | None:
    """`size` bytes from `fd`, or None at end of input (or after `idle` seconds with nothing to read)."""
    data = bytearray()
    while len(data) < size:
        if idle is not None and not data and not select.select([fd], [], [], idle)[0]:
            return None  # no caller for a while: leave
        chunk = os.read(fd, size - len(data))
        if not chunk:
            return None
        data += chunk
    return bytes(data)


def _serve(idle_exit: float = CHILD_IDLE_EXIT) -> int:
    """The child's loop: read a page, extract it, answer; exit at end of input."""
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (CHILD_MEMORY, CHILD_MEMORY))
    except (ImportError, ValueError, OSError):
        pass
    import trafilatura  # noqa: F401  (imported before "ready": the first page's time is its own)
    import htmldate  # noqa: F401

    stdin, stdout = sys.stdin.buffer.fileno(), sys.stdout.buffer
    sys.stdout = sys.stderr  # a stray print in a library must not corrupt the frames

    def answer(data: bytes) -> None:
        stdout.write(_HEADER.pack(len(data)) + data)
        stdout.flush()

    answer(_READY)
    while (header := _read_exactly(stdin, _HEADER.size, idle_exit)) is not None:
        (length,) = _HEADER.unpack(header)
        frame = _read_exactly(stdin, length)
        if frame is None:
            break
        # A bot started before an update runs the new child: extra or missing fields are tolerated.
        html, url, *rest = pickle.loads(frame)
        timezone = rest[0] if rest else DEFAULT_TIMEZONE
        try:
            reply = ("ok", extract_page(html, url, timezone=timezone))
        except Exception as exc:  # noqa: BLE001  (a bad page is reported, the loop goes on)
            reply = ("error", f"{type(exc).__name__}: {exc}")
        answer(pickle.dumps(reply, protocol=pickle.HIGHEST_PROTOCOL))
    return 0


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    idle = float(sys.argv[sys.argv.index("--idle-exit") + 1]) if "--idle-exit" in sys.argv[:-1] else CHILD_IDLE_EXIT
    sys.exit(_serve(idle))
