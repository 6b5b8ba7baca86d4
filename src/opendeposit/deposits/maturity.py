"""Maturity decided: pay a due holding out to the Class II balance, or roll it over. No I/O.

Per holding, `outcome` applies the rules (rollover if instructed and offered, at the board rate
of the maturity date; a payout needs an account that may receive it) and `parts` the rows; a
chunk of holdings becomes one plan (`chunk_plan`): the guarded status changes, the new holdings
of rollovers, one `Post` per hash chain with the entries in holding order, the events and the
receipt requests quoting their entry's chain hash.

Entries (debit-positive): payout Dr 2151-<holding> principal + Dr 5211 interest / Cr 2011
customer; rollover Dr 2151-<old> + Dr 5211 / Cr 2151-<new>.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from opendeposit.accounts.domain import AccountStatus, Operation, check_allowed
from opendeposit.deposits.domain import (
    HoldingTerms,
    WithdrawalQuote,
    maturity_quote,
    quote_withdrawal,
    rollover,
)
from opendeposit.deposits.holdings import (
    ACTIVE,
    RECEIPT_SERVICE,
    RECEIPT_TARGET,
    event_row,
    holding_code,
    payout_entry,
    receipt_message,
    terms_of,
)
from opendeposit.ledger.domain import CHART, CUSTOMER_HOLDING, JournalEntry
from opendeposit.products.domain import RateTable, format_rate
from opendeposit.serials import certificate_no, serial_row
from opendeposit.writeplan import (
    Abandon,
    Change,
    Doc,
    Insert,
    Message,
    NewAccount,
    Outbox,
    Plan,
    Post,
    Step,
    Update,
)

CHANGED = "HOLDING_CHANGED"  # abandonment: a holding of the chunk is no longer as read
PAID_OUT, ROLLED_OVER = "paid_out", "rolled_over"


@dataclass(frozen=True)
class Outcome:
    """What maturity does to one holding: the quote, and the new terms if it rolls over."""

    row: Any
    quote: WithdrawalQuote
    renewal: HoldingTerms | None

    @property
    def kind(self) -> str:
        return ROLLED_OVER if self.renewal is not None else PAID_OUT


def outcome(row: Any, *, rates: RateTable, day: date | None = None) -> Outcome:
    """Roll over when instructed and offered, else pay out (the account must accept it).

    A payout made after the maturity date (`day` later: the account was frozen, or the item
    failed) is overdue (逾期, domain.md §3.5, §11.1): whole-term interest plus the principal ×
    the demand rate on the payout day × overdue days / 360. A rollover starts its new cycle on
    the old maturity date, so it never earns overdue interest."""
    terms = terms_of(row)
    q = maturity_quote(terms)
    if row.auto_rollover and row.allow_rollover:
        new_rate = rates.board_rate(row.kind, row.term_months, row.maturity_date)
        return Outcome(row, q, rollover(terms, board_rate_on_maturity=new_rate))
    check_allowed(AccountStatus(row.account_status), Operation.DEPOSIT_PAYOUT)
    if day is not None and day > terms.maturity_date:
        q = quote_withdrawal(terms, on=day, demand_rate=rates.demand_rate(day))
    return Outcome(row, q, None)


@dataclass(frozen=True)
class Parts:
    """One holding's share of a chunk's plan (entry hashes filled in by `chunk_plan`)."""

    chain: int
    change: Change
    entry: JournalEntry
    new_holding: dict[str, Any] | None
    new_account: NewAccount | None
    event: dict[str, Any]
    receipt: dict[str, Any]
    serial: str = ""  # the movement's transaction serial (stored with its entry's hash)


def parts(o: Outcome, *, holder_name: str, day: date, new_id: int | None,
          now: datetime, serial: str) -> Parts:
    row, q = o.row, o.quote
    acct = SimpleNamespace(customer_id=row.customer_id, account_no=row.account_no,
                           holder_name=holder_name)
    status = ROLLED_OVER if o.renewal is not None else "matured"
    change = Change(key={"id": row.id}, set={"status": status, "closed_on": day},
                    add={"interest_paid": q.interest},
                    expect={"status": ACTIVE, "principal": row.principal})
    if o.renewal is None:
        return replace(_payout(row, q, acct, change, day, now, serial), serial=serial)
    assert new_id is not None, "a rollover needs the id of its new holding"
    return replace(_rollover(row, q, o.renewal, acct, change, day, new_id, now, serial),
                   serial=serial)


def _payout(row: Any, q: WithdrawalQuote, acct: Any, change: Change, day: date,
            now: datetime, serial: str) -> Parts:
    reference = f"H{row.id}-C"
    entry = payout_entry(day=day, description="定期到期自动支取", holding_id=row.id,
                         credit=row.account_code, principal=q.amount, interest=q.interest,
                         reference=reference)
    event = event_row(holding_id=row.id, step="close", kind="maturity_payout", day=day,
                      amount=q.amount, interest=q.interest, rate=q.rate_applied, days=q.days,
                      entry_hash="", now=now)
    receipt = receipt_message(kind="maturity_payout", row=row, acct=acct, day=day,
                              amount=q.amount, entry_hash="", reference=reference,
                              rate=q.rate_applied, interest=q.interest,
                              summary="定期到期自动支取", serial=serial)
    return Parts(row.chain, change, entry, None, None, event, receipt)


def _rollover(row: Any, q: WithdrawalQuote, new: HoldingTerms, acct: Any, change: Change,
              day: date, new_id: int, now: datetime, serial: str) -> Parts:
    """自动转存: a new holding from the maturity date, principal + interest, new board rate."""
    new_code, reference = holding_code(new_id), f"H{row.id}-R"
    new_row = dict(
        id=new_id, customer_id=row.customer_id, account_id=row.account_id,
        product_code=row.product_code, kind=row.kind, term_months=row.term_months,
        principal=new.principal, original_principal=new.principal, rate=format_rate(new.rate),
        min_amount=row.min_amount, start_date=new.start_date, maturity_date=new.maturity_date,
        status=ACTIVE, auto_rollover=True, partial_withdrawn=False, chain=row.chain,
        previous_holding_id=row.id, interest_paid=0, closed_on=None, created_at=now,
        certificate_no=certificate_no(new_id, now))
    entry = payout_entry(kind="deposit_rollover", day=day, description="定期到期自动转存",
                         holding_id=row.id, credit=new_code, principal=row.principal,
                         interest=q.interest, reference=reference)
    account = NewAccount(new_code, CUSTOMER_HOLDING, f"定期存单 {new_id}", new_id,
                         CHART[CUSTOMER_HOLDING].non_negative)
    event = event_row(holding_id=row.id, step="close", kind="rollover", day=day,
                      amount=row.principal, interest=q.interest, rate=Decimal(row.rate),
                      days=(row.maturity_date - row.start_date).days, entry_hash="",
                      new_holding_id=new_id, now=now)
    shown = SimpleNamespace(id=new_id, product_code=row.product_code,
                            product_name=row.product_name, term_months=row.term_months,
                            start_date=new.start_date, maturity_date=new.maturity_date,
                            certificate_no=new_row["certificate_no"])
    receipt = receipt_message(kind="deposit_purchase", row=shown, acct=acct, day=day,
                              amount=new.principal, entry_hash="", reference=reference,
                              rate=new.rate, summary="定期到期自动转存",
                              extra={"rollover_of": row.id}, serial=serial)
    return Parts(row.chain, change, entry, new_row, account, event, receipt)


def chunk_plan(items: list[Parts], *, now: datetime) -> Plan:
    """The maturities of a chunk in one plan; holdings in the order given (one lock order)."""
    steps: list[Step] = [Update("holding", tuple(p.change for p in items),
                                on_miss=Abandon(CHANGED))]
    new_rows = tuple(p.new_holding for p in items if p.new_holding is not None)
    if new_rows:
        steps.append(Insert("holding", new_rows))
    by_chain: dict[int, list[Parts]] = defaultdict(list)
    for p in items:
        by_chain[p.chain].append(p)
    events, messages, numbered = [], [], []
    for chain in sorted(by_chain):
        group = by_chain[chain]
        post = Post(chain, tuple(p.entry for p in group),
                    tuple(p.new_account for p in group if p.new_account is not None),
                    name=f"c{chain}")
        steps.append(post)
        for n, p in enumerate(group):
            events.append({**p.event, "entry_hash": post.hash(n)})
            messages.append(Message(RECEIPT_SERVICE, RECEIPT_TARGET,
                                    Doc({**p.receipt, "ledger_entry_hash": post.hash(n)})))
            if p.serial:
                numbered.append(serial_row(p.serial, kind=p.event["kind"],
                                           reference=p.entry.reference,
                                           entry_hash=post.hash(n), now=now))
    steps.append(Insert("holding_event", tuple(events)))
    if numbered:
        steps.append(Insert("transaction_serial", tuple(numbered)))
    steps.append(Outbox(tuple(messages)))
    return Plan(tuple(steps), now)
