"""Response bodies of the risk routes (customer step-up and lifecycle, staff risk), so the
OpenAPI schema documents every field. Amounts are decimal strings; evidence is a small object
whose keys depend on the rule (docs/risk.md)."""

from __future__ import annotations

import builtins
from typing import Any

from pydantic import BaseModel, Field

from opendeposit.api.schemas import BoundCardView

# --------------------------------------------------------------------------- customer


class StepUpView(BaseModel):
    id: str
    operation: str = Field(examples=["top_up", "bound_card.change", "pin.reset"])
    methods: list[str] = Field(examples=[["face", "sms"]])
    status: str = Field(description="pending | verified | used | failed")
    method: str | None = Field(None, description="how it was passed")
    reason: str = Field(description="the rule codes (or the flow) that asked for it")
    expires_at: str
    attempts_left: int
    expired: bool | None = None


class ChallengeView(BaseModel):
    """The onboarding liveness challenge (identity/docs.md): the actions, and the one-time key
    and rules the client signs its pictures with (the capture protocol)."""

    nonce: str
    actions: list[str] = Field(examples=[["turn_left", "blink", "open_mouth"]])
    expires_at: str
    frames_expected: int
    capture_key: str | None = None
    capture: dict[str, Any] | None = Field(None, description="{version, labels, min_gap_ms}")
    provider: str | None = Field(None, description="local | vendor")


class SmsSentView(BaseModel):
    step_up_id: str
    sms_sent_to: str = Field(examples=["138****0001"])
    expires_in: int


class CardChangeStarted(BaseModel):
    change_id: int
    status: str = Field(examples=["sms_sent"])
    card: BoundCardView
    sms_sent_to: str
    expires_in: int


class CardChangeDone(BaseModel):
    bound_card: BoundCardView
    bound_at: str


class StatusView(BaseModel):
    status: str


# --------------------------------------------------------------------------- staff


class RuleRef(BaseModel):
    code: str
    version: int
    description: str
    description_zh: str


class HitView(BaseModel):
    code: str
    version: int
    action: str
    evidence: dict[str, Any]


class DecisionView(BaseModel):
    id: int
    customer_id: int
    kind: str = Field(description="login | top_up | withdraw | purchase | early_withdrawal | "
                      "card_change | pin_reset")
    amount: str
    action: str = Field(description="allow | step_up | hold | block (alerts only: allow)")
    ruleset: str = Field(description="digest of the rule versions in force")
    hits: list[HitView]
    facts: dict[str, Any]
    device_id: str | None
    ip: str | None
    reference: str
    step_up_id: str | None
    stepped_up: bool
    at: str | None


class AlertView(BaseModel):
    id: int
    customer_id: int
    decision_id: int
    rule: RuleRef
    action: str
    evidence: dict[str, Any]
    status: str = Field(description="open | escalated | dismissed | blocked | cleared")
    case_id: int | None
    created_at: str | None
    updated_at: str | None


class AlertPage(BaseModel):
    items: list[AlertView]
    next_before: int | None


class StaffActionView(BaseModel):
    decision: str
    reason: str
    actor: str
    at: str | None


class AlertDetail(AlertView):
    decision: DecisionView
    actions: list[StaffActionView]
    account_status: str | None = Field(None, description="after a block: the new status")


class CaseView(BaseModel):
    id: int
    customer_id: int
    kind: str
    status: str = Field(description="open | blocked | closed")
    reason: str
    opened_by: str
    opened_at: str | None
    updated_at: str | None


class CaseDetail(CaseView):
    alerts: list[AlertView]


class DecisionPage(BaseModel):
    items: list[DecisionView]
    next_before: int | None


class ThresholdView(BaseModel):
    name: str
    unit: str = Field(description="amount | count | minutes | hours | days | percent | "
                      "hour_of_day | flag")
    value: int | str
    default: int | str
    min: int | str
    max: int | str
    help: str


class RuleView(BaseModel):
    code: str
    version: int
    action: str
    enabled: bool
    description: str
    description_zh: str
    events: list[str]
    default_action: str
    thresholds: list[ThresholdView]
    changed_by: str | None
    changed_at: str | None
    reason: str


class RuleVersions(BaseModel):
    code: str
    versions: list[RuleView]


class RatingView(BaseModel):
    level: str = Field(description="low | medium | high")
    reasons: list[str]
    trigger: str | None = None
    at: str | None = None


class CustomerRisk(BaseModel):
    customer_id: int
    rating: RatingView
    rating_history: list[RatingView]
    alerts: list[AlertView]


class ListImportResult(BaseModel):
    import_id: int
    list: str
    mode: str
    rows: int
    added: int
    deactivated: int
    customers_hit: int


class ListImportView(BaseModel):
    id: int
    mode: str
    rows: int
    added: int
    deactivated: int
    file_sha256: str
    actor: str
    at: str


class ListSummary(BaseModel):
    list: str  # the field's name shadows the builtin in the class body below it
    active: int
    imports: builtins.list[ListImportView]


class LargeValueTransaction(BaseModel):
    id: str = Field(description="the payment order number")
    amount: str
    kind: str = Field(description="top_up | withdraw")


class LargeValueLine(BaseModel):
    customer_id: int
    name_masked: str | None
    id_number_masked: str | None
    business_date: str
    direction: str = Field(description="in | out")
    total: str
    transactions: list[LargeValueTransaction]


class LargeValueReport(BaseModel):
    business_date: str
    produced: bool = Field(description="false until EOD wrote the day's report (live figures)")
    items: list[LargeValueLine]
