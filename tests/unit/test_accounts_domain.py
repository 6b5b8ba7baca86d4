"""Pure account rules: statuses, account numbers, masking, PIN format, Class II counters."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from opendeposit.accounts import domain as d


@pytest.mark.parametrize(("status", "allowed"), [
    (d.AccountStatus.NORMAL, set(d.Operation)),
    (d.AccountStatus.RECEIVE_ONLY, {d.Operation.TOP_UP, d.Operation.DEPOSIT_PAYOUT,
                                    d.Operation.INTEREST_CREDIT}),
    (d.AccountStatus.NON_COUNTER_SUSPENDED, {d.Operation.DEPOSIT_PAYOUT,
                                             d.Operation.INTEREST_CREDIT}),
    (d.AccountStatus.DORMANT, {d.Operation.DEPOSIT_PAYOUT, d.Operation.INTEREST_CREDIT}),
    (d.AccountStatus.FROZEN, set()),
    (d.AccountStatus.CLOSED, set()),
])
def test_each_status_allows_exactly_its_operations(status, allowed) -> None:
    for op in d.Operation:
        if op in allowed:
            d.check_allowed(status, op)
        else:
            with pytest.raises(d.AccountNotUsable) as info:
                d.check_allowed(status, op)
            assert info.value.code == "ACCOUNT_STATUS_FORBIDS"


@given(st.integers(min_value=1, max_value=10**12 - 1))
def test_account_numbers_are_19_digits_with_a_valid_check_digit(seq: int) -> None:
    number = d.account_number(seq)
    assert len(number) == 19 and number.startswith(d.ACCOUNT_PREFIX)
    assert d.luhn_valid(number)
    wrong = number[:-1] + str((int(number[-1]) + 1) % 10)
    assert not d.luhn_valid(wrong)


def test_known_luhn_numbers() -> None:
    assert d.luhn_valid("4111111111111111")
    assert not d.luhn_valid("4111111111111112")
    assert not d.luhn_valid("411111111111111１")  # full-width digit


@pytest.mark.parametrize(("fn", "value", "masked"), [
    (d.mask_name, "张三丰", "张*丰"), (d.mask_name, "李四", "李*"), (d.mask_name, "王", "王"),
    (d.mask_name, "阿依古丽·买买提", "阿******提"),
    (d.mask_id_number, "440305199001011237", "4403**********1237"),
    (d.mask_phone, "13812345678", "138****5678"),
    (d.mask_card, "6222020200112233445", "****3445"),
    (d.mask_account_no, "6230580000000000013", "6230 **** **** 0013"),
])
def test_masks_follow_domain_11_11(fn, value, masked) -> None:
    assert fn(value) == masked


@pytest.mark.parametrize("phone", ["13800138000", "+8613800138000", " 13800138000 ",
                                   "１３８００１３８０００"])
def test_phones_normalise(phone: str) -> None:
    assert d.normalize_phone(phone) == "13800138000"


@pytest.mark.parametrize("phone", ["12800138000", "1380013800", "138001380001", "abc", ""])
def test_bad_phones_are_refused(phone: str) -> None:
    with pytest.raises(d.InvalidPhone):
        d.normalize_phone(phone)


@pytest.mark.parametrize("pin", ["111111", "123456", "654321", "12345", "1234567", "12a456",
                                 "１３５７９０", "900101"])
def test_weak_or_malformed_new_pins_are_refused(pin: str) -> None:
    with pytest.raises(d.WeakPin):
        d.check_new_pin(pin, birth_date=date(1990, 1, 1))


def test_a_reasonable_pin_is_accepted() -> None:
    d.check_new_pin("135790", birth_date=date(1990, 1, 1))


def test_class_ii_counters_l1_l2() -> None:
    """domain.md §9.4: 6,000 + 4,000 on one day is allowed; 0.01 more is not; 200k/year."""
    usage = d.LimitUsage(d.LimitBucket.OUT_NON_BOUND, used_today=600_000, used_this_year=600_000)
    d.check_limit(usage, 400_000)
    full = d.LimitUsage(d.LimitBucket.OUT_NON_BOUND, used_today=1_000_000,
                        used_this_year=1_000_000)
    with pytest.raises(d.LimitExceeded):
        d.check_limit(full, 1)
    year = d.LimitUsage(d.LimitBucket.OUT_NON_BOUND, used_today=0, used_this_year=20_000_000)
    assert year.left_today == 0
    with pytest.raises(d.LimitExceeded):
        d.check_limit(year, 1)


def test_class_ii_l4_money_from_a_non_bound_account_is_refused() -> None:
    """domain.md §9.4 L4: 100.00 in from a non-bound account to a remote Class II: refused."""
    with pytest.raises(d.NonBoundCounterparty):
        d.check_counterparty(bound=False)
    d.check_counterparty(bound=True)


def test_buckets_outside_the_caps_never_refuse_and_show_no_limit() -> None:
    big = d.LimitUsage(d.LimitBucket.BOUND_IN, used_today=50_000_000, used_this_year=90_000_000)
    d.check_limit(big, 10_000_000)  # L3: the bound-card pair is not in the 10k/200k buckets
    assert (big.capped, big.left_today, big.left_this_year) == (False, None, None)
    steps = d.usage_steps(7, d.LimitBucket.PRODUCTS, 100, date(2025, 12, 31))
    assert [(s.key["period"], s.cap) for s in steps] == [("2025-12-31", {}), ("2025", {})]
    capped = d.usage_steps(7, d.LimitBucket.OUT_NON_BOUND, 100, date(2025, 12, 31))
    assert [s.cap for s in capped] == [{"used": d.DAILY_LIMIT}, {"used": d.YEARLY_LIMIT}]
