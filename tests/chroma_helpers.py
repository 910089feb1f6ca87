"""Real servers for server-mode tests, all on loopback: a `chroma run` process, a token-checking
reverse proxy in front of it (what a real deployment puts before Chroma, which has no auth of its
own since 1.0), and a server that accepts connections and never answers."""

from __future__ import annotations

import http.server
import socket
import socketserver
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import httpx
import pytest

CHROMA = Path(sys.executable).parent / "chroma"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ChromaServer:
    """A `chroma run` process on a free port, its output in a log file."""

    def __init__(self, root: Path) -> None:
        self.port = free_port()
        self.root = root
        self.log_path = root / "chroma.log"
        self.start()

    def start(self) -> None:
        """Start (or start again, on the same port and store) the server."""
        self._log = self.log_path.open("a")
        self.proc = subprocess.Popen(
            [str(CHROMA), "run", "--path", str(self.root / "store"), "--host", "127.0.0.1", "--port", str(self.port)],
            stdout=self._log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        )

    def wait_ready(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        url = f"http://127.0.0.1:{self.port}/api/v2/heartbeat"
        while True:
            try:
                with urllib.request.urlopen(url, timeout=1) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                pytest.fail(f"chroma run did not come up on port {self.port}:\n{self.log_path.read_text()[-2000:]}")
            time.sleep(0.1)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self._log.close()


class _Threaded(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


class TokenProxy:
    """A reverse proxy to `upstream` that answers 401 without the token and 403 with a wrong one.

    `header` is where it expects the token (`Authorization` takes `Bearer <token>`). Switches for
    the failure tests: `hang` holds every request unanswered (up to `hang_limit` s, then closes),
    `hang_after` sets `hang` once that many requests were forwarded, `drop_next` closes that many connections without a response. `seen` counts requests by
    outcome; the token is never echoed in a response.
    """

    def __init__(self, upstream_port: int, token: str, header: str = "Authorization", hang_limit: float = 30) -> None:
        self.token, self.header, self.hang_limit = token, header, hang_limit
        self.hang = False
        self.hang_after: int | None = None  # hang once this many requests were forwarded
        self.drop_next = 0
        self.seen = {"forwarded": 0, "401": 0, "403": 0, "dropped": 0, "held": 0}
        self._release = threading.Event()
        self._lock = threading.Lock()
        self._upstream = httpx.Client(base_url=f"http://127.0.0.1:{upstream_port}", timeout=30)
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:  # keep pytest's output clean
                pass

            def _handle(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with proxy._lock:
                    drop = proxy.drop_next > 0
                    proxy.drop_next -= drop
                if drop:
                    proxy.seen["dropped"] += 1
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                if proxy.hang_after is not None and proxy.seen["forwarded"] >= proxy.hang_after:
                    proxy.hang = True
                if proxy.hang:
                    proxy.seen["held"] += 1
                    proxy._release.wait(proxy.hang_limit)
                    self.close_connection = True
                    return
                presented = self.headers.get(proxy.header)
                expected = f"Bearer {proxy.token}" if proxy.header.lower() == "authorization" else proxy.token
                if presented is None:
                    return self._reply(401, b'{"error":"Unauthorized","message":"missing token"}')
                if presented != expected:
                    return self._reply(403, b'{"error":"Forbidden","message":"bad token"}')
                proxy.seen["forwarded"] += 1
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", proxy.header.lower())}
                upstream = proxy._upstream.request(self.command, self.path, content=body, headers=headers)
                self._reply(upstream.status_code, upstream.content, upstream.headers.get("content-type"))

            def _reply(self, status: int, body: bytes, content_type: str | None = "application/json") -> None:
                if status in (401, 403):
                    proxy.seen[str(status)] += 1
                self.send_response(status)
                self.send_header("Content-Type", content_type or "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _handle

        self.server = _Threaded(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def release(self) -> None:
        """Let held requests go (closing them unanswered)."""
        self._release.set()

    def close(self) -> None:
        self.release()
        self.server.shutdown()
        self.server.server_close()
        self._upstream.close()


class SilentServer:
    """Accepts TCP connections and reads what comes, never answering: a hung server."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.accepted = 0
        self._stop = threading.Event()
        self._conns: list[socket.socket] = []
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.accepted += 1
            self._conns.append(conn)  # held open, never written to

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        for conn in self._conns:
            conn.close()
        self.sock.close()
