"""`/readyz`: is this process able to serve — database, broker and signing keys, each named."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str = ""


async def _database(db: Any) -> Check:
    async with db.read() as conn:
        await conn.execute(text("SELECT 1"))
    return Check("database", True)


async def _broker(settings: Any) -> Check:
    if settings.esb_transport != "amqp":
        return Check("broker", True, "in-process bus")
    import aio_pika  # only where a broker is configured

    connection = await aio_pika.connect(settings.esb_amqp_url, timeout=3)
    await connection.close()
    return Check("broker", True)


async def _signing_keys(esign: Any, signs: bool) -> Check:
    """The public half everyone needs to verify, and the private key where this process signs."""
    await esign.trust()
    if signs and not esign.paths.signing_p12.exists():
        return Check("signing_keys", False, "no signing key (signing.p12)")
    return Check("signing_keys", True)


async def run_checks(p: Any, *, signs: bool, timeout: float = 3.0) -> list[Check]:
    async def guarded(name: str, coro: Any) -> Check:
        try:
            return await asyncio.wait_for(coro, timeout)  # type: ignore[no-any-return]
        except Exception as exc:  # a failing part is named, never raised
            return Check(name, False, f"{type(exc).__name__}: {str(exc)[:200]}")

    return list(await asyncio.gather(
        guarded("database", _database(p.db)), guarded("broker", _broker(p.settings)),
        guarded("signing_keys", _signing_keys(p.esign, signs))))
