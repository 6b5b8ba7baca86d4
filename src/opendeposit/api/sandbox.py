"""Sandbox routes (only when OPENDEPOSIT_ENV=sandbox): simulated cards, SMS inbox, the clock."""

from __future__ import annotations

from datetime import date
from typing import Literal

from fastapi import APIRouter
from pydantic import Field, StrictBool, StrictStr

from opendeposit import clock, eod
from opendeposit.accounts import service as accounts
from opendeposit.accounts.domain import luhn_valid, normalize_phone
from opendeposit.api.deps import CustomerDep, PlatformDep
from opendeposit.api.errors import ERROR_SCHEMA
from opendeposit.api.sandbox_wechat import router as wechat_router
from opendeposit.api.schemas import Strict
from opendeposit.errors import NotFound, ValidationFailed
from opendeposit.identity.sandbox.routes import router as identity_router
from opendeposit.money import format_amount, parse_amount
from opendeposit.payments.adapters.sandbox import SandboxCardNetwork

router = APIRouter(prefix="/sandbox", tags=["sandbox"], responses={422: ERROR_SCHEMA})
router.include_router(identity_router)  # /citizens, /identities (identity/sandbox/routes.py)
router.include_router(wechat_router)  # /wechat/code, /wechat/phone-code (api/sandbox_wechat.py)

FailureMode = Literal["none", "frozen", "timeout", "timeout_fail", "decline"]


class CardIn(Strict):
    card_number: StrictStr = Field(min_length=16, max_length=19, examples=["6222020200112233445"])
    name: StrictStr = Field(min_length=1, max_length=40, examples=["张三"])
    id_number: StrictStr = Field(min_length=18, max_length=18, examples=["11010519491231002X"])
    phone: StrictStr = Field(max_length=20, examples=["13800138000"])
    bank: StrictStr = Field("中国工商银行", max_length=40)
    balance: StrictStr = Field("100000.00", max_length=32)
    is_class_one: StrictBool = True
    failure_mode: FailureMode = "none"


class FailureModeIn(Strict):
    failure_mode: FailureMode


class ClockIn(Strict):
    business_date: date


class InvalidCard(ValidationFailed):
    code = "INVALID_CARD_NUMBER"
    message_en = "The card number is not valid (16-19 digits with a correct check digit)."
    message_zh = "银行卡号格式不正确。"


def _cards(p) -> SandboxCardNetwork:  # type: ignore[no-untyped-def]
    return p.sandbox["cards"]  # type: ignore[no-any-return]


@router.post("/cards", status_code=201)
async def add_card(body: CardIn, p: PlatformDep) -> dict:
    """Adds (or replaces) a debit card in the simulated card network."""
    if not luhn_valid(body.card_number):
        raise InvalidCard()
    await _cards(p).add_card(
        card_number=body.card_number, name=body.name, id_number=body.id_number,
        phone=normalize_phone(body.phone), bank=body.bank,
        balance=parse_amount(body.balance, allow_zero=True), is_class_one=body.is_class_one,
        failure_mode=body.failure_mode)
    return {"card_number": body.card_number, "balance": body.balance,
            "failure_mode": body.failure_mode}


@router.get("/cards/{card_number}")
async def get_card(card_number: str, p: PlatformDep) -> dict:
    holder = await _cards(p).card_holder(card_number)
    if holder is None:
        raise NotFound()
    return {"card_number": card_number, "name": holder.name, "bank": holder.bank,
            "balance": format_amount(await _cards(p).card_balance(card_number))}


@router.put("/cards/{card_number}/failure-mode")
async def set_failure_mode(card_number: str, body: FailureModeIn, p: PlatformDep) -> dict:
    if await _cards(p).card_holder(card_number) is None:
        raise NotFound()
    await _cards(p).set_failure_mode(card_number, body.failure_mode)
    return {"card_number": card_number, "failure_mode": body.failure_mode}


@router.get("/sms/{phone}")
async def last_sms(phone: str, p: PlatformDep) -> dict:
    """The last message (and code) sent to that phone."""
    msg = await p.sandbox["sms"].last_message(normalize_phone(phone))
    if msg is None:
        raise NotFound()
    return {"phone": msg["phone"], "code": msg["code"], "text": msg["text"],
            "purpose": msg["purpose"], "sent_at": clock.as_utc(msg["sent_at"]).isoformat()}


@router.post("/clock")
async def set_clock(body: ClockIn, p: PlatformDep) -> dict:
    """Moves the business date forward, running end-of-day for every day it passes."""
    async with p.db.read() as conn:
        today = await clock.current_business_date(conn)
    if body.business_date < today:
        raise ValidationFailed("The business date only moves forward.", "营业日只能向后调整。",
                               code="CLOCK_BACKWARDS")
    results = await eod.advance_to(p.db, p.eod_plan(), body.business_date)
    return {"business_date": body.business_date.isoformat(), "eod_runs": len(results)}


class QuickAccountIn(Strict):
    name: StrictStr = Field("沙箱用户", min_length=1, max_length=40)
    id_number: StrictStr = Field("440305199001011234", min_length=18, max_length=18)
    card_number: StrictStr = Field("6222020200112233445", min_length=16, max_length=19)
    card_balance: StrictStr = "500000.00"
    pin: StrictStr = Field("135790", max_length=6)
    reserved_phone: StrictStr | None = None


@router.post("/quick-account", status_code=201)
async def quick_account(body: QuickAccountIn, who: CustomerDep, p: PlatformDep) -> dict:
    """Sandbox-only shortcut until onboarding: opens a Class II account for the caller with a
    simulated bound card, skipping the identity checks that production always runs."""
    if not luhn_valid(body.card_number):
        raise InvalidCard()
    phone = normalize_phone(body.reserved_phone or "13800000000")
    await _cards(p).add_card(card_number=body.card_number, name=body.name,
                             id_number=body.id_number, phone=phone, bank="中国工商银行",
                             balance=parse_amount(body.card_balance, allow_zero=True))
    acct = await accounts.open_account(
        p, customer_id=who.id, name=body.name, id_number=body.id_number,
        birth_date=date(int(body.id_number[6:10]), int(body.id_number[10:12]),
                        int(body.id_number[12:14])),
        region_code=body.id_number[:6], card_number=body.card_number, card_bank="中国工商银行",
        reserved_phone=phone, pin=body.pin, actor=f"customer:{who.id}")
    return {"account_no": acct.account_no[:4] + "****" + acct.account_no[-4:]}
