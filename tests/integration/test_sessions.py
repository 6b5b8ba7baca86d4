"""Sessions (issue #12, security): logout, idle timeout per kind, revocation seen by every
worker at once through Redis, and rate limits on public endpoints with Retry-After."""

from __future__ import annotations

import socket
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import update

from opendeposit import clock
from opendeposit.api.app import create_app
from opendeposit.auth import service as auth
from opendeposit.auth.models import auth_token
from opendeposit.bootstrap import build_platform
from opendeposit.security import token_digest
from tests.helpers import open_customer


def _pinned() -> float:  # one fixed-window instant: no window boundary mid-test
    return 1_000_000.0


def client_for(p):  # type: ignore[no-untyped-def]
    app = create_app(p.settings, platform=p)
    app.state.platform = p
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")


def _redis_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


async def _token(p, kind: str = "customer", subject: int = 1) -> str:  # type: ignore[no-untyped-def]
    return await auth.issue_token(p, kind=kind, subject_id=subject,
                                  roles=("admin",) if kind == "staff" else (), device_id="t")


async def test_customer_logout_ends_the_session_server_side(platform) -> None:
    c = await open_customer(platform)
    token = await _token(platform, subject=c.customer_id)
    h = {"Authorization": f"Bearer {token}"}
    async with client_for(platform) as client:
        assert (await client.get("/api/v1/me", headers=h)).status_code == 200
        r = await client.post("/api/v1/auth/logout", headers=h)
        assert r.status_code == 204
        again = await client.get("/api/v1/me", headers=h)
    assert again.status_code == 401 and again.json()["error"]["code"] == "UNAUTHORIZED"


async def test_staff_logout(platform) -> None:
    token = await _token(platform, "staff")
    h = {"Authorization": f"Bearer {token}"}
    async with client_for(platform) as client:
        assert (await client.get("/admin/api/v1/audit", headers=h)).status_code == 200
        assert (await client.post("/admin/api/v1/auth/logout", headers=h)).status_code == 204
        assert (await client.get("/admin/api/v1/audit", headers=h)).status_code == 401


@pytest.mark.parametrize(("kind", "idle_setting"), [("customer", "token_idle_minutes"),
                                                    ("staff", "staff_token_idle_minutes")])
async def test_an_idle_token_ends(platform, kind: str, idle_setting: str) -> None:
    token = await _token(platform, kind)
    idle = getattr(platform.settings, idle_setting)
    await auth.authenticate(platform, token)  # fresh: fine (and now cached)
    async with platform.db.transaction() as conn:
        await conn.execute(update(auth_token).where(auth_token.c.token_hash == token_digest(
            token)).values(last_seen_at=clock.utcnow() - timedelta(minutes=idle + 1)))
    platform.token_cache.clear()  # another worker, which never saw it
    with pytest.raises(auth.SessionEnded) as ended:
        await auth.authenticate(platform, token)
    assert ended.value.details == {"reason": "idle"}
    with pytest.raises(auth.SessionEnded):  # and it stays ended (revoked)
        await auth.authenticate(platform, token)


async def test_use_keeps_a_token_alive_and_is_written_down(platform) -> None:
    token = await _token(platform)
    async with platform.db.transaction() as conn:
        await conn.execute(update(auth_token).where(auth_token.c.token_hash == token_digest(
            token)).values(last_seen_at=clock.utcnow() - timedelta(minutes=3)))
    await auth.authenticate(platform, token)
    async with platform.db.read() as conn:
        seen = (await conn.execute(auth_token.select().where(
            auth_token.c.token_hash == token_digest(token)))).one().last_seen_at
    assert clock.utcnow() - clock.as_utc(seen) < timedelta(seconds=30)


async def test_revoke_subject_ends_every_session(platform) -> None:
    tokens = [await _token(platform, "staff", 7) for _ in range(3)]
    for t in tokens:
        await auth.authenticate(platform, t)
    assert await auth.revoke_subject(platform, kind="staff", subject_id=7) == 3
    for t in tokens:
        with pytest.raises(auth.SessionEnded):
            await auth.authenticate(platform, t)


@pytest.mark.skipif(not _redis_up(), reason="Redis not reachable at 127.0.0.1:6379")
async def test_logout_reaches_another_worker_at_once_through_redis(platform) -> None:
    """Two platforms = two worker processes, each with its own token cache, one Redis."""
    settings = platform.settings.model_copy(update={"redis_url": "redis://127.0.0.1:6379/0",
                                                    "token_cache_seconds": 300.0})
    platform.settings = settings
    worker_a, worker_b = platform, build_platform(settings, db=platform.db)
    from opendeposit.sharedstate import build_shared_state

    worker_a.shared = build_shared_state(settings.redis_url)
    try:
        token = await _token(worker_a)
        await auth.authenticate(worker_a, token)
        assert token_digest(token) in worker_a.token_cache  # A would trust it for 5 minutes
        await auth.logout(worker_b, token)
        with pytest.raises(auth.SessionEnded):
            await auth.authenticate(worker_a, token)
    finally:
        await worker_a.shared.close()
        await worker_b.shared.close()  # type: ignore[union-attr]


async def test_receipt_check_by_number_is_limited_per_ip_with_retry_after(platform) -> None:
    platform.settings = platform.settings.model_copy(update={"rate_limits": "verify_number=3/60"})
    from opendeposit.ratelimit import RateLimiter, parse_limits
    from opendeposit.sharedstate import MemoryState

    platform.limiter = RateLimiter(MemoryState(clock=_pinned), parse_limits("verify_number=3/60"))
    async with client_for(platform) as client:
        codes = [(await client.get("/api/v1/verify/receipt/HD2025060200000001?code=ABC")
                  ).status_code for _ in range(4)]
        other_ip = await client.get("/api/v1/verify/receipt/HD2025060200000001?code=ABC",
                                    headers={"X-Forwarded-For": "9.9.9.9"})
        last = await client.get("/api/v1/verify/receipt/HD2025060200000001?code=ABC")
    assert codes == [404, 404, 404, 429]
    assert other_ip.status_code == 429  # X-Forwarded-For is not believed without a proxy
    assert last.json()["error"]["code"] == "RATE_LIMITED"
    assert 1 <= int(last.headers["Retry-After"]) <= 60


async def test_events_are_limited_per_device(platform) -> None:
    from opendeposit.ratelimit import RateLimiter, parse_limits
    from opendeposit.sharedstate import MemoryState

    platform.limiter = RateLimiter(MemoryState(clock=_pinned), parse_limits("events_device=2/60"))
    body = {"device_id": "d1", "events": [{"name": "page_view", "props": {}}]}
    async with client_for(platform) as client:
        codes = [(await client.post("/api/v1/events", json=body)).status_code for _ in range(3)]
        other = await client.post("/api/v1/events", json={**body, "device_id": "d2"})
    assert codes == [202, 202, 429] and other.status_code == 202
