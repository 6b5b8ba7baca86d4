"""Customer changes that need a face re-verification and move no money (domain.md §1.5, §1.7,
§11.7): changing the bound card, resetting the transaction PIN, and re-activating an account
suspended for inactivity.

Each call without `step_up_id` answers `403 STEP_UP_REQUIRED` (face only) after checking what
can be checked up front; the client passes the face step-up and repeats the call with it.
The step-up is consumed in the same transaction as the change, which also records the event
in the risk history (so "a new device right after a PIN reset or card change" can be seen).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from opendeposit import clock
from opendeposit.accounts import lifecycle as rules
from opendeposit.accounts.domain import AccountStatus, check_new_pin, mask_card, mask_phone
from opendeposit.accounts.holder import Holder, holder
from opendeposit.accounts.models import account, bound_card, bound_card_change, customer
from opendeposit.accounts.service import AccountNotFound, audit
from opendeposit.auth import service as auth
from opendeposit.errors import NotFound
from opendeposit.identity import errors as id_errors
from opendeposit.identity.steps_card import check_five_elements, normalize_card
from opendeposit.ledger import service as ledger
from opendeposit.payments.models import payment_order
from opendeposit.platform import Platform
from opendeposit.risk import service as risk
from opendeposit.risk import stepup
from opendeposit.risk.history import Event, EventKind
from opendeposit.risk.models import risk_hold

CARD_CHANGE, PIN_RESET, REACTIVATE = "bound_card.change", "pin.reset", "account.reactivate"
CHANGE_TTL = timedelta(minutes=10)


class CardChangeNotFound(NotFound):
    code = "CARD_CHANGE_NOT_FOUND"
    message_en = "No such card change in progress (or it expired); start again."
    message_zh = "换绑申请不存在或已过期，请重新发起。"


@dataclass(frozen=True)
class Who:
    """The caller: customer, verified device and IP (for the risk history)."""

    customer_id: int
    device_id: str | None
    ip: str


def _request_hash(operation: str, value: str = "") -> str:
    return hashlib.sha256(f"{operation}\n{value}".encode()).hexdigest()


async def _holder(conn: AsyncConnection, customer_id: int) -> Holder:
    found = await holder(conn, customer_id)
    if found is None or found.account_id is None:
        raise AccountNotFound()
    return found


async def money_state(conn: AsyncConnection, h: Holder, ledger_code: str) -> rules.MoneyState:
    """Balance, open payment orders and risk holds of the account, in the caller's view."""
    in_flight = (await conn.execute(select(func.count()).select_from(payment_order).where(
        payment_order.c.account_id == h.account_id,
        payment_order.c.status.in_(["initiated", "pending"])))).scalar_one()
    holds = (await conn.execute(select(func.count()).select_from(risk_hold).where(
        risk_hold.c.customer_id == h.customer_id, risk_hold.c.status == "held"))).scalar_one()
    return rules.MoneyState(await ledger.balance(conn, ledger_code), int(in_flight), int(holds))


async def _ask_face(p: Platform, who: Who, operation: str, request_hash: str,
                    reason: str) -> stepup.StepUpRequired:
    async with p.db.transaction() as conn:
        s = await stepup.create(conn, customer_id=who.customer_id, operation=operation,
                                request_hash=request_hash, methods=(stepup.FACE,), reason=reason)
    return s.required()


async def _card_facts(conn: AsyncConnection, h: Holder, card_hash: str) -> list[str]:
    row = (await conn.execute(select(account.c.ledger_code).where(
        account.c.id == h.account_id))).one()
    money = await money_state(conn, h, row.ledger_code)
    year_ago = clock.utcnow() - timedelta(days=365)
    changes = (await conn.execute(select(func.count()).select_from(bound_card_change).where(
        bound_card_change.c.account_id == h.account_id, bound_card_change.c.status == "done",
        bound_card_change.c.done_at > year_ago))).scalar_one()
    return rules.card_change_problems(status=h.status, money=money,
                                      same_card=card_hash == h.card_hash,
                                      changes_this_year=int(changes))


async def start_card_change(p: Platform, *, who: Who, card_number: str,
                            step_up_id: str | None) -> dict[str, Any]:
    """Check the new card (rules, five elements), then: without a step-up, ask for the face;
    with a passed one, use it and send the SMS code to the card's reserved phone."""
    card = normalize_card(card_number)
    card_hash = p.vault.lookup_hash(card)
    async with p.db.read() as conn:
        h = await _holder(conn, who.customer_id)
        problems = await _card_facts(conn, h, card_hash)
    rules.raise_first(problems, status=h.status, operation="card_change")
    phone = h.phone(p.vault)
    checker = p.identity.elements
    assert checker is not None, "bootstrap wires the five-element check"
    problem, elements, answer = await check_five_elements(
        checker, card_number=card, name=h.name(p.vault) or "",
        id_number=h.id_number(p.vault) or "", phone=phone)
    if problem is not None:
        raise id_errors.by_code(problem)(details={"elements": elements})
    request_hash = _request_hash(CARD_CHANGE, card_hash)
    if step_up_id is None:
        raise await _ask_face(p, who, CARD_CHANGE, request_hash, "CARD_CHANGE")
    now = clock.utcnow()
    async with p.db.transaction() as conn:
        s = await stepup.consume(conn, step_up_id=step_up_id, customer_id=who.customer_id,
                                 operation=CARD_CHANGE, request_hash=request_hash, now=now)
        await conn.execute(bound_card_change.update().where(
            bound_card_change.c.account_id == h.account_id,
            bound_card_change.c.status == "sms_sent").values(status="superseded"))
        change_id = (await conn.execute(bound_card_change.insert().values(
            account_id=h.account_id, customer_id=who.customer_id,
            card_enc=p.vault.encrypt(card), card_hash=card_hash, card_last4=card[-4:],
            bank_name=answer.bank or "", status="sms_sent", step_up_id=s.id, created_at=now,
            expires_at=now + CHANGE_TTL).returning(bound_card_change.c.id))).scalar_one()
    await auth.request_code(p, phone=phone, device_id=who.device_id or "web", ip=who.ip,
                            purpose="card_change")
    return {"change_id": change_id, "status": "sms_sent",
            "card": {"bank": answer.bank or "", "card_no_masked": mask_card(card)},
            "sms_sent_to": mask_phone(phone), "expires_in": p.settings.sms_code_ttl_seconds}


async def confirm_card_change(p: Platform, *, who: Who, change_id: int,
                              code: str) -> dict[str, Any]:
    """The SMS code from the new card's reserved phone: swap the cards, if the balance is
    still zero and nothing is in flight (re-checked in the same transaction)."""
    now = clock.utcnow()
    async with p.db.read() as conn:
        h = await _holder(conn, who.customer_id)
        change = (await conn.execute(select(bound_card_change).where(
            bound_card_change.c.id == change_id,
            bound_card_change.c.customer_id == who.customer_id))).first()
    if change is None or change.status != "sms_sent" or clock.as_utc(change.expires_at) <= now:
        raise CardChangeNotFound()
    try:
        await auth.check_code(p, phone=h.phone(p.vault), code=code, purpose="card_change")
    except auth.SmsCodeInvalid:
        raise id_errors.CardCodeInvalid() from None
    async with p.db.transaction() as conn:
        h = await _holder(conn, who.customer_id)
        rules.raise_first(await _card_facts(conn, h, change.card_hash),
                          status=h.status, operation="card_change")
        outcome = await risk.evaluate(conn, db=p.db, vault=p.vault, card_hash=change.card_hash,
                                      event=Event(who.customer_id, EventKind.CARD_CHANGE, now,
                                                  device_id=who.device_id, ip=who.ip,
                                                  reference=f"card_change:{change_id}"))
        if outcome.refusal is None:
            await _swap_cards(conn, h, change, now)
        await conn.execute(bound_card_change.update().where(
            bound_card_change.c.id == change_id).values(
            status="done" if outcome.refusal is None else "refused", done_at=now))
    if outcome.refusal is not None:
        raise outcome.refusal
    return {"bound_card": {"bank": change.bank_name, "card_no_masked": "****"
                           + change.card_last4}, "bound_at": now.isoformat()}


async def _swap_cards(conn: AsyncConnection, h: Holder, change: Any, now: datetime) -> None:
    await conn.execute(bound_card.update().where(
        bound_card.c.account_id == h.account_id, bound_card.c.status == "active").values(
        status="replaced", unbound_at=now))
    old_phone = (await conn.execute(select(bound_card.c.reserved_phone_enc).where(
        bound_card.c.account_id == h.account_id).order_by(bound_card.c.id.desc()))).scalar()
    await conn.execute(bound_card.insert().values(
        account_id=h.account_id, card_enc=change.card_enc, card_hash=change.card_hash,
        card_last4=change.card_last4, bank_name=change.bank_name,
        reserved_phone_enc=old_phone or h.phone_enc, status="active", bound_at=now))
    await audit(conn, actor=f"customer:{h.customer_id}", action="account.card_change",
                subject=f"account:{h.account_id}",
                detail=f"bound card ****{change.card_last4} ({change.bank_name}) after face "
                       "re-verification and SMS")


async def reset_pin(p: Platform, *, who: Who, new_pin: str,
                    step_up_id: str | None) -> dict[str, Any]:
    """A new transaction PIN after a face re-verification; it also lifts a PIN lock (the way
    back after a staff unlock, api.md)."""
    async with p.db.read() as conn:
        h = await _holder(conn, who.customer_id)
    rules.raise_first(rules.pin_reset_problems(status=h.status),
                      status=h.status, operation="pin_reset")
    check_new_pin(new_pin, birth_date=h.birth_date)
    request_hash = _request_hash(PIN_RESET)
    if step_up_id is None:
        raise await _ask_face(p, who, PIN_RESET, request_hash, "PIN_RESET")
    pin_hash = p.pins.hash(new_pin)
    now = clock.utcnow()
    async with p.db.transaction() as conn:
        await stepup.consume(conn, step_up_id=step_up_id, customer_id=who.customer_id,
                             operation=PIN_RESET, request_hash=request_hash, now=now)
        outcome = await risk.evaluate(conn, db=p.db, vault=p.vault, event=Event(
            who.customer_id, EventKind.PIN_RESET, now, device_id=who.device_id, ip=who.ip,
            reference="pin_reset"))
        if outcome.refusal is None:
            await conn.execute(customer.update().where(customer.c.id == who.customer_id)
                               .values(pin_hash=pin_hash, pin_failed_attempts=0,
                                       pin_locked_at=None))
            await audit(conn, actor=f"customer:{who.customer_id}", action="pin.reset",
                        subject=f"customer:{who.customer_id}",
                        detail="transaction PIN reset after face re-verification")
    if outcome.refusal is not None:
        raise outcome.refusal
    p.pins.forget(str(who.customer_id))
    return {"status": "pin_reset"}


async def reactivate(p: Platform, *, who: Who, step_up_id: str | None) -> dict[str, Any]:
    """§1.7: an account suspended for inactivity is usable again after a face re-verification."""
    async with p.db.read() as conn:
        h = await _holder(conn, who.customer_id)
    status = h.status
    if not rules.reactivation_allowed(status, h.status_reason):
        raise rules.NotReactivatable(details={"status": status.value})
    request_hash = _request_hash(REACTIVATE)
    if step_up_id is None:
        raise await _ask_face(p, who, REACTIVATE, request_hash, "REACTIVATION")
    now = clock.utcnow()
    async with p.db.transaction() as conn:
        await stepup.consume(conn, step_up_id=step_up_id, customer_id=who.customer_id,
                             operation=REACTIVATE, request_hash=request_hash, now=now)
        done = (await conn.execute(account.update().where(
            account.c.id == h.account_id, account.c.status == status.value).values(
            status=AccountStatus.NORMAL.value, status_reason=f"REACTIVATED: was {status.value} "
            f"({h.status_reason})"))).rowcount
        if done != 1:
            raise rules.NotReactivatable()
        await audit(conn, actor=f"customer:{who.customer_id}", action="account.reactivate",
                    subject=f"account:{h.account_id}",
                    detail=f"{status.value} → normal after face re-verification")
    return {"status": AccountStatus.NORMAL.value}
