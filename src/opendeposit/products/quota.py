"""Sales quota in shards: created at publication, taken without oversell in the purchase tx."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from opendeposit.db import Database
from opendeposit.products.domain import home_shard, plan_quota_take, split_quota
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


async def take(conn: AsyncConnection, *, code: str, customer_id: int, amount: int) -> None:
    """Decrement the quota by `amount` or raise QuotaExceeded; call it LAST in the transaction.

    The home shard is tried with one conditional UPDATE (it holds the row lock only until
    commit). When it lacks, all shards are locked in ascending order (one lock order, so no
    deadlock between fallbacks) and the amount is taken from them in that order, so the
    product sells out exactly and never oversells (the CHECK remaining >= 0 is the last word).
    """
    home = home_shard(customer_id, SHARDS)
    done = await conn.execute(
        shard_t.update()
        .where(shard_t.c.product_code == code, shard_t.c.shard == home,
               shard_t.c.remaining >= amount)
        .values(remaining=shard_t.c.remaining - amount))
    if done.rowcount == 1:
        return
    rows = (await conn.execute(
        select(shard_t.c.shard, shard_t.c.remaining).where(shard_t.c.product_code == code)
        .order_by(shard_t.c.shard).with_for_update())).all()
    for shard, fen in plan_quota_take([(r.shard, int(r.remaining)) for r in rows], amount):
        await conn.execute(
            shard_t.update()
            .where(shard_t.c.product_code == code, shard_t.c.shard == shard)
            .values(remaining=shard_t.c.remaining - fen))
