"""A fake Telegram Bot API server on 127.0.0.1 for end-to-end tests of the bot.

It speaks the protocol as python-telegram-bot uses it: `POST /bot<token>/<method>` with form,
multipart or JSON bodies, answers `{"ok": true, "result": ...}` with realistic objects, serves
`getUpdates` with long-poll semantics, and checks what real Telegram checks for `parse_mode=HTML`
(well-formed tags and entities, at most 4,096 characters). Tests inject updates (messages in
private or group chats, stickers, edits, button taps), make the next calls of a method fail (429
or 5xx) or hang (`hold`), deliver updates again as Telegram does when a confirmation is lost
(`redeliver`), and wait — always with a deadline — for what the bot sends.
"""

from __future__ import annotations

import asyncio
import email.parser
import email.policy
import html
import itertools
import json
import re
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TypeVar
from urllib.parse import parse_qs, urlsplit

T = TypeVar("T")

MAX_POLL_SECONDS = 10.0  # a long poll never holds a server thread longer than this
MAX_HOLD_SECONDS = 120.0  # nor does a held call
MAX_TEXT = 4096
# Values PTB sends as plain strings even when they look like numbers or JSON.
STRING_PARAMS = {"text", "caption", "callback_query_id", "data", "language_code", "parse_mode", "action",
                 "secret_token", "url", "description", "short_description", "name", "title", "emoji"}
HTML_TAGS = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre", "span",
             "tg-spoiler", "blockquote", "tg-emoji"}
_TOKEN = re.compile(r"<[^>]*>|&[^;&<>\s]*;?|[<>]")
_ENTITY = re.compile(r"&(lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);")
_TAG = re.compile(r"<(/?)([a-z-]+)(\s[^>]*)?>")


class HTMLError(ValueError):
    """Text Telegram would refuse with "Bad Request: can't parse entities"."""


def check_html(text: str) -> str:
    """Validate Telegram HTML as the Bot API does; returns the visible text (tags removed, entities decoded)."""
    stack: list[str] = []
    visible: list[str] = []
    position = 0
    for match in _TOKEN.finditer(text):
        visible.append(text[position : match.start()])
        position = match.end()
        token = match.group()
        if token.startswith("&"):
            if not _ENTITY.fullmatch(token):
                raise HTMLError(f"can't parse entities: unsupported entity {token!r} at {match.start()}")
            visible.append(html.unescape(token))
            continue
        tag = _TAG.fullmatch(token)
        if not tag or tag.group(2) not in HTML_TAGS:
            raise HTMLError(f"can't parse entities: unsupported start tag {token!r} at {match.start()}")
        closing, name = tag.group(1), tag.group(2)
        if not closing:
            stack.append(name)
        elif not stack or stack.pop() != name:
            raise HTMLError(f"can't parse entities: unexpected end tag {token!r} at {match.start()}")
    if stack:
        raise HTMLError(f"can't parse entities: unclosed tag <{stack[-1]}>")
    visible.append(text[position:])
    return "".join(visible)


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, as Telegram measures offsets and limits."""
    return len(text.encode("utf-16-le")) // 2


@dataclass
class Call:
    """One request the bot made."""

    method: str
    params: dict[str, Any]
    time: float
    status: int = 0
    result: Any = None

    @property
    def ok(self) -> bool:
        """Whether the server answered with success."""
        return self.status == 200

    @property
    def chat_id(self) -> int | None:
        """The chat the call is about, if any."""
        value = self.params.get("chat_id")
        return int(value) if value is not None else None

    @property
    def text(self) -> str:
        """The text sent (HTML as the bot wrote it), or ''."""
        return str(self.params.get("text", ""))


@dataclass
class _Failure:
    status: int
    retry_after: int


@dataclass
class FakeTelegram:
    """The server and its recorded state. Use as a context manager, or `start()`/`stop()`."""

    token: str
    bot_id: int = 7000001
    bot_username: str = "DepecheTestBot"
    calls: list[Call] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._cond = threading.Condition()
        self._updates: list[dict] = []
        self._pushed: list[dict] = []  # every update ever queued, for `redeliver`
        self._held: set[str] = set()
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1)
        self._callback_ids = itertools.count(1)
        self._messages: dict[tuple[int, int], dict] = {}
        self._chats: dict[int, dict] = {}
        self._failures: dict[str, deque[_Failure]] = {}
        self._commands: dict[str, list] = {}
        self._closing = False
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle -------------------------------------------------------------------------------

    def start(self) -> FakeTelegram:
        """Listen on a free port of 127.0.0.1, serving from a background thread."""
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="fake-telegram", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Wake pending long polls, stop serving and close the socket."""
        with self._cond:
            self._closing = True
            self._cond.notify_all()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(timeout=5)
            self._server = None

    def __enter__(self) -> FakeTelegram:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        """The port picked by the OS."""
        return self._server.server_address[1]

    @property
    def base_url(self) -> str:
        """What `TelegramSettings.base_url` should be (PTB appends the token)."""
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        """What `TelegramSettings.base_file_url` should be."""
        return f"http://127.0.0.1:{self.port}/file/bot"

    @property
    def bot_user(self) -> dict:
        """The bot as a Bot API User."""
        return {"id": self.bot_id, "is_bot": True, "first_name": "Dépêche", "username": self.bot_username,
                "can_join_groups": True, "can_read_all_group_messages": False, "supports_inline_queries": False}

    # --- what tests inject -----------------------------------------------------------------------

    @staticmethod
    def user(user_id: int, language_code: str | None = "fr", first_name: str = "Test") -> dict:
        """A human Bot API User."""
        user = {"id": user_id, "is_bot": False, "first_name": first_name}
        if language_code:
            user["language_code"] = language_code
        return user

    @staticmethod
    def private_chat(user: dict) -> dict:
        """The private chat with `user`."""
        return {"id": user["id"], "type": "private", "first_name": user["first_name"]}

    @staticmethod
    def group_chat(chat_id: int, title: str = "Revue de presse") -> dict:
        """A supergroup (negative id)."""
        return {"id": chat_id, "type": "supergroup", "title": title}

    def push_update(self, **payload: Any) -> dict:
        """Queue a raw update (`message=...`, `callback_query=...`) for the next getUpdates."""
        with self._cond:
            update = {"update_id": next(self._update_ids), **payload}
            self._updates.append(update)
            self._pushed.append(update)
            self._cond.notify_all()
        return update

    def _new_message(self, chat: dict, user: dict, reply_to: dict | None = None, **content: Any) -> dict:
        with self._cond:
            self._chats[chat["id"]] = chat
            message = {"message_id": next(self._message_ids), "date": int(time.time()), "chat": chat,
                       "from": user, **content}
            if reply_to is not None:
                message["reply_to_message"] = reply_to
            self._messages[(chat["id"], message["message_id"])] = message
        return message

    def send_text(self, chat: dict, user: dict, text: str, reply_to: dict | None = None) -> dict:
        """A user sends `text` (commands and @mentions get their entities); returns the message."""
        message = self._new_message(chat, user, reply_to, text=text)
        entities = _entities(text)
        if entities:
            message["entities"] = entities
        self.push_update(message=message)
        return message

    def send_sticker(self, chat: dict, user: dict, reply_to: dict | None = None) -> dict:
        """A user sends a sticker."""
        sticker = {"file_id": "CAACAgIAAxkBAAEBsticker", "file_unique_id": "AgADsticker", "type": "regular",
                   "width": 512, "height": 512, "is_animated": False, "is_video": False, "emoji": "👍"}
        message = self._new_message(chat, user, reply_to, sticker=sticker)
        self.push_update(message=message)
        return message

    def send_photo(self, chat: dict, user: dict, caption: str | None = None) -> dict:
        """A user sends a photo, optionally captioned."""
        photo = [{"file_id": "AgACAgphoto", "file_unique_id": "AQADphoto", "width": 90, "height": 60}]
        content: dict[str, Any] = {"photo": photo}
        if caption is not None:
            content["caption"] = caption
        message = self._new_message(chat, user, **content)
        self.push_update(message=message)
        return message

    def send_voice(self, chat: dict, user: dict) -> dict:
        """A user sends a voice note."""
        voice = {"file_id": "AwACAgvoice", "file_unique_id": "AgADvoice", "duration": 3, "mime_type": "audio/ogg"}
        message = self._new_message(chat, user, voice=voice)
        self.push_update(message=message)
        return message

    def edit_text(self, message: dict, text: str) -> dict:
        """The user edits one of their text messages."""
        edited = {**message, "text": text, "edit_date": int(time.time())}
        entities = _entities(text)
        edited.pop("entities", None)
        if entities:
            edited["entities"] = entities
        with self._cond:
            self._messages[(message["chat"]["id"], message["message_id"])] = edited
        self.push_update(edited_message=edited)
        return edited

    def press_button(self, message: dict, user: dict, data: str) -> str:
        """The user taps an inline button of a bot `message`; returns the callback query id."""
        query_id = str(next(self._callback_ids))
        self.push_update(callback_query={"id": query_id, "from": user, "message": message,
                                         "chat_instance": f"ci{message['chat']['id']}", "data": data})
        return query_id

    def fail_next(self, method: str, count: int = 1, status: int = 429, retry_after: int = 1) -> None:
        """Answer the next `count` calls of `method` with HTTP 429 (retry_after) or a 5xx."""
        with self._cond:
            queue = self._failures.setdefault(method, deque())
            queue.extend(_Failure(status, retry_after) for _ in range(count))

    def hold(self, method: str) -> None:
        """Leave calls of `method` unanswered, as a Telegram that stopped responding, until `release`."""
        with self._cond:
            self._held.add(method)

    def release(self, method: str) -> None:
        """Answer the held calls of `method` with 502, having done nothing (their sender may be long gone)."""
        with self._cond:
            self._held.discard(method)
            self._cond.notify_all()

    def redeliver(self) -> None:
        """Queue every update again, as Telegram does when the getUpdates that confirmed them never reached it."""
        with self._cond:
            queued = {u["update_id"] for u in self._updates}
            self._updates = sorted(self._updates + [u for u in self._pushed if u["update_id"] not in queued],
                                   key=lambda u: u["update_id"])
            self._cond.notify_all()

    # --- what tests inspect ----------------------------------------------------------------------

    def mark(self) -> int:
        """A position in the call log, to look only at later calls."""
        with self._cond:
            return len(self.calls)

    def calls_of(self, method: str, chat_id: int | None = None, since: int = 0) -> list[Call]:
        """Recorded calls of `method` (to `chat_id`), oldest first."""
        with self._cond:
            return [c for c in self.calls[since:]
                    if c.method == method and (chat_id is None or c.chat_id == chat_id)]

    def sent(self, chat_id: int, since: int = 0) -> list[Call]:
        """Messages the server accepted for `chat_id` (sendMessage answered ok)."""
        return [c for c in self.calls_of("sendMessage", chat_id, since) if c.ok]

    def message(self, chat_id: int, message_id: int) -> dict | None:
        """A stored message as it is now (after edits)."""
        with self._cond:
            return self._messages.get((chat_id, message_id))

    def held(self, method: str) -> list[Call]:
        """Calls of `method` waiting on `hold`, oldest first."""
        with self._cond:
            return [c for c in self.calls if c.method == method and not c.status and method in self._held]

    def pending_updates(self) -> int:
        """Updates not yet confirmed by the bot."""
        with self._cond:
            return len(self._updates)

    def wait_until(self, condition: Callable[[], T | None], timeout: float = 30.0, what: str = "") -> T:
        """Block until `condition()` returns something truthy (re-checked at each call); TimeoutError after `timeout`."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                result = condition()
                if result:
                    return result
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"fake Telegram: gave up after {timeout} s waiting for {what or condition}")
                self._cond.wait(min(remaining, 0.5))

    def wait_message(self, chat_id: int, contains: str | None = None, since: int = 0, timeout: float = 30.0) -> Call:
        """The first accepted sendMessage to `chat_id` after `since` (containing `contains`)."""
        def found() -> Call | None:
            return next((c for c in self.sent(chat_id, since) if contains is None or contains in c.text), None)
        return self.wait_until(found, timeout, f"a message to {chat_id} containing {contains!r}")

    def wait_call(self, method: str, predicate: Callable[[Call], bool] = lambda c: True, since: int = 0,
                  timeout: float = 30.0) -> Call:
        """The first finished call of `method` after `since` that satisfies `predicate`."""
        def found() -> Call | None:
            return next((c for c in self.calls_of(method, since=since) if c.status and predicate(c)), None)
        return self.wait_until(found, timeout, f"a {method} call")

    async def await_until(self, condition: Callable[[], T | None], timeout: float = 30.0, what: str = "") -> T:
        """`wait_until` for async tests: polls every 20 ms, so it holds no thread the bot's work may need."""
        deadline = time.monotonic() + timeout
        while True:
            with self._cond:
                result = condition()
            if result:
                return result
            if time.monotonic() >= deadline:
                raise TimeoutError(f"fake Telegram: gave up after {timeout} s waiting for {what or condition}")
            await asyncio.sleep(0.02)

    async def await_message(self, chat_id: int, contains: str | None = None, since: int = 0,
                            timeout: float = 30.0) -> Call:
        """`wait_message` for async tests."""
        return await self.await_until(
            lambda: next((c for c in self.sent(chat_id, since) if contains is None or contains in c.text), None),
            timeout, f"a message to {chat_id} containing {contains!r}")

    async def await_call(self, method: str, predicate: Callable[[Call], bool] = lambda c: True, since: int = 0,
                         timeout: float = 30.0) -> Call:
        """`wait_call` for async tests."""
        return await self.await_until(
            lambda: next((c for c in self.calls_of(method, since=since) if c.status and predicate(c)), None),
            timeout, f"a {method} call")

    # --- the Bot API -----------------------------------------------------------------------------

    def _record(self, method: str, params: dict) -> Call:
        call = Call(method, params, time.time())
        with self._cond:
            self.calls.append(call)
            self._cond.notify_all()
        return call

    def _finish(self, call: Call, status: int, result: Any) -> None:
        with self._cond:
            call.status, call.result = status, result
            self._cond.notify_all()

    def handle(self, method: str, params: dict) -> tuple[int, dict]:
        """Serve one Bot API call: (HTTP status, JSON body)."""
        call = self._record(method, params)
        status, body = self._dispatch(method, params)
        self._finish(call, status, body.get("result", body))
        return status, body

    def _dispatch(self, method: str, params: dict) -> tuple[int, dict]:
        deadline = time.monotonic() + MAX_HOLD_SECONDS
        with self._cond:
            held = method in self._held
            while method in self._held and not self._closing and time.monotonic() < deadline:
                self._cond.wait(0.5)
        if held:
            return 502, {"ok": False, "error_code": 502, "description": "Bad Gateway"}
        with self._cond:
            queue = self._failures.get(method)
            failure = queue.popleft() if queue else None
        if failure is not None:
            if failure.status == 429:
                return 429, {"ok": False, "error_code": 429,
                             "description": f"Too Many Requests: retry after {failure.retry_after}",
                             "parameters": {"retry_after": failure.retry_after}}
            return failure.status, {"ok": False, "error_code": failure.status, "description": "Bad Gateway"
                                    if failure.status == 502 else "Internal Server Error"}
        handler = getattr(self, f"_api_{method}", None)
        if handler is None:
            if method in {"sendChatAction", "answerCallbackQuery", "deleteWebhook", "setWebhook", "close",
                          "logOut", "deleteMyCommands", "setMyDescription", "setMyShortDescription"}:
                return 200, {"ok": True, "result": True}
            return 404, {"ok": False, "error_code": 404, "description": "Not Found: method not found"}
        try:
            return 200, {"ok": True, "result": handler(params)}
        except _BadRequest as exc:
            return 400, {"ok": False, "error_code": 400, "description": f"Bad Request: {exc}"}

    def _api_getMe(self, params: dict) -> dict:
        return self.bot_user

    def _api_setMyCommands(self, params: dict) -> bool:
        self._commands[params.get("language_code") or ""] = params.get("commands") or []
        return True

    def _api_getMyCommands(self, params: dict) -> list:
        return self._commands.get(params.get("language_code") or "", [])

    def _api_getUpdates(self, params: dict) -> list[dict]:
        offset = int(params.get("offset") or 0)
        limit = int(params.get("limit") or 100)
        timeout = min(float(params.get("timeout") or 0), MAX_POLL_SECONDS)
        deadline = time.monotonic() + timeout
        with self._cond:
            if offset > 0:  # confirms every update below it
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
            while not self._updates and not self._closing:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._cond.wait(remaining)
            return list(self._updates[:limit])

    def _checked_text(self, params: dict) -> str:
        text = str(params.get("text", ""))
        visible = text
        if params.get("parse_mode") == "HTML":
            try:
                visible = check_html(text)
            except HTMLError as exc:
                raise _BadRequest(str(exc)) from None
        if not visible.strip():
            raise _BadRequest("message text is empty")
        if utf16_len(visible) > MAX_TEXT:
            raise _BadRequest("message is too long")
        return visible

    def _api_sendMessage(self, params: dict) -> dict:
        visible = self._checked_text(params)
        chat_id = int(params["chat_id"])
        with self._cond:
            chat = self._chats.get(chat_id, {"id": chat_id, "type": "private", "first_name": "Test"})
            message = {"message_id": next(self._message_ids), "date": int(time.time()), "chat": chat,
                       "from": self.bot_user, "text": visible}
            if params.get("reply_markup"):
                message["reply_markup"] = params["reply_markup"]
            reply = params.get("reply_parameters") or {}
            replied = self._messages.get((chat_id, int(reply.get("message_id", 0) or 0)))
            if replied is not None:
                message["reply_to_message"] = replied
            self._messages[(chat_id, message["message_id"])] = message
        return message

    def _api_editMessageText(self, params: dict) -> dict:
        visible = self._checked_text(params)
        key = (int(params["chat_id"]), int(params["message_id"]))
        with self._cond:
            message = self._messages.get(key)
            if message is None:
                raise _BadRequest("message to edit not found")
            if message.get("text") == visible and message.get("reply_markup") == params.get("reply_markup"):
                raise _BadRequest("message is not modified")
            message = {**message, "text": visible, "edit_date": int(time.time())}
            message.pop("reply_markup", None)
            if params.get("reply_markup"):
                message["reply_markup"] = params["reply_markup"]
            self._messages[key] = message
        return message


class _BadRequest(Exception):
    """A 400 answer."""


def _entities(text: str) -> list[dict]:
    """bot_command at the start and @mentions, with UTF-16 offsets as Telegram gives them."""
    entities = []
    for match in re.finditer(r"^/[A-Za-z0-9_]+(@[A-Za-z0-9_]+)?|@[A-Za-z0-9_]{5,}", text):
        kind = "bot_command" if match.group().startswith("/") else "mention"
        entities.append({"type": kind, "offset": utf16_len(text[: match.start()]),
                         "length": utf16_len(match.group())})
    return entities


def _decode(params: dict[str, str]) -> dict[str, Any]:
    """Form values as PTB encodes them: JSON for everything but plain strings."""
    decoded: dict[str, Any] = {}
    for key, value in params.items():
        if key in STRING_PARAMS:
            decoded[key] = value
            continue
        try:
            decoded[key] = json.loads(value)
        except (ValueError, TypeError):
            decoded[key] = value
    return decoded


def _handler_for(fake: FakeTelegram) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            """Silent: request lines hold the token."""

        def do_GET(self) -> None:
            self._serve(b"")

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            self._serve(self.rfile.read(length) if length else b"")

        def _serve(self, body: bytes) -> None:
            url = urlsplit(self.path)
            match = re.fullmatch(r"/bot([^/]+)/(\w+)", url.path)
            if not match:
                return self._reply(404, {"ok": False, "error_code": 404, "description": "Not Found"})
            token, method = match.groups()
            if token != fake.token:
                return self._reply(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
            try:
                params = self._params(url.query, body)
            except ValueError as exc:
                return self._reply(400, {"ok": False, "error_code": 400, "description": f"Bad Request: {exc}"})
            status, payload = fake.handle(method, params)
            self._reply(status, payload)

        def _params(self, query: str, body: bytes) -> dict[str, Any]:
            raw: dict[str, str] = {k: v[-1] for k, v in parse_qs(query, keep_blank_values=True).items()}
            content_type = self.headers.get("Content-Type", "")
            if not body:
                return _decode(raw)
            if content_type.startswith("application/json"):
                return {**_decode(raw), **json.loads(body)}
            if content_type.startswith("multipart/form-data"):
                parser = email.parser.BytesParser(policy=email.policy.HTTP)
                message = parser.parsebytes(f"Content-Type: {content_type}\r\n\r\n".encode() + body)
                for part in message.iter_parts():
                    name = part.get_param("name", header="content-disposition")
                    if name and part.get_filename() is None:
                        raw[name] = part.get_content()
                return _decode(raw)
            raw.update({k: v[-1] for k, v in parse_qs(body.decode(), keep_blank_values=True).items()})
            return _decode(raw)

        def _reply(self, status: int, payload: dict) -> None:
            data = json.dumps(payload).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (a cancelled long poll at shutdown)

    return Handler
