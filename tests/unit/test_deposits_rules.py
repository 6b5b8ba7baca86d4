"""Pure rules added for purchase, publishing and withdrawal: quota plan, rates, workflow."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from opendeposit.deposits.domain import (
    HoldingTerms,
    PartialWithdrawalNotOffered,
    RolloverNotOffered,
    check_rollover_offered,
    check_withdrawal_offered,
    maturity_quote,
)
from opendeposit.products.domain import (
    DEMO_RATES,
    MakerCheckerSamePerson,
    ProductKind,
    ProductStateInvalid,
    ProductStatus,
    ProductTerms,
    QuotaExceeded,
    RateInvalid,
    RateTable,
    check_maker_checker,
    default_early_withdrawal_text,
    format_rate,
    home_shard,
    maturity_options,
    next_status,
    on_sale,
    parse_rate,
    plan_quota_take,
    split_quota,
)

TERMS = HoldingTerms(principal=1_000_000, rate=Decimal("0.80"), term_months=3,
                     start_date=date(2025, 6, 2), maturity_date=date(2025, 9, 2))


def _product(**changes: object) -> ProductTerms:
    base = dict(code="TD1Y", name="1年期", kind=ProductKind.TIME_DEPOSIT, term_months=12,
                rate=Decimal("1.20"), min_amount=5_000, step_amount=100,
                max_per_customer=10_000_000, total_quota=100_000_000,
                sale_start=date(2025, 6, 1), sale_end=date(2025, 12, 31))
    return ProductTerms(**{**base, **changes})  # type: ignore[arg-type]


# --------------------------------------------------------------------------- quota


def test_plan_takes_shards_in_ascending_order_until_the_amount_is_covered() -> None:
    assert plan_quota_take([(3, 50), (0, 30), (1, 0), (2, 40)], 100) == [(0, 30), (2, 40),
                                                                         (3, 30)]
    assert plan_quota_take([(0, 30), (1, 70)], 100) == [(0, 30), (1, 70)]  # sells out exactly


def test_plan_refuses_only_when_all_shards_together_are_short() -> None:
    with pytest.raises(QuotaExceeded) as info:
        plan_quota_take([(0, 30), (1, 69)], 100)
    assert info.value.details == {"amount": 100, "quota_left": 99}


@given(st.lists(st.integers(0, 10**6), min_size=16, max_size=16), st.integers(1, 10**7))
def test_a_plan_never_takes_more_than_a_shard_holds_and_sums_to_the_amount(
        left: list[int], amount: int) -> None:
    shards = list(enumerate(left))
    if amount > sum(left):
        with pytest.raises(QuotaExceeded):
            plan_quota_take(shards, amount)
        return
    plan = plan_quota_take(shards, amount)
    assert sum(take for _, take in plan) == amount
    assert all(0 < take <= left[shard] for shard, take in plan)
    assert [s for s, _ in plan] == sorted(s for s, _ in plan)


@given(st.integers(0, 10**12))
def test_split_then_plan_sells_the_whole_quota(total: int) -> None:
    shards = list(enumerate(split_quota(total, 16)))
    if total:
        assert sum(t for _, t in plan_quota_take(shards, total)) == total


def test_home_shard_spreads_customers() -> None:
    assert {home_shard(c, 16) for c in range(1, 33)} == set(range(16))


# --------------------------------------------------------------------------- rates


@pytest.mark.parametrize(("text", "value"), [("1.75", "1.75"), ("0", "0"), ("0.05", "0.05"),
                                             ("12.3456", "12.3456"), ("3", "3")])
def test_parse_rate_accepts_plain_percentages(text: str, value: str) -> None:
    assert parse_rate(text) == Decimal(value)


@pytest.mark.parametrize("text", ["", "1.", ".5", "-1", "1e2", "01.5", "100", "1.23456",
                                  "NaN", "１.5", " 1.5", "1,5", None])
def test_parse_rate_refuses_anything_else(text: str) -> None:
    with pytest.raises(RateInvalid):
        parse_rate(text)


@pytest.mark.parametrize(("rate", "shown"), [("1.7", "1.70"), ("1.755", "1.755"), ("0", "0.00"),
                                             ("2", "2.00"), ("0.0500", "0.0500")])
def test_format_rate_shows_at_least_two_decimals(rate: str, shown: str) -> None:
    assert format_rate(Decimal(rate)) == shown


# --------------------------------------------------------------------------- publishing


@pytest.mark.parametrize(("status", "action", "after"), [
    (ProductStatus.DRAFT, "edit", ProductStatus.DRAFT),
    (ProductStatus.DRAFT, "submit", ProductStatus.PENDING),
    (ProductStatus.PENDING, "approve", ProductStatus.PUBLISHED),
    (ProductStatus.PENDING, "reject", ProductStatus.DRAFT),
    (ProductStatus.PUBLISHED, "suspend", ProductStatus.SUSPENDED),
    (ProductStatus.SUSPENDED, "submit", ProductStatus.PENDING),
])
def test_the_publishing_workflow(status: ProductStatus, action: str,
                                 after: ProductStatus) -> None:
    assert next_status(status, action) is after


@pytest.mark.parametrize(("status", "action"), [
    (ProductStatus.DRAFT, "approve"), (ProductStatus.PUBLISHED, "edit"),
    (ProductStatus.PENDING, "edit"), (ProductStatus.SUSPENDED, "approve"),
    (ProductStatus.DRAFT, "suspend"), (ProductStatus.PUBLISHED, "submit"),
])
def test_the_workflow_refuses_other_moves(status: ProductStatus, action: str) -> None:
    with pytest.raises(ProductStateInvalid):
        next_status(status, action)


def test_maker_and_checker_must_be_two_people() -> None:
    check_maker_checker(submitted_by=1, approver=2)
    for submitted in (2, None):
        with pytest.raises(MakerCheckerSamePerson) as info:
            check_maker_checker(submitted_by=submitted, approver=2)
        assert info.value.code == "MAKER_CHECKER_SAME_PERSON" and info.value.http_status == 403


def test_on_sale_needs_published_window_and_the_minimum_left() -> None:
    t, day = _product(), date(2025, 7, 1)
    assert on_sale(t, status=ProductStatus.PUBLISHED, on=day, quota_left=5_000)
    assert not on_sale(t, status=ProductStatus.PUBLISHED, on=day, quota_left=4_999)
    assert not on_sale(t, status=ProductStatus.SUSPENDED, on=day, quota_left=10**8)
    assert not on_sale(t, status=ProductStatus.PUBLISHED, on=date(2026, 1, 1), quota_left=10**8)


def test_demo_rate_table_is_valid_and_texts_follow_the_options() -> None:
    assert RateTable(DEMO_RATES).demand_rate(date(2025, 6, 20)) == Decimal("0.05")
    assert maturity_options(True) == ["payout", "rollover"]
    assert maturity_options(False) == ["payout"]
    assert "一次部分提前支取" in default_early_withdrawal_text(True)
    assert "仅可全部提前支取" in default_early_withdrawal_text(False)


# --------------------------------------------------------------------------- withdrawal


def test_products_may_forbid_partial_withdrawal_and_rollover() -> None:
    check_withdrawal_offered(TERMS, None, allow_partial=False)
    check_withdrawal_offered(TERMS, TERMS.principal, allow_partial=False)
    with pytest.raises(PartialWithdrawalNotOffered):
        check_withdrawal_offered(TERMS, 100, allow_partial=False)
    check_rollover_offered(False, allow_rollover=False)
    with pytest.raises(RolloverNotOffered):
        check_rollover_offered(True, allow_rollover=False)


def test_maturity_quote_is_the_whole_term_with_nothing_overdue() -> None:
    q = maturity_quote(TERMS)  # domain.md §9.1 I2 shape: 10,000 x 0.80% x 3/12 = 20.00
    assert (q.amount, q.interest, q.early, q.overdue_days, q.days) == (1_000_000, 2_000, False,
                                                                        0, 92)
