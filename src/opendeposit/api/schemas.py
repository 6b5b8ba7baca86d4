"""Request and response bodies of the customer API (names fixed by docs/api contract)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Path
from pydantic import BaseModel, ConfigDict, Field, StrictStr

Amount = Annotated[StrictStr, Field(description="Decimal string, at most 2 decimals",
                                    examples=["1000.00"], max_length=32)]
Pin = Annotated[StrictStr, Field(description="6-digit transaction PIN", examples=["135790"],
                                 max_length=6)]
IdemKey = Annotated[StrictStr, Field(min_length=1, max_length=64,
                                     description="Unique per attempt; a retry reuses it",
                                     examples=["5f0c2a8e-9a77-4d7c-9d62-2f1f6f0a8b11"])]
StepUpId = Annotated[StrictStr | None, Field(
    None, min_length=1, max_length=64,
    description="a passed step-up: repeat the call that answered 403 STEP_UP_REQUIRED with "
                "its step_up_id and the same idempotency_key (the body comparison ignores it)")]

# Every numeric id in a path fits a BIGINT: a larger one is a 422, never a driver overflow (500).
PathId = Annotated[int, Path(ge=1, le=2**63 - 1, description="a positive 64-bit id")]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SmsCodeRequest(Strict):
    phone: StrictStr = Field(max_length=20, examples=["13800138000"])
    device_id: StrictStr = Field("web", max_length=64, examples=["d-3f2a9c"])


class LoginRequest(Strict):
    phone: StrictStr = Field(max_length=20, examples=["13800138000"])
    code: StrictStr = Field(max_length=6, examples=["123456"])
    device_id: StrictStr = Field(max_length=64, examples=["d-3f2a9c"])
    channel: Literal["H5", "WX"] | None = Field(None, description="the client: H5 app or "
                                                "WeChat mini-program")


class LoginResponse(BaseModel):
    token: str
    customer_id: int
    expires_in: int = Field(description="seconds")
    device_id: str | None = Field(None, description="the server-issued, signed device id: "
                                  "send it as `device_id` from now on (a made-up one is "
                                  "treated as an unknown device)")


class MoveRequest(Strict):
    amount: Amount
    pin: Pin
    idempotency_key: IdemKey
    step_up_id: StepUpId = None


class BoundCardView(BaseModel):
    bank: str
    card_no_masked: str = Field(examples=["****1234"])


class LimitView(BaseModel):
    """A Class II counter (domain.md §1.3): `out_non_bound` / `in_non_bound` are capped at
    10,000.00 a day and 200,000.00 a year combined; `bound_in`, `bound_out` (the bound card)
    and `products` (deposit purchases) are outside the caps, counted and shown (limits null)."""

    bucket: str
    capped: bool
    daily_limit: str | None
    yearly_limit: str | None
    used_today: str
    used_this_year: str
    left_today: str | None


class AccountView(BaseModel):
    account_no: str = Field(examples=["6230****1234"])
    account_class: str = "II"
    balance: str = Field(examples=["1000.00"])
    status: str
    bound_card: BoundCardView
    limits: list[LimitView]
    opened_on: str


class MoveResult(BaseModel):
    order_no: str
    transaction_serial: str | None = Field(
        default=None, description="交易流水号: Beijing date + channel (WX/H5) + 12 digits")
    direction: str
    amount: str
    status: str = Field(description="succeeded | pending (202)")
    balance: str
    bound_card: BoundCardView


class StatementLineView(BaseModel):
    id: str
    at: str
    business_date: str
    kind: str
    amount: str = Field(description="signed: + in, - out")
    balance_after: str
    description: str
    reference: str
    transaction_serial: str | None = Field(
        default=None, description="交易流水号 of the movement (none for bank-side lines)")
    receipt_no: str | None = None


class StatementPage(BaseModel):
    items: list[StatementLineView]
    next_cursor: str | None


class MeView(BaseModel):
    customer_id: int
    phone: str = Field(description="masked", examples=["138****8000"])
    name: str | None = Field(description="the customer's own name, in full", examples=["张伟"])
    name_masked: str | None = Field(None, examples=["张*"])
    id_number: str | None = Field(None, description="masked", examples=["4403**********1315"])
    kyc_status: str
    has_account: bool
    account: AccountView | None
    business_date: str
