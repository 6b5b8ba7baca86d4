"""Unit tests of product rules: rate table, publishing checks, purchase checks, trial, quotas."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from opendeposit.deposits.domain import interest_whole_term
from opendeposit.errors import OpenDepositError
from opendeposit.products.domain import (
    ALLOWED_TERMS,
    DEMAND,
    DEMO_RATES,
    DEPOSIT_INSURANCE_LOGO_TEXT,
    INSURED_STATEMENT_EN,
    INSURED_STATEMENT_ZH,
    ProductKind,
    ProductTerms,
    RateEntry,
    RateTable,
    check_purchase,
    product_problems,
    split_quota,
    trial,
    validate_product,
)

D = Decimal
TODAY = date(2025, 6, 1)
RATES = RateTable(DEMO_RATES)

ONE_YEAR = ProductTerms(
    code="TD12M-2025-06",
    name="1年期整存整取",
    kind=ProductKind.TIME_DEPOSIT,
    term_months=12,
    rate=D("1.20"),
    min_amount=5_000,
    step_amount=100,
    max_per_customer=100_000_000,
    total_quota=1_000_000_000,
    sale_start=date(2025, 6, 1),
    sale_end=date(2025, 6, 30),
    service_area_prefixes=("44",),
)
LARGE_CD = replace(
    ONE_YEAR,
    code="CD36M-2025-06",
    name="3年期大额存单",
    kind=ProductKind.LARGE_CD,
    term_months=36,
    rate=D("1.75"),
    min_amount=20_000_000,
    step_amount=1_000_000,
    max_per_customer=500_000_000,
    service_area_prefixes=(),
)


def code_of(excinfo: pytest.ExceptionInfo[OpenDepositError]) -> str:
    return excinfo.value.code


def refusal(product: ProductTerms) -> str:
    with pytest.raises(OpenDepositError) as excinfo:
        validate_product(product, RATES, on=TODAY)
    return code_of(excinfo)


def buy(
    product: ProductTerms = ONE_YEAR,
    *,
    amount: int = 1_000_000,
    on: date = TODAY,
    already_held: int = 0,
    quota_left: int = 1_000_000_000,
    region_code: str | None = "440305",
) -> None:
    check_purchase(
        product,
        amount=amount,
        on=on,
        already_held=already_held,
        quota_left=quota_left,
        region_code=region_code,
    )


def purchase_refusal(product: ProductTerms = ONE_YEAR, **overrides: Any) -> str:
    with pytest.raises(OpenDepositError) as excinfo:
        buy(product, **overrides)
    return code_of(excinfo)


# Kinds and terms


def test_product_kinds_and_terms() -> None:
    assert ProductKind.TIME_DEPOSIT.value == "time_deposit"
    assert ProductKind.LARGE_CD.value == "large_cd"
    assert ALLOWED_TERMS[ProductKind.TIME_DEPOSIT] == (3, 6, 12, 24, 36, 60)
    assert ALLOWED_TERMS[ProductKind.LARGE_CD] == (1, 3, 6, 9, 12, 18, 24, 36, 60)


# Rate table


def test_demo_board_rates_of_decision_11_9() -> None:
    td = ProductKind.TIME_DEPOSIT
    board = {term: RATES.board_rate(td, term, TODAY) for term in ALLOWED_TERMS[td]}
    assert board == {
        3: D("0.80"),
        6: D("1.00"),
        12: D("1.20"),
        24: D("1.30"),
        36: D("1.55"),
        60: D("1.60"),
    }
    assert RATES.demand_rate(TODAY) == D("0.05")
    assert RATES.board_rate(ProductKind.LARGE_CD, 36, TODAY) == D("1.75")


def test_demo_ceilings_are_benchmark_plus_75bp() -> None:
    td = ProductKind.TIME_DEPOSIT
    ceilings = {term: RATES.ceiling(td, term, TODAY) for term in ALLOWED_TERMS[td]}
    assert ceilings == {
        3: D("1.85"),
        6: D("2.05"),
        12: D("2.25"),
        24: D("2.85"),
        36: D("3.50"),
        60: D("3.50"),
    }
    assert RATES.ceiling(DEMAND, 0, TODAY) == D("0.35")
    assert RATES.ceiling(ProductKind.LARGE_CD, 36, TODAY) == D("3.50")


def test_rate_lookup_takes_latest_entry_in_force() -> None:
    cut = RateEntry(ProductKind.TIME_DEPOSIT, 12, D("1.10"), D("2.25"), date(2025, 9, 1))
    table = RateTable((*DEMO_RATES, cut))
    assert table.board_rate(ProductKind.TIME_DEPOSIT, 12, date(2025, 8, 31)) == D("1.20")
    assert table.board_rate(ProductKind.TIME_DEPOSIT, 12, date(2025, 9, 1)) == D("1.10")
    assert table.board_rate(ProductKind("time_deposit"), 12, date(2026, 1, 1)) == D("1.10")


@pytest.mark.parametrize(
    ("kind", "term", "on"),
    [
        (ProductKind.TIME_DEPOSIT, 12, date(2025, 5, 19)),  # before the demo rates
        (ProductKind.LARGE_CD, 12, TODAY),  # no 1y large-CD row
    ],
)
def test_missing_rate_is_refused(kind: ProductKind, term: int, on: date) -> None:
    with pytest.raises(OpenDepositError) as excinfo:
        RATES.board_rate(kind, term, on)
    assert code_of(excinfo) == "RATE_NOT_DEFINED"


def test_demand_rate_before_any_entry_is_refused() -> None:
    with pytest.raises(OpenDepositError) as excinfo:
        RATES.demand_rate(date(2020, 1, 1))
    assert code_of(excinfo) == "RATE_NOT_DEFINED"


@pytest.mark.parametrize(
    "entry",
    [
        RateEntry(ProductKind.TIME_DEPOSIT, 12, D("2.50"), D("2.25"), date(2025, 1, 1)),
        RateEntry(ProductKind.TIME_DEPOSIT, 7, D("1.00"), D("2.25"), date(2025, 1, 1)),
        RateEntry(DEMAND, 3, D("0.05"), D("0.35"), date(2025, 1, 1)),
        RateEntry(ProductKind.TIME_DEPOSIT, 12, D("-0.01"), D("2.25"), date(2025, 1, 1)),
        DEMO_RATES[0],  # duplicate of the same row and date
    ],
)
def test_bad_rate_table_is_refused(entry: RateEntry) -> None:
    with pytest.raises(OpenDepositError) as excinfo:
        RateTable((*DEMO_RATES, entry))
    assert code_of(excinfo) == "RATE_TABLE_INVALID"


# Publishing checks


def test_valid_products_pass() -> None:
    validate_product(ONE_YEAR, RATES, on=TODAY)
    validate_product(LARGE_CD, RATES, on=TODAY)
    assert product_problems(ONE_YEAR, RATES, on=TODAY) == []


def test_rate_at_ceiling_passes_and_above_is_refused() -> None:
    validate_product(replace(ONE_YEAR, rate=D("2.25")), RATES, on=TODAY)
    assert refusal(replace(ONE_YEAR, rate=D("2.26"))) == "RATE_ABOVE_CEILING"
    assert refusal(replace(LARGE_CD, rate=D("3.51"))) == "RATE_ABOVE_CEILING"


def test_negative_rate_is_refused() -> None:
    assert refusal(replace(ONE_YEAR, rate=D("-0.01"))) == "RATE_INVALID"


def test_term_without_rate_row_is_refused() -> None:
    assert refusal(replace(LARGE_CD, term_months=12)) == "RATE_NOT_DEFINED"


@pytest.mark.parametrize(
    ("product", "code"),
    [
        (replace(ONE_YEAR, term_months=1), "TERM_NOT_OFFERED"),
        (replace(ONE_YEAR, term_months=9), "TERM_NOT_OFFERED"),
        (replace(ONE_YEAR, min_amount=4_999), "MIN_AMOUNT_TOO_LOW"),
        (replace(LARGE_CD, min_amount=19_999_999), "MIN_AMOUNT_TOO_LOW"),
        (replace(ONE_YEAR, step_amount=0), "STEP_INVALID"),
        (replace(ONE_YEAR, step_amount=-100), "STEP_INVALID"),
        (replace(ONE_YEAR, step_amount=5_001), "STEP_INVALID"),
        (replace(ONE_YEAR, sale_end=date(2025, 5, 31)), "SALE_WINDOW_INVALID"),
        (replace(ONE_YEAR, total_quota=0), "QUOTA_INVALID"),
        (replace(ONE_YEAR, total_quota=4_999), "QUOTA_INVALID"),
        (replace(ONE_YEAR, max_per_customer=4_999), "QUOTA_INVALID"),
        (replace(ONE_YEAR, service_area_prefixes=("4",)), "SERVICE_AREA_INVALID"),
        (replace(ONE_YEAR, service_area_prefixes=("4403051",)), "SERVICE_AREA_INVALID"),
        (replace(ONE_YEAR, service_area_prefixes=("44ab",)), "SERVICE_AREA_INVALID"),
    ],
)
def test_invalid_products_are_refused(product: ProductTerms, code: str) -> None:
    assert refusal(product) == code


def test_one_day_sale_window_is_valid() -> None:
    validate_product(replace(ONE_YEAR, sale_end=ONE_YEAR.sale_start), RATES, on=TODAY)


def test_product_problems_reports_every_reason() -> None:
    bad = replace(ONE_YEAR, min_amount=100, step_amount=0, rate=D("9.99"))
    codes = [problem.code for problem in product_problems(bad, RATES, on=TODAY)]
    assert codes == ["MIN_AMOUNT_TOO_LOW", "STEP_INVALID", "RATE_ABOVE_CEILING"]


# Purchase checks


def test_valid_purchase_passes_including_boundaries() -> None:
    buy()
    buy(amount=5_000)
    buy(amount=5_100, already_held=100_000_000 - 5_100, quota_left=5_100)
    buy(LARGE_CD, amount=20_000_000, region_code=None)


@pytest.mark.parametrize("on", [date(2025, 5, 31), date(2025, 7, 1)])
def test_outside_sale_window_is_refused(on: date) -> None:
    assert purchase_refusal(on=on) == "PRODUCT_NOT_ON_SALE"


def test_sale_window_is_inclusive() -> None:
    buy(on=ONE_YEAR.sale_start)
    buy(on=ONE_YEAR.sale_end)


def test_amount_below_minimum_is_refused() -> None:
    assert purchase_refusal(amount=4_999) == "AMOUNT_BELOW_MINIMUM"
    assert purchase_refusal(LARGE_CD, amount=19_000_000) == "AMOUNT_BELOW_MINIMUM"


def test_amount_off_step_is_refused() -> None:
    assert purchase_refusal(amount=5_050) == "AMOUNT_OFF_STEP"
    assert purchase_refusal(LARGE_CD, amount=20_500_000) == "AMOUNT_OFF_STEP"


def test_above_customer_limit_is_refused() -> None:
    code = purchase_refusal(amount=10_000, already_held=100_000_000 - 9_900)
    assert code == "ABOVE_CUSTOMER_LIMIT"


def test_quota_exceeded_is_refused() -> None:
    assert purchase_refusal(amount=1_000_000, quota_left=999_900) == "QUOTA_EXCEEDED"


@pytest.mark.parametrize("region", ["110105", "4", None])
def test_region_not_eligible_is_refused(region: str | None) -> None:
    assert purchase_refusal(region_code=region) == "REGION_NOT_ELIGIBLE"


def test_nationwide_product_takes_any_region() -> None:
    nationwide = replace(ONE_YEAR, service_area_prefixes=())
    buy(nationwide, region_code="110105")
    buy(nationwide, region_code=None)


def test_several_prefixes_of_different_lengths() -> None:
    product = replace(ONE_YEAR, service_area_prefixes=("4403", "440106"))
    buy(product, region_code="440305")
    buy(product, region_code="440106")
    assert purchase_refusal(product, region_code="440104") == "REGION_NOT_ELIGIBLE"


# Trial


def test_trial_whole_term_interest_and_month_end_maturity() -> None:
    six_months = replace(ONE_YEAR, term_months=6, rate=D("1.00"))
    result = trial(six_months, amount=1_000_000, start=date(2025, 8, 31))
    assert result.interest == 5_000
    assert result.maturity_date == date(2026, 2, 28)
    assert (result.amount, result.rate, result.term_months) == (1_000_000, D("1.00"), 6)


def test_trial_large_cd() -> None:
    result = trial(LARGE_CD, amount=20_000_000, start=date(2025, 6, 1))
    assert result.interest == 1_050_000  # 200,000.00 x 1.75 % x 3
    assert result.maturity_date == date(2028, 6, 1)


def test_trial_refuses_non_positive_amount() -> None:
    with pytest.raises(OpenDepositError) as excinfo:
        trial(ONE_YEAR, amount=0, start=TODAY)
    assert code_of(excinfo) == "AMOUNT_NOT_POSITIVE"


@given(st.integers(min_value=1, max_value=10**12))
def test_trial_matches_the_interest_engine(amount: int) -> None:
    result = trial(ONE_YEAR, amount=amount, start=TODAY)
    assert result.interest == interest_whole_term(amount, ONE_YEAR.rate, 12)
    assert result.interest >= 0


# Deposit insurance wording


def test_insured_statement_is_neutral_and_complete() -> None:
    for needle in ("存款保险", "《存款保险条例》", "50万元", "本金和利息合并"):
        assert needle in INSURED_STATEMENT_ZH
    for needle in ("Deposit Insurance Regulations", "500,000 yuan", "principal and interest"):
        assert needle in INSURED_STATEMENT_EN
    assert DEPOSIT_INSURANCE_LOGO_TEXT == "存款保险 DEPOSIT INSURANCE"


# Quota shards


def test_split_quota_examples() -> None:
    assert split_quota(10, 3) == [4, 3, 3]
    assert split_quota(9, 3) == [3, 3, 3]
    assert split_quota(2, 4) == [1, 1, 0, 0]
    assert split_quota(0, 2) == [0, 0]


@pytest.mark.parametrize(("total", "shards"), [(10, 0), (-1, 2)])
def test_split_quota_refuses_bad_input(total: int, shards: int) -> None:
    with pytest.raises(OpenDepositError) as excinfo:
        split_quota(total, shards)
    assert code_of(excinfo) == "QUOTA_INVALID"


@given(st.integers(min_value=0, max_value=10**15), st.integers(min_value=1, max_value=256))
def test_split_quota_sums_exactly_and_is_even(total: int, shards: int) -> None:
    parts = split_quota(total, shards)
    assert len(parts) == shards
    assert sum(parts) == total
    assert max(parts) - min(parts) <= 1
    assert min(parts) >= 0
