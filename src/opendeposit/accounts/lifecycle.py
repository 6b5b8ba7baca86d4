"""Pure rules of the account's life after opening (domain.md §1.5, §1.7, §11.7): dormancy,
re-activation after a face re-verification, changing the bound card, resetting the PIN and
closing by the customer. Each check lists every problem it finds; the first is raised.

Closing has one rule for the customer's own close and the staff close alike:
`accounts.domain.closing_problems` (not frozen, zero balance, no active holding, nothing in
flight or held for a risk review, no demand interest still to credit).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date

from opendeposit.accounts.domain import AccountNotUsable, AccountStatus
from opendeposit.errors import BusinessRuleViolation, OpenDepositError

DORMANT_NEW_ACCOUNT = "DORMANT_NEW_ACCOUNT"  # no activity for 6 months after opening
LONG_DORMANT = "LONG_DORMANT"  # no activity for a year (bank-defined, domain.md §1.7)
DORMANCY_REASONS = frozenset({DORMANT_NEW_ACCOUNT, LONG_DORMANT})


def add_months(d: date, months: int) -> date:
    """The same day `months` later, clamped to the month's last day."""
    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    return date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class DormancyPolicy:
    new_account_months: int = 6
    long_dormant_months: int = 12


@dataclass(frozen=True)
class StatusChange:
    status: AccountStatus
    reason: str


def dormancy_change(*, status: AccountStatus, status_reason: str | None, opened_on: date,
                    last_activity_on: date | None, today: date,
                    policy: DormancyPolicy = DormancyPolicy()) -> StatusChange | None:
    """The status EOD should set today, or None. Customer-initiated activity only counts
    (top-up, withdrawal, purchase, early withdrawal); the bank's own credits do not.

    - never used, `new_account_months` after opening → non-counter suspended (DORMANT_NEW_ACCOUNT)
    - no activity for `long_dormant_months` (since opening when never used) → dormant
    A status set by staff or by a risk block is never overwritten."""
    dormant_since = add_months(last_activity_on or opened_on, policy.long_dormant_months)
    suspended_by_dormancy = (status is AccountStatus.NON_COUNTER_SUSPENDED
                             and status_reason in DORMANCY_REASONS)
    if status is not AccountStatus.NORMAL and not suspended_by_dormancy:
        return None
    if today >= dormant_since:
        return StatusChange(AccountStatus.DORMANT, LONG_DORMANT)
    new_deadline = add_months(opened_on, policy.new_account_months)
    if status is AccountStatus.NORMAL and last_activity_on is None and today >= new_deadline:
        return StatusChange(AccountStatus.NON_COUNTER_SUSPENDED, DORMANT_NEW_ACCOUNT)
    return None


# the statuses the dormancy rules set (with one of DORMANCY_REASONS)
DORMANCY_STATUSES = frozenset({AccountStatus.NON_COUNTER_SUSPENDED, AccountStatus.DORMANT})


def reactivation_allowed(status: AccountStatus, status_reason: str | None) -> bool:
    """A face re-verification lifts a status that dormancy set — never one set by staff."""
    return (status in DORMANCY_STATUSES
            and (status_reason or "").split(":")[0] in DORMANCY_REASONS)


class ReverificationRequired(BusinessRuleViolation):
    code = "REVERIFICATION_REQUIRED"
    http_status = 403
    message_en = "The account was inactive for a long time: verify your face to use it again."
    message_zh = "账户长期未使用，请先完成人脸识别验证后再使用。"


class NotReactivatable(BusinessRuleViolation):
    code = "ACCOUNT_NOT_DORMANT"
    http_status = 409
    message_en = "The account is not suspended for inactivity."
    message_zh = "账户并非因长期未使用而暂停。"


def _rule(code: str, en: str, zh: str, status: int = 409) -> type[OpenDepositError]:
    return type("".join(w.title() for w in code.split("_")), (BusinessRuleViolation,),
                {"code": code, "message_en": en, "message_zh": zh, "http_status": status,
                 "__module__": __name__, "__doc__": en})


BalanceNotZero = _rule("ACCOUNT_BALANCE_NOT_ZERO", "The account balance must be zero: withdraw "
                       "it to the bound card first.", "账户余额须为零，请先将余额提现至绑定卡。")
MoneyInFlight = _rule("ACCOUNT_MONEY_IN_FLIGHT", "A top-up or withdrawal is still being "
                      "processed; try again when it is settled.", "尚有充值或提现在处理中，"
                      "请待其完成后再试。")
HoldOpen = _rule("ACCOUNT_HOLD_OPEN", "A payment is on hold for a risk review.",
                 "有交易正在风险审核中。")
HasActiveHoldings = _rule("ACCOUNT_HAS_ACTIVE_HOLDINGS", "The account still has time deposits; "
                          "they must mature or be withdrawn first.", "账户尚有未到期的定期存款。")
CardSameAsBound = _rule("CARD_SAME_AS_BOUND", "This card is already your bound card.",
                        "该卡已是您的绑定卡。", 422)
CardChangeTooFrequent = _rule("CARD_CHANGE_TOO_FREQUENT", "The bound card was changed too often "
                              "this year; please visit a branch.",
                              "本年度换绑次数过多，请到网点办理。", 429)
PROBLEMS: dict[str, type[OpenDepositError]] = {
    e.code: e for e in (BalanceNotZero, MoneyInFlight, HoldOpen, HasActiveHoldings,
                        CardSameAsBound, CardChangeTooFrequent)}


def raise_first(problems: list[str], *, status: AccountStatus | None = None,
                operation: str = "") -> None:
    """Raise the first problem's error, with all of them in `details.problems`."""
    if not problems:
        return
    details: dict[str, object] = {"problems": problems}
    if problems[0] == AccountNotUsable.code:
        raise AccountNotUsable(details={**details, "status": status.value if status else None,
                                        "operation": operation})
    raise PROBLEMS[problems[0]](details=details)


@dataclass(frozen=True)
class MoneyState:
    """What the account holds and has under way (read by the caller in one transaction)."""

    balance: int
    in_flight: int = 0  # open payment orders (initiated or pending)
    open_holds: int = 0  # money moves held for a risk review
    active_holdings: int = 0


@dataclass(frozen=True)
class CardChangePolicy:
    max_changes_per_year: int = 3  # domain.md §10.8: the bank caps bound-card changes


def card_change_problems(*, status: AccountStatus, money: MoneyState, same_card: bool,
                         changes_this_year: int,
                         policy: CardChangePolicy = CardChangePolicy()) -> list[str]:
    """§1.5/§11.7: five elements + SMS on the new card (checked by the flow), a face
    re-verification, a zero balance and nothing in flight. Time deposits may stay: they pay
    out into the Class II account, never to the card."""
    out = [] if status is AccountStatus.NORMAL else [AccountNotUsable.code]
    if same_card:
        out.append(CardSameAsBound.code)
    if money.balance != 0:
        out.append(BalanceNotZero.code)
    if money.in_flight:
        out.append(MoneyInFlight.code)
    if money.open_holds:
        out.append(HoldOpen.code)
    if changes_this_year >= policy.max_changes_per_year:
        out.append(CardChangeTooFrequent.code)
    return out


def pin_reset_problems(*, status: AccountStatus) -> list[str]:
    """A PIN reset moves no money: any status but closed may reset (a face re-verification
    is the proof; after a staff unlock it is the only way back)."""
    return [AccountNotUsable.code] if status is AccountStatus.CLOSED else []
