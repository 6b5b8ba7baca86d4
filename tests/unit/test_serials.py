"""Transaction serials and certificate numbers: format, Beijing date, check digit, channel."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from opendeposit.serials import (
    BANK_CODE,
    Channel,
    beijing_date,
    certificate_no,
    certificate_valid,
    channel_of,
    luhn_digit,
    luhn_valid,
    parse_serial,
    serial_row,
    transaction_serial,
)


def test_a_serial_is_beijing_date_channel_and_twelve_digits() -> None:
    at = datetime(2026, 12, 4, 3, 0, tzinfo=UTC)
    serial = transaction_serial(at, Channel.WX, 123)
    assert serial == "20261204WX000000000123"
    assert len(serial) == 22
    assert parse_serial(serial) == (date(2026, 12, 4), Channel.WX, 123)


def test_half_past_four_utc_is_already_the_next_beijing_day() -> None:
    before = datetime(2026, 12, 4, 15, 59, 59, tzinfo=UTC)  # 23:59:59 in Beijing
    after = datetime(2026, 12, 4, 16, 30, tzinfo=UTC)  # 00:30 on the 5th in Beijing
    assert transaction_serial(before, Channel.H5, 7).startswith("20261204H5")
    assert transaction_serial(after, Channel.H5, 8).startswith("20261205H5")
    assert beijing_date(after) == date(2026, 12, 5)
    # the same instant given in another zone, or naive (taken as UTC), is the same day
    assert beijing_date(after.astimezone(timezone(timedelta(hours=-5)))) == date(2026, 12, 5)
    assert beijing_date(after.replace(tzinfo=None)) == date(2026, 12, 5)


@pytest.mark.parametrize("number", [0, -1, 10 ** 12])
def test_a_number_outside_twelve_digits_is_refused(number: int) -> None:
    with pytest.raises(ValueError):
        transaction_serial(datetime(2026, 1, 1, tzinfo=UTC), Channel.BT, number)


@pytest.mark.parametrize("text", ["", "2026120WX000000000001", "20261204XX000000000001",
                                  "20261204WX00000000000A", "20261304WX000000000001"])
def test_what_is_not_a_serial_does_not_parse(text: str) -> None:
    with pytest.raises(ValueError):
        parse_serial(text)


@given(st.integers(1, 10 ** 12 - 1), st.integers(1, 10 ** 12 - 1),
       st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31)))
def test_serials_order_as_their_numbers_on_one_day(a: int, b: int, at: datetime) -> None:
    sa, sb = (transaction_serial(at, Channel.H5, n) for n in (a, b))
    assert (sa < sb) == (a < b) and (sa == sb) == (a == b)


@pytest.mark.parametrize(("header", "channel"), [
    ("WX", Channel.WX), ("wx", Channel.WX), (" H5 ", Channel.H5), (None, Channel.H5),
    ("", Channel.H5), ("APP", Channel.H5),
    # a customer cannot claim the batch or the staff console
    ("BT", Channel.H5), ("AD", Channel.H5)])
def test_the_request_channel_defaults_to_h5(header: str | None, channel: Channel) -> None:
    assert channel_of(header) is channel


def test_luhn_digit_of_known_numbers() -> None:
    assert luhn_digit("7992739871") == 3  # the textbook example 79927398713
    assert luhn_valid("79927398713")
    assert not luhn_valid("79927398710")
    assert luhn_valid("4111111111111111")  # a well-known test card number


def test_a_certificate_number_is_bank_year_id_and_check_digit() -> None:
    opened = datetime(2026, 12, 31, 16, 5, tzinfo=UTC)  # already 2027 in Beijing
    number = certificate_no(42, opened)
    assert number.startswith(f"{BANK_CODE}2027000000042")
    assert len(number) == len(BANK_CODE) + 4 + 10
    assert number[-1] == str(luhn_digit(number[:-1]))
    assert certificate_valid(number)


@given(st.integers(1, 10 ** 9 - 1), st.integers(0, 19), st.integers(1, 9))
def test_one_mistyped_digit_fails_the_check(holding_id: int, pos: int, delta: int) -> None:
    number = certificate_no(holding_id, datetime(2026, 6, 1, tzinfo=UTC))
    pos %= len(number)
    wrong = number[:pos] + str((int(number[pos]) + delta) % 10) + number[pos + 1:]
    assert certificate_valid(number) and not certificate_valid(wrong)


def test_different_holdings_never_share_a_certificate_number() -> None:
    at = datetime(2026, 6, 1, tzinfo=UTC)
    numbers = {certificate_no(i, at) for i in range(1, 2001)}
    assert len(numbers) == 2000
    with pytest.raises(ValueError):
        certificate_no(10 ** 9, at)


def test_a_serial_row_carries_the_channel_of_its_serial() -> None:
    now = datetime(2026, 12, 4, tzinfo=UTC)
    row = serial_row(transaction_serial(now, Channel.BT, 5), kind="interest_credit",
                     reference="DI20261220-1", entry_hash=None, now=now)
    assert row["channel"] == "BT" and row["serial"].endswith("000000000005")


def test_an_order_number_is_stamped_in_beijing_time(monkeypatch: pytest.MonkeyPatch) -> None:
    from opendeposit import clock
    from opendeposit.payments import service as payments

    monkeypatch.setattr(clock, "utcnow", lambda: datetime(2026, 12, 4, 16, 30, tzinfo=UTC))
    assert payments.order_number("top_up").startswith("T20261205003000")
    assert payments.order_number("withdraw").startswith("W20261205003000")
