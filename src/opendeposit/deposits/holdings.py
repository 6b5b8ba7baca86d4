"""Holdings as values: terms, ledger code, the API body, the e-receipt request, payout entries.

Pure (no I/O): the decisions of `decide.py` and `maturity.py` build their plans from these, and
the services show holdings with `body`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from opendeposit.accounts.domain import AccountStatus, mask_account_no, mask_name
from opendeposit.deposits.domain import HoldingTerms, accrued_interest, interest_whole_term
from opendeposit.errors import Conflict
from opendeposit.ledger.domain import (
    CUSTOMER_HOLDING,
    INTEREST_EXPENSE,
    JournalEntry,
    Posting,
    ledger_code,
)
from opendeposit.money import format_amount
from opendeposit.products.domain import format_rate
from opendeposit.writeplan import Ref

ACTIVE = "active"
RECEIPT_SERVICE = "ESIGN.RECEIPT.ISSUE"
RECEIPT_TARGET = "ESIGN"


class HoldingNotActive(Conflict):
    code = "HOLDING_NOT_ACTIVE"
    message_en = "This deposit is no longer active."
    message_zh = "该存单已结清，不能办理此业务。"


@dataclass(frozen=True)
class Holder:
    """The customer's Class II account as the deposit use cases need it (no card)."""

    customer_id: int
    account_id: int
    account_no: str
    status: AccountStatus
    ledger_code: str
    chain: int
    holder_name: str


def holding_code(holding_id: int) -> str:
    """Each holding has its own liability account: 2151-<holding id>."""
    return ledger_code(CUSTOMER_HOLDING, holding_id)


def terms_of(row: Any) -> HoldingTerms:
    return HoldingTerms(principal=row.principal, rate=Decimal(row.rate),
                        term_months=row.term_months, start_date=row.start_date,
                        maturity_date=row.maturity_date, min_amount=row.min_amount,
                        partial_withdrawn=row.partial_withdrawn)


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
        "certificate_no": getattr(row, "certificate_no", None),
    }


def receipt_message(*, kind: str, row: Any, acct: Any, day: date, amount: int,
                    entry_hash: str | Ref, reference: str, rate: Decimal,
                    interest: int | None = None, summary: str = "",
                    extra: dict[str, Any] | None = None,
                    serial: str | None = None) -> dict[str, Any]:
    """The body of the e-receipt request for this movement (ESIGN.RECEIPT.ISSUE), with its
    transaction serial and the holding's certificate number (`opendeposit.serials`)."""
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
        "transaction_serial": serial, "certificate_no": getattr(row, "certificate_no", None),
        **(extra or {}),
    }


def payout_entry(*, day: date, description: str, holding_id: int, credit: str, principal: int,
                 interest: int, reference: str, kind: str = "deposit_payout") -> JournalEntry:
    """Dr 2151-holding principal + Dr 5211 interest / Cr `credit` (the customer, or a new
    holding for a rollover). A zero interest leg is left out (postings are never zero)."""
    postings = [Posting(holding_code(holding_id), principal)]
    if interest:
        postings.append(Posting(INTEREST_EXPENSE, interest))
    postings.append(Posting(credit, -(principal + interest)))
    return JournalEntry(kind, day, description, tuple(postings), reference)


def event_row(*, holding_id: int, step: str, kind: str, day: date, amount: int, interest: int,
              rate: Decimal, days: int, entry_hash: str | Ref, now: Any,
              new_holding_id: int | None = None) -> dict[str, Any]:
    """A `holding_event` row: (holding, step) is its key, so each effect happens once."""
    return {"holding_id": holding_id, "step": step, "kind": kind, "business_date": day,
            "amount": amount, "interest": interest, "rate_applied": format_rate(rate),
            "days": days, "new_holding_id": new_holding_id, "entry_hash": entry_hash,
            "created_at": now}
