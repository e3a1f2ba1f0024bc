"""The one HTTP client (sources/http.py) against the local replay server:
retries with backoff, Retry-After, a truncated or malformed 200 retried,
bounded attempts ending in one error, the throttle, the User-Agent."""
from __future__ import annotations

import pytest

from support import FAST
from replay_server import Fault
from sosrap.errors import FetchError
from sosrap.sources import sotkanet
from sosrap.sources.http import HttpClient, RetryPolicy, Throttle


# --- faults: each ends in a retry that succeeds or in one clear error ---------------------

@pytest.mark.parametrize("fault", [Fault.delay(0.8), Fault.http(500), Fault.http(503), Fault.malformed(),
                                   Fault.truncate(), Fault.reset()],
                         ids=["timeout", "500", "503", "malformed-json", "truncated-body", "connection-reset"])
def test_transient_fault_then_success(replay, http, fault):
    replay.inject("GET", "/indicators/493", fault)
    info = sotkanet.SotkanetClient(replay.sotkanet_url, http).get_indicator(493)
    assert info["title_fi"].startswith("Toimeentulotukea")
    assert len(replay.requests("GET", "/indicators/493")) == 2 and http.stats.retries == 1


def test_truncated_data_body_is_retried(replay, http):
    replay.inject("GET", "/json", Fault.truncate())
    rows = sotkanet.SotkanetClient(replay.sotkanet_url, http).fetch_data(181, [2024]).data
    assert len(rows) > 300


def test_429_honours_retry_after(replay, http, sleeps):
    replay.inject("GET", "/regions", Fault.http(429, b"Too Many Requests", {"Retry-After": "2"}))
    sotkanet.SotkanetClient(replay.sotkanet_url, http).fetch_regions()
    assert 2.0 in sleeps.calls, "waited what the server asked"


def test_backoff_grows_exponentially(replay, sleeps):
    h = HttpClient(RetryPolicy(retries=3, backoff=0.001, backoff_max=1.0, read_timeout=1.0), sleep=sleeps)
    replay.inject("GET", "/regions", Fault.http(500), Fault.http(502), Fault.http(504))
    sotkanet.SotkanetClient(replay.sotkanet_url, h).fetch_regions()
    assert sleeps.calls == [0.001, 0.002, 0.004]


def test_persistent_5xx_ends_in_one_error_naming_url_and_indicator(replay, http):
    replay.inject("GET", "/json", *[Fault.http(500)] * 10)
    with pytest.raises(FetchError) as e:
        sotkanet.SotkanetClient(replay.sotkanet_url, http).fetch_data(493, [2024])
    msg = str(e.value)
    assert "indicator 493" in msg and replay.sotkanet_url + "json?indicator=493" in msg and "HTTP 500" in msg
    assert len(replay.requests("GET", "/json")) == FAST.retries + 1, "bounded retries"


def test_persistent_malformed_json_is_a_clear_error(replay, http):
    replay.inject("GET", "/indicators/493", *[Fault.malformed()] * 10)
    with pytest.raises(FetchError, match=r"indicator 493 metadata.*not valid JSON"):
        sotkanet.SotkanetClient(replay.sotkanet_url, http).fetch_indicator(493)


def test_missing_user_agent_would_be_refused(replay):
    import requests
    r = requests.get(replay.sotkanet_url + "regions", headers={"User-Agent": ""}, timeout=5)
    assert r.status_code == 403, "the replay server behaves like Sotkanet: why we always send one"


def test_throttle_waits_when_the_window_is_full():
    now = [0.0]
    waits: list[float] = []

    def sleep(s: float) -> None:
        waits.append(s)
        now[0] += s
    t = Throttle(2, 10.0, sleep=sleep, clock=lambda: now[0])
    t.acquire(); now[0] += 1; t.acquire()
    t.acquire()
    assert waits == [pytest.approx(9.0)], "the oldest call (t=0) leaves the 10 s window at t=10"
    now[0] += 20
    t.acquire()
    assert len(waits) == 1, "an empty window does not wait"


def test_non_retryable_status_raises_at_once_with_the_status(replay, http):
    replay.inject("GET", "/regions", Fault.http(400, b"Bad Request"))
    with pytest.raises(FetchError) as e:
        http.get(replay.sotkanet_url + "regions", what="Sotkanet regions")
    assert e.value.status == 400 and "Sotkanet regions: HTTP 400" in str(e.value)
    assert len(replay.requests("GET", "/regions")) == 1 and http.stats.retries == 0


def test_every_attempt_is_counted(replay, http):
    replay.inject("GET", "/regions", Fault.http(502), Fault.truncate())
    f = http.get(replay.sotkanet_url + "regions", what="Sotkanet regions")
    assert f.status == 200 and isinstance(f.data, list) and f.retrieved.endswith("Z")
    assert http.stats.requests == 3 and http.stats.retries == 2 and http.stats.bytes >= len(f.content)
