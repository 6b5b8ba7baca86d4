"""Demand interest decided: the settlement and the credit of a chunk of accumulators, and the
accrual rule as a pure function (the EOD runs it as one set-based statement; a generated-case
test proves the two agree). No I/O.

- accrual: an open account's closing balance of the day, if positive, is added to the
  accumulator of its period (积数) once per day (`last_day < day`) while it is accruing;
- settlement: interest = balance product x demand rate of the settlement date / 360, booked as
  payable: Dr 5211 / Cr 2231, one entry per chain and settlement date;
- credit (the day after settlement, or later): Dr 2231 / Cr 2011 customer.
Each accumulator moves accruing → settled → credited exactly once (guarded updates).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from opendeposit.accounts.domain import AccountStatus, Operation, check_allowed
from opendeposit.deposits.domain import demand_interest
from opendeposit.ledger.domain import INTEREST_EXPENSE, INTEREST_PAYABLE, JournalEntry
from opendeposit.products.domain import RateTable, format_rate
from opendeposit.serials import serial_row
from opendeposit.writeplan import Abandon, Change, Insert, Plan, Post, Step, Update

ACCRUAL_CHANGED = "ACCRUAL_CHANGED"  # abandonment: an accumulator is no longer as read


@dataclass(frozen=True)
class Accumulator:
    """A demand-accrual row as the accrual rule sees it."""

    balance_product: int
    days_accrued: int
    last_day: date
    state: str


def accrue(current: Accumulator | None, *, balance: int, account_open: bool,
           day: date) -> Accumulator | None:
    """The accumulator after the day's accrual (None: there is none, and none is made)."""
    if not account_open or balance <= 0:
        return current
    if current is None:
        return Accumulator(balance, 1, day, "accruing")
    if current.state != "accruing" or current.last_day >= day:
        return current
    return Accumulator(current.balance_product + balance, current.days_accrued + 1, day,
                       current.state)


def settlement_plan(rows: list[Any], *, day: date, rates: RateTable,
                    now: datetime) -> tuple[Plan, dict[str, int]]:
    """Interest of every accumulator in `rows` (state accruing, period ended), booked as
    payable per chain and settlement date. Raises RateNotDefined for a missing demand rate."""
    totals: dict[tuple[int, date], int] = defaultdict(int)
    changes = []
    for r in rows:
        rate: Decimal = rates.demand_rate(r.settlement_date)
        interest = demand_interest(int(r.balance_product), rate)
        changes.append(Change(key={"account_id": r.account_id,
                                   "settlement_date": r.settlement_date},
                              set={"state": "settled", "interest": interest,
                                   "rate": format_rate(rate)},
                              expect={"state": "accruing"}))
        totals[(r.chain, r.settlement_date)] += interest
    steps: list[Step] = [Update("demand_accrual", tuple(changes),
                                on_miss=Abandon(ACCRUAL_CHANGED))]
    by_chain: dict[int, list[JournalEntry]] = defaultdict(list)
    for (chain, settlement), total in sorted(totals.items()):
        if total:
            by_chain[chain].append(JournalEntry.transfer(
                kind="demand_interest_accrual", business_date=day,
                description=f"活期利息计提（结息日{settlement.isoformat()}）",
                debit=INTEREST_EXPENSE, credit=INTEREST_PAYABLE, amount=total,
                reference=f"DI{settlement:%Y%m%d}-{rows[0].account_id}"))
    steps += [Post(chain, tuple(entries), name=f"c{chain}")
              for chain, entries in sorted(by_chain.items())]
    tally = {"settled": len(rows), "interest": sum(totals.values())}
    return Plan(tuple(steps), now), tally


def credit_allowed(r: Any) -> Any:
    """A non-zero credit needs an account that may receive interest (returns the row)."""
    if int(r.interest or 0):
        check_allowed(AccountStatus(r.status), Operation.INTEREST_CREDIT)
    return r


def credits_needed(rows: list[Any]) -> int:
    """How many credits (entries, each with its transaction serial) `credit_plan` makes."""
    return sum(1 for r in rows if int(r.interest or 0))


def credit_plan(rows: list[Any], *, day: date, now: datetime,
                serials: list[str]) -> tuple[Plan, dict[str, int]]:
    """Settled interest of `rows` into the customers' balances, one entry each (in order),
    each with one of `serials` (`credits_needed` of them)."""
    changes = [Change(key={"account_id": r.account_id, "settlement_date": r.settlement_date},
                      set={"state": "credited", "credited_on": day},
                      expect={"state": "settled"}) for r in rows]
    steps: list[Step] = [Update("demand_accrual", tuple(changes),
                                on_miss=Abandon(ACCRUAL_CHANGED))]
    by_chain: dict[int, list[JournalEntry]] = defaultdict(list)
    serial_of: dict[int, list[str]] = defaultdict(list)
    drawn = iter(serials)
    for r in rows:
        interest = int(r.interest or 0)
        if interest:
            serial_of[r.chain].append(next(drawn))
            by_chain[r.chain].append(JournalEntry.transfer(
                kind="interest_credit", business_date=day,
                description=f"活期结息（{r.settlement_date.isoformat()}）",
                debit=INTEREST_PAYABLE, credit=r.ledger_code, amount=interest,
                reference=f"DI{r.settlement_date:%Y%m%d}-{r.account_id}"))
    posts = [Post(chain, tuple(entries), name=f"c{chain}")
             for chain, entries in sorted(by_chain.items())]
    steps += posts
    numbered = tuple(serial_row(serial_of[p.chain][n], kind=entry.kind,
                                reference=entry.reference, entry_hash=p.hash(n), now=now)
                     for p in posts for n, entry in enumerate(p.entries))
    if numbered:
        steps.append(Insert("transaction_serial", numbered))
    credited = sum(len(e) for e in by_chain.values())
    return Plan(tuple(steps), now), {"credited": credited, "zero": len(rows) - credited}
