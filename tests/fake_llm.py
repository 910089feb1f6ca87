"""A fake LLM server on 127.0.0.1:0 that speaks OpenAI chat completions and Ollama's /api/chat.

Tests script what it says (a queue of replies, or a function of the request), can make it slow or
fail, and read back every request it received. Real HTTP, so the real clients are exercised.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

MAX_BODY = 1_000_000
MAX_RECORDED = 200
MAX_DELAY = 30.0


@dataclass(frozen=True)
class Request:
    """One request the server received."""

    method: str
    path: str
    headers: dict[str, str]  # lower-cased names
    body: dict[str, Any]

    @property
    def prompt(self) -> str:
        """All message contents, joined: what the model was shown."""
        return "\n".join(str(m.get("content") or "") for m in self.body.get("messages", []))


Reply = str | Callable[[Request], str]


class FakeLLMServer:
    """`with FakeLLMServer() as server:` then `server.replies.append("…")` or set `server.respond`.

    `status` other than 200 makes every chat call fail with that code; `delay` makes it wait
    before answering (cut short at shutdown). With `echo_auth_in_errors`, error bodies quote the
    Authorization header, as a careless proxy might, so tests can check that nothing leaks it.
    """

    def __init__(self) -> None:
        self.replies: deque[str] = deque()
        self.respond: Callable[[Request], str] | None = None
        self.status = 200
        self.delay = 0.0
        self.echo_auth_in_errors = False
        self.requests: deque[Request] = deque(maxlen=MAX_RECORDED)
        self._stop = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-llm", daemon=True
        )

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> FakeLLMServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()  # wakes any handler sleeping in `delay`
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> FakeLLMServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def openai_url(self) -> str:
        """The base URL an OpenAI-compatible client takes (with `/v1`)."""
        return self.url + "/v1"

    # ------------------------------------------------------------------ behaviour

    def reply(self, *contents: str) -> None:
        """Queue the contents of the next replies, one per request."""
        self.replies.extend(contents)

    def _content_for(self, request: Request) -> str | None:
        if self.respond is not None:
            return self.respond(request)
        if self.replies:
            return self.replies.popleft()
        return None

    def _wait(self) -> None:
        if self.delay > 0:
            self._stop.wait(min(self.delay, MAX_DELAY))


def _handler_for(fake: FakeLLMServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        timeout = 10  # a stuck client cannot hold a handler thread forever

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib name
            pass  # keep test output clean

        def do_GET(self) -> None:  # noqa: N802 - stdlib name
            if self.path in ("/", "/api/version"):
                self._json(200, {"version": "0.0.0-fake"})
            else:
                self._json(404, {"error": f"not found: {self.path}"})

        def do_POST(self) -> None:  # noqa: N802 - stdlib name
            length = min(int(self.headers.get("Content-Length") or 0), MAX_BODY)
            raw = self.rfile.read(length) if length else b""
            try:
                body = json.loads(raw or b"{}")
            except json.JSONDecodeError:
                self._json(400, {"error": "invalid JSON"})
                return
            request = Request(
                "POST", self.path, {k.lower(): v for k, v in self.headers.items()}, body
            )
            fake.requests.append(request)
            fake._wait()
            if fake._stop.is_set():
                return
            if self.path == "/v1/chat/completions":
                self._openai(request)
            elif self.path == "/api/chat":
                self._ollama(request)
            else:
                self._json(404, {"error": f"not found: {self.path}"})

        # -------------------------------------------------------------- protocols

        def _error(self, status: int, message: str) -> None:
            if fake.echo_auth_in_errors:
                message += f" (got Authorization: {self.headers.get('Authorization')})"
            if self.path.startswith("/v1/"):
                self._json(status, {"error": {"message": message, "type": "server_error", "code": status}})
            else:
                self._json(status, {"error": message})

        def _scripted(self, request: Request) -> str | None:
            """The scripted reply, or None after answering the failure the test asked for."""
            if fake.status != 200:
                self._error(fake.status, "fake server failure")
                return None
            content = fake._content_for(request)
            if content is None:
                self._error(500, "fake server: no scripted reply")
            return content

        def _openai(self, request: Request) -> None:
            content = self._scripted(request)
            if content is None:
                return
            model = request.body.get("model", "fake")
            ident = f"chatcmpl-{uuid.uuid4().hex[:12]}"
            created = int(time.time())
            usage = {"prompt_tokens": len(request.prompt.split()), "completion_tokens": len(content.split())}
            usage["total_tokens"] = usage["prompt_tokens"] + usage["completion_tokens"]
            if not request.body.get("stream"):
                self._json(200, {
                    "id": ident,
                    "object": "chat.completion",
                    "created": created,
                    "model": model,
                    "choices": [{
                        "index": 0,
                        "message": {"role": "assistant", "content": content},
                        "finish_reason": "stop",
                        "logprobs": None,
                    }],
                    "usage": usage,
                })
                return

            def chunk(delta: dict[str, Any], finish: str | None) -> dict[str, Any]:
                return {
                    "id": ident,
                    "object": "chat.completion.chunk",
                    "created": created,
                    "model": model,
                    "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
                }

            events = [chunk({"role": "assistant", "content": ""}, None)]
            events += [chunk({"content": piece}, None) for piece in _pieces(content)]
            events.append(chunk({}, "stop"))
            if (request.body.get("stream_options") or {}).get("include_usage"):
                events.append({**chunk({}, None), "choices": [], "usage": usage})
            lines = [f"data: {json.dumps(e)}\n\n" for e in events] + ["data: [DONE]\n\n"]
            self._stream(200, "text/event-stream", lines)

        def _ollama(self, request: Request) -> None:
            content = self._scripted(request)
            if content is None:
                return
            model = request.body.get("model", "fake")
            stamp = time.strftime("%Y-%m-%dT%H:%M:%S.000000Z", time.gmtime())
            final = {
                "model": model,
                "created_at": stamp,
                "message": {"role": "assistant", "content": content},
                "done": True,
                "done_reason": "stop",
                "total_duration": 1_000_000,
                "load_duration": 1000,
                "prompt_eval_count": len(request.prompt.split()),
                "prompt_eval_duration": 1000,
                "eval_count": len(content.split()),
                "eval_duration": 1000,
            }
            if request.body.get("stream") is False:
                self._json(200, final)
                return
            # Ollama streams by default: NDJSON, one partial message a line, then the final one.
            lines = [
                json.dumps({"model": model, "created_at": stamp,
                            "message": {"role": "assistant", "content": piece}, "done": False}) + "\n"
                for piece in _pieces(content)
            ]
            lines.append(json.dumps({**final, "message": {"role": "assistant", "content": ""}}) + "\n")
            self._stream(200, "application/x-ndjson", lines)

        # -------------------------------------------------------------- wire

        def _json(self, status: int, payload: dict[str, Any]) -> None:
            data = json.dumps(payload).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except OSError:
                pass  # the client gave up (e.g. timed out); nothing to tell it

        def _stream(self, status: int, content_type: str, lines: list[str]) -> None:
            # HTTP/1.0 handler: no length, the stream ends when the connection closes.
            try:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Cache-Control", "no-cache")
                self.end_headers()
                for line in lines:
                    self.wfile.write(line.encode())
                    self.wfile.flush()
            except OSError:
                pass

    return Handler


def _pieces(text: str, size: int = 8) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)] or [""]
