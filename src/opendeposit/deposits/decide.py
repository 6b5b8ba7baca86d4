"""Purchase and early (or matured) withdrawal decided: every rule, then the write plan. No I/O.

Purchase (Dr 2011 customer / Cr 2151-<holding>): the account may buy, the product is on sale
and its rate is within the ceiling in force today (a ceiling lowered after publishing stops
sales above it), amount, step, region, the customer's cap and the quota. The plan: claim the key
(with the 201 answer) → add to the customer's position only while under the cap → the holding
and its ledger account → the entry → the receipt request → the quota of the customer's home
shard LAST (its hot row is locked only until the commit); when the home shard is short the plan
is abandoned and the service takes the quota from all shards under lock (`quota_takes`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from opendeposit.accounts.domain import LimitBucket, Operation, check_allowed, usage_steps
from opendeposit.deposits.domain import (
    WithdrawalQuote,
    add_months,
    check_withdrawal_offered,
    quote_withdrawal,
)
from opendeposit.deposits.holdings import (
    ACTIVE,
    RECEIPT_SERVICE,
    RECEIPT_TARGET,
    Holder,
    HoldingNotActive,
    body,
    event_row,
    holding_code,
    payout_entry,
    receipt_message,
    terms_of,
)
from opendeposit.ledger.domain import CHART, CUSTOMER_HOLDING, JournalEntry
from opendeposit.money import format_amount
from opendeposit.products.domain import (
    AboveCustomerLimit,
    ProductNotOnSale,
    ProductStatus,
    ProductTerms,
    RateAboveCeiling,
    RateNotDefined,
    check_purchase,
    format_rate,
    home_shard,
    plan_quota_take,
)
from opendeposit.serials import certificate_no, serial_row
from opendeposit.writeplan import (
    Abandon,
    Answer,
    Change,
    Claim,
    Complete,
    Doc,
    Fen,
    Insert,
    Message,
    NewAccount,
    Outbox,
    Plan,
    Post,
    Refuse,
    Update,
    Upsert,
)

PURCHASE = "deposit_purchase"
QUOTA_SHARDS = 16
QUOTA_HOME_SHORT = "QUOTA_HOME_SHORT"  # abandonment: take the quota from all shards instead
QUOTA_CHANGED = "QUOTA_CHANGED"


@dataclass(frozen=True)
class PurchaseFacts:
    """Everything a purchase decides on (read in one round trip)."""

    buyer: Holder
    product: ProductTerms
    product_status: ProductStatus
    rate_ceiling: Decimal | None  # in force on the business date for the product's kind/term
    business_date: date
    region_code: str | None
    held: int  # the customer's position in this product
    quota_left: int


@dataclass(frozen=True)
class Purchase:
    plan: Plan  # the claim first, everything but the quota
    home_take: Update  # the quota from the home shard, applied last
    answer: Answer


def decide_purchase(facts: PurchaseFacts, claim: Claim, *, amount: int, holding_id: int,
                    now: datetime, serial: str) -> Purchase:
    """Every rule of a purchase, in the order the customer meets them; raises the refusal.
    The holding gets its certificate number, the movement the transaction `serial`."""
    terms, buyer, day = facts.product, facts.buyer, facts.business_date
    check_allowed(buyer.status, Operation.BUY_DEPOSIT)
    if facts.product_status is not ProductStatus.PUBLISHED:
        raise ProductNotOnSale(details={"status": facts.product_status.value})
    if facts.rate_ceiling is None:
        raise RateNotDefined(details={"kind": str(terms.kind), "term_months": terms.term_months,
                                      "on": day.isoformat()})
    if terms.rate > facts.rate_ceiling:
        raise RateAboveCeiling(details={"rate": str(terms.rate),
                                        "ceiling": str(facts.rate_ceiling)})
    check_purchase(terms, amount=amount, on=day, already_held=facts.held,
                   quota_left=facts.quota_left, region_code=facts.region_code)
    values = _holding_values(facts, amount, holding_id, now)
    row = SimpleNamespace(**values, product_name=terms.name,
                          allow_partial_withdrawal=terms.allow_partial_withdrawal,
                          allow_rollover=terms.allow_rollover)
    answer = Answer(201, {**body(row, today=day), "transaction_serial": serial})
    code, reference = holding_code(holding_id), f"H{holding_id}"
    post = Post(buyer.chain, (JournalEntry.transfer(
        kind=PURCHASE, business_date=day, description=f"购买{terms.name}",
        debit=buyer.ledger_code, credit=code, amount=amount, reference=reference),),
        open_accounts=(NewAccount(code, CUSTOMER_HOLDING, f"定期存单 {holding_id}", holding_id,
                                  CHART[CUSTOMER_HOLDING].non_negative),), name="buy")
    receipt = receipt_message(kind=PURCHASE, row=row, acct=buyer, day=day, amount=amount,
                              entry_hash=post.hash(), reference=reference, rate=terms.rate,
                              summary=f"购买{terms.name}", serial=serial)
    cap = terms.max_per_customer
    plan = Plan((
        replace(claim, answer=answer),
        Upsert("deposit_position", {"customer_id": buyer.customer_id, "product_code": terms.code},
               add={"purchased": amount}, cap={"purchased": cap},
               on_miss=Refuse(AboveCustomerLimit(details={"max_per_customer": cap}))),
        Insert("holding", (values,)),
        post,
        Insert("transaction_serial", (serial_row(serial, kind=PURCHASE, reference=reference,
                                                 entry_hash=post.hash(), now=now),)),
        Outbox((Message(RECEIPT_SERVICE, RECEIPT_TARGET, Doc(receipt)),)),
        *usage_steps(buyer.account_id, LimitBucket.PRODUCTS, amount, day),  # §1.3: not capped
    ), now)
    home = home_shard(buyer.customer_id, QUOTA_SHARDS)
    return Purchase(plan, _takes(terms.code, [(home, amount)], QUOTA_HOME_SHORT), answer)


def quota_takes(code: str, shards: list[tuple[int, int]], amount: int) -> Update:
    """The quota from all shards in ascending order (they are locked), exactly `amount`;
    QuotaExceeded when they hold less."""
    return _takes(code, plan_quota_take(shards, amount), QUOTA_CHANGED)


def _takes(code: str, takes: list[tuple[int, int]], reason: str) -> Update:
    return Update("product_quota_shard", tuple(
        Change(key={"product_code": code, "shard": shard}, add={"remaining": -fen},
               at_least={"remaining": fen}) for shard, fen in takes), on_miss=Abandon(reason))


def _holding_values(facts: PurchaseFacts, amount: int, holding_id: int,
                    now: datetime) -> dict[str, Any]:
    t, acct, day = facts.product, facts.buyer, facts.business_date
    return dict(
        id=holding_id, customer_id=acct.customer_id, account_id=acct.account_id,
        product_code=t.code, kind=t.kind.value, term_months=t.term_months, principal=amount,
        original_principal=amount, rate=format_rate(t.rate), min_amount=t.min_amount,
        start_date=day, maturity_date=add_months(day, t.term_months), status=ACTIVE,
        auto_rollover=False, partial_withdrawn=False, chain=acct.chain,
        previous_holding_id=None, interest_paid=0, closed_on=None, created_at=now,
        certificate_no=certificate_no(holding_id, now))


# ----------------------------------------------------------------------------- withdrawal

WITHDRAW = "deposit_withdraw"
_DESCRIPTIONS = {"maturity_withdrawal": "定期到期支取", "early_withdrawal": "定期提前支取",
                 "partial_withdrawal": "定期部分提前支取"}


def quote(row: Any, *, on: date, demand_rate: Decimal, amount: int | None) -> WithdrawalQuote:
    """What withdrawing `amount` (all if None) of an active holding pays on `on`."""
    if row.status != ACTIVE:
        raise HoldingNotActive()
    terms = terms_of(row)
    check_withdrawal_offered(terms, amount, allow_partial=row.allow_partial_withdrawal)
    return quote_withdrawal(terms, on=on, demand_rate=demand_rate, amount=amount)


def quote_body(q: WithdrawalQuote) -> dict[str, Any]:
    return {"amount": format_amount(q.amount), "interest": format_amount(q.interest),
            "rate_applied": format_rate(q.rate_applied), "days": q.days, "early": q.early,
            "full": q.full, "remainder": format_amount(q.remainder),
            "overdue_days": q.overdue_days, "overdue_interest": format_amount(q.overdue_interest),
            "total": format_amount(q.amount + q.interest)}


def decide_withdrawal(row: Any, holder: Holder, claim: Claim, *, amount: int | None, on: date,
                      demand_rate: Decimal, now: datetime, serial: str) -> tuple[Plan, Answer]:
    """Early (full or one partial) or matured withdrawal into the Class II balance:
    Dr 2151-holding principal + Dr 5211 interest / Cr 2011 customer; transaction `serial`."""
    q = quote(row, on=on, demand_rate=demand_rate, amount=amount)
    check_allowed(holder.status, Operation.DEPOSIT_PAYOUT)
    step = "close" if q.full else "partial"
    kind = "maturity_withdrawal" if not q.early else \
        ("early_withdrawal" if q.full else "partial_withdrawal")
    reference = f"H{row.id}-{step[0].upper()}"
    post = Post(holder.chain, (payout_entry(
        day=on, description=_DESCRIPTIONS[kind], holding_id=row.id, credit=holder.ledger_code,
        principal=q.amount, interest=q.interest, reference=reference),), name="pay")
    changed: dict[str, Any] = ({"status": "withdrawn" if q.early else "matured", "closed_on": on}
                               if q.full else {"principal": q.remainder,
                                               "partial_withdrawn": True})
    fresh = SimpleNamespace(**{**vars(_as_namespace(row)), **changed,
                               "interest_paid": row.interest_paid + q.interest})
    answer = Answer(200, {**quote_body(q), "holding": body(fresh, today=on),
                          "credited": format_amount(q.amount + q.interest),
                          "transaction_serial": serial,
                          "balance": Fen(post.balance(holder.ledger_code))})
    receipt = receipt_message(
        kind="early_withdrawal" if q.early else "maturity_payout", row=row, acct=holder, day=on,
        amount=q.amount, entry_hash=post.hash(), reference=reference, rate=q.rate_applied,
        interest=q.interest, summary=_DESCRIPTIONS[kind],
        extra={"days": q.days, "remainder": format_amount(q.remainder)}, serial=serial)
    plan = Plan((
        claim,
        Update("holding", (Change(  # only if it is still exactly as quoted (no lost update)
            key={"id": row.id}, set=changed, add={"interest_paid": q.interest},
            expect={"status": ACTIVE, "principal": row.principal,
                    "partial_withdrawn": row.partial_withdrawn}),),
            on_miss=Refuse(HoldingNotActive())),
        post,
        Insert("holding_event", (event_row(
            holding_id=row.id, step=step, kind=kind, day=on, amount=q.amount,
            interest=q.interest, rate=q.rate_applied, days=q.days, entry_hash=post.hash(),
            now=now),)),
        Insert("transaction_serial", (serial_row(serial, kind=kind, reference=reference,
                                                 entry_hash=post.hash(), now=now),)),
        Outbox((Message(RECEIPT_SERVICE, RECEIPT_TARGET, Doc(receipt)),)),
        Complete(claim.owner, claim.key, answer),  # the answer quotes the balance after
    ), now)
    return plan, answer


def _as_namespace(row: Any) -> Any:
    if isinstance(row, Mapping):
        return SimpleNamespace(**row)
    mapping = getattr(row, "_mapping", None)
    return SimpleNamespace(**(dict(mapping) if mapping is not None else vars(row)))
