"""The one place that touches the network: a polite, safe HTTP fetcher for article pages and feeds.

Polite: an identifying user agent, robots.txt obeyed (RFC 9309: a 4xx robots.txt allows everything,
a 5xx or unreachable one disallows everything), at most `per_host` requests in flight to a host,
retries with backoff that honour `Retry-After`. Safe: http and https only, every hop of a redirect
checked against private, loopback and link-local addresses (before connecting, on the resolved
addresses, and after, on the address actually connected to), bodies capped at `max_bytes`, content
that is neither HTML nor a feed refused. trafilatura, feedparser and robotparser only ever get the
bytes fetched here.
"""

from __future__ import annotations

import email.utils
import ipaddress
import logging
import socket
import threading
import time
import urllib.robotparser
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import httpx

from config.settings import SourcesSettings
from index.errors import FetchFailed

__all__ = ["Fetched", "Fetcher", "check_url"]

logger = logging.getLogger(__name__)

MAX_REDIRECTS = 10
BACKOFF = 1.0  # seconds before the first retry, doubled after each
MAX_RETRY_AFTER = 120.0  # a server asking for a longer wait is reported, not waited for
ROBOTS_MAX_BYTES = 500_000  # RFC 9309 asks parsers to read at least 500 KiB
HTML_TYPES = ("text/html", "application/xhtml+xml")
FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/rdf+xml", "application/xml", "text/xml")
# Sniffed when a server sends no content type or a generic one.
BINARY_MAGIC = {b"%PDF": "a PDF document", b"\x89PNG": "a PNG image", b"\xff\xd8\xff": "a JPEG image",
                b"GIF8": "a GIF image", b"PK\x03\x04": "a ZIP archive"}  # fmt: skip


@dataclass(frozen=True)
class Fetched:
    """A fetched HTML page or feed: the URL asked for, the URL it ended at, its type and bytes."""

    url: str
    final_url: str
    status: int
    content_type: str  # lower case, without parameters
    body: bytes
    charset: str | None = None

    @property
    def is_html(self) -> bool:
        """Whether the content is an HTML page (by type, or sniffed when the type says nothing)."""
        return self.content_type in HTML_TYPES or (
            self.content_type not in FEED_TYPES and self.body.lstrip()[:15].lower().startswith((b"<!doctype html", b"<html"))
        )


def check_url(url: str) -> tuple[str, str, int]:
    """The scheme, host and port of an http(s) URL; `FetchFailed` for anything else (file://, no host)."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        raise FetchFailed(f"{url!r} is not a valid URL ({exc}).") from None
    if parts.scheme not in ("http", "https"):
        scheme = f"{parts.scheme}://" if parts.scheme else "no scheme"
        raise FetchFailed(f"Only http:// and https:// URLs can be fetched, not {scheme} ({url}).")
    if not parts.hostname:
        raise FetchFailed(f"{url!r} has no host name.")
    if parts.username or parts.password:
        # Refused without repeating the URL: it holds a credential.
        raise FetchFailed("URLs with a user name or password in them are not fetched.")
    return parts.scheme, parts.hostname, port or (443 if parts.scheme == "https" else 80)


def _forbidden_address(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return not ip.is_global or ip.is_multicast


class Fetcher:
    """Fetches pages and feeds under the `sources` settings; thread-safe, one per batch of work.

    Use as a context manager (or call `close()`).
    """

    def __init__(self, settings: SourcesSettings) -> None:
        self.settings = settings
        self._client = httpx.Client(
            headers={"User-Agent": settings.user_agent, "Accept": "text/html,application/xhtml+xml,"
                     "application/rss+xml,application/atom+xml,application/xml;q=0.9,*/*;q=0.1"},
            timeout=httpx.Timeout(settings.timeout),
            follow_redirects=False,  # every hop is checked by hand
            trust_env=False,  # a proxy from the environment would hide the address really reached
        )
        self._lock = threading.Lock()
        self._hosts: dict[str, threading.BoundedSemaphore] = {}
        self._robots: dict[str, urllib.robotparser.RobotFileParser] = {}
        self._robots_locks: dict[str, threading.Lock] = {}

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection pool."""
        self._client.close()

    # --- public ------------------------------------------------------------------------------

    def fetch(self, url: str) -> Fetched:
        """GET an HTML page or a feed, following redirects; `FetchFailed` says why when it cannot."""
        seen: list[str] = []
        current = url.strip()
        for _ in range(MAX_REDIRECTS + 1):
            _, host, port = check_url(current)
            if not self.settings.allow_private:
                self._check_resolved(host, port, current)  # before robots.txt, so the refusal names the reason
            if current in seen:
                chain = " → ".join([*seen[seen.index(current):], current])
                raise FetchFailed(f"Redirect loop: {chain}.")
            seen.append(current)
            if not self._robots_allow(current):
                raise FetchFailed(f"robots.txt of {self._origin(current)} does not allow fetching {current}.")
            status, headers, body, target = self._get(current, self.settings.max_bytes, follow=True)
            if target is not None:
                current = target
                continue
            if status >= 400:
                raise FetchFailed(f"{current} answered HTTP {status}{_reason(status)}.")
            return self._accept(url, current, status, headers, body)
        raise FetchFailed(f"More than {MAX_REDIRECTS} redirects from {url}.")

    # --- one URL -----------------------------------------------------------------------------

    def _accept(self, url: str, final: str, status: int, headers: httpx.Headers, body: bytes) -> Fetched:
        raw_type = headers.get("content-type", "")
        content_type = raw_type.split(";")[0].strip().lower()
        charset = None
        for param in raw_type.split(";")[1:]:
            key, _, value = param.partition("=")
            if key.strip().lower() == "charset":
                charset = value.strip().strip("\"'") or None
        for magic, what in BINARY_MAGIC.items():
            if body.startswith(magic):
                raise FetchFailed(f"{final} is {what}, not an HTML page or a feed; only web pages and RSS/Atom feeds can be added.")
        known = content_type in HTML_TYPES or content_type in FEED_TYPES or content_type.endswith(("+xml", "/xml"))
        if content_type and not known and content_type not in ("text/plain", "application/octet-stream"):
            raise FetchFailed(
                f"{final} is {content_type}, not an HTML page or a feed; only web pages and RSS/Atom feeds can be added."
            )
        if not body.strip():
            raise FetchFailed(f"{final} answered with an empty page.")
        if not known:
            head = body.lstrip()[:300].lower()
            if not head.startswith((b"<", b"\xef\xbb\xbf<")):
                raise FetchFailed(f"{final} is not an HTML page or a feed (content type {content_type or 'missing'}).")
        return Fetched(url=url, final_url=final, status=status, content_type=content_type, body=body, charset=charset)

    def _get(
        self, url: str, max_bytes: int, *, follow: bool
    ) -> tuple[int, httpx.Headers, bytes, str | None]:
        """One URL with retries: (status, headers, body, redirect target or None)."""
        attempts = self.settings.retries + 1
        delay = BACKOFF
        for attempt in range(1, attempts + 1):
            try:
                status, headers, body = self._once(url, max_bytes)
            except (httpx.TimeoutException, httpx.TransportError) as exc:
                if attempt == attempts:
                    what = "timed out" if isinstance(exc, httpx.TimeoutException) else f"could not be reached ({exc})"
                    raise FetchFailed(f"{url} {what} after {attempts} attempt(s).") from None
                logger.info("fetching %s failed (%s); retry %d in %.1f s", url, type(exc).__name__, attempt, delay)
                time.sleep(delay)
                delay *= 2
                continue
            if follow and status in (301, 302, 303, 307, 308) and "location" in headers:
                return status, headers, body, urljoin(url, headers["location"])
            if status in (429, 500, 502, 503, 504) and attempt < attempts:
                wait = delay
                if status in (429, 503) and (asked := _retry_after(headers.get("retry-after"))) is not None:
                    if asked > MAX_RETRY_AFTER:
                        raise FetchFailed(f"{url} answered HTTP {status} and asks to wait {asked:.0f} s; try again later.")
                    wait = max(asked, 0.0)
                logger.info("%s answered HTTP %d; retry %d in %.1f s", url, status, attempt, wait)
                time.sleep(wait)
                delay *= 2
                continue
            return status, headers, body, None
        raise AssertionError("unreachable")  # the loop always returns or raises

    def _once(self, url: str, max_bytes: int) -> tuple[int, httpx.Headers, bytes]:
        _, host, port = check_url(url)
        if not self.settings.allow_private:
            self._check_resolved(host, port, url)
        with self._host_slot(host):
            with self._client.stream("GET", url) as response:
                stream = response.extensions.get("network_stream")
                peer = stream.get_extra_info("server_addr") if stream is not None else None
                if not self.settings.allow_private and peer and _forbidden_address(str(peer[0])):
                    # The name resolved again to another address between the check and the connection.
                    raise FetchFailed(f"{url} leads to a private or local address ({peer[0]}); refused.")
                length = response.headers.get("content-length", "")
                if length.isdigit() and int(length) > max_bytes:
                    raise FetchFailed(f"{url} is {int(length):,} bytes, over the {max_bytes:,}-byte limit (sources.max_bytes).")
                chunks, size = [], 0
                for chunk in response.iter_bytes():
                    size += len(chunk)
                    if size > max_bytes:
                        raise FetchFailed(f"{url} is over the {max_bytes:,}-byte limit (sources.max_bytes).")
                    chunks.append(chunk)
                return response.status_code, response.headers, b"".join(chunks)

    def _check_resolved(self, host: str, port: int, url: str) -> None:
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except socket.gaierror as exc:
            raise FetchFailed(f"{url}: the host {host} cannot be resolved ({exc.strerror}).") from None
        for info in infos:
            address = str(info[4][0])
            if _forbidden_address(address):
                raise FetchFailed(
                    f"{url} leads to a private or local address ({address}); refused "
                    "(set sources.allow_private to fetch from your own network)."
                )

    def _host_slot(self, host: str) -> threading.BoundedSemaphore:
        with self._lock:
            slot = self._hosts.get(host)
            if slot is None:
                slot = self._hosts[host] = threading.BoundedSemaphore(max(1, self.settings.per_host))
            return slot

    # --- robots.txt --------------------------------------------------------------------------

    @staticmethod
    def _origin(url: str) -> str:
        parts = urlsplit(url)
        return f"{parts.scheme}://{parts.netloc}"

    def _robots_allow(self, url: str) -> bool:
        origin = self._origin(url)
        with self._lock:
            lock = self._robots_locks.setdefault(origin, threading.Lock())
        with lock:  # one robots.txt fetch per site, however many pages wait for it
            parser = self._robots.get(origin)
            if parser is None:
                parser = self._robots[origin] = self._read_robots(origin)
        return parser.can_fetch(self.settings.user_agent, url)

    def _read_robots(self, origin: str) -> urllib.robotparser.RobotFileParser:
        parser = urllib.robotparser.RobotFileParser(origin + "/robots.txt")
        target = origin + "/robots.txt"
        try:
            for _ in range(5):  # RFC 9309: follow at least five redirects
                status, _, body, redirect = self._get(target, ROBOTS_MAX_BYTES, follow=True)
                if redirect is None:
                    break
                check_url(redirect)
                target = redirect
            else:
                status, body = 500, b""
        except FetchFailed as exc:
            logger.info("robots.txt of %s unreachable (%s): not fetching from it", origin, exc)
            parser.disallow_all = True
            return parser
        if 400 <= status < 500:
            parser.allow_all = True
        elif status >= 300:
            logger.info("robots.txt of %s answered HTTP %d: not fetching from it", origin, status)
            parser.disallow_all = True
        else:
            parser.parse(body.decode("utf-8", errors="replace").splitlines())
        return parser


def _retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return when.timestamp() - time.time()


def _reason(status: int) -> str:
    try:
        from http import HTTPStatus

        return f" ({HTTPStatus(status).phrase})"
    except ValueError:
        return ""
