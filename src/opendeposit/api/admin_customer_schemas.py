"""Response and request bodies of the staff customer and account routes (OpenAPI models)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, StrictStr

from opendeposit.api.deposits import HoldingView
from opendeposit.api.schemas import Strict

Reason = Annotated[StrictStr, Field(min_length=2, max_length=500,
                                    examples=["客户临柜申请，核实身份后办理"],
                                    description="why; kept in the audit log")]


class CustomerHit(BaseModel):
    customer_id: int
    name_masked: str | None = Field(examples=["张*三"])
    id_number_masked: str | None = Field(examples=["4401**********1234"])
    phone_masked: str = Field(examples=["138****5678"])
    kyc_status: str
    created_at: str | None
    account_no: str | None = Field(description="the Class II number in full")
    account_status: str | None


class CustomerSearch(BaseModel):
    query_kind: Literal["customer_id", "phone", "account_no", "card_no", "id_number",
                        "id_last4", "name"]
    items: list[CustomerHit]


class PinStateView(BaseModel):
    state: Literal["set", "locked", "reset_required", "not_set"]
    failed_attempts: int
    locked_at: str | None


class CustomerProfile(BaseModel):
    customer_id: int
    name_masked: str | None
    id_number_masked: str | None
    phone_masked: str
    kyc_status: str
    created_at: str | None
    birth_year: int | None
    region_code: str | None
    pin: PinStateView


class StaffBoundCard(BaseModel):
    bank: str | None
    card_no_masked: str
    bound_at: str | None


class StaffLimit(BaseModel):
    """A Class II counter; limits null for the buckets outside the caps (bound card, products)."""

    bucket: str
    capped: bool
    daily_limit: str | None
    yearly_limit: str | None
    used_today: str
    used_this_year: str
    left_today: str | None


class StatusChangeLine(BaseModel):
    from_status: str
    to_status: str
    reason: str
    actor: str
    at: str | None


class StaffAccountView(BaseModel):
    account_no: str
    account_class: str
    status: str
    status_reason: str | None
    opened_on: str
    closed_at: str | None
    balance: str
    bound_card: StaffBoundCard | None
    limits: list[StaffLimit]
    status_history: list[StatusChangeLine]


class StaffReceiptLine(BaseModel):
    receipt_no: str
    kind: str
    business_date: str
    amount: str
    reference: str
    issued_at: str | None
    pdf_url: str


class EvidenceLine(BaseModel):
    id: int
    step: str
    kind: str
    outcome: str | None
    model: str | None
    actor: str
    at: str
    image_url: str | None = Field(description="open with ?reason=… (audited)")


class ReviewLine(BaseModel):
    id: int
    status: str
    decided_by: int | None
    decision_note: str | None


class OnboardingLine(BaseModel):
    id: int
    status: str
    created_at: str | None
    decided_at: str | None
    rule_version: str | None
    decision_reasons: list[Any]
    device_id: str
    ip: str
    face: dict[str, Any] | None = Field(description="face comparison and liveness scores")
    review: ReviewLine | None
    evidence: list[EvidenceLine]


class CustomerPage(BaseModel):
    customer: CustomerProfile
    account: StaffAccountView | None = Field(description="the open account, else the latest")
    other_accounts: list[StaffAccountView]
    holdings: list[HoldingView]
    receipts: list[StaffReceiptLine] = Field(description="the latest 20")
    onboarding: list[OnboardingLine]
    risk_alerts: list[dict[str, Any]] = Field(description="from the risk context (empty until "
                                              "it provides them)")
    statement_url: str


class RevealIn(Strict):
    field: Literal["name", "id_number", "phone", "card_no"]
    reason: Reason


class Revealed(BaseModel):
    customer_id: int
    field: str
    value: str


class StatusIn(Strict):
    status: Literal["normal", "non_counter_suspended", "receive_only", "frozen", "dormant"]
    reason: Reason


class ReasonIn(Strict):
    reason: Reason


class StatusChangeView(BaseModel):
    account_no: str
    from_status: str
    status: str
    reason: str
    actor: str


class PinUnlocked(BaseModel):
    account_no: str
    customer_id: int
    pin_state: Literal["reset_required"] = Field(
        description="money calls answer PIN_NOT_SET until the customer sets a new PIN after "
        "face re-verification (POST /api/v1/account/pin/reset)")
