"""The account statement: one line per posting on the customer's demand balance, newest first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from opendeposit.ledger.models import journal_entry, posting, transaction_serial
from opendeposit.platform import Platform

KIND_ZH = {
    "top_up": "充值",
    "withdraw_hold": "提现",
    "withdraw_reversal": "提现退回",
    "deposit_purchase": "购买定期",
    "deposit_payout": "定期支取",
    "interest_credit": "活期结息",
}


@dataclass(frozen=True)
class StatementLine:
    id: str
    at: datetime
    business_date: date
    kind: str
    amount: int  # signed: + money in, − money out (from the customer's point of view)
    balance_after: int
    description: str
    reference: str
    serial: str | None = None  # 交易流水号


async def statement(p: Platform, *, ledger_code: str, chain: int, date_from: date | None,
                    date_to: date | None, cursor: int | None, limit: int = 20) \
        -> tuple[list[StatementLine], int | None]:
    """Lines newest first; `cursor` is the journal sequence to continue below."""
    stmt = (
        select(posting.c.seq, posting.c.amount, posting.c.balance_after, journal_entry.c.kind,
               journal_entry.c.business_date, journal_entry.c.description,
               journal_entry.c.reference, journal_entry.c.created_at,
               transaction_serial.c.serial)
        .join(journal_entry, (journal_entry.c.chain == posting.c.chain)
              & (journal_entry.c.seq == posting.c.seq))
        .outerjoin(transaction_serial, transaction_serial.c.entry_hash == journal_entry.c.hash)
        .where(posting.c.account_code == ledger_code, posting.c.chain == chain)
        .order_by(posting.c.seq.desc()).limit(limit + 1)
    )
    if cursor is not None:
        stmt = stmt.where(posting.c.seq < cursor)
    if date_from is not None:
        stmt = stmt.where(journal_entry.c.business_date >= date_from)
    if date_to is not None:
        stmt = stmt.where(journal_entry.c.business_date <= date_to)
    async with p.db.read() as conn:
        rows = (await conn.execute(stmt)).all()
    lines = [
        StatementLine(
            id=f"{chain}-{r.seq}", at=r.created_at, business_date=r.business_date, kind=r.kind,
            amount=-int(r.amount),  # a credit (negative posting) is money in for the customer
            balance_after=int(r.balance_after), description=r.description,
            reference=r.reference, serial=r.serial)
        for r in rows[:limit]
    ]
    next_cursor = rows[limit - 1].seq if len(rows) > limit else None
    return lines, next_cursor
