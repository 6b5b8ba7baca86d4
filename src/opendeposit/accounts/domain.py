"""Pure account rules: statuses and what they forbid, account numbers, masking, PIN format,
and the regulatory Class II counters (domain.md §1.3, §9.4, §11.11)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from opendeposit.errors import BusinessRuleViolation, Conflict, Forbidden, ValidationFailed
from opendeposit.writeplan import Refuse, Upsert


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


# --- staff status changes and closing (domain.md §1.7, §11; api.md "Four eyes") -----------------
STAFF_SETTABLE = frozenset({AccountStatus.NORMAL, AccountStatus.NON_COUNTER_SUSPENDED,
                            AccountStatus.RECEIVE_ONLY, AccountStatus.FROZEN,
                            AccountStatus.DORMANT})
FREEZE_RELEASERS = frozenset({"checker", "admin"})


class StatusNotSettable(ValidationFailed):
    code = "ACCOUNT_STATUS_NOT_SETTABLE"
    message_en = "Staff may set normal, non_counter_suspended, receive_only, frozen or dormant; " \
        "closing has its own action."
    message_zh = "只能设置为正常、暂停非柜面、只收不付、冻结或久悬；销户请使用销户功能。"


class AccountClosed(Conflict):
    code = "ACCOUNT_CLOSED"
    message_en = "The account is closed."
    message_zh = "账户已销户。"


class StatusUnchanged(Conflict):
    code = "ACCOUNT_STATUS_UNCHANGED"
    message_en = "The account already has this status."
    message_zh = "账户已是该状态。"


class FreezeReleaseRole(Forbidden):
    code = "ROLE_REQUIRED"
    message_en = "Only a checker or an admin may release a freeze."
    message_zh = "只有复核员或管理员可以解除冻结。"


class FourEyesRequired(Forbidden):
    code = "FOUR_EYES_REQUIRED"
    message_en = "A freeze must be released by someone other than the person who froze it."
    message_zh = "解除冻结须由冻结人以外的另一名员工办理（双人复核）。"


def check_status_change(current: AccountStatus, target: AccountStatus, *, actor: str,
                        actor_roles: frozenset[str], frozen_by: str | None) -> None:
    """A staff status change: only the settable statuses; leaving `frozen` takes a checker or
    an admin who is not the one who froze the account (four eyes)."""
    if target not in STAFF_SETTABLE:
        raise StatusNotSettable(details={"status": target.value})
    if current is AccountStatus.CLOSED:
        raise AccountClosed()
    if current is target:
        raise StatusUnchanged(details={"status": target.value})
    if current is AccountStatus.FROZEN:
        if not actor_roles & FREEZE_RELEASERS:
            raise FreezeReleaseRole(details={"needs": sorted(FREEZE_RELEASERS)})
        if frozen_by is not None and frozen_by == actor:
            raise FourEyesRequired(details={"frozen_by": frozen_by})


@dataclass(frozen=True)
class ClosingFacts:
    """What decides whether an account may be closed, gathered by the caller."""

    status: AccountStatus
    balance: int  # fen, the Class II demand balance
    active_holdings: int
    in_flight: int  # money moves not yet settled (pending card payments, held moves)
    interest_pending: int = 0  # demand interest accrued or settled but not yet credited, fen


class AccountNotClosable(BusinessRuleViolation):
    code = "ACCOUNT_NOT_CLOSABLE"
    http_status = 409
    message_en = "The account cannot be closed yet."
    message_zh = "账户暂不能销户。"


CLOSING_PROBLEMS = {
    "ACCOUNT_CLOSED": ("The account is already closed.", "账户已销户。"),
    "ACCOUNT_FROZEN": ("A frozen account cannot be closed.", "冻结状态的账户不能销户。"),
    "BALANCE_NOT_ZERO": ("The balance must be zero: the customer withdraws it to the bound "
                         "card first.", "账户余额须为零，请客户先提现至绑定卡。"),
    "ACTIVE_HOLDINGS": ("Time deposits are still held: they must be withdrawn or mature "
                        "first.", "尚有未到期的定期存款，须先支取或到期。"),
    "MONEY_IN_FLIGHT": ("A top-up or withdrawal is still in progress.",
                        "尚有处理中的充值或提现。"),
    "INTEREST_PENDING": ("Demand interest is still to be credited (on the 21st after the "
                         "quarterly settlement); close after it is paid out.",
                         "尚有未入账的活期利息（结息后次日入账），入账并提现后方可销户。"),
}


def closing_problems(facts: ClosingFacts) -> list[str]:
    """Every reason the account cannot be closed now (empty: it may be closed)."""
    found = []
    if facts.status is AccountStatus.CLOSED:
        found.append("ACCOUNT_CLOSED")
    if facts.status is AccountStatus.FROZEN:
        found.append("ACCOUNT_FROZEN")
    if facts.balance != 0:
        found.append("BALANCE_NOT_ZERO")
    if facts.active_holdings:
        found.append("ACTIVE_HOLDINGS")
    if facts.in_flight:
        found.append("MONEY_IN_FLIGHT")
    if facts.interest_pending:
        found.append("INTEREST_PENDING")
    return found


def check_closable(facts: ClosingFacts) -> None:
    """An account can be closed only with zero balance, no active holding and nothing in
    flight (nor interest still to pay, nor a freeze). Raises with every reason in `details`."""
    problems = closing_problems(facts)
    if problems:
        en, zh = CLOSING_PROBLEMS[problems[0]]
        raise AccountNotClosable(en, zh, details={"problems": problems})


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


class SearchBy(StrEnum):
    CUSTOMER_ID = "customer_id"  # "#12"
    PHONE = "phone"
    ACCOUNT_NO = "account_no"  # the Class II number, in full
    CARD_NO = "card_no"  # the bound card, in full
    ID_NUMBER = "id_number"
    ID_LAST4 = "id_last4"
    NAME = "name"


class QueryNotUnderstood(ValidationFailed):
    code = "SEARCH_QUERY_INVALID"
    message_en = "Search by phone, account or card number, ID number or its last 4, or full name."
    message_zh = "请输入手机号、账号或卡号、身份证号或其后4位、或客户全名进行查询。"


ID_NUMBER_RE = re.compile(r"^\d{17}[\dX]$")


def classify_query(q: str) -> tuple[SearchBy, str]:
    """What a staff member typed into the one search box, and the value to look up."""
    text = "".join(unicodedata.normalize("NFKC", q).split()).upper()
    if text.startswith("#") and text[1:].isascii() and text[1:].isdigit() and len(text) <= 19:
        return SearchBy.CUSTOMER_ID, text[1:]
    if text.startswith("+86") and len(text) == 14:
        text = text[3:]
    digits = text.isascii() and text.isdigit()
    if digits and PHONE_RE.match(text):
        return SearchBy.PHONE, text
    if digits and len(text) == 19 and text.startswith(ACCOUNT_PREFIX):
        return SearchBy.ACCOUNT_NO, text
    if digits and 12 <= len(text) <= 19:
        return SearchBy.CARD_NO, text
    if text.isascii() and ID_NUMBER_RE.match(text):
        return SearchBy.ID_NUMBER, text
    if len(text) == 4 and text.isascii() and all(c.isdigit() or c == "X" for c in text):
        return SearchBy.ID_LAST4, text
    if len(text) >= 2 and any(c.isalpha() for c in text):
        return SearchBy.NAME, search_name(q)
    raise QueryNotUnderstood(details={"q": q[:40]})


def search_name(name: str) -> str:
    """A name as the staff search matches it: NFKC, no surrounding or inner spaces."""
    return "".join(unicodedata.normalize("NFKC", name).split())


# --- regulatory Class II counters (domain.md §1.3, §9.4). Every movement adds to its bucket
# in the same write plan (`usage_steps`), per business day (Beijing) and calendar year. The two
# regulatory buckets are capped at 10,000/day and 200,000/year combined; the closed loop has no
# flow in them today, so they stay at zero until a pay/transfer feature uses them. Moves to and
# from the bound card and purchases of the bank's deposit products are outside the caps, but
# counted and shown. ---------------------------------------------------------------------------
class LimitBucket(StrEnum):
    OUT_NON_BOUND = "out_non_bound"  # spending, payments, transfers to non-bound accounts
    IN_NON_BOUND = "in_non_bound"  # transfers in from non-bound accounts, cash in
    BOUND_IN = "bound_in"  # top-ups from the bound card (outside the caps)
    BOUND_OUT = "bound_out"  # withdrawals to the bound card (outside the caps)
    PRODUCTS = "products"  # purchases of the bank's deposit products (outside the caps)


CAPPED_BUCKETS = frozenset({LimitBucket.OUT_NON_BOUND, LimitBucket.IN_NON_BOUND})
DAILY_LIMIT = 1_000_000  # 10,000.00 per day, combined
YEARLY_LIMIT = 20_000_000  # 200,000.00 per year, combined


def limit_periods(day: date) -> tuple[str, str]:
    """The day and year keys of the `limit_usage` rows a movement on `day` adds to."""
    return day.isoformat(), str(day.year)


@dataclass(frozen=True)
class LimitUsage:
    bucket: LimitBucket
    used_today: int
    used_this_year: int

    @property
    def capped(self) -> bool:
        return self.bucket in CAPPED_BUCKETS

    @property
    def left_today(self) -> int | None:
        """What may still move today; None for a bucket outside the caps."""
        if not self.capped:
            return None
        return max(0, min(DAILY_LIMIT - self.used_today, YEARLY_LIMIT - self.used_this_year))

    @property
    def left_this_year(self) -> int | None:
        return max(0, YEARLY_LIMIT - self.used_this_year) if self.capped else None


class LimitExceeded(BusinessRuleViolation):
    code = "CLASS_II_LIMIT_EXCEEDED"
    message_en = "This exceeds the Class II account limit of 10,000/day or 200,000/year."
    message_zh = "超出Ⅱ类账户单日1万元或年累计20万元的限额。"


class NonBoundCounterparty(BusinessRuleViolation):
    code = "NON_BOUND_COUNTERPARTY"
    message_en = ("A remotely opened Class II account takes money only from and sends it only "
                  "to its bound card.")
    message_zh = "远程开立的Ⅱ类账户仅限与绑定账户之间转入转出资金。"


def check_limit(usage: LimitUsage, amount: int) -> None:
    """A capped bucket's room for `amount`; buckets outside the caps never refuse."""
    left = usage.left_today
    if left is not None and amount > left:
        raise LimitExceeded(details={"bucket": usage.bucket.value, "left_today": left})


def check_counterparty(*, bound: bool) -> None:
    """§1.3 / §9.4 L4: money in from (or out to) anything but the bound card is refused — the
    regulation forbids inflows from non-bound accounts to a remotely opened Class II, and the
    product allows no outflow but to the bound card."""
    if not bound:
        raise NonBoundCounterparty()


def usage_steps(account_id: int, bucket: LimitBucket, amount: int, day: date) -> tuple[Upsert, ...]:
    """The plan steps that count a movement of `amount` on business day `day` in `bucket`
    (the day row and the year row); a capped bucket's steps refuse past 10,000 a day or
    200,000 a year, so the write itself keeps the limit under concurrency."""
    refuse = Refuse(LimitExceeded(details={"bucket": bucket.value}))
    capped = bucket in CAPPED_BUCKETS
    return tuple(
        Upsert("limit_usage", {"account_id": account_id, "bucket": bucket.value, "period": key},
               add={"used": amount}, cap={"used": cap} if capped else {}, on_miss=refuse)
        for key, cap in zip(limit_periods(day), (DAILY_LIMIT, YEARLY_LIMIT), strict=True))
