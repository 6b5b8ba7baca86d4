"""Transaction serials (交易流水号) and deposit-certificate numbers (存单编号). Pure: no I/O.

- A transaction serial is `YYYYMMDD` (the Beijing date of the movement, never UTC) + the
  channel code (`WX` mini-program, `H5` H5 app, `BT` batch / end of day, `AD` staff console)
  + 12 digits of one database sequence (`ledger.serials`: a PostgreSQL SEQUENCE, on SQLite
  a counter row), e.g. `20261204WX000000000123`. The number alone is unique and never reused;
  date and channel make it readable. One per money movement, stored in `transaction_serial`
  with the journal entry it belongs to, quoted by the statement line and the e-receipt.
- A certificate number is the bank code + the Beijing year the holding was opened + the
  holding id in 9 digits + a Luhn check digit (10 digits), e.g. `3188` `2026` `000000042`
  `4`: one per holding (a rollover opens a new holding, so it gets a new number).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta, timezone
from enum import StrEnum
from typing import Any

BEIJING = timezone(timedelta(hours=8), "Asia/Shanghai")
SERIAL_DIGITS = 12
BANK_CODE = "3188"  # the demo bank's code on its deposit certificates
HOLDING_DIGITS = 9
# the PostgreSQL SEQUENCE the numbers come from (`ledger.serials`; a read may draw one with
# `nextval` beside what it reads, as the purchase and the risk gate do)
SEQUENCE = "transaction_serial_seq"


class Channel(StrEnum):
    """Where a movement was asked for (the `X-Channel` header of the clients)."""

    WX = "WX"  # the WeChat mini-program
    H5 = "H5"  # the H5 app (the default)
    BT = "BT"  # batch: end of day (maturity, rollover, demand interest)
    AD = "AD"  # the staff console


CUSTOMER_CHANNELS = (Channel.WX, Channel.H5)


def channel_of(header: str | None) -> Channel:
    """The channel a customer request names; anything else (missing, unknown, or a channel
    a customer cannot claim such as BT/AD) is the H5 app."""
    value = (header or "").strip().upper()
    for channel in CUSTOMER_CHANNELS:
        if value == channel.value:
            return channel
    return Channel.H5


def beijing_date(at: datetime) -> date:
    """The Beijing calendar date of an instant (a naive datetime is taken as UTC)."""
    aware = at if at.tzinfo is not None else at.replace(tzinfo=UTC)
    return aware.astimezone(BEIJING).date()


def transaction_serial(at: datetime, channel: Channel, number: int) -> str:
    """`YYYYMMDD` (Beijing) + channel + the sequence number in 12 digits."""
    if not 0 < number < 10 ** SERIAL_DIGITS:
        raise ValueError(f"serial number out of range: {number}")
    return f"{beijing_date(at):%Y%m%d}{Channel(channel).value}{number:0{SERIAL_DIGITS}d}"


def parse_serial(serial: str) -> tuple[date, Channel, int]:
    """The date, channel and number of a serial; ValueError when it is not one."""
    if len(serial) != 10 + SERIAL_DIGITS or not serial[:8].isdigit() \
            or not serial[10:].isdigit():
        raise ValueError(f"not a transaction serial: {serial!r}")
    day = datetime.strptime(serial[:8], "%Y%m%d").date()
    return day, Channel(serial[8:10]), int(serial[10:])


def luhn_digit(digits: str) -> int:
    """The Luhn check digit that makes `digits` + it pass the Luhn test."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 0:  # doubled: these become the odd positions once the digit is appended
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return (10 - total % 10) % 10


def luhn_valid(digits: str) -> bool:
    return digits.isdigit() and len(digits) > 1 and luhn_digit(digits[:-1]) == int(digits[-1])


def certificate_no(holding_id: int, opened_at: datetime, *, bank_code: str = BANK_CODE) -> str:
    """存单编号: bank code + Beijing year of opening + 9-digit holding id + check digit."""
    if not 0 < holding_id < 10 ** HOLDING_DIGITS:
        raise ValueError(f"holding id out of range for a certificate number: {holding_id}")
    body = f"{bank_code}{beijing_date(opened_at).year:04d}{holding_id:0{HOLDING_DIGITS}d}"
    return f"{body}{luhn_digit(body)}"


def certificate_valid(number: str) -> bool:
    """A certificate number whose check digit is right (a mistyped digit fails)."""
    return luhn_valid(number)


def serial_row(serial: str, *, kind: str, reference: str, entry_hash: Any,
               now: datetime) -> Mapping[str, Any]:
    """A `transaction_serial` row: the serial of one movement and the entry it quotes
    (`entry_hash` may be a plan Ref, or None until the entry is posted)."""
    return {"serial": serial, "channel": serial[8:10], "kind": kind, "reference": reference,
            "entry_hash": entry_hash, "created_at": now}
