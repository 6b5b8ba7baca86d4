"""Customer deposit routes: buy, list and view holdings, withdrawal trial and withdrawal,
maturity instruction. Someone else's holding is simply not found (404)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, StrictBool, StrictStr

from opendeposit.api.deps import ChannelDep, CustomerDep, PlatformDep, money_screen
from opendeposit.api.errors import ERROR_SCHEMA
from opendeposit.api.schemas import Amount, IdemKey, Pin, StepUpId, Strict
from opendeposit.deposits import service as deposits
from opendeposit.deposits import withdraw as withdrawals
from opendeposit.money import parse_amount

router = APIRouter(prefix="/api/v1", tags=["deposits"],
                   responses={401: ERROR_SCHEMA, 404: ERROR_SCHEMA, 422: ERROR_SCHEMA})


class PurchaseRequest(Strict):
    product_code: StrictStr = Field(min_length=1, max_length=32, examples=["TD1Y"])
    amount: Amount
    pin: Pin
    idempotency_key: IdemKey
    step_up_id: StepUpId = None


class WithdrawRequest(Strict):
    amount: Amount | None = Field(None, description="omit to withdraw everything")
    pin: Pin
    idempotency_key: IdemKey
    step_up_id: StepUpId = None


class MaturityRequest(Strict):
    auto_rollover: StrictBool


class HoldingView(BaseModel):
    id: int
    product_code: str
    product_name: str
    kind: str
    term_months: int
    principal: str
    original_principal: str
    rate: str
    start_date: str
    maturity_date: str
    status: str = Field(description="active | matured | withdrawn | rolled_over")
    accrued_interest: str = Field(description="indicative, contract rate x days / 360")
    interest_at_maturity: str
    interest_paid: str
    auto_rollover: bool
    partial_withdrawn: bool
    allow_partial_withdrawal: bool
    allow_rollover: bool
    previous_holding_id: int | None
    closed_on: str | None
    certificate_no: str | None = Field(
        default=None, description="存单编号: bank code + year + 10 digits (last: check digit)")


class PurchaseResult(HoldingView):
    transaction_serial: str = Field(
        description="交易流水号: Beijing date + channel (WX/H5) + 12 digits")


class HoldingList(BaseModel):
    items: list[HoldingView]


class WithdrawalTrialView(BaseModel):
    amount: str
    interest: str
    rate_applied: str
    days: int
    early: bool
    full: bool
    remainder: str
    overdue_days: int
    overdue_interest: str
    total: str


class WithdrawalResult(WithdrawalTrialView):
    holding: HoldingView
    credited: str
    balance: str = Field(description="Class II balance after the proceeds landed")
    transaction_serial: str = Field(description="交易流水号 of the payout")


HoldingId = Annotated[int, Path(ge=1, le=2**63 - 1)]
MONEY_ERRORS: dict[int | str, dict[str, Any]] = {
    403: ERROR_SCHEMA, 409: ERROR_SCHEMA, 423: ERROR_SCHEMA}


@router.post("/deposits", status_code=201,
             responses={201: {"model": PurchaseResult}, **MONEY_ERRORS})
async def buy(body: PurchaseRequest, who: CustomerDep, p: PlatformDep,
              request: Request, channel: ChannelDep) -> JSONResponse:
    """Buys a time deposit or CD from the Class II balance (PIN, idempotent) → the holding.
    `403 STEP_UP_REQUIRED` → verify, then repeat with `step_up_id` and the same key."""
    answer = await deposits.purchase(db=p.db, vault=p.vault, pins=p.pins, customer_id=who.id,
                                     product_code=body.product_code,
                                     amount=parse_amount(body.amount), pin=body.pin,
                                     idempotency_key=body.idempotency_key,
                                     screen=money_screen(request, who, p, body.step_up_id),
                                     channel=channel)
    return JSONResponse(answer.body, status_code=answer.status_code)


@router.get("/deposits")
async def list_holdings(who: CustomerDep, p: PlatformDep) -> HoldingList:
    """The customer's holdings, newest first, with accrued interest and status."""
    items = await deposits.holdings(db=p.db, customer_id=who.id)
    return HoldingList(items=[HoldingView(**x) for x in items])


@router.get("/deposits/{holding_id}")
async def get_holding(holding_id: HoldingId, who: CustomerDep, p: PlatformDep) -> HoldingView:
    return HoldingView(**await deposits.one_holding(db=p.db, customer_id=who.id,
                                                    holding_id=holding_id))


@router.get("/deposits/{holding_id}/withdrawal-trial", responses={409: ERROR_SCHEMA})
async def withdrawal_trial(holding_id: HoldingId, who: CustomerDep, p: PlatformDep,
                           amount: Annotated[str | None, Query(max_length=32)] = None,
                           ) -> WithdrawalTrialView:
    """Interest paid if `amount` (default: all) is withdrawn today, early or at maturity."""
    fen = parse_amount(amount) if amount is not None else None
    return WithdrawalTrialView(**await withdrawals.trial(
        db=p.db, customer_id=who.id, holding_id=holding_id, amount=fen))


@router.post("/deposits/{holding_id}/withdraw",
             responses={200: {"model": WithdrawalResult}, **MONEY_ERRORS})
async def withdraw(holding_id: HoldingId, body: WithdrawRequest, who: CustomerDep,
                   p: PlatformDep, request: Request, channel: ChannelDep) -> JSONResponse:
    """Full, or one partial early, withdrawal into the Class II balance (an early one may
    answer `403 STEP_UP_REQUIRED`)."""
    fen = parse_amount(body.amount) if body.amount is not None else None
    answer = await withdrawals.withdraw(db=p.db, vault=p.vault, pins=p.pins,
                                        customer_id=who.id, holding_id=holding_id,
                                        amount=fen, pin=body.pin,
                                        idempotency_key=body.idempotency_key,
                                        screen=money_screen(request, who, p, body.step_up_id),
                                        channel=channel)
    return JSONResponse(answer.body, status_code=answer.status_code)


@router.put("/deposits/{holding_id}/maturity", responses={409: ERROR_SCHEMA})
async def maturity(holding_id: HoldingId, body: MaturityRequest, who: CustomerDep,
                   p: PlatformDep) -> HoldingView:
    """Maturity instruction: pay out to the account (false) or roll over (true)."""
    return HoldingView(**await deposits.set_maturity_instruction(
        db=p.db, customer_id=who.id, holding_id=holding_id, auto_rollover=body.auto_rollover))
