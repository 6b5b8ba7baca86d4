"""Watch-list files: every line checked, values normalised, any bad line refuses the file."""

from __future__ import annotations

import pytest

from opendeposit.risk.lists import ListFileInvalid, ListName, parse


def test_values_are_normalised_and_deduplicated() -> None:
    got = parse(ListName.PHONE, "\ufeffValue,Reason,Source\n+8613800000001,fraud,police\n"
                "13800000001,dup,x\n13900000002,,\n".encode(), default_source="import")
    assert [(e.value, e.masked, e.reason, e.source) for e in got] == [
        ("13800000001", "138****0001", "fraud", "police"),
        ("13900000002", "139****0002", "imported", "import")]
    ids = parse(ListName.ID_NUMBER, b"value\n11010519491231002x\n", default_source="s")
    assert ids[0].value == "11010519491231002X"
    cards = parse(ListName.CARD, b"value\n6228 4800 0000 1390 004\n", default_source="s")
    assert cards[0].value == "6228480000001390004" and cards[0].masked == "****0004"


@pytest.mark.parametrize(("name", "data", "lines"), [
    (ListName.PHONE, b"value\n12345\n13800000001\nabc\n", [2, 4]),
    (ListName.ID_NUMBER, b"value\n440305198806151316\n", [2]),  # wrong check character
    (ListName.CARD, b"value\n1234\n", [2]),
    (ListName.DEVICE, b"value\n" + b"x" * 65 + b"\n", [2]),
])
def test_every_bad_line_is_named(name: ListName, data: bytes, lines: list[int]) -> None:
    with pytest.raises(ListFileInvalid) as err:
        parse(name, data, default_source="s")
    assert [p["line"] for p in err.value.details["problems"]] == lines
