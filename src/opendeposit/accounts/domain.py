"""Pure account rules: statuses and what they forbid, account numbers, masking, PIN format,
and the regulatory Class II counters (domain.md §1.3, §9.4, §11.11)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from opendeposit.errors import BusinessRuleViolation, ValidationFailed


class AccountStatus(StrEnum):
    NORMAL = "normal"
    NON_COUNTER_SUSPENDED = "non_counter_suspended"  # 暂停非柜面
    RECEIVE_ONLY = "receive_only"  # 只收不付
    FROZEN = "frozen"  # 冻结 / 不收不付
    DORMANT = "dormant"  # 久悬
    CLOSED = "closed"


class Operation(StrEnum):
    TOP_UP = "top_up"  # credit from the bound card
    WITHDRAW = "withdraw"  # debit to the bound card
    BUY_DEPOSIT = "buy_deposit"  # debit into a holding
    DEPOSIT_PAYOUT = "deposit_payout"  # credit from a holding (maturity, early withdrawal)
    INTEREST_CREDIT = "interest_credit"  # bank-initiated credit


@dataclass(frozen=True)
class CustomerAccount:
    """The customer's Class II account with its bound card, as the money use cases need it."""

    id: int
    customer_id: int
    account_no: str
    status: AccountStatus
    ledger_code: str
    chain: int
    holder_name: str
    card_id: int
    card_number: str
    card_bank: str
    card_last4: str


CREDITS = {Operation.TOP_UP, Operation.DEPOSIT_PAYOUT, Operation.INTEREST_CREDIT}
BANK_INITIATED = {Operation.DEPOSIT_PAYOUT, Operation.INTEREST_CREDIT}

# What each status allows. Everything online is non-counter business, so a suspended account
# can only receive what the bank itself pays (matured deposits, interest).
ALLOWED: dict[AccountStatus, frozenset[Operation]] = {
    AccountStatus.NORMAL: frozenset(Operation),
    AccountStatus.RECEIVE_ONLY: frozenset(CREDITS),
    AccountStatus.NON_COUNTER_SUSPENDED: frozenset(BANK_INITIATED),
    AccountStatus.DORMANT: frozenset(BANK_INITIATED),
    AccountStatus.FROZEN: frozenset(),
    AccountStatus.CLOSED: frozenset(),
}


class AccountNotUsable(BusinessRuleViolation):
    code = "ACCOUNT_STATUS_FORBIDS"
    message_en = "The account's status does not allow this operation."
    message_zh = "账户当前状态不允许此交易。"


def check_allowed(status: AccountStatus, op: Operation) -> None:
    if op not in ALLOWED[status]:
        raise AccountNotUsable(
            f"The account is {status.value}; {op.value} is not allowed.",
            f"账户状态为“{STATUS_ZH[status]}”，不能办理此交易。",
            details={"status": status.value, "operation": op.value},
        )


STATUS_ZH = {
    AccountStatus.NORMAL: "正常",
    AccountStatus.NON_COUNTER_SUSPENDED: "暂停非柜面",
    AccountStatus.RECEIVE_ONLY: "只收不付",
    AccountStatus.FROZEN: "冻结",
    AccountStatus.DORMANT: "久悬",
    AccountStatus.CLOSED: "已销户",
}

ACCOUNT_PREFIX = "623058"  # demo issuer prefix of the bank's electronic accounts


def luhn_check_digit(body: str) -> str:
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


def luhn_valid(number: str) -> bool:
    return number.isascii() and number.isdigit() and len(number) >= 12 and \
        luhn_check_digit(number[:-1]) == number[-1]


def account_number(sequence: int) -> str:
    """A 19-digit Class II account number: issuer prefix, 12-digit sequence, Luhn check digit."""
    if not 0 < sequence < 10**12:
        raise ValueError("account sequence out of range")
    body = f"{ACCOUNT_PREFIX}{sequence:012d}"
    return body + luhn_check_digit(body)


def mask_name(name: str) -> str:
    """张*三 style: keep the first and last character (domain.md §11.11)."""
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def mask_id_number(id_number: str) -> str:
    return id_number[:4] + "*" * (len(id_number) - 8) + id_number[-4:]


def mask_phone(phone: str) -> str:
    return phone[:3] + "****" + phone[-4:]


def mask_card(card: str) -> str:
    return "****" + card[-4:]


def mask_account_no(number: str) -> str:
    """6230 **** **** 1234: how receipts and statements print a card or account number."""
    return f"{number[:4]} **** **** {number[-4:]}"


PHONE_RE = re.compile(r"^1[3-9]\d{9}$")
PIN_RE = re.compile(r"^\d{6}$")


class InvalidPhone(ValidationFailed):
    code = "INVALID_PHONE"
    message_en = "Enter a mainland China mobile number of 11 digits."
    message_zh = "请输入11位中国大陆手机号码。"


class WeakPin(ValidationFailed):
    code = "PIN_INVALID_FORMAT"
    message_en = "The transaction PIN must be 6 digits and not trivially guessable."
    message_zh = "交易密码须为6位数字，且不能过于简单。"


def normalize_phone(phone: str) -> str:
    phone = unicodedata.normalize("NFKC", phone).strip()
    if phone.startswith("+86"):
        phone = phone[3:]
    if not (phone.isascii() and PHONE_RE.match(phone)):
        raise InvalidPhone()
    return phone


def check_pin_format(pin: str) -> None:
    if not isinstance(pin, str) or not pin.isascii() or not PIN_RE.match(pin):
        raise WeakPin()


def check_new_pin(pin: str, *, birth_date: date | None = None) -> None:
    """A new PIN: 6 ASCII digits, not all the same, not a straight run, not the birth date."""
    check_pin_format(pin)
    if len(set(pin)) == 1 or pin in "0123456789" or pin in "9876543210":
        raise WeakPin()
    if birth_date and pin in (birth_date.strftime("%y%m%d"), birth_date.strftime("%m%d%y")):
        raise WeakPin()


# --- regulatory Class II counters (domain.md §1.3): kept even though the closed loop makes
# them moot today, so that a future pay/transfer feature cannot breach them. ---------------
class LimitBucket(StrEnum):
    OUT_NON_BOUND = "out_non_bound"  # spending, payments, transfers to non-bound accounts
    IN_NON_BOUND = "in_non_bound"  # transfers in from non-bound accounts, cash in


DAILY_LIMIT = 1_000_000  # 10,000.00 per day, combined
YEARLY_LIMIT = 20_000_000  # 200,000.00 per year, combined


@dataclass(frozen=True)
class LimitUsage:
    bucket: LimitBucket
    used_today: int
    used_this_year: int

    @property
    def left_today(self) -> int:
        return max(0, min(DAILY_LIMIT - self.used_today, YEARLY_LIMIT - self.used_this_year))

    @property
    def left_this_year(self) -> int:
        return max(0, YEARLY_LIMIT - self.used_this_year)


class LimitExceeded(BusinessRuleViolation):
    code = "CLASS_II_LIMIT_EXCEEDED"
    message_en = "This exceeds the Class II account limit of 10,000/day or 200,000/year."
    message_zh = "超出Ⅱ类账户单日1万元或年累计20万元的限额。"


def check_limit(usage: LimitUsage, amount: int) -> None:
    """Bound-card movements and deposit purchases never reach this: they are outside the caps."""
    if amount > usage.left_today:
        raise LimitExceeded(details={"bucket": usage.bucket.value, "left_today": usage.left_today})
