"""Product rules (pure): kinds and terms, dated rate table, publishing and purchase checks."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Literal, TypeAlias

from opendeposit.deposits.domain import (
    MIN_TIME_DEPOSIT,
    AmountNotPositive,
    add_months,
    interest_whole_term,
)
from opendeposit.errors import BusinessRuleViolation, OpenDepositError, ValidationFailed


class ProductKind(StrEnum):
    TIME_DEPOSIT = "time_deposit"  # 整存整取
    LARGE_CD = "large_cd"  # 大额存单


DEMAND: Literal["demand"] = "demand"  # the 活期 row of the rate table (term 0)
RateKind: TypeAlias = ProductKind | Literal["demand"]

ALLOWED_TERMS: dict[ProductKind, tuple[int, ...]] = {  # months, §3.5 and §3.6
    ProductKind.TIME_DEPOSIT: (3, 6, 12, 24, 36, 60),
    ProductKind.LARGE_CD: (1, 3, 6, 9, 12, 18, 24, 36, 60),
}
MIN_AMOUNT_FLOOR: dict[ProductKind, int] = {  # fen; large CD: the individual minimum of 200,000.00
    ProductKind.TIME_DEPOSIT: MIN_TIME_DEPOSIT,
    ProductKind.LARGE_CD: 20_000_000,
}

INSURED_STATEMENT_ZH = (
    "本行吸收的本外币存款依照《存款保险条例》受到保护。"
    "存款保险实行限额偿付，最高偿付限额为人民币50万元（500,000元）："
    "同一存款人在同一家投保机构所有被保险存款账户的存款本金和利息合并计算，"
    "在最高偿付限额以内的实行全额偿付，超出部分依法从投保机构清算财产中受偿。"
)
INSURED_STATEMENT_EN = (
    "RMB and foreign-currency deposits with this bank are protected under the Deposit "
    "Insurance Regulations (《存款保险条例》). Deposit insurance pays up to 500,000 yuan per "
    "depositor per insured institution, with the principal and interest of all of the "
    "depositor's insured accounts at that institution combined; any amount above the limit "
    "is claimed from the institution's liquidation estate."
)
DEPOSIT_INSURANCE_LOGO_TEXT = "存款保险 DEPOSIT INSURANCE"


class RateNotDefined(BusinessRuleViolation):
    code = "RATE_NOT_DEFINED"
    message_en = "No rate is defined for this product and term on this date."
    message_zh = "该产品期限在此日期没有已生效的利率。"


class RateTableInvalid(ValidationFailed):
    code = "RATE_TABLE_INVALID"
    message_en = "The rate table is not valid."
    message_zh = "利率表配置不正确。"


class RateInvalid(ValidationFailed):
    code = "RATE_INVALID"
    message_en = "The rate must be a non-negative decimal percentage."
    message_zh = "利率须为非负的百分比数值。"


class RateAboveCeiling(BusinessRuleViolation):
    code = "RATE_ABOVE_CEILING"
    message_en = "The rate is above the ceiling for this term."
    message_zh = "利率超过该期限的利率上限。"


class TermNotOffered(ValidationFailed):
    code = "TERM_NOT_OFFERED"
    message_en = "This term is not offered for this kind of product."
    message_zh = "该类产品不提供此期限。"


class MinAmountTooLow(ValidationFailed):
    code = "MIN_AMOUNT_TOO_LOW"
    message_en = "The minimum amount is below the regulatory minimum for this kind of product."
    message_zh = "起存金额低于该类产品的规定起点。"


class StepInvalid(ValidationFailed):
    code = "STEP_INVALID"
    message_en = "The amount step must be positive and not larger than the minimum amount."
    message_zh = "递增金额须大于零且不超过起存金额。"


class SaleWindowInvalid(ValidationFailed):
    code = "SALE_WINDOW_INVALID"
    message_en = "The sale window ends before it starts."
    message_zh = "销售截止日早于销售起始日。"


class QuotaInvalid(ValidationFailed):
    code = "QUOTA_INVALID"
    message_en = "The quota or per-customer limit cannot hold even the minimum amount."
    message_zh = "额度或单户限额设置不正确。"


class ServiceAreaInvalid(ValidationFailed):
    code = "SERVICE_AREA_INVALID"
    message_en = "Service-area entries must be region-code prefixes of 2 to 6 digits."
    message_zh = "服务区域须为2至6位行政区划代码前缀。"


class ProductNotOnSale(BusinessRuleViolation):
    code = "PRODUCT_NOT_ON_SALE"
    message_en = "This product is not on sale today."
    message_zh = "该产品当前不在销售期内。"


class AmountBelowMinimum(BusinessRuleViolation):
    code = "AMOUNT_BELOW_MINIMUM"
    message_en = "The amount is below the product's minimum."
    message_zh = "购买金额低于起存金额。"


class AmountOffStep(BusinessRuleViolation):
    code = "AMOUNT_OFF_STEP"
    message_en = "Above the minimum, the amount must go up in the product's steps."
    message_zh = "超过起存金额的部分须为递增金额的整数倍。"


class AboveCustomerLimit(BusinessRuleViolation):
    code = "ABOVE_CUSTOMER_LIMIT"
    message_en = "This would take you above the product's limit per customer."
    message_zh = "超过该产品单户购买上限。"


class QuotaExceeded(BusinessRuleViolation):
    code = "QUOTA_EXCEEDED"
    message_en = "Not enough of this product's quota is left."
    message_zh = "产品剩余额度不足。"


class RegionNotEligible(BusinessRuleViolation):
    code = "REGION_NOT_ELIGIBLE"
    message_en = "This product is not offered in your region."
    message_zh = "该产品不面向您所在地区销售。"


@dataclass(frozen=True)
class RateEntry:
    """One dated row: board rate (挂牌利率) and ceiling (利率上限), % a year, from a date on."""

    kind: RateKind
    term_months: int  # 0 for demand
    board_rate: Decimal
    ceiling: Decimal
    effective_from: date


def _is_rate(value: object) -> bool:
    return isinstance(value, Decimal) and value.is_finite() and value >= 0


def _entry_term_ok(entry: RateEntry) -> bool:
    if entry.kind == DEMAND:
        return entry.term_months == 0
    offered = {str(kind): terms for kind, terms in ALLOWED_TERMS.items()}
    return entry.term_months in offered.get(str(entry.kind), ())


def _check_entry(entry: RateEntry) -> None:
    rates_ok = _is_rate(entry.board_rate) and _is_rate(entry.ceiling)
    if not (_entry_term_ok(entry) and rates_ok and entry.board_rate <= entry.ceiling):
        raise RateTableInvalid(details={"entry": repr(entry)})


class RateTable:
    """Board rates and ceilings as dated data; a lookup takes the latest entry in force on `on`."""

    def __init__(self, entries: Iterable[RateEntry]) -> None:
        self._history: dict[tuple[str, int], list[RateEntry]] = {}
        for entry in entries:
            _check_entry(entry)
            self._history.setdefault((str(entry.kind), entry.term_months), []).append(entry)
        for rows in self._history.values():
            rows.sort(key=lambda row: row.effective_from)
            dates = [row.effective_from for row in rows]
            if len(set(dates)) != len(dates):
                raise RateTableInvalid(details={"duplicate": repr(rows[0])})

    def entry(self, kind: RateKind, term_months: int, on: date) -> RateEntry:
        rows = self._history.get((str(kind), term_months), [])
        in_force = [row for row in rows if row.effective_from <= on]
        if not in_force:
            details = {"kind": str(kind), "term_months": term_months, "on": on.isoformat()}
            raise RateNotDefined(details=details)
        return in_force[-1]

    def board_rate(self, kind: RateKind, term_months: int, on: date) -> Decimal:
        return self.entry(kind, term_months, on).board_rate

    def ceiling(self, kind: RateKind, term_months: int, on: date) -> Decimal:
        return self.entry(kind, term_months, on).ceiling

    def demand_rate(self, on: date) -> Decimal:
        return self.board_rate(DEMAND, 0, on)


# DEMO DATA ONLY: the bank sets and publishes its own board rates and ceilings.
# Board rates: the city-commercial-bank demo of §11.9, in force from 2025-05-20.
# Ceilings: the self-regulatory "benchmark + bp" reading of §3.2 for a non-big bank, i.e. the
# PBOC benchmark of §3.1 + 75 bp; 5y (no benchmark) and the large CD reuse the 3y ceiling;
# demand is capped at its benchmark 0.35.
DEMO_EFFECTIVE_FROM = date(2025, 5, 20)


def _demo(kind: RateKind, term: int, board: str, ceiling: str) -> RateEntry:
    return RateEntry(kind, term, Decimal(board), Decimal(ceiling), DEMO_EFFECTIVE_FROM)


DEMO_RATES: tuple[RateEntry, ...] = (
    _demo(DEMAND, 0, "0.05", "0.35"),
    _demo(ProductKind.TIME_DEPOSIT, 3, "0.80", "1.85"),
    _demo(ProductKind.TIME_DEPOSIT, 6, "1.00", "2.05"),
    _demo(ProductKind.TIME_DEPOSIT, 12, "1.20", "2.25"),
    _demo(ProductKind.TIME_DEPOSIT, 24, "1.30", "2.85"),
    _demo(ProductKind.TIME_DEPOSIT, 36, "1.55", "3.50"),
    _demo(ProductKind.TIME_DEPOSIT, 60, "1.60", "3.50"),
    _demo(ProductKind.LARGE_CD, 36, "1.75", "3.50"),
)


@dataclass(frozen=True)
class ProductTerms:
    """A deposit product as published; amounts in fen, sale dates inclusive."""

    code: str
    name: str
    kind: ProductKind
    term_months: int
    rate: Decimal
    min_amount: int
    step_amount: int
    max_per_customer: int
    total_quota: int
    sale_start: date
    sale_end: date
    service_area_prefixes: tuple[str, ...] = ()  # region-code prefixes; empty = nationwide
    allow_partial_withdrawal: bool = True
    allow_rollover: bool = True


def _term_problem(terms: ProductTerms) -> OpenDepositError | None:
    if terms.term_months not in ALLOWED_TERMS[terms.kind]:
        return TermNotOffered(details={"kind": str(terms.kind), "term_months": terms.term_months})
    return None


def _min_amount_problem(terms: ProductTerms) -> OpenDepositError | None:
    floor = MIN_AMOUNT_FLOOR[terms.kind]
    if terms.min_amount < floor:
        return MinAmountTooLow(details={"min_amount": terms.min_amount, "floor": floor})
    return None


def _step_problem(terms: ProductTerms) -> OpenDepositError | None:
    if not 0 < terms.step_amount <= terms.min_amount:
        return StepInvalid(details={"step_amount": terms.step_amount})
    return None


def _quota_problem(terms: ProductTerms) -> OpenDepositError | None:
    if min(terms.total_quota, terms.max_per_customer) < max(terms.min_amount, 1):
        return QuotaInvalid(
            details={"total_quota": terms.total_quota, "max_per_customer": terms.max_per_customer}
        )
    return None


def _window_problem(terms: ProductTerms) -> OpenDepositError | None:
    if terms.sale_end < terms.sale_start:
        return SaleWindowInvalid(details={"sale_start": terms.sale_start.isoformat()})
    return None


def _area_problem(terms: ProductTerms) -> OpenDepositError | None:
    for prefix in terms.service_area_prefixes:
        if not (2 <= len(prefix) <= 6 and prefix.isascii() and prefix.isdigit()):
            return ServiceAreaInvalid(details={"prefix": prefix})
    return None


def _rate_problem(terms: ProductTerms, rates: RateTable, on: date) -> OpenDepositError | None:
    if not _is_rate(terms.rate):
        return RateInvalid(details={"rate": str(terms.rate)})
    try:
        ceiling = rates.ceiling(terms.kind, terms.term_months, on)
    except RateNotDefined as missing:
        return missing
    if terms.rate > ceiling:
        return RateAboveCeiling(details={"rate": str(terms.rate), "ceiling": str(ceiling)})
    return None


_STATIC_CHECKS: tuple[Callable[[ProductTerms], OpenDepositError | None], ...] = (
    _term_problem,
    _min_amount_problem,
    _step_problem,
    _quota_problem,
    _window_problem,
    _area_problem,
)


def product_problems(terms: ProductTerms, rates: RateTable, *, on: date) -> list[OpenDepositError]:
    """Every reason the product may not be published on `on` (empty list: publishable)."""
    problems = [problem for check in _STATIC_CHECKS if (problem := check(terms)) is not None]
    if not any(isinstance(problem, TermNotOffered) for problem in problems):
        rate_problem = _rate_problem(terms, rates, on)
        if rate_problem is not None:
            problems.append(rate_problem)
    return problems


def validate_product(terms: ProductTerms, rates: RateTable, *, on: date) -> None:
    """Raise the first reason the product may not be published on `on`."""
    problems = product_problems(terms, rates, on=on)
    if problems:
        raise problems[0]


def region_eligible(terms: ProductTerms, region_code: str | None) -> bool:
    """Nationwide products take anyone; otherwise the region code must match a prefix."""
    if not terms.service_area_prefixes:
        return True
    return region_code is not None and region_code.startswith(terms.service_area_prefixes)


def check_purchase(
    terms: ProductTerms,
    *,
    amount: int,
    on: date,
    already_held: int,
    quota_left: int,
    region_code: str | None,
) -> None:
    """Refuse a purchase the product's rules do not allow; return None when it may go ahead."""
    if not terms.sale_start <= on <= terms.sale_end:
        raise ProductNotOnSale(details={"on": on.isoformat()})
    if not region_eligible(terms, region_code):
        raise RegionNotEligible(details={"region_code": region_code})
    if amount < terms.min_amount:
        raise AmountBelowMinimum(details={"amount": amount, "min_amount": terms.min_amount})
    if terms.step_amount <= 0:
        raise StepInvalid(details={"step_amount": terms.step_amount})
    if (amount - terms.min_amount) % terms.step_amount != 0:
        raise AmountOffStep(details={"amount": amount, "step_amount": terms.step_amount})
    if already_held + amount > terms.max_per_customer:
        raise AboveCustomerLimit(
            details={"already_held": already_held, "max_per_customer": terms.max_per_customer}
        )
    if amount > quota_left:
        raise QuotaExceeded(details={"amount": amount, "quota_left": quota_left})


@dataclass(frozen=True)
class Trial:
    """Interest trial (收益试算) for holding the product to maturity."""

    amount: int
    rate: Decimal
    term_months: int
    interest: int
    maturity_date: date


def trial(terms: ProductTerms, *, amount: int, start: date) -> Trial:
    """Whole-term interest and maturity date if `amount` is held to maturity from `start`."""
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise AmountNotPositive(details={"amount": str(amount)})
    return Trial(
        amount=amount,
        rate=terms.rate,
        term_months=terms.term_months,
        interest=interest_whole_term(amount, terms.rate, terms.term_months),
        maturity_date=add_months(start, terms.term_months),
    )


def split_quota(total: int, shards: int) -> list[int]:
    """Split a quota into `shards` sub-quotas that sum to `total` and differ by at most 1 fen."""
    if shards < 1 or total < 0:
        raise QuotaInvalid(details={"total": total, "shards": shards})
    base, extra = divmod(total, shards)
    return [base + 1 if index < extra else base for index in range(shards)]


def home_shard(customer_id: int, shards: int) -> int:
    """The quota shard a customer's purchases decrement first (spreads the hot row)."""
    return customer_id % shards


def plan_quota_take(remaining: Iterable[tuple[int, int]], amount: int) -> list[tuple[int, int]]:
    """Fallback when the home shard lacks: take from shards in ascending order, exactly `amount`.

    `remaining` is (shard, fen left) for every shard; returns (shard, fen to take) pairs, or
    raises QuotaExceeded when all shards together hold less than `amount`.
    """
    rows = sorted(remaining)
    left = sum(fen for _, fen in rows)
    if amount > left:
        raise QuotaExceeded(details={"amount": amount, "quota_left": left})
    plan: list[tuple[int, int]] = []
    need = amount
    for shard, fen in rows:
        if need == 0:
            break
        take = min(fen, need)
        if take > 0:
            plan.append((shard, take))
            need -= take
    return plan


_RATE_TEXT_MAX = 12


def parse_rate(text: str) -> Decimal:
    """A percent-a-year string such as "1.75" (at most 4 decimals, below 100) as a Decimal."""
    body = text if isinstance(text, str) else ""
    whole, dot, fraction = body.partition(".")
    plain = whole.isascii() and whole.isdigit() and (not dot or (fraction.isascii()
                                                              and fraction.isdigit()))
    if not plain or len(body) > _RATE_TEXT_MAX or len(whole) > 2 or len(fraction) > 4 or \
            (len(whole) > 1 and whole.startswith("0")):
        raise RateInvalid(details={"rate": str(text)[:_RATE_TEXT_MAX]})
    return Decimal(body)


def format_rate(rate: Decimal) -> str:
    """API form of a rate: at least 2 decimals ("1.7" → "1.70", "1.755" stays)."""
    exponent = rate.as_tuple().exponent
    places = max(2, -exponent if isinstance(exponent, int) else 2)
    return f"{rate:.{places}f}"


class ProductStatus(StrEnum):
    DRAFT = "draft"
    PENDING = "pending"  # submitted by a maker, waiting for a checker (待复核)
    PUBLISHED = "published"
    SUSPENDED = "suspended"


class ProductStateInvalid(BusinessRuleViolation):
    code = "PRODUCT_STATE_INVALID"
    http_status = 409
    message_en = "The product is not in a state that allows this."
    message_zh = "产品当前状态不允许此操作。"


class MakerCheckerSamePerson(BusinessRuleViolation):
    code = "MAKER_CHECKER_SAME_PERSON"
    http_status = 403
    message_en = "A product must be approved by someone other than the person who submitted it."
    message_zh = "产品发布须由提交人以外的另一人复核。"


_TRANSITIONS: dict[str, dict[ProductStatus, ProductStatus]] = {
    "edit": {ProductStatus.DRAFT: ProductStatus.DRAFT},
    "submit": {ProductStatus.DRAFT: ProductStatus.PENDING,
               ProductStatus.SUSPENDED: ProductStatus.PENDING},
    "approve": {ProductStatus.PENDING: ProductStatus.PUBLISHED},
    "reject": {ProductStatus.PENDING: ProductStatus.DRAFT},
    "suspend": {ProductStatus.PUBLISHED: ProductStatus.SUSPENDED},
}


def next_status(status: ProductStatus, action: str) -> ProductStatus:
    """The publishing workflow (maker–checker): which action moves a product where."""
    target = _TRANSITIONS[action].get(status)
    if target is None:
        raise ProductStateInvalid(details={"status": status.value, "action": action})
    return target


class RateBackdated(BusinessRuleViolation):
    code = "RATE_BACKDATED"
    message_en = "A rate change cannot take effect before the current business date."
    message_zh = "利率调整的生效日期不能早于当前营业日。"


def check_not_backdated(effective_from: date, *, business_date: date) -> None:
    """A rate change takes effect on the business date or later, never in the past (it would
    rewrite the terms of what was already sold or accrued)."""
    if effective_from < business_date:
        raise RateBackdated(details={"effective_from": effective_from.isoformat(),
                                     "business_date": business_date.isoformat()})


def check_maker_checker(*, submitted_by: int | None, approver: int) -> None:
    """双人复核: the approver must be a different person from the submitter."""
    if submitted_by is None or submitted_by == approver:
        raise MakerCheckerSamePerson()


def on_sale(terms: ProductTerms, *, status: ProductStatus, on: date, quota_left: int) -> bool:
    """Published, inside its sale window, and with at least the minimum amount of quota left."""
    return (status is ProductStatus.PUBLISHED and terms.sale_start <= on <= terms.sale_end
            and quota_left >= terms.min_amount)


DEFAULT_RISK_TEXT = (
    "本产品为本行人民币存款，不是理财产品，到期按存入日约定的利率支付本金和利息。"
    "提前支取将按支取日活期挂牌利率计息，可能少于到期利息。"
)


def default_early_withdrawal_text(allow_partial: bool) -> str:
    """The early-withdrawal rule as shown to customers (§3.5, §11.1-11.2)."""
    if allow_partial:
        return ("可全部提前支取，或办理一次部分提前支取（支取后留存金额不得低于起存金额）；"
                "提前支取部分按支取日活期挂牌利率计息，留存部分按原利率和到期日计息。")
    return "仅可全部提前支取，按支取日活期挂牌利率计息。"


def maturity_options(allow_rollover: bool) -> list[str]:
    """Instructions a customer may pick for maturity: pay out to the account, or roll over."""
    return ["payout", "rollover"] if allow_rollover else ["payout"]
