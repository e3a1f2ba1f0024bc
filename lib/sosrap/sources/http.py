"""One HTTP session for every data source: User-Agent, timeouts, bounded
retries with exponential backoff, Retry-After, throttling and counting.

Why our own retry loop instead of urllib3's `Retry`: the faults we must
survive include ones urllib3 cannot see (a 200 with a truncated or malformed
JSON body), 429 must honour Retry-After through an injectable sleep (so tests
do not wait), and every attempt must pass the per-API throttle and be counted
(the benchmark prints requests made). Errors end as one `FetchError` naming
the URL and what was being fetched.
"""
from __future__ import annotations

import datetime as _dt
import email.utils
import json
import os
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Callable

import requests

from sosrap import __version__
from sosrap.errors import FetchError

USER_AGENT = (f"sosrap/{__version__} (social report workbench; batch download for a wellbeing "
              f"services county's social report; python-requests/{requests.__version__})")
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


def utc_now() -> str:
    """ISO 8601 UTC timestamp to the second, e.g. '2026-11-28T16:06:03Z'."""
    return _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def endpoint(env_var: str, configured: str) -> str:
    """A base URL: the environment variable wins over the params value, so tests
    and offline mirrors can point a client elsewhere without editing params."""
    url = os.environ.get(env_var) or configured
    return url if url.endswith("/") else url + "/"


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try. Times in seconds.

    Attempt *n* (0-based) that failed transiently waits
    ``min(backoff_max, backoff * 2**n)`` before the next, or the server's
    Retry-After (capped at `retry_after_max`) for 429/503.
    """
    retries: int = 4                 # extra attempts after the first
    backoff: float = 1.0
    backoff_max: float = 30.0
    retry_after_max: float = 120.0
    connect_timeout: float = 10.0
    read_timeout: float = 120.0      # a whole-table /json answer can take a while

    def delay(self, attempt: int) -> float:
        return min(self.backoff_max, self.backoff * (2 ** attempt))


class Throttle:
    """At most `max_calls` requests per `window` seconds (a sliding window).

    PxWeb publishes its limit in `?config` (observed 2026: 40 calls / 60 s);
    exceeding it earns 429s, so we wait before sending instead."""

    def __init__(self, max_calls: int, window: float, *, sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.monotonic):
        if max_calls < 1 or window <= 0:
            raise ValueError("throttle needs max_calls >= 1 and window > 0")
        self.max_calls, self.window = int(max_calls), float(window)
        self._sleep, self._clock = sleep, clock
        self._sent: deque[float] = deque()
        self._lock = threading.Lock()
        self.waited = 0.0                # total seconds spent waiting (for reports)

    def acquire(self) -> None:
        with self._lock:
            now = self._clock()
            while self._sent and now - self._sent[0] >= self.window:
                self._sent.popleft()
            if len(self._sent) >= self.max_calls:
                wait = self.window - (now - self._sent[0])
                if wait > 0:
                    self.waited += wait
                    self._sleep(wait)
                now = self._clock()
                while self._sent and now - self._sent[0] >= self.window:
                    self._sent.popleft()
                if len(self._sent) >= self.max_calls:   # a clock that did not move (tests)
                    self._sent.popleft()
            self._sent.append(self._clock())


@dataclass
class Fetched:
    """One successful response, as it will be stored in a snapshot."""
    url: str
    method: str
    status: int
    content: bytes
    retrieved: str                   # ISO 8601 UTC
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None                 # the JSON body of a POST, kept for the manifest
    data: Any = None                 # the parsed JSON (when parsed)


@dataclass
class Stats:
    requests: int = 0                # every attempt that reached the network
    retries: int = 0
    bytes: int = 0
    slept: float = 0.0


def _retry_after(value: str | None) -> float | None:
    """Retry-After is delay-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=_dt.timezone.utc)
    return max(0.0, (when - _dt.datetime.now(_dt.timezone.utc)).total_seconds())


def _snippet(content: bytes, n: int = 160) -> str:
    text = content[:n].decode("utf-8", "replace")
    text = " ".join(text.split())
    return text + ("…" if len(content) > n else "")


class HttpClient:
    """A `requests.Session` with the policy above. Share one per fetch run so
    the counters cover everything; each API client may pass its own throttle."""

    def __init__(self, policy: RetryPolicy | None = None, *, session: requests.Session | None = None,
                 sleep: Callable[[float], None] = time.sleep, user_agent: str = USER_AGENT):
        self.policy = policy or RetryPolicy()
        self.session = session or requests.Session()
        self.session.headers["User-Agent"] = user_agent
        self.session.headers["Accept"] = "application/json, */*;q=0.5"
        self._sleep = sleep
        self.stats = Stats()

    def _wait(self, seconds: float) -> None:
        if seconds > 0:
            self.stats.slept += seconds
            self._sleep(seconds)

    def request(self, method: str, url: str, *, what: str, json_body: Any = None, parse_json: bool = True,
                throttle: Throttle | None = None, ok_statuses: tuple[int, ...] = (200,),
                headers: dict[str, str] | None = None) -> Fetched:
        """Send with retries; return the response or raise `FetchError`.

        *what* names the thing for people ("Sotkanet indicator 493 data").
        Non-retryable statuses (400, 403, 404 …) raise at once with `status`
        set, so a caller can react (StatFin splits a query on 403)."""
        p = self.policy
        last: str = ""
        for attempt in range(p.retries + 1):
            if attempt:
                self.stats.retries += 1
            if throttle is not None:
                throttle.acquire()
            self.stats.requests += 1
            f, last, retry_after = self._attempt(method, url, what=what, json_body=json_body, parse_json=parse_json,
                                                 ok_statuses=ok_statuses, headers=headers)
            if f is not None:
                return f
            if attempt < p.retries:
                self._wait(p.delay(attempt) if retry_after is None else min(retry_after, p.retry_after_max))
        raise FetchError(f"{what}: giving up after {p.retries + 1} attempts on {url}: {last}", url=url, what=what)

    def _attempt(self, method: str, url: str, *, what: str, json_body: Any, parse_json: bool,
                 ok_statuses: tuple[int, ...], headers: dict[str, str] | None
                 ) -> tuple[Fetched | None, str, float | None]:
        """One try: (the response, "", None) on success, else (None, why it
        failed, the server's Retry-After or None) for a transient failure.
        A non-retryable status raises `FetchError`."""
        p = self.policy
        try:
            resp = self.session.request(method, url, json=json_body, headers=headers,
                                        timeout=(p.connect_timeout, p.read_timeout))
            content = resp.content          # reads the body: truncation raises here
        except requests.Timeout as e:
            return None, f"timed out ({type(e).__name__}, read timeout {p.read_timeout:g} s)", None
        except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError,
                requests.exceptions.ContentDecodingError) as e:
            return None, f"connection failed or body truncated ({type(e).__name__}: {_short(e)})", None
        self.stats.bytes += len(content)
        status = resp.status_code
        if status in ok_statuses:
            f = Fetched(url=url, method=method, status=status, content=content, retrieved=utc_now(),
                        headers=dict(resp.headers), body=json_body)
            return _parsed(f) if parse_json else (f, "", None)
        if status in RETRY_STATUSES:
            ra = _retry_after(resp.headers.get("Retry-After")) if status in (429, 503) else None
            return None, f"HTTP {status} {resp.reason or ''}".rstrip(), ra
        raise FetchError(f"{what}: HTTP {status} {resp.reason or ''} from {url}: {_snippet(content)!r}",
                         url=url, what=what, status=status)

    def get(self, url: str, *, what: str, **kw: Any) -> Fetched:
        return self.request("GET", url, what=what, **kw)

    def post_json(self, url: str, body: Any, *, what: str, **kw: Any) -> Fetched:
        return self.request("POST", url, what=what, json_body=body, **kw)


def _parsed(f: Fetched) -> tuple[Fetched | None, str, float | None]:
    """*f* with its JSON parsed, or a transient failure: a 200 whose body is
    truncated or not JSON is retried like a 5xx."""
    try:
        f.data = json.loads(f.content)
        return f, "", None
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        return None, f"response is not valid JSON ({e.msg if hasattr(e, 'msg') else e}): {_snippet(f.content)!r}", None


def _short(e: BaseException, n: int = 200) -> str:
    s = str(e)
    return s if len(s) <= n else s[:n] + "…"
