"""Holding rows as the services need them: terms, ledger code, API body, events, receipts."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from opendeposit import clock
from opendeposit.accounts.domain import mask_account_no, mask_name
from opendeposit.deposits.domain import HoldingTerms, accrued_interest, interest_whole_term
from opendeposit.deposits.models import holding, holding_event
from opendeposit.errors import NotFound
from opendeposit.esb.outbox import enqueue
from opendeposit.ledger.domain import (
    CUSTOMER_HOLDING,
    INTEREST_EXPENSE,
    JournalEntry,
    Posting,
    ledger_code,
)
from opendeposit.money import format_amount
from opendeposit.products.domain import format_rate
from opendeposit.products.models import product

ACTIVE = "active"
RECEIPT_SERVICE = "ESIGN.RECEIPT.ISSUE"
RECEIPT_TARGET = "ESIGN"


class HoldingNotFound(NotFound):
    code = "HOLDING_NOT_FOUND"
    message_en = "No such deposit."
    message_zh = "存单不存在。"


def holding_code(holding_id: int) -> str:
    """Each holding has its own liability account: 2151-<holding id>."""
    return ledger_code(CUSTOMER_HOLDING, holding_id)


def terms_of(row: Any) -> HoldingTerms:
    return HoldingTerms(principal=row.principal, rate=Decimal(row.rate),
                        term_months=row.term_months, start_date=row.start_date,
                        maturity_date=row.maturity_date, min_amount=row.min_amount,
                        partial_withdrawn=row.partial_withdrawn)


def _select_with_product() -> Any:
    return select(holding, product.c.name.label("product_name"),
                  product.c.allow_partial_withdrawal, product.c.allow_rollover).join(
        product, product.c.code == holding.c.product_code)


async def load_for_customer(conn: AsyncConnection, *, holding_id: int, customer_id: int,
                            for_update: bool = False) -> Any:
    """The holding if it is this customer's; someone else's is simply not found (404)."""
    stmt = _select_with_product().where(holding.c.id == holding_id,
                                        holding.c.customer_id == customer_id)
    if for_update:
        stmt = stmt.with_for_update(of=holding)
    row = (await conn.execute(stmt)).first()
    if row is None:
        raise HoldingNotFound()
    return row


async def list_for_customer(conn: AsyncConnection, customer_id: int) -> list[Any]:
    stmt = _select_with_product().where(holding.c.customer_id == customer_id) \
        .order_by(holding.c.id.desc())
    return list((await conn.execute(stmt)).all())


def body(row: Any, *, today: date) -> dict[str, Any]:
    """The API's holding fields (api.md) plus a few that help the client."""
    active = row.status == ACTIVE
    terms = terms_of(row)
    return {
        "id": row.id, "product_code": row.product_code, "product_name": row.product_name,
        "kind": row.kind, "term_months": row.term_months,
        "principal": format_amount(row.principal),
        "original_principal": format_amount(row.original_principal),
        "rate": format_rate(Decimal(row.rate)), "start_date": row.start_date.isoformat(),
        "maturity_date": row.maturity_date.isoformat(), "status": row.status,
        "accrued_interest": format_amount(accrued_interest(terms, on=today) if active else 0),
        "interest_at_maturity": format_amount(
            interest_whole_term(row.principal, terms.rate, row.term_months)),
        "interest_paid": format_amount(row.interest_paid),
        "auto_rollover": bool(row.auto_rollover),
        "partial_withdrawn": bool(row.partial_withdrawn),
        "allow_partial_withdrawal": bool(row.allow_partial_withdrawal),
        "allow_rollover": bool(row.allow_rollover),
        "previous_holding_id": row.previous_holding_id,
        "closed_on": row.closed_on.isoformat() if row.closed_on else None,
    }


async def record_event(conn: AsyncConnection, *, holding_id: int, step: str, kind: str,
                       day: date, amount: int, interest: int, rate: Decimal, days: int,
                       entry_hash: str, new_holding_id: int | None = None) -> None:
    """The once-only guard: (holding, step) is the primary key, a repeat fails the tx."""
    await conn.execute(holding_event.insert().values(
        holding_id=holding_id, step=step, kind=kind, business_date=day, amount=amount,
        interest=interest, rate_applied=format_rate(rate), days=days,
        new_holding_id=new_holding_id, entry_hash=entry_hash, created_at=clock.utcnow()))


def receipt_message(*, kind: str, row: Any, acct: Any, day: date, amount: int, entry_hash: str,
                    reference: str, rate: Decimal, interest: int | None = None,
                    summary: str = "", extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """The body of the e-receipt request for this movement (see `announce_receipt`)."""
    return {
        "receipt_kind": kind, "request_id": f"{kind}:{reference}",
        "business_date": day.isoformat(), "holding_id": row.id,
        "customer_id": acct.customer_id, "customer_name_masked": mask_name(acct.holder_name),
        "account_no_masked": mask_account_no(acct.account_no),
        "product_code": row.product_code, "product_name": row.product_name,
        "term_months": row.term_months, "amount": format_amount(amount), "amount_fen": amount,
        "annual_rate": format_rate(rate), "start_date": row.start_date.isoformat(),
        "maturity_date": row.maturity_date.isoformat(),
        "interest": None if interest is None else format_amount(interest),
        "ledger_entry_hash": entry_hash, "ledger_reference": reference, "summary": summary,
        **(extra or {}),
    }


async def announce_receipt(conn: AsyncConnection, *, kind: str, row: Any, acct: Any, day: date,
                           amount: int, entry_hash: str, reference: str, rate: Decimal,
                           interest: int | None = None, summary: str = "",
                           extra: dict[str, Any] | None = None) -> str:
    """An outbox message asking the signature platform for the e-receipt of this movement."""
    message = receipt_message(kind=kind, row=row, acct=acct, day=day, amount=amount,
                              entry_hash=entry_hash, reference=reference, rate=rate,
                              interest=interest, summary=summary, extra=extra)
    return await enqueue(conn, service_code=RECEIPT_SERVICE, target_system=RECEIPT_TARGET,
                         body=message)


def payout_entry(*, day: date, description: str, holding_id: int, credit: str, principal: int,
                 interest: int, reference: str, kind: str = "deposit_payout") -> JournalEntry:
    """Dr 2151-holding principal + Dr 5211 interest / Cr `credit` (the customer, or a new
    holding for a rollover). A zero interest leg is left out (postings are never zero)."""
    postings = [Posting(holding_code(holding_id), principal)]
    if interest:
        postings.append(Posting(INTEREST_EXPENSE, interest))
    postings.append(Posting(credit, -(principal + interest)))
    return JournalEntry(kind, day, description, tuple(postings), reference)
