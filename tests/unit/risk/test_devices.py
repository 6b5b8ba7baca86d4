"""Server-issued device ids: ours verify, anything else (made up, edited, signed with another
key) is unknown and replaced."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from opendeposit.risk.devices import DeviceIds

NOW = datetime(2025, 6, 2, 8, 30, tzinfo=UTC)


def test_issued_ids_verify_and_fit_the_columns() -> None:
    ids = DeviceIds(b"k" * 32)
    issued = ids.issue(NOW)
    assert issued.startswith("d1.") and len(issued) <= 64 and issued.isascii()
    assert ids.verify(issued) == NOW
    assert ids.issue(NOW) != issued  # random part
    mine = ids.recognise(issued, NOW)
    assert (mine.id, mine.known) == (issued, True)


@pytest.mark.parametrize("value", [
    None, "", "web-0f8c", "d1.", "d1.x.y.z", "d1.6b157751.abc.def", "x" * 65, "d1.设备.a.b",
])
def test_anything_else_is_unknown_and_replaced(value: str | None) -> None:
    ids = DeviceIds(b"k" * 32)
    assert ids.verify(value) is None
    got = ids.recognise(value, NOW)
    assert got.known is False and ids.verify(got.id) == NOW


def test_an_edited_or_foreign_id_does_not_verify() -> None:
    ids = DeviceIds(b"k" * 32)
    issued = ids.issue(NOW)
    head, ts, rand, mac = issued.split(".")
    assert ids.verify(f"{head}.{int(ts, 16) + 1:x}.{rand}.{mac}") is None
    assert ids.verify(f"{head}.{ts}.{rand[::-1]}.{mac}") is None
    assert DeviceIds(b"j" * 32).verify(issued) is None


def test_the_key_comes_from_the_vault() -> None:
    class Vault:
        def lookup_hash(self, value: str) -> str:
            return "h:" + value

    a, b = DeviceIds.from_vault(Vault()), DeviceIds(b"h:opendeposit/device-id/v1")
    assert b.verify(a.issue(NOW)) == NOW
