"""AML (domain.md §6.2): the customer risk rating kept current, and the large-value transaction
report computed from the journal for a business date.

Large-value lines: natural-person transfers ≥ 500,000.00 CNY a day, cumulated per customer,
one-sided (inflows and outflows separately). On this platform the transfers are top-ups from
the bound card (in) and settled withdrawals to it (out); moves between the customer's own
demand and time deposits (purchase, maturity, early withdrawal) and interest are exempt.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.orm import aliased

from opendeposit import clock
from opendeposit.accounts.holder import customers_by_ledger_code
from opendeposit.db import Database
from opendeposit.ledger.domain import CARD_IN_TRANSIT, CUSTOMER_DEMAND
from opendeposit.ledger.models import journal_entry, posting
from opendeposit.risk.history import load_customer
from opendeposit.risk.models import (
    risk_alert,
    risk_case,
    risk_large_value_line,
    risk_large_value_run,
    risk_profile,
    risk_rating,
)
from opendeposit.risk.rating import Rating, RatingFacts, rate

LARGE_VALUE_TRANSFER = 50_000_000  # 500,000.00 CNY a day, natural person, domestic (§6.2)
OUT_OF_AREA = "OUT_OF_AREA_CUSTOMER"


# --------------------------------------------------------------------------- rating


async def rating_facts(conn: AsyncConnection, *, customer_id: int, now: datetime,
                       local_customer: bool | None = None) -> RatingFacts:
    from opendeposit.risk.service import list_hits  # the service imports this module lazily

    prof = (await conn.execute(select(risk_profile).where(
        risk_profile.c.customer_id == customer_id))).first()
    hashes = {} if prof is None else {"phone": prof.phone_hash, "id_number": prof.id_number_hash,
                                      "card": prof.card_hash}
    since = now - timedelta(days=90)
    live = risk_alert.c.status.notin_(["dismissed", "cleared"])
    mine = risk_alert.c.customer_id == customer_id

    async def count(*where: Any, table: Any = risk_alert) -> int:
        return int((await conn.execute(select(func.count()).select_from(table).where(*where)))
                   .scalar_one())

    if local_customer is None and prof is not None and prof.rating_reasons:
        local_customer = False if OUT_OF_AREA in json.loads(prof.rating_reasons) else None
    history = load_customer(prof.history if prof else None)
    lv_days = int((await conn.execute(select(func.count(
        risk_large_value_line.c.business_date.distinct())).where(
        risk_large_value_line.c.customer_id == customer_id,
        risk_large_value_line.c.created_at > since))).scalar_one())
    return RatingFacts(
        list_hits=await list_hits(conn, hashes),
        blocked=await count(mine, risk_alert.c.status == "blocked",
                            risk_alert.c.updated_at > now - timedelta(days=365)) > 0,
        escalated_cases=await count(risk_case.c.customer_id == customer_id,
                                    risk_case.c.status == "open", table=risk_case),
        alerts_90d=await count(mine, live, risk_alert.c.created_at > since),
        serious_alerts_90d=await count(mine, live, risk_alert.c.created_at > since,
                                       risk_alert.c.action.in_(["hold", "block"])),
        large_value_days_90d=lv_days,
        card_changes_365d=sum(1 for t in history.card_changes if t > now - timedelta(days=365)),
        local_customer=local_customer)


async def rerate(conn: AsyncConnection, *, customer_id: int, trigger: str, now: datetime,
                 local_customer: bool | None = None) -> Rating:
    """Recompute the rating; a new rating row is written when level or reasons changed (and
    always at opening), so the history shows each change and what caused it."""
    rating = rate(await rating_facts(conn, customer_id=customer_id, now=now,
                                     local_customer=local_customer))
    prof = (await conn.execute(select(risk_profile.c.rating, risk_profile.c.rating_reasons)
                               .where(risk_profile.c.customer_id == customer_id))).first()
    reasons = json.dumps(list(rating.reasons))
    changed = prof is None or prof.rating != rating.level.value or prof.rating_reasons != reasons
    if changed or trigger == "opening":
        await conn.execute(risk_rating.insert().values(
            customer_id=customer_id, level=rating.level.value, reasons=reasons,
            trigger=trigger[:32], created_at=now))
    if prof is not None and changed:
        await conn.execute(risk_profile.update().where(
            risk_profile.c.customer_id == customer_id).values(
            rating=rating.level.value, rating_reasons=reasons, rated_at=now))
    return rating


async def rating_history(conn: AsyncConnection, customer_id: int) -> list[dict[str, Any]]:
    rows = (await conn.execute(select(risk_rating).where(
        risk_rating.c.customer_id == customer_id).order_by(risk_rating.c.id.desc()))).all()
    return [{"level": r.level, "reasons": json.loads(r.reasons), "trigger": r.trigger,
             "at": clock.as_utc(r.created_at).isoformat()} for r in rows]


# --------------------------------------------------------------------------- large value


@dataclass(frozen=True)
class Transfer:
    id: str  # the payment order number (the journal entry's reference)
    amount: int
    kind: str  # top_up | withdraw


@dataclass(frozen=True)
class Line:
    business_date: date
    customer_id: int
    direction: str  # in | out
    total: int
    transactions: tuple[Transfer, ...]


def lines_of(day: date, moves: list[tuple[int, str, Transfer]],
             threshold: int = LARGE_VALUE_TRANSFER) -> list[Line]:
    """Cumulate one day's transfers per customer and direction; keep totals ≥ threshold."""
    groups: dict[tuple[int, str], list[Transfer]] = defaultdict(list)
    for customer_id, direction, t in moves:
        groups[(customer_id, direction)].append(t)
    out = [Line(day, c, d, sum(t.amount for t in ts), tuple(sorted(ts, key=lambda t: t.id)))
           for (c, d), ts in groups.items()]
    return sorted((x for x in out if x.total >= threshold),
                  key=lambda x: (x.customer_id, x.direction))


async def transfers_of_day(conn: AsyncConnection, day: date) -> list[tuple[int, str, Transfer]]:
    """The day's bound-card transfers from the journal: top-ups credited to a Class II
    account, and withdrawals settled to the card (whose account is on the hold entry)."""
    je, hold = journal_entry.c, aliased(journal_entry)
    hold_leg = aliased(posting)
    demand = posting.c.account_code.like(f"{CUSTOMER_DEMAND}-%")
    ins = (await conn.execute(select(je.reference, posting.c.account_code, posting.c.amount)
                              .join(posting, and_(posting.c.chain == je.chain,
                                                  posting.c.seq == je.seq))
                              .where(je.business_date == day, je.kind == "top_up", demand))).all()
    outs = (await conn.execute(
        select(je.reference, hold_leg.c.account_code, posting.c.amount)
        .join(posting, and_(posting.c.chain == je.chain, posting.c.seq == je.seq,
                            posting.c.account_code == CARD_IN_TRANSIT))
        .join(hold, and_(hold.c.reference == je.reference,
                         hold.c.kind.in_(("withdraw_hold", "risk_hold"))))  # a released hold
        .join(hold_leg, and_(hold_leg.c.chain == hold.c.chain, hold_leg.c.seq == hold.c.seq,
                             hold_leg.c.account_code.like(f"{CUSTOMER_DEMAND}-%")))
        .where(je.business_date == day, je.kind == "withdraw_settled"))).all()
    owners = await customers_by_ledger_code(conn, [r.account_code for r in [*ins, *outs]])
    moves = [(owners[r.account_code], "in", Transfer(r.reference, -int(r.amount), "top_up"))
             for r in ins if r.account_code in owners]
    moves += [(owners[r.account_code], "out", Transfer(r.reference, int(r.amount), "withdraw"))
              for r in outs if r.account_code in owners]
    return moves


async def compute_large_value(conn: AsyncConnection, day: date,
                              threshold: int = LARGE_VALUE_TRANSFER) -> list[Line]:
    return lines_of(day, await transfers_of_day(conn, day), threshold)


async def produce_large_value(conn: AsyncConnection, db: Database, *, day: date, now: datetime,
                              actor: str = "system:eod",
                              threshold: int = LARGE_VALUE_TRANSFER) -> list[Line]:
    """Write the day's report lines once (EOD calls this after the day closed; re-running
    returns what was written)."""
    if (await conn.execute(select(risk_large_value_run.c.business_date).where(
            risk_large_value_run.c.business_date == day))).first() is not None:
        return await stored_large_value(conn, day)
    lines = await compute_large_value(conn, day, threshold)
    for x in lines:
        await conn.execute(db.insert(risk_large_value_line).values(
            business_date=day, customer_id=x.customer_id, direction=x.direction, total=x.total,
            transactions=json.dumps([t.__dict__ for t in x.transactions]), created_at=now)
            .on_conflict_do_nothing())
    await conn.execute(db.insert(risk_large_value_run).values(
        business_date=day, lines=len(lines), produced_by=actor[:64], produced_at=now)
        .on_conflict_do_nothing())
    for x in lines:
        await rerate(conn, customer_id=x.customer_id, trigger="large_value", now=now)
    return lines


async def stored_large_value(conn: AsyncConnection, day: date) -> list[Line]:
    rows = (await conn.execute(select(risk_large_value_line).where(
        risk_large_value_line.c.business_date == day).order_by(
        risk_large_value_line.c.customer_id, risk_large_value_line.c.direction))).all()
    return [Line(r.business_date, r.customer_id, r.direction, int(r.total),
                 tuple(Transfer(**t) for t in json.loads(r.transactions))) for r in rows]


async def large_value_report(conn: AsyncConnection, day: date) -> tuple[list[Line], bool]:
    """(lines, produced): the stored report of the day, or a live computation before EOD."""
    produced = (await conn.execute(select(risk_large_value_run.c.business_date).where(
        risk_large_value_run.c.business_date == day))).first() is not None
    if produced:
        return await stored_large_value(conn, day), True
    return await compute_large_value(conn, day), False
