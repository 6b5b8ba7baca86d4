"""Sales quota in shards: created at publication, taken without oversell by the purchase plan
(`deposits.decide`): the home shard first, all shards under lock when it is short."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from opendeposit.db import Database
from opendeposit.products.domain import split_quota
from opendeposit.products.models import product_quota_shard as shard_t

SHARDS = 16


async def create_shards(conn: AsyncConnection, db: Database, *, code: str, total: int) -> None:
    """Split the total quota into sub-quotas, once (a re-publication keeps what is left)."""
    for shard, fen in enumerate(split_quota(total, SHARDS)):
        await conn.execute(db.insert(shard_t).values(
            product_code=code, shard=shard, remaining=fen).on_conflict_do_nothing())


async def quota_left(conn: AsyncConnection, codes: list[str]) -> dict[str, int]:
    rows = (await conn.execute(
        select(shard_t.c.product_code, func.sum(shard_t.c.remaining))
        .where(shard_t.c.product_code.in_(codes)).group_by(shard_t.c.product_code))).all()
    found = {code: int(total) for code, total in rows}
    return {code: found.get(code, 0) for code in codes}


async def locked_shards(conn: AsyncConnection, code: str) -> list[tuple[int, int]]:
    """(shard, fen left) of every sub-quota of a product, locked in ascending shard order (one
    lock order for every writer, so fallbacks never deadlock each other). The caller takes the
    amount with `products.domain.plan_quota_take` in the same transaction; the CHECK
    remaining >= 0 is the last word against oversell."""
    rows = (await conn.execute(
        select(shard_t.c.shard, shard_t.c.remaining).where(shard_t.c.product_code == code)
        .order_by(shard_t.c.shard).with_for_update())).all()
    return [(int(r.shard), int(r.remaining)) for r in rows]
