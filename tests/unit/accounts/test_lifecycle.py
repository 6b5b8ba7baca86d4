"""The account's life after opening (domain.md §1.7, §11.7): dormancy, re-activation, card
change, PIN reset and the customer's close — every problem listed, the first raised."""

from __future__ import annotations

from datetime import date

import pytest

from opendeposit.accounts.domain import AccountNotUsable, AccountStatus
from opendeposit.accounts.lifecycle import (
    DORMANT_NEW_ACCOUNT,
    LONG_DORMANT,
    BalanceNotZero,
    MoneyState,
    StatusChange,
    add_months,
    card_change_problems,
    dormancy_change,
    pin_reset_problems,
    raise_first,
    reactivation_allowed,
)

N, NCS, D = AccountStatus.NORMAL, AccountStatus.NON_COUNTER_SUSPENDED, AccountStatus.DORMANT
OPENED = date(2025, 1, 31)


@pytest.mark.parametrize(("status", "reason", "last", "today", "expected"), [
    (N, None, None, date(2025, 7, 30), None),  # not yet 6 calendar months
    (N, None, None, date(2025, 7, 31), StatusChange(NCS, DORMANT_NEW_ACCOUNT)),
    (N, None, date(2025, 2, 1), date(2025, 12, 1), None),  # used once: no 6-month rule
    (N, None, date(2025, 2, 1), date(2026, 2, 1), StatusChange(D, LONG_DORMANT)),
    (N, None, None, date(2026, 1, 31), StatusChange(D, LONG_DORMANT)),
    (NCS, DORMANT_NEW_ACCOUNT, None, date(2026, 1, 31), StatusChange(D, LONG_DORMANT)),
    (NCS, DORMANT_NEW_ACCOUNT, None, date(2025, 9, 1), None),  # already suspended
    (NCS, "staff: court order", None, date(2027, 1, 1), None),  # staff decisions stand
    (AccountStatus.FROZEN, "judicial", None, date(2027, 1, 1), None),
    (D, LONG_DORMANT, None, date(2027, 1, 1), None),
])
def test_dormancy(status: AccountStatus, reason: str | None, last: date | None, today: date,
                  expected: StatusChange | None) -> None:
    assert dormancy_change(status=status, status_reason=reason, opened_on=OPENED,
                           last_activity_on=last, today=today) == expected


def test_months_clamp_to_the_month_end() -> None:
    assert add_months(date(2025, 8, 31), 6) == date(2026, 2, 28)
    assert add_months(date(2024, 2, 29), 12) == date(2025, 2, 28)
    assert add_months(date(2025, 11, 15), 2) == date(2026, 1, 15)


def test_only_dormancy_is_lifted_by_the_customer() -> None:
    assert reactivation_allowed(NCS, DORMANT_NEW_ACCOUNT)
    assert reactivation_allowed(D, LONG_DORMANT)
    assert not reactivation_allowed(NCS, "RISK_BLOCK alert 4: mule")
    assert not reactivation_allowed(N, None)
    assert not reactivation_allowed(AccountStatus.FROZEN, DORMANT_NEW_ACCOUNT)


def test_card_change_needs_zero_balance_and_nothing_in_flight() -> None:
    ok = card_change_problems(status=N, money=MoneyState(0), same_card=False,
                              changes_this_year=0)
    assert ok == []
    all_wrong = card_change_problems(status=D, money=MoneyState(1, 1, 1), same_card=True,
                                     changes_this_year=3)
    assert all_wrong == ["ACCOUNT_STATUS_FORBIDS", "CARD_SAME_AS_BOUND",
                         "ACCOUNT_BALANCE_NOT_ZERO", "ACCOUNT_MONEY_IN_FLIGHT",
                         "ACCOUNT_HOLD_OPEN", "CARD_CHANGE_TOO_FREQUENT"]
    time_deposits_stay = MoneyState(0, active_holdings=2)
    assert card_change_problems(status=N, money=time_deposits_stay, same_card=False,
                                changes_this_year=2) == []


def test_pin_reset_and_close() -> None:
    assert pin_reset_problems(status=AccountStatus.FROZEN) == []
    assert pin_reset_problems(status=AccountStatus.CLOSED) == ["ACCOUNT_STATUS_FORBIDS"]
    # the customer's close and the staff close share accounts.domain.closing_problems
    from opendeposit.accounts.domain import ClosingFacts, closing_problems

    assert closing_problems(ClosingFacts(D, 0, 0, 0)) == []
    assert closing_problems(ClosingFacts(AccountStatus.FROZEN, 5, 1, 1, 3)) == [
        "ACCOUNT_FROZEN", "BALANCE_NOT_ZERO", "ACTIVE_HOLDINGS", "MONEY_IN_FLIGHT",
        "INTEREST_PENDING"]


def test_the_first_problem_is_raised_with_all_of_them() -> None:
    with pytest.raises(BalanceNotZero) as err:
        raise_first(["ACCOUNT_BALANCE_NOT_ZERO", "ACCOUNT_MONEY_IN_FLIGHT"])
    assert err.value.details["problems"] == ["ACCOUNT_BALANCE_NOT_ZERO",
                                             "ACCOUNT_MONEY_IN_FLIGHT"]
    assert err.value.http_status == 409
    with pytest.raises(AccountNotUsable):
        raise_first(["ACCOUNT_STATUS_FORBIDS"], status=D, operation="card_change")
    raise_first([])
