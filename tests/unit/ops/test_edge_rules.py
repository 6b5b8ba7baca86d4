"""Pure edge rules: client address through trusted proxies, request ids, rate-limit parsing."""

from __future__ import annotations

import pytest

from opendeposit.api.proxies import client_address, parse_networks
from opendeposit.observability.context import current_trace_id, traced, valid_request_id
from opendeposit.ratelimit import DEFAULT_LIMITS, InvalidRateLimits, Limit, parse_limits
from opendeposit.sharedstate import MemoryState

LB = parse_networks("10.0.0.0/8, 192.0.2.7")


@pytest.mark.parametrize(("peer", "xff", "expected"), [
    ("203.0.113.9", "1.2.3.4", "203.0.113.9"),  # not through a trusted proxy: header ignored
    ("10.1.2.3", "1.2.3.4", "1.2.3.4"),  # one trusted hop
    ("10.1.2.3", "6.6.6.6, 1.2.3.4, 10.9.9.9", "1.2.3.4"),  # spoofed left part is never reached
    ("10.1.2.3", "10.0.0.5, 10.0.0.6", "10.0.0.5"),  # all trusted: the leftmost
    ("10.1.2.3", "1.2.3.4, garbage", "10.1.2.3"),  # an unparsable hop stops the walk
    ("10.1.2.3", None, "10.1.2.3"),
    ("192.0.2.7", "2001:db8::1", "2001:db8::1"),
])
def test_client_address(peer: str, xff: str | None, expected: str) -> None:
    assert client_address(peer, xff, LB) == expected


def test_no_trusted_proxies_means_the_peer() -> None:
    assert client_address("10.1.2.3", "1.2.3.4", ()) == "10.1.2.3"
    assert client_address(None, None, ()) == "0.0.0.0"


@pytest.mark.parametrize(("value", "ok"), [
    ("abc-DEF_123", True), ("x" * 64, True), ("x" * 65, False), ("", False),
    ("has space", False), ("semi;colon", False), ("中文", False), (None, False)])
def test_request_id_rule(value: str | None, ok: bool) -> None:
    assert valid_request_id(value) is ok


def test_traced_sets_and_restores_the_trace_id() -> None:
    assert current_trace_id() is None
    with traced("req-1") as rid:
        assert rid == "req-1" and current_trace_id() == "req-1"
        with traced("bad id!") as inner:
            assert inner != "bad id!" and len(inner) == 32 and current_trace_id() == inner
        assert current_trace_id() == "req-1"
    assert current_trace_id() is None


def test_rate_limit_overrides() -> None:
    limits = parse_limits("verify_upload=20/30, events_ip=off")
    assert limits["verify_upload"] == Limit(20, 30)
    assert limits["events_ip"].count == 0
    assert limits["verify_number"] == DEFAULT_LIMITS["verify_number"] == Limit(30, 60)
    for bad in ("nope=1/60", "verify_upload=10", "verify_upload=a/60", "verify_upload=1/0"):
        with pytest.raises(InvalidRateLimits):
            parse_limits(bad)


async def test_memory_state_counts_per_window_and_revokes() -> None:
    state = MemoryState(clock=lambda: 1_000_000.0)  # one window: no boundary mid-test
    counts = [(await state.hit("k", window_seconds=60))[0] for _ in range(3)]
    assert counts == [1, 2, 3]
    assert (await state.hit("other", window_seconds=60))[0] == 1
    _, left = await state.hit("k", window_seconds=60)
    assert 0 < left <= 60
    assert not await state.is_revoked("t")
    await state.revoke("t", ttl_seconds=60)
    assert await state.is_revoked("t")
