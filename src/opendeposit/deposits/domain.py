"""Interest engine (pure): time-deposit interest, withdrawals, rollover and demand interest."""

# Conventions (docs domain.md §3.4-3.5, settled by §11.1-11.4):
# - amounts are int fen; rates are Decimal percent per year (Decimal("1.75") is 1.75 % a year);
# - daily rate = annual / 360, monthly rate = annual / 12; simple interest, no compounding;
# - days = end - start: the start day counts, the end day does not (算头不算尾);
# - every interest event is computed exactly with Decimal and rounded half-up to the fen ONCE.
# The legacy "no interest below 1 yuan" (元以下不计息) rule is deliberately not applied.

from __future__ import annotations

import calendar
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal, localcontext

from opendeposit.errors import BusinessRuleViolation, ValidationFailed

MIN_TIME_DEPOSIT = 5_000  # fen (50.00): floor of any 整存整取 minimum and of a partial remainder
INSURANCE_CAP = 50_000_000  # fen (500,000.00) per depositor per insured bank (§4)
DAYS_IN_YEAR = 360
SETTLEMENT_MONTHS = (3, 6, 9, 12)  # demand interest settles on the 20th of these months (结息日)
SETTLEMENT_DAY = 20

_FEN = Decimal(1)
_PRECISION = 60  # wide enough that principal x rate x days is exact before the one rounding


class InterestInputInvalid(ValidationFailed):
    code = "INTEREST_INPUT_INVALID"
    message_en = "Interest inputs are not valid: amounts, rates and periods must not be negative."
    message_zh = "计息参数不正确：金额、利率和期限不能为负数。"


class HoldingTermsInvalid(ValidationFailed):
    code = "HOLDING_TERMS_INVALID"
    message_en = "The deposit's terms are not valid."
    message_zh = "存单要素不正确。"


class AmountNotPositive(ValidationFailed):
    code = "AMOUNT_NOT_POSITIVE"
    message_en = "The amount must be greater than zero."
    message_zh = "金额必须大于零。"


class WithdrawalBeforeStart(ValidationFailed):
    code = "WITHDRAWAL_BEFORE_START"
    message_en = "The deposit cannot be withdrawn before its start date."
    message_zh = "存单起息日之前不能支取。"


class NotASettlementDate(ValidationFailed):
    code = "NOT_A_SETTLEMENT_DATE"
    message_en = "Demand interest settles only on 20 March, June, September and December."
    message_zh = "活期结息日为每季末月20日。"


class AmountExceedsPrincipal(BusinessRuleViolation):
    code = "AMOUNT_EXCEEDS_PRINCIPAL"
    message_en = "The amount is larger than the deposit's principal."
    message_zh = "支取金额超过存单本金。"


class PartialWithdrawalUsed(BusinessRuleViolation):
    code = "PARTIAL_WITHDRAWAL_USED"
    message_en = "This deposit has already had its one partial early withdrawal; withdraw it all."
    message_zh = "该存单已办理过一次部分提前支取，如需支取请全部支取。"


class RemainderBelowMinimum(BusinessRuleViolation):
    code = "REMAINDER_BELOW_MINIMUM"
    message_en = "The amount left would be below the product minimum; withdraw less or all of it."
    message_zh = "支取后留存金额低于起存金额，请减少支取金额或全部支取。"


class PartialAfterMaturity(BusinessRuleViolation):
    code = "PARTIAL_AFTER_MATURITY"
    message_en = "A matured deposit can only be withdrawn in full."
    message_zh = "存单已到期，只能全部支取。"


def _check_rate(annual_rate: Decimal) -> None:
    if not isinstance(annual_rate, Decimal) or not annual_rate.is_finite() or annual_rate < 0:
        raise InterestInputInvalid(details={"annual_rate": str(annual_rate)})


def _is_fen(amount: object) -> bool:
    return isinstance(amount, int) and not isinstance(amount, bool)


def _check_fen(amount: int, name: str) -> None:
    if not _is_fen(amount) or amount < 0:
        raise InterestInputInvalid(details={name: str(amount)})


def _simple_interest(principal: int, annual_rate: Decimal, periods: int, per_year: int) -> int:
    """principal x rate% x periods / per_year, rounded half-up to the fen: one interest event."""
    _check_fen(principal, "principal")
    _check_rate(annual_rate)
    if periods < 0:
        raise InterestInputInvalid(details={"periods": periods})
    with localcontext() as ctx:
        ctx.prec = _PRECISION
        exact = Decimal(principal) * annual_rate * periods / (100 * per_year)
        return int(exact.quantize(_FEN, rounding=ROUND_HALF_UP))


def add_months(d: date, months: int) -> date:
    """Same day `months` later, clamped to the month's last day (2025-08-31 + 6m = 2026-02-28)."""
    year, month_index = divmod(d.year * 12 + d.month - 1 + months, 12)
    month = month_index + 1
    return date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def days_between(start: date, end: date) -> int:
    """Days from start to end, counting the start day and not the end day (negative if reversed)."""
    return (end - start).days


def interest_whole_term(principal: int, annual_rate: Decimal, term_months: int) -> int:
    """Whole-term interest (逐笔计息法): principal x rate x months / 12, whatever the day count."""
    return _simple_interest(principal, annual_rate, term_months, 12)


def interest_actual_days(principal: int, annual_rate: Decimal, start: date, end: date) -> int:
    """Actual-day interest: principal x rate x days / 360."""
    return _simple_interest(principal, annual_rate, days_between(start, end), DAYS_IN_YEAR)


@dataclass(frozen=True)
class HoldingTerms:
    """What the interest engine needs to know about one holding (持仓/存单)."""

    principal: int
    rate: Decimal
    term_months: int
    start_date: date
    maturity_date: date
    min_amount: int = MIN_TIME_DEPOSIT
    partial_withdrawn: bool = False

    def __post_init__(self) -> None:
        _check_rate(self.rate)
        _check_fen(self.min_amount, "min_amount")
        positive = _is_fen(self.principal) and self.principal > 0 and self.term_months > 0
        if not positive or self.maturity_date <= self.start_date:
            raise HoldingTermsInvalid(
                details={
                    "principal": str(self.principal),
                    "term_months": self.term_months,
                    "start_date": self.start_date.isoformat(),
                    "maturity_date": self.maturity_date.isoformat(),
                }
            )

    @property
    def remainder_floor(self) -> int:
        """Smallest principal a partial early withdrawal may leave behind."""
        return max(self.min_amount, MIN_TIME_DEPOSIT)


@dataclass(frozen=True)
class WithdrawalQuote:
    """Result of a withdrawal: principal paid out, interest, and what stays in the holding.

    `days` is always counted from the start date to the withdrawal day. For a matured holding
    `rate_applied` is the contract rate of the whole term and the overdue part (逾期) is in the
    `overdue_*` fields; `interest` is the whole-term interest plus `overdue_interest`.
    """

    amount: int
    interest: int
    rate_applied: Decimal
    days: int
    early: bool
    remainder: int
    full: bool
    overdue_days: int = 0
    overdue_interest: int = 0
    overdue_rate: Decimal | None = None


def quote_withdrawal(
    terms: HoldingTerms, *, on: date, demand_rate: Decimal, amount: int | None = None
) -> WithdrawalQuote:
    """Quote a full or partial withdrawal on `on` with that day's demand rate (§3.5, §11.1-11.2)."""
    if on < terms.start_date:
        raise WithdrawalBeforeStart(details={"on": on.isoformat()})
    amount = terms.principal if amount is None else amount
    _check_withdrawal_amount(terms, amount)
    full = amount == terms.principal
    if on >= terms.maturity_date:
        if not full:
            raise PartialAfterMaturity(details={"maturity_date": terms.maturity_date.isoformat()})
        return _matured_quote(terms, on, demand_rate)
    if not full:
        _check_partial(terms, amount)
    return _early_quote(terms, amount, on, demand_rate)


def _check_withdrawal_amount(terms: HoldingTerms, amount: int) -> None:
    if not _is_fen(amount) or amount <= 0:
        raise AmountNotPositive(details={"amount": str(amount)})
    if amount > terms.principal:
        raise AmountExceedsPrincipal(details={"amount": amount, "principal": terms.principal})


def _check_partial(terms: HoldingTerms, amount: int) -> None:
    """Partial early withdrawal: once per holding (以一次为限), remainder at least the minimum."""
    if terms.partial_withdrawn:
        raise PartialWithdrawalUsed()
    remainder = terms.principal - amount
    if remainder < terms.remainder_floor:
        raise RemainderBelowMinimum(
            details={"remainder": remainder, "minimum": terms.remainder_floor}
        )


def _early_quote(
    terms: HoldingTerms, amount: int, on: date, demand_rate: Decimal
) -> WithdrawalQuote:
    """Early withdrawal earns the demand rate of the withdrawal day for the days held."""
    return WithdrawalQuote(
        amount=amount,
        interest=interest_actual_days(amount, demand_rate, terms.start_date, on),
        rate_applied=demand_rate,
        days=days_between(terms.start_date, on),
        early=True,
        remainder=terms.principal - amount,
        full=amount == terms.principal,
    )


def _matured_quote(terms: HoldingTerms, on: date, demand_rate: Decimal) -> WithdrawalQuote:
    """Whole-term interest at the contract rate, plus demand interest for any overdue days."""
    whole_term = interest_whole_term(terms.principal, terms.rate, terms.term_months)
    overdue_days = days_between(terms.maturity_date, on)
    overdue = interest_actual_days(terms.principal, demand_rate, terms.maturity_date, on)
    return WithdrawalQuote(
        amount=terms.principal,
        interest=whole_term + overdue,
        rate_applied=terms.rate,
        days=days_between(terms.start_date, on),
        early=False,
        remainder=0,
        full=True,
        overdue_days=overdue_days,
        overdue_interest=overdue,
        overdue_rate=demand_rate if overdue_days else None,
    )


def remaining_holding(terms: HoldingTerms, quote: WithdrawalQuote) -> HoldingTerms:
    """The holding left after a partial early withdrawal: same dates and rate, marked as used."""
    if quote.full or quote.amount + quote.remainder != terms.principal:
        raise HoldingTermsInvalid(details={"reason": "quote is not a partial of these terms"})
    return replace(terms, principal=quote.remainder, partial_withdrawn=True)


def rollover(terms: HoldingTerms, *, board_rate_on_maturity: Decimal) -> HoldingTerms:
    """Automatic rollover (自动转存): principal + whole-term interest, same term, new board rate."""
    interest = interest_whole_term(terms.principal, terms.rate, terms.term_months)
    return HoldingTerms(
        principal=terms.principal + interest,
        rate=board_rate_on_maturity,
        term_months=terms.term_months,
        start_date=terms.maturity_date,
        maturity_date=add_months(terms.maturity_date, terms.term_months),
        min_amount=terms.min_amount,
        partial_withdrawn=False,
    )


def accrued_interest(terms: HoldingTerms, *, on: date) -> int:
    """Indicative interest accrued so far, for display only: it is no payout rule.

    Contract rate x days held / 360, capped at the whole-term interest. What the customer is
    actually paid is decided by `quote_withdrawal` (demand rate if withdrawn early).
    """
    end = min(max(on, terms.start_date), terms.maturity_date)
    so_far = interest_actual_days(terms.principal, terms.rate, terms.start_date, end)
    return min(so_far, interest_whole_term(terms.principal, terms.rate, terms.term_months))


# Demand deposits (活期): daily-balance product (积数), settled quarterly on the 20th.


def is_settlement_date(d: date) -> bool:
    """True on 3/20, 6/20, 9/20 and 12/20."""
    return d.month in SETTLEMENT_MONTHS and d.day == SETTLEMENT_DAY


def settlement_date_for(d: date) -> date:
    """Settlement date of the quarter of `d`: the next 3/20, 6/20, 9/20 or 12/20 on or after d."""
    for month in SETTLEMENT_MONTHS:
        candidate = date(d.year, month, SETTLEMENT_DAY)
        if candidate >= d:
            return candidate
    return date(d.year + 1, SETTLEMENT_MONTHS[0], SETTLEMENT_DAY)


def _require_settlement_date(settlement: date) -> None:
    if not is_settlement_date(settlement):
        raise NotASettlementDate(details={"date": settlement.isoformat()})


def credit_date(settlement: date) -> date:
    """Interest settled on the 20th is credited on the 21st."""
    _require_settlement_date(settlement)
    return settlement + timedelta(days=1)


def settlement_period(settlement: date) -> tuple[date, date]:
    """First and last day (both inclusive) of the interest period ending on `settlement`."""
    _require_settlement_date(settlement)
    return add_months(settlement, -3) + timedelta(days=1), settlement


def demand_interest(balance_product: int, annual_rate: Decimal) -> int:
    """Demand interest: balance product (sum of end-of-day balances, fen x days) x rate / 360."""
    return _simple_interest(balance_product, annual_rate, 1, DAYS_IN_YEAR)


def insured_payout(total_principal_plus_interest: int) -> tuple[int, int]:
    """Split one depositor's principal + interest at one bank into (insured, left to liquidation).

    For documentation and tests only: the platform never shows a "protected amount" (§4).
    """
    _check_fen(total_principal_plus_interest, "total_principal_plus_interest")
    insured = min(total_principal_plus_interest, INSURANCE_CAP)
    return insured, total_principal_plus_interest - insured


class PartialWithdrawalNotOffered(BusinessRuleViolation):
    code = "PARTIAL_WITHDRAWAL_NOT_OFFERED"
    message_en = "This product does not allow partial early withdrawals; withdraw all of it."
    message_zh = "该产品不支持部分提前支取，请全部支取。"


class RolloverNotOffered(BusinessRuleViolation):
    code = "ROLLOVER_NOT_OFFERED"
    message_en = "This product does not offer automatic rollover."
    message_zh = "该产品不支持到期自动转存。"


def check_withdrawal_offered(terms: HoldingTerms, amount: int | None, *,
                             allow_partial: bool) -> None:
    """A product may forbid partial early withdrawals altogether (only full ones then)."""
    if amount is not None and amount != terms.principal and not allow_partial:
        raise PartialWithdrawalNotOffered()


def check_rollover_offered(auto_rollover: bool, *, allow_rollover: bool) -> None:
    if auto_rollover and not allow_rollover:
        raise RolloverNotOffered()


def maturity_quote(terms: HoldingTerms) -> WithdrawalQuote:
    """What a holding pays on its maturity date: principal and whole-term interest, no overdue."""
    return _matured_quote(terms, terms.maturity_date, Decimal(0))
