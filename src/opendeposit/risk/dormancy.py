"""Which accounts the dormancy rules (domain.md §1.7, `accounts.lifecycle.dormancy_change`)
move today: an indexed query for the candidates — never used and opened long enough ago, or
no customer move for long enough — then the pure rule for each. EOD applies the changes
(phase 2 registers the step).

The last customer move comes from the risk summary (`risk_profile.last_move_on`: the business
day of the last move the money path's risk check let through). A candidate is checked against
the journal too (its last customer-initiated entry, by the indexed posting account), so an
account used before the money path was wired, or moved by a path that records no decision, is
not taken for unused.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from opendeposit.accounts.domain import AccountStatus
from opendeposit.accounts.lifecycle import (
    DORMANCY_REASONS,
    DormancyPolicy,
    StatusChange,
    add_months,
    dormancy_change,
)
from opendeposit.accounts.models import account
from opendeposit.ledger.models import journal_entry, posting
from opendeposit.risk.models import risk_profile

# journal entries only a customer's own call makes (the bank's credits — interest, maturity
# payouts — are not activity, domain.md §1.7; an early withdrawal posts the same kind as a
# maturity payout, so it counts through `last_move_on` only)
CUSTOMER_KINDS = ("top_up", "withdraw_hold", "risk_hold", "deposit_purchase")


async def last_journal_move(conn: AsyncConnection, ledger_code: str) -> date | None:
    """The business day of the account's last customer-initiated journal entry."""
    return (await conn.execute(
        select(func.max(journal_entry.c.business_date))
        .select_from(posting.join(journal_entry, (journal_entry.c.chain == posting.c.chain)
                                  & (journal_entry.c.seq == posting.c.seq)))
        .where(posting.c.account_code == ledger_code,
               journal_entry.c.kind.in_(CUSTOMER_KINDS)))).scalar()


@dataclass(frozen=True)
class DormancyChange:
    account_id: int
    customer_id: int
    change: StatusChange


async def dormancy_changes(conn: AsyncConnection, *, today: date,
                           policy: DormancyPolicy = DormancyPolicy()) -> list[DormancyChange]:
    new_before = add_months(today, -policy.new_account_months)
    long_before = add_months(today, -policy.long_dormant_months)
    last = risk_profile.c.last_move_on
    ncs = AccountStatus.NON_COUNTER_SUSPENDED.value
    rows = (await conn.execute(
        select(account.c.id, account.c.customer_id, account.c.status, account.c.status_reason,
               account.c.opened_on, account.c.ledger_code, last)
        .outerjoin(risk_profile, risk_profile.c.customer_id == account.c.customer_id)
        .where(or_(account.c.status == AccountStatus.NORMAL.value,
                   and_(account.c.status == ncs,
                        account.c.status_reason.in_(sorted(DORMANCY_REASONS)))),
               or_(and_(last.is_(None), account.c.opened_on <= new_before),
                   last <= long_before))
        .order_by(account.c.id))).all()
    out = []
    for r in rows:
        journal = await last_journal_move(conn, r.ledger_code)
        moved = max((d for d in (r.last_move_on, journal) if d is not None), default=None)
        change = dormancy_change(status=AccountStatus(r.status), status_reason=r.status_reason,
                                 opened_on=r.opened_on, last_activity_on=moved,
                                 today=today, policy=policy)
        if change is not None:
            out.append(DormancyChange(r.id, r.customer_id, change))
    return out
