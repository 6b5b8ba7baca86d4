"""Which accounts the dormancy rules (domain.md §1.7, `accounts.lifecycle.dormancy_change`)
move today: an indexed query for the candidates — never used and opened long enough ago, or
no customer move for long enough — then the pure rule for each. EOD applies the changes
(phase 2 registers the step).

The last customer move comes from the risk summary (`risk_profile.last_move_on`), which the
money paths keep once they call `risk.service.evaluate`. Before that, or for accounts opened
before it, backfill `last_move_on` from the journal first, or every such account looks unused.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, or_, select
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
from opendeposit.risk.models import risk_profile


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
               account.c.opened_on, last)
        .outerjoin(risk_profile, risk_profile.c.customer_id == account.c.customer_id)
        .where(or_(account.c.status == AccountStatus.NORMAL.value,
                   and_(account.c.status == ncs,
                        account.c.status_reason.in_(sorted(DORMANCY_REASONS)))),
               or_(and_(last.is_(None), account.c.opened_on <= new_before),
                   last <= long_before))
        .order_by(account.c.id))).all()
    out = []
    for r in rows:
        change = dormancy_change(status=AccountStatus(r.status), status_reason=r.status_reason,
                                 opened_on=r.opened_on, last_activity_on=r.last_move_on,
                                 today=today, policy=policy)
        if change is not None:
            out.append(DormancyChange(r.id, r.customer_id, change))
    return out
