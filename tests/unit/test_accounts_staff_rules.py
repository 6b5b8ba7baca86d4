"""Pure account rules for the bank's side: the search box, staff status changes with four
eyes, and when an account may be closed."""

from __future__ import annotations

import pytest

from opendeposit.accounts.domain import (
    AccountStatus,
    ClosingFacts,
    SearchBy,
    check_closable,
    check_status_change,
    classify_query,
    closing_problems,
)
from opendeposit.errors import OpenDepositError

S = AccountStatus


@pytest.mark.parametrize(("q", "by", "value"), [
    ("13800138000", SearchBy.PHONE, "13800138000"),
    ("+86 138 0013 8000", SearchBy.PHONE, "13800138000"),
    ("6230580000000000012", SearchBy.ACCOUNT_NO, "6230580000000000012"),
    ("6222 0202 0011 2233 445", SearchBy.CARD_NO, "6222020200112233445"),
    ("44030519900101123x", SearchBy.ID_NUMBER, "44030519900101123X"),
    ("123x", SearchBy.ID_LAST4, "123X"),
    ("1237", SearchBy.ID_LAST4, "1237"),
    (" 张 三 ", SearchBy.NAME, "张三"),
    ("#42", SearchBy.CUSTOMER_ID, "42"),
])
def test_the_search_box_understands(q: str, by: SearchBy, value: str) -> None:
    assert classify_query(q) == (by, value)


@pytest.mark.parametrize("q", ["12", "12345", "1-2", "#", "a"])
def test_the_search_box_refuses_what_it_cannot_look_up(q: str) -> None:
    with pytest.raises(OpenDepositError) as info:
        classify_query(q)
    assert info.value.code == "SEARCH_QUERY_INVALID"


def _change(current: S, target: S, *, actor: str = "staff:1", roles: str = "checker",
            frozen_by: str | None = None) -> str | None:
    try:
        check_status_change(current, target, actor=actor, actor_roles=frozenset(roles.split()),
                            frozen_by=frozen_by)
    except OpenDepositError as exc:
        return exc.code
    return None


def test_staff_status_changes() -> None:
    assert _change(S.NORMAL, S.FROZEN, roles="operator") is None
    assert _change(S.NORMAL, S.RECEIVE_ONLY, roles="risk") is None
    assert _change(S.DORMANT, S.NORMAL, roles="operator") is None
    assert _change(S.NORMAL, S.CLOSED) == "ACCOUNT_STATUS_NOT_SETTABLE"
    assert _change(S.CLOSED, S.NORMAL) == "ACCOUNT_CLOSED"
    assert _change(S.FROZEN, S.FROZEN) == "ACCOUNT_STATUS_UNCHANGED"


def test_releasing_a_freeze_takes_a_second_checker_or_admin() -> None:
    by = "staff:7"
    assert _change(S.FROZEN, S.NORMAL, actor=by, roles="checker", frozen_by=by) \
        == "FOUR_EYES_REQUIRED"
    assert _change(S.FROZEN, S.NORMAL, actor=by, roles="admin", frozen_by=by) \
        == "FOUR_EYES_REQUIRED"
    assert _change(S.FROZEN, S.NORMAL, actor="staff:8", roles="operator", frozen_by=by) \
        == "ROLE_REQUIRED"
    assert _change(S.FROZEN, S.RECEIVE_ONLY, actor="staff:8", roles="risk", frozen_by=by) \
        == "ROLE_REQUIRED"  # any way out of frozen is a release
    assert _change(S.FROZEN, S.NORMAL, actor="staff:8", roles="checker", frozen_by=by) is None
    assert _change(S.FROZEN, S.NORMAL, actor="staff:8", roles="admin", frozen_by=None) is None


def test_closing_needs_zero_balance_no_holding_nothing_in_flight() -> None:
    ok = ClosingFacts(status=S.NORMAL, balance=0, active_holdings=0, in_flight=0)
    check_closable(ok)
    check_closable(ClosingFacts(S.DORMANT, 0, 0, 0))
    busy = ClosingFacts(status=S.FROZEN, balance=1, active_holdings=2, in_flight=1,
                        interest_pending=3)
    assert closing_problems(busy) == ["ACCOUNT_FROZEN", "BALANCE_NOT_ZERO", "ACTIVE_HOLDINGS",
                                      "MONEY_IN_FLIGHT", "INTEREST_PENDING"]
    with pytest.raises(OpenDepositError) as info:
        check_closable(ClosingFacts(S.NORMAL, 5, 0, 0))
    assert info.value.code == "ACCOUNT_NOT_CLOSABLE" and info.value.http_status == 409
    assert info.value.details == {"problems": ["BALANCE_NOT_ZERO"]}
    assert "zero" in info.value.message_en
    assert closing_problems(ClosingFacts(S.CLOSED, 0, 0, 0)) == ["ACCOUNT_CLOSED"]
