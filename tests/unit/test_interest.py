"""Unit tests of the interest engine: the hand-worked cases of domain.md §9.1 and invariants."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from opendeposit.deposits.domain import (
    INSURANCE_CAP,
    HoldingTerms,
    accrued_interest,
    add_months,
    credit_date,
    days_between,
    demand_interest,
    insured_payout,
    interest_actual_days,
    interest_whole_term,
    is_settlement_date,
    quote_withdrawal,
    remaining_holding,
    rollover,
    settlement_date_for,
    settlement_period,
)
from opendeposit.errors import OpenDepositError

D = Decimal


def holding(
    principal: int = 1_000_000,
    rate: str = "1.20",
    term_months: int = 12,
    start: date = date(2025, 1, 10),
    min_amount: int = 5_000,
    partial_withdrawn: bool = False,
) -> HoldingTerms:
    maturity = add_months(start, term_months)
    return HoldingTerms(
        principal, D(rate), term_months, start, maturity, min_amount, partial_withdrawn
    )


def error_code(excinfo: pytest.ExceptionInfo[OpenDepositError]) -> str:
    return excinfo.value.code


# §9.1 I1-I6: whole-term interest of 整存整取 held to maturity


@pytest.mark.parametrize(
    ("case", "principal", "rate", "months", "expected"),
    [
        ("I1", 1_000_000, "1.50", 12, 15_000),
        ("I2", 1_000_000, "0.65", 3, 1_625),
        ("I3", 1_000_000, "0.85", 6, 4_250),
        ("I4", 5_000_000, "1.05", 24, 105_000),
        ("I5", 10_000_000, "1.25", 36, 375_000),
        ("I6", 20_000_000, "1.30", 60, 1_300_000),
    ],
)
def test_i1_to_i6_whole_term_interest(
    case: str, principal: int, rate: str, months: int, expected: int
) -> None:
    assert interest_whole_term(principal, D(rate), months) == expected


def test_i5_three_years_is_simple_interest_not_compound() -> None:
    compound_first_year = interest_whole_term(10_000_000, D("1.25"), 12)
    assert interest_whole_term(10_000_000, D("1.25"), 36) == 3 * compound_first_year


def test_i7_full_early_withdrawal_pays_demand_rate_for_days_held() -> None:
    terms = holding(principal=5_000_000, rate="0.95", start=date(2025, 1, 10))
    quote = quote_withdrawal(terms, on=date(2025, 4, 20), demand_rate=D("0.05"))
    assert quote.interest == 694
    assert quote.days == 100
    assert quote.rate_applied == D("0.05")
    assert (quote.early, quote.full, quote.amount, quote.remainder) == (True, True, 5_000_000, 0)


def test_i9_partial_leaving_less_than_50_yuan_is_refused() -> None:
    terms = holding(principal=100_000)
    with pytest.raises(OpenDepositError) as excinfo:
        quote_withdrawal(terms, on=date(2025, 3, 1), demand_rate=D("0.05"), amount=97_000)
    assert error_code(excinfo) == "REMAINDER_BELOW_MINIMUM"
    assert excinfo.value.details == {"remainder": 3_000, "minimum": 5_000}


def test_i9_remainder_exactly_at_minimum_is_allowed() -> None:
    terms = holding(principal=100_000)
    quote = quote_withdrawal(terms, on=date(2025, 3, 1), demand_rate=D("0.05"), amount=95_000)
    assert (quote.remainder, quote.full, quote.early) == (5_000, False, True)


def test_i9_product_minimum_above_50_yuan_raises_the_floor() -> None:
    terms = holding(principal=1_000_000, min_amount=100_000)
    with pytest.raises(OpenDepositError) as excinfo:
        quote_withdrawal(terms, on=date(2025, 3, 1), demand_rate=D("0.05"), amount=950_000)
    assert error_code(excinfo) == "REMAINDER_BELOW_MINIMUM"


def test_minimum_below_50_yuan_never_lowers_the_floor() -> None:
    terms = holding(principal=100_000, min_amount=100)
    with pytest.raises(OpenDepositError) as excinfo:
        quote_withdrawal(terms, on=date(2025, 3, 1), demand_rate=D("0.05"), amount=96_000)
    assert error_code(excinfo) == "REMAINDER_BELOW_MINIMUM"


def test_i10_second_partial_early_withdrawal_is_refused() -> None:
    terms = holding(principal=1_000_000)
    first = quote_withdrawal(terms, on=date(2025, 3, 1), demand_rate=D("0.05"), amount=400_000)
    left = remaining_holding(terms, first)
    assert (left.principal, left.partial_withdrawn) == (600_000, True)
    assert (left.start_date, left.maturity_date, left.rate) == (
        terms.start_date,
        terms.maturity_date,
        terms.rate,
    )
    with pytest.raises(OpenDepositError) as excinfo:
        quote_withdrawal(left, on=date(2025, 4, 1), demand_rate=D("0.05"), amount=100_000)
    assert error_code(excinfo) == "PARTIAL_WITHDRAWAL_USED"


def test_i10_full_withdrawal_still_allowed_after_the_partial() -> None:
    left = holding(principal=600_000, partial_withdrawn=True)
    quote = quote_withdrawal(left, on=date(2025, 4, 1), demand_rate=D("0.05"))
    assert quote.full and quote.amount == 600_000


def test_i14_demand_interest_constant_balance_over_a_quarter() -> None:
    first, last = settlement_period(date(2025, 6, 20))
    assert first == date(2025, 3, 21)
    days = days_between(first, last) + 1
    assert days == 92
    product = 1_000_000 * days
    assert demand_interest(product, D("0.35")) == 894
    assert demand_interest(product, D("0.05")) == 128
    assert credit_date(date(2025, 6, 20)) == date(2025, 6, 21)


@pytest.mark.parametrize(
    ("settlement", "first", "length"),
    [
        (date(2025, 3, 20), date(2024, 12, 21), 90),
        (date(2025, 6, 20), date(2025, 3, 21), 92),
        (date(2025, 9, 20), date(2025, 6, 21), 92),
        (date(2025, 12, 20), date(2025, 9, 21), 91),
        (date(2024, 3, 20), date(2023, 12, 21), 91),
    ],
)
def test_i17_settlement_period_lengths(settlement: date, first: date, length: int) -> None:
    start, end = settlement_period(settlement)
    assert (start, end) == (first, settlement)
    assert days_between(start, end) + 1 == length


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2025, 8, 31), 6, date(2026, 2, 28)),
        (date(2024, 2, 29), 12, date(2025, 2, 28)),
        (date(2025, 1, 31), 1, date(2025, 2, 28)),
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2025, 1, 10), 12, date(2026, 1, 10)),
        (date(2025, 11, 30), 3, date(2026, 2, 28)),
        (date(2025, 6, 20), -3, date(2025, 3, 20)),
    ],
)
def test_i18_maturity_date_same_day_clamped_to_month_end(
    start: date, months: int, expected: date
) -> None:
    assert add_months(start, months) == expected


def test_i19_whole_term_method_is_the_product_method() -> None:
    terms = holding(principal=1_000_000, rate="1.50", start=date(2024, 1, 10))
    assert terms.maturity_date == date(2025, 1, 10)
    assert days_between(terms.start_date, terms.maturity_date) == 366
    quote = quote_withdrawal(terms, on=terms.maturity_date, demand_rate=D("0.05"))
    assert quote.interest == 15_000
    assert interest_actual_days(1_000_000, D("1.50"), terms.start_date, terms.maturity_date) == (
        15_250
    )


def test_i20_deposit_insurance_pays_up_to_the_cap() -> None:
    assert INSURANCE_CAP == 50_000_000
    assert insured_payout(48_000_000 + 2_500_000) == (50_000_000, 500_000)
    assert insured_payout(1_000) == (1_000, 0)


# Maturity, overdue and rollover


def test_withdrawal_on_maturity_day_pays_whole_term_only() -> None:
    terms = holding()
    quote = quote_withdrawal(terms, on=terms.maturity_date, demand_rate=D("0.05"))
    assert (quote.interest, quote.early, quote.overdue_days, quote.overdue_rate) == (
        12_000,
        False,
        0,
        None,
    )
    assert quote.rate_applied == D("1.20")


def test_overdue_withdrawal_adds_demand_interest_on_principal() -> None:
    terms = holding()  # 10,000.00 at 1.20 % for 1y, matures 2026-01-10
    quote = quote_withdrawal(terms, on=date(2026, 2, 9), demand_rate=D("0.05"))
    assert quote.overdue_days == 30
    assert quote.overdue_interest == 42  # 1,000,000 x 0.05 % x 30 / 360 = 41.67 fen
    assert quote.interest == 12_000 + 42
    assert quote.overdue_rate == D("0.05")
    assert (quote.early, quote.full, quote.days) == (False, True, 395)


def test_each_interest_event_is_rounded_once_separately() -> None:
    terms = holding(principal=100, rate="6", term_months=3, start=date(2025, 1, 1))
    # whole term: 100 x 6 % x 3/12 = 1.5 fen -> 2; overdue 3 days at 6 %: 0.05 fen -> 0
    quote = quote_withdrawal(terms, on=date(2025, 4, 4), demand_rate=D("6"))
    assert (quote.interest - quote.overdue_interest, quote.overdue_interest) == (2, 0)


def test_partial_withdrawal_after_maturity_is_refused() -> None:
    terms = holding()
    with pytest.raises(OpenDepositError) as excinfo:
        quote_withdrawal(terms, on=date(2026, 1, 10), demand_rate=D("0.05"), amount=100_000)
    assert error_code(excinfo) == "PARTIAL_AFTER_MATURITY"


def test_amount_above_principal_is_refused() -> None:
    with pytest.raises(OpenDepositError) as excinfo:
        quote_withdrawal(holding(), on=date(2025, 3, 1), demand_rate=D("0.05"), amount=1_000_001)
    assert error_code(excinfo) == "AMOUNT_EXCEEDS_PRINCIPAL"


@pytest.mark.parametrize("amount", [0, -1])
def test_amount_not_positive_is_refused(amount: int) -> None:
    with pytest.raises(OpenDepositError) as excinfo:
        quote_withdrawal(holding(), on=date(2025, 3, 1), demand_rate=D("0.05"), amount=amount)
    assert error_code(excinfo) == "AMOUNT_NOT_POSITIVE"


def test_withdrawal_before_start_is_refused() -> None:
    with pytest.raises(OpenDepositError) as excinfo:
        quote_withdrawal(holding(), on=date(2025, 1, 9), demand_rate=D("0.05"))
    assert error_code(excinfo) == "WITHDRAWAL_BEFORE_START"


def test_withdrawal_on_start_day_earns_nothing() -> None:
    terms = holding()
    quote = quote_withdrawal(terms, on=terms.start_date, demand_rate=D("0.05"))
    assert (quote.interest, quote.days, quote.early) == (0, 0, True)


def test_rollover_adds_interest_and_restarts_at_maturity_with_new_rate() -> None:
    terms = holding(partial_withdrawn=True, min_amount=10_000)
    new = rollover(terms, board_rate_on_maturity=D("1.10"))
    assert new.principal == 1_012_000
    assert (new.start_date, new.maturity_date) == (date(2026, 1, 10), date(2027, 1, 10))
    assert (new.rate, new.term_months, new.min_amount) == (D("1.10"), 12, 10_000)
    assert new.partial_withdrawn is False


def test_rollover_maturity_follows_the_old_maturity_date() -> None:
    terms = holding(term_months=6, start=date(2025, 8, 31))
    assert terms.maturity_date == date(2026, 2, 28)
    new = rollover(terms, board_rate_on_maturity=D("1.00"))
    assert new.maturity_date == date(2026, 8, 28)


def test_accrued_interest_is_contract_rate_per_day_capped_at_whole_term() -> None:
    terms = holding()  # 10,000.00 at 1.20 %, 2025-01-10 -> 2026-01-10 (365 days)
    assert accrued_interest(terms, on=date(2025, 1, 1)) == 0
    assert accrued_interest(terms, on=date(2025, 4, 20)) == 3_333  # 100 days: 33.33
    assert accrued_interest(terms, on=date(2026, 1, 9)) == 12_000  # 364/360 capped
    assert accrued_interest(terms, on=date(2027, 1, 1)) == 12_000


# Demand interest calendar


@pytest.mark.parametrize(
    ("day", "settlement"),
    [
        (date(2025, 1, 1), date(2025, 3, 20)),
        (date(2025, 3, 20), date(2025, 3, 20)),
        (date(2025, 3, 21), date(2025, 6, 20)),
        (date(2025, 9, 20), date(2025, 9, 20)),
        (date(2025, 12, 20), date(2025, 12, 20)),
        (date(2025, 12, 21), date(2026, 3, 20)),
    ],
)
def test_settlement_date_for_quarter(day: date, settlement: date) -> None:
    assert settlement_date_for(day) == settlement


def test_is_settlement_date() -> None:
    assert all(is_settlement_date(date(2025, m, 20)) for m in (3, 6, 9, 12))
    assert not is_settlement_date(date(2025, 4, 20))
    assert not is_settlement_date(date(2025, 3, 21))


def test_credit_date_needs_a_settlement_date() -> None:
    assert credit_date(date(2025, 12, 20)) == date(2025, 12, 21)
    with pytest.raises(OpenDepositError) as excinfo:
        credit_date(date(2025, 12, 21))
    assert error_code(excinfo) == "NOT_A_SETTLEMENT_DATE"
    with pytest.raises(OpenDepositError):
        settlement_period(date(2025, 5, 20))


# Rounding and input hygiene


def test_half_fen_rounds_up_not_to_even() -> None:
    assert interest_whole_term(100, D("6"), 1) == 1  # exactly 0.5 fen
    assert interest_whole_term(300, D("6"), 1) == 2  # exactly 1.5 fen
    assert demand_interest(299, D("6")) == 0  # 0.498 fen


def test_days_between_counts_start_not_end() -> None:
    assert days_between(date(2025, 1, 10), date(2025, 4, 20)) == 100
    assert days_between(date(2025, 1, 10), date(2025, 1, 10)) == 0


@pytest.mark.parametrize(
    "call",
    [
        lambda: interest_whole_term(100, 1.5, 12),  # type: ignore[arg-type]
        lambda: interest_whole_term(-1, D("1.5"), 12),
        lambda: interest_whole_term(100, D("-0.1"), 12),
        lambda: interest_actual_days(100, D("1"), date(2025, 2, 1), date(2025, 1, 1)),
        lambda: insured_payout(-1),
    ],
)
def test_bad_interest_inputs_are_refused(call: Callable[[], object]) -> None:
    with pytest.raises(OpenDepositError) as excinfo:
        call()
    assert error_code(excinfo) == "INTEREST_INPUT_INVALID"


def test_holding_terms_are_checked() -> None:
    with pytest.raises(OpenDepositError) as excinfo:
        HoldingTerms(0, D("1"), 12, date(2025, 1, 1), date(2026, 1, 1))
    assert error_code(excinfo) == "HOLDING_TERMS_INVALID"
    with pytest.raises(OpenDepositError):
        HoldingTerms(100, D("1"), 12, date(2025, 1, 1), date(2025, 1, 1))


# Properties

principals = st.integers(min_value=0, max_value=10**13)
rates = st.decimals(min_value=0, max_value=10, places=2)
starts = st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 1, 1))
day_counts = st.integers(min_value=0, max_value=3_660)
terms_months = st.sampled_from([1, 3, 6, 9, 12, 18, 24, 36, 60])


@given(principals, rates, terms_months, starts, day_counts)
def test_interest_is_never_negative(
    principal: int, rate: Decimal, months: int, start: date, days: int
) -> None:
    assert interest_whole_term(principal, rate, months) >= 0
    assert interest_actual_days(principal, rate, start, start + timedelta(days=days)) >= 0
    assert demand_interest(principal, rate) >= 0


@given(principals, principals, rates, terms_months, day_counts)
def test_interest_is_monotone_in_principal(
    p1: int, p2: int, rate: Decimal, months: int, days: int
) -> None:
    low, high = sorted((p1, p2))
    start = date(2025, 1, 1)
    end = start + timedelta(days=days)
    assert interest_whole_term(low, rate, months) <= interest_whole_term(high, rate, months)
    assert interest_actual_days(low, rate, start, end) <= interest_actual_days(
        high, rate, start, end
    )


@given(principals, rates, starts, day_counts, day_counts)
def test_interest_is_monotone_in_days(
    principal: int, rate: Decimal, start: date, d1: int, d2: int
) -> None:
    short, long = sorted((d1, d2))
    early = interest_actual_days(principal, rate, start, start + timedelta(days=short))
    late = interest_actual_days(principal, rate, start, start + timedelta(days=long))
    assert early <= late


@given(
    principal=st.integers(min_value=10_000, max_value=10**11),
    data=st.data(),
    rate=rates,
    demand_rate=rates,
    months=terms_months,
)
def test_partial_quote_amount_plus_remainder_is_principal(
    principal: int, data: st.DataObject, rate: Decimal, demand_rate: Decimal, months: int
) -> None:
    terms = holding(principal=principal, rate=str(rate), term_months=months)
    amount = data.draw(st.integers(min_value=1, max_value=principal - terms.remainder_floor))
    term_days = days_between(terms.start_date, terms.maturity_date)
    held = data.draw(st.integers(min_value=0, max_value=term_days - 1))
    on = terms.start_date + timedelta(days=held)
    quote = quote_withdrawal(terms, on=on, demand_rate=demand_rate, amount=amount)
    assert quote.amount + quote.remainder == principal
    assert quote.remainder >= terms.remainder_floor
    assert quote.early and not quote.full
    assert quote.interest == interest_actual_days(amount, demand_rate, terms.start_date, on)
    assert remaining_holding(terms, quote).principal == quote.remainder


@given(st.integers(min_value=1, max_value=10**11), rates, rates, terms_months)
def test_rollover_never_shrinks_principal(
    principal: int, rate: Decimal, new_rate: Decimal, months: int
) -> None:
    terms = holding(principal=principal, rate=str(rate), term_months=months)
    new = rollover(terms, board_rate_on_maturity=new_rate)
    assert new.principal == principal + interest_whole_term(principal, rate, months)
    assert new.start_date == terms.maturity_date


@given(st.integers(min_value=0, max_value=10**12))
def test_insured_payout_splits_exactly(total: int) -> None:
    insured, excess = insured_payout(total)
    assert insured + excess == total
    assert insured == min(total, INSURANCE_CAP)
