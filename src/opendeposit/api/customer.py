"""Customer routes: login, profile, the Class II account and its closed-loop money movements."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials
from pydantic import BaseModel, Field
from sqlalchemy import select

from opendeposit import clock
from opendeposit.accounts import admin as account_admin
from opendeposit.accounts import service as accounts
from opendeposit.accounts import statement as statements
from opendeposit.accounts.domain import (
    mask_id_number,
    mask_name,
    mask_phone,
)
from opendeposit.accounts.models import customer
from opendeposit.api import schemas as s
from opendeposit.api.deps import (
    ChannelDep,
    CustomerDep,
    PlatformDep,
    bearer,
    check_limit,
    client_ip,
    limit_by_ip,
    login_screen,
    money_screen,
)
from opendeposit.api.errors import ERROR_SCHEMA
from opendeposit.auth import service as auth
from opendeposit.errors import ValidationFailed
from opendeposit.esign.api import receipt_numbers
from opendeposit.ledger import service as ledger
from opendeposit.money import format_amount, parse_amount
from opendeposit.payments import service as payments

router = APIRouter(prefix="/api/v1", responses={422: ERROR_SCHEMA, 401: ERROR_SCHEMA})


@router.post("/auth/sms-code", status_code=202, tags=["auth"],
             responses={429: ERROR_SCHEMA})
async def send_sms_code(body: s.SmsCodeRequest, p: PlatformDep, request: Request) -> dict:
    """Sends a 6-digit one-time code (5 minutes, single use; ≤ 1/min and 10/day per phone)."""
    await auth.request_code(p, phone=body.phone, device_id=body.device_id, ip=client_ip(request))
    return {"sent": True, "expires_in": p.settings.sms_code_ttl_seconds}


@router.post("/auth/login", tags=["auth"], responses={403: ERROR_SCHEMA, 429: ERROR_SCHEMA},
             dependencies=[limit_by_ip("login")])
async def login(body: s.LoginRequest, p: PlatformDep, request: Request) -> s.LoginResponse:
    """Logs in with the SMS code → a bearer token. It ends after `expires_in` seconds, after
    `token_idle_minutes` without use, or at `POST /auth/logout`. The risk rules judge the login
    (device, IP, history) before the token is issued (`403 RISK_BLOCKED`); `device_id` in the
    answer is the server-signed id to send from now on."""
    digits = "".join(ch for ch in body.phone if ch.isdigit())[-11:]  # any spelling, one budget
    await check_limit(request, "login_subject", digits or "-")
    device, screen = login_screen(p, request, body.device_id)
    token, customer_id = await auth.login(p, phone=body.phone, code=body.code,
                                          device_id=device.id, channel=body.channel,
                                          screen=screen)
    return s.LoginResponse(token=token, customer_id=customer_id,
                           expires_in=p.settings.token_ttl_minutes * 60, device_id=device.id)


@router.post("/auth/logout", tags=["auth"], status_code=204, response_class=Response)
async def logout(who: CustomerDep, p: PlatformDep,
                 creds: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
                 ) -> Response:
    """Ends this session server-side, in every API process at once: the token answers 401
    from now on."""
    if creds is not None:
        await auth.logout(p, creds.credentials)
    return Response(status_code=204)


@router.get("/me", tags=["account"])
async def me(who: CustomerDep, p: PlatformDep) -> s.MeView:
    """The customer's own profile: their name in full (it is their own page), the ID number
    and phone masked, KYC status and the account summary."""
    async with p.db.read() as conn:
        row = (await conn.execute(select(customer).where(customer.c.id == who.id))).one()
        today = await clock.current_business_date(conn)
    try:
        acct_view: s.AccountView | None = await _account_view(p, who.id)
    except accounts.AccountNotFound:
        acct_view = None
    name = p.vault.decrypt(row.name_enc) if row.name_enc else None
    return s.MeView(
        customer_id=who.id, phone=mask_phone(p.vault.decrypt(row.phone_enc)),
        name=name, name_masked=mask_name(name) if name else None,
        id_number=mask_id_number(p.vault.decrypt(row.id_number_enc))
        if row.id_number_enc else None,
        kyc_status=row.kyc_status, has_account=acct_view is not None, account=acct_view,
        business_date=today.isoformat())


@router.get("/account", tags=["account"], responses={404: ERROR_SCHEMA})
async def get_account(who: CustomerDep, p: PlatformDep) -> s.AccountView:
    """The Class II account: masked number, balance, limits used and left, bound card."""
    return await _account_view(p, who.id)


async def _account_view(p, customer_id: int) -> s.AccountView:  # type: ignore[no-untyped-def]
    acct = await accounts.account_of_customer(p, customer_id)
    async with p.db.read() as conn:
        bal = await ledger.balance(conn, acct.ledger_code)
        today = await clock.current_business_date(conn)
        usages = await accounts.limit_usages(conn, account_id=acct.id, today=today)
        from opendeposit.accounts.models import account as account_table

        opened = (await conn.execute(select(account_table.c.opened_on).where(
            account_table.c.id == acct.id))).scalar_one()
    return s.AccountView(
        account_no=acct.account_no[:4] + "****" + acct.account_no[-4:], balance=format_amount(bal),
        status=acct.status.value,
        bound_card=s.BoundCardView(bank=acct.card_bank, card_no_masked="****" + acct.card_last4),
        limits=[s.LimitView(**accounts.limit_view(u)) for u in usages],
        opened_on=opened.isoformat())


MOVE_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"model": s.MoveResult},
    202: {"model": s.MoveResult, "description": "Sent to the card network; the answer is pending"},
    403: ERROR_SCHEMA, 409: ERROR_SCHEMA, 423: ERROR_SCHEMA, 404: ERROR_SCHEMA}


@router.post("/account/top-up", tags=["account"], responses=MOVE_RESPONSES)
async def top_up(body: s.MoveRequest, who: CustomerDep, p: PlatformDep,
                 request: Request, channel: ChannelDep) -> JSONResponse:
    """Pulls `amount` from the bound card into the Class II account (PIN, idempotent).
    `403 STEP_UP_REQUIRED` → verify, then repeat with `step_up_id` and the same key."""
    answer = await payments.top_up(
        db=p.db, vault=p.vault, pins=p.pins, cards=p.cards, bank_name=p.settings.bank_name,
        customer_id=who.id, amount=parse_amount(body.amount), pin=body.pin,
        idempotency_key=body.idempotency_key,
        screen=money_screen(request, who, p, body.step_up_id), channel=channel)
    return JSONResponse(answer.body, status_code=answer.status_code)


@router.post("/account/withdraw", tags=["account"], responses=MOVE_RESPONSES)
async def withdraw(body: s.MoveRequest, who: CustomerDep, p: PlatformDep,
                   request: Request, channel: ChannelDep) -> JSONResponse:
    """Pushes `amount` from the Class II account to the bound card — and nowhere else. A
    withdrawal a risk rule holds answers `202 {status: held, hold_id}` until staff decide."""
    answer = await payments.withdraw(
        db=p.db, vault=p.vault, pins=p.pins, cards=p.cards, bank_name=p.settings.bank_name,
        customer_id=who.id, amount=parse_amount(body.amount), pin=body.pin,
        idempotency_key=body.idempotency_key,
        screen=money_screen(request, who, p, body.step_up_id), channel=channel)
    return JSONResponse(answer.body, status_code=answer.status_code)


class CloseRequest(s.Strict):
    pin: s.Pin


class ClosedView(BaseModel):
    status: str = Field(examples=["closed"])
    account_no: str = Field(examples=["6230****1234"])


@router.post("/account/close", tags=["account"],
             responses={403: ERROR_SCHEMA, 404: ERROR_SCHEMA, 409: ERROR_SCHEMA,
                        423: ERROR_SCHEMA})
async def close_account(body: CloseRequest, who: CustomerDep, p: PlatformDep) -> ClosedView:
    """Closes the customer's own Class II account (PIN): zero balance, no active holding,
    nothing in flight or held, no demand interest still to credit — the staff close's rule.
    Otherwise `409 ACCOUNT_NOT_CLOSABLE` with every reason in `details.problems`, nothing
    written."""
    done = await account_admin.close_by_customer(db=p.db, pins=p.pins, customer_id=who.id,
                                                 pin=body.pin)
    return ClosedView(status=done.status,
                      account_no=done.account_no[:4] + "****" + done.account_no[-4:])


class InvalidCursor(ValidationFailed):
    code = "INVALID_CURSOR"
    message_en = "The cursor is not valid."
    message_zh = "分页参数不正确。"


@router.get("/account/transactions", tags=["account"])
async def transactions(
    who: CustomerDep, p: PlatformDep,
    date_from: Annotated[date | None, Query(alias="from")] = None,
    date_to: Annotated[date | None, Query(alias="to")] = None,
    cursor: Annotated[str | None, Query(max_length=20)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> s.StatementPage:
    """Statement lines, newest first, with the running balance after each line."""
    if cursor is not None and not (cursor.isascii() and cursor.isdigit()):
        raise InvalidCursor()
    acct = await accounts.account_of_customer(p, who.id)
    lines, nxt = await statements.statement(
        p, ledger_code=acct.ledger_code, chain=acct.chain, date_from=date_from, date_to=date_to,
        cursor=int(cursor) if cursor else None, limit=limit)
    receipt_of = await receipt_numbers(p, (ln.reference for ln in lines))
    return s.StatementPage(items=[s.StatementLineView(
        id=ln.id, at=clock.as_utc(ln.at).astimezone(clock.BEIJING).isoformat(),
        business_date=ln.business_date.isoformat(), kind=ln.kind,
        amount=format_amount(ln.amount), balance_after=format_amount(ln.balance_after),
        description=ln.description, reference=ln.reference, transaction_serial=ln.serial,
        receipt_no=receipt_of.get(ln.reference)) for ln in lines],
        next_cursor=str(nxt) if nxt is not None else None)
