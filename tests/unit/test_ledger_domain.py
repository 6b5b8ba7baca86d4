"""Pure ledger rules: balanced entries, sign convention, the hash chain."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from opendeposit.errors import LedgerInvariantBroken
from opendeposit.ledger import domain as d

DAY = date(2025, 6, 2)


def test_two_legged_transfer_balances() -> None:
    e = d.JournalEntry.transfer(kind="top_up", business_date=DAY, description="x",
                                debit=d.BANK_SETTLEMENT, credit="2011-000000000001", amount=5)
    assert [p.amount for p in e.postings] == [5, -5]


@pytest.mark.parametrize("postings", [
    (d.Posting("1001", 5),),
    (d.Posting("1001", 5), d.Posting("2231", -4)),
    (d.Posting("1001", 0), d.Posting("2231", 0)),
])
def test_unbalanced_or_degenerate_entries_are_refused(postings) -> None:
    with pytest.raises(LedgerInvariantBroken):
        d.JournalEntry("x", DAY, "x", postings)


def test_unknown_chart_code_is_refused() -> None:
    with pytest.raises(KeyError):
        d.JournalEntry("x", DAY, "x", (d.Posting("9999", 5), d.Posting("1001", -5)))


def test_sign_convention_moves_natural_balances() -> None:
    assert d.natural_delta("1001", 100) == 100  # asset debited: up
    assert d.natural_delta("2011-000000000001", -100) == 100  # liability credited: up
    assert d.natural_delta("2011-000000000001", 100) == -100  # liability debited: down
    assert d.natural_delta("5211", 7) == 7  # expense debited: up


def test_ledger_codes() -> None:
    assert d.ledger_code("2011", 42) == "2011-000000000042"
    assert d.ledger_code("1001") == "1001"
    with pytest.raises(ValueError):
        d.ledger_code("2011")


amounts = st.lists(st.integers(min_value=1, max_value=10**9), min_size=1, max_size=5)


@given(amounts)
def test_any_split_of_a_debit_into_credits_balances(parts: list[int]) -> None:
    postings = (d.Posting("1001", sum(parts)),
                *(d.Posting("2011-000000000001", -a) for a in parts))
    entry = d.JournalEntry("x", DAY, "x", postings)
    assert sum(p.amount for p in entry.postings) == 0


def test_digest_is_stable_and_sensitive_to_every_field() -> None:
    base = dict(chain=3, kind="top_up", business_date=DAY, description="充值", reference="T1",
                postings=(d.Posting("1001", 5), d.Posting("2011-000000000001", -5)))
    digest = d.content_digest(**base)
    assert digest == d.content_digest(**base)
    for key, value in [("chain", 4), ("kind", "x"), ("business_date", date(2025, 6, 3)),
                       ("description", "充值 "), ("reference", "T2"),
                       ("postings", (d.Posting("1001", 6), d.Posting("2011-000000000001", -6)))]:
        assert d.content_digest(**{**base, key: value}) != digest


def test_chain_links_depend_on_the_previous_link() -> None:
    a = d.chain_hash(d.GENESIS_HASH, "ab")
    assert a != d.chain_hash("1" * 64, "ab")
    assert len(a) == 64 and a == d.chain_hash(d.GENESIS_HASH, "ab")
