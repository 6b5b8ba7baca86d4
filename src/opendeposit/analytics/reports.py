"""Staff analytics: the KPIs the business reports, day by day (Beijing calendar days), and
product sales against quota. Every figure is counted by the database (GROUP BY day), traffic
from the tracked events, money and accounts from the ledger-backed tables, never from events.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, literal, select
from sqlalchemy.ext.asyncio import AsyncConnection

from opendeposit.analytics.models import analytics_event as ev
from opendeposit.analytics.service import EARLIEST, LATEST, beijing_range
from opendeposit.clock import BEIJING
from opendeposit.db import Database
from opendeposit.errors import ValidationFailed
from opendeposit.money import format_amount

MAX_DAYS = 366
GENUINE_LIKE = '%"genuine": true%'  # the canonical props JSON of a successful check

KPI_FIELDS = ("visitors", "page_views", "registrations", "accounts_opened", "deposits_count",
              "deposits_total", "receipts_queried", "receipts_verified")


class PeriodTooLong(ValidationFailed):
    code = "PERIOD_INVALID"
    message_en = f"Choose a period of at most {MAX_DAYS} days, `from` not after `to`."
    message_zh = f"统计区间最长{MAX_DAYS}天，且开始日期不能晚于结束日期。"


def period(date_from: date | None, date_to: date | None, *,
           today: date | None = None) -> tuple[date, date]:
    """The days to report: default the last 30 Beijing days up to today."""
    end = min(max(date_to or today or datetime.now(BEIJING).date(), EARLIEST), LATEST)
    start = min(max(date_from or end - timedelta(days=29), EARLIEST), LATEST)
    if start > end or (end - start).days + 1 > MAX_DAYS:
        raise PeriodTooLong(details={"from": start.isoformat(), "to": end.isoformat()})
    return start, end


def beijing_day(conn: AsyncConnection, column: Any) -> Any:
    """SQL for the Beijing calendar day of a UTC timestamp column (as 'YYYY-MM-DD')."""
    if conn.dialect.name == "postgresql":
        return func.to_char(func.timezone("Asia/Shanghai", column), "YYYY-MM-DD")
    return func.date(column, "+8 hours")  # SQLite keeps UTC text; shift, then cut the date


async def _by_day(conn: AsyncConnection, table: Any, column: Any, *values: Any,
                  where: Any = None, start: datetime, end: datetime) -> dict[str, tuple]:
    day = beijing_day(conn, column).label("day")
    cond = and_(column >= start, column < end, *([where] if where is not None else []))
    rows = (await conn.execute(select(day, *values).select_from(table).where(cond)
                               .group_by(day))).all()
    return {str(r[0]): tuple(r[1:]) for r in rows}


async def daily(db: Database, *, date_from: date, date_to: date) -> list[dict[str, Any]]:
    """One row per day of the period with every KPI (zeros on quiet days)."""
    from opendeposit.accounts.models import account, customer
    from opendeposit.deposits.models import holding

    start, end = beijing_range(date_from, date_to)
    kw = {"start": start, "end": end}
    async with db.read() as conn:
        views = await _by_day(conn, ev, ev.c.received_at, func.count(),
                              func.count(ev.c.device_id.distinct()),
                              where=ev.c.name == "page_view", **kw)
        checks = await _by_day(conn, ev, ev.c.received_at, func.count(), func.coalesce(
            func.sum(_when(ev.c.props.like(GENUINE_LIKE))), 0),
            where=ev.c.name == "receipt_verified", **kw)
        regs = await _by_day(conn, customer, customer.c.created_at, func.count(), **kw)
        opened = await _by_day(conn, account, account.c.opened_at, func.count(), **kw)
        bought = await _by_day(conn, holding, holding.c.created_at, func.count(),
                               func.coalesce(func.sum(holding.c.original_principal), 0),
                               where=holding.c.previous_holding_id.is_(None), **kw)
    out = []
    for offset in range((date_to - date_from).days + 1):
        key = (date_from + timedelta(days=offset)).isoformat()
        out.append({"date": key, "visitors": int(views.get(key, (0, 0))[1]),
                    "page_views": int(views.get(key, (0, 0))[0]),
                    "registrations": int(regs.get(key, (0,))[0]),
                    "accounts_opened": int(opened.get(key, (0,))[0]),
                    "deposits_count": int(bought.get(key, (0, 0))[0]),
                    "deposits_total": format_amount(int(bought.get(key, (0, 0))[1])),
                    "receipts_queried": int(checks.get(key, (0, 0))[0]),
                    "receipts_verified": int(checks.get(key, (0, 0))[1])})
    return out


def _when(cond: Any) -> Any:
    from sqlalchemy import case

    return case((cond, literal(1)), else_=literal(0))


async def period_totals(db: Database, *, start: datetime, end: datetime) -> dict[str, Any]:
    """The KPIs of a whole period, counted without days (visitors: distinct over the period,
    so not the sum of the days' visitors; every other figure equals the sum of its days)."""
    from opendeposit.accounts.models import account, customer
    from opendeposit.deposits.models import holding

    def count(table: Any, column: Any, *extra: Any) -> Any:
        return select(func.count()).select_from(table).where(
            column >= start, column < end, *extra)

    in_range = and_(ev.c.received_at >= start, ev.c.received_at < end)
    async with db.read() as conn:
        views = (await conn.execute(select(func.count(), func.count(ev.c.device_id.distinct()))
                                    .where(ev.c.name == "page_view", in_range))).one()
        checks = (await conn.execute(select(func.count(), func.coalesce(
            func.sum(_when(ev.c.props.like(GENUINE_LIKE))), 0)).where(
            ev.c.name == "receipt_verified", in_range))).one()
        regs = (await conn.execute(count(customer, customer.c.created_at))).scalar_one()
        opened = (await conn.execute(count(account, account.c.opened_at))).scalar_one()
        bought = (await conn.execute(select(
            func.count(), func.coalesce(func.sum(holding.c.original_principal), 0)).where(
            holding.c.created_at >= start, holding.c.created_at < end,
            holding.c.previous_holding_id.is_(None)))).one()
    return {"visitors": int(views[1]), "page_views": int(views[0]),
            "registrations": int(regs), "accounts_opened": int(opened),
            "deposits_count": int(bought[0]), "deposits_total": format_amount(int(bought[1])),
            "receipts_queried": int(checks[0]), "receipts_verified": int(checks[1])}


async def product_sales(db: Database, *, start: datetime, end: datetime) -> list[dict[str, Any]]:
    """Every product that was ever published: quota, sold (total − left), share sold, and the
    new money, holdings and buyers of the period."""
    from opendeposit.deposits.models import holding
    from opendeposit.products.models import product
    from opendeposit.products.models import product_quota_shard as shard

    async with db.read() as conn:
        left = dict((await conn.execute(select(shard.c.product_code, func.sum(shard.c.remaining))
                                        .group_by(shard.c.product_code))).all())
        in_period = {r[0]: r[1:] for r in (await conn.execute(
            select(holding.c.product_code, func.count(),
                   func.coalesce(func.sum(holding.c.original_principal), 0),
                   func.count(holding.c.customer_id.distinct()))
            .where(holding.c.previous_holding_id.is_(None), holding.c.created_at >= start,
                   holding.c.created_at < end)
            .group_by(holding.c.product_code))).all()}
        rows = (await conn.execute(select(product).where(product.c.code.in_(list(left)))
                                   .order_by(product.c.kind.desc(), product.c.term_months,
                                             product.c.code))).all()
    out = []
    for r in rows:
        remaining = int(left[r.code] or 0)
        sold = int(r.total_quota) - remaining
        count, amount, buyers = in_period.get(r.code, (0, 0, 0))
        out.append({"code": r.code, "name": r.name, "kind": r.kind,
                    "term_months": r.term_months, "rate": r.rate, "status": r.status,
                    "total_quota": format_amount(int(r.total_quota)),
                    "sold": format_amount(sold), "quota_left": format_amount(remaining),
                    "sold_pct": round(sold * 100 / int(r.total_quota), 1)
                    if r.total_quota else 0.0,
                    "period_deposits_count": int(count),
                    "period_deposits_total": format_amount(int(amount)),
                    "period_buyers": int(buyers)})
    return out
