"""Watch lists (ID numbers, phones, cards, devices): CSV import with validation, where a file
with any bad line writes nothing, and the look-up by keyed hash (values are never stored in
clear, only their Vault lookup hash and a mask).

CSV: UTF-8 (a BOM is accepted), a header row with `value` and optionally `reason` and
`source`; one value per line. `mode=add` adds the values not yet listed; `mode=replace` also
deactivates (never deletes) the active entries the file no longer names.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from opendeposit import clock
from opendeposit.accounts.domain import (
    InvalidPhone,
    luhn_valid,
    mask_card,
    mask_id_number,
    mask_phone,
    normalize_phone,
)
from opendeposit.errors import ValidationFailed
from opendeposit.identity.domain import check_char, normalize_id_number
from opendeposit.risk.models import risk_list_import, risk_profile, risk_watchlist
from opendeposit.security import Vault

MAX_LINES = 100_000
MAX_PROBLEMS = 50


class ListName(StrEnum):
    ID_NUMBER = "id_number"
    PHONE = "phone"
    CARD = "card"
    DEVICE = "device"


class ListFileInvalid(ValidationFailed):
    code = "RISK_LIST_INVALID"
    message_en = "The list file has errors; nothing was imported."
    message_zh = "名单文件有误，未导入任何记录。"


@dataclass(frozen=True)
class Entry:
    value: str  # normalised
    masked: str
    reason: str
    source: str


def _id_number(raw: str) -> tuple[str, str]:
    value = normalize_id_number(raw)
    if not re.fullmatch(r"\d{17}[\dX]", value) or check_char(value[:17]) != value[17]:
        raise ValueError("not an 18-character ID number with a valid check character")
    return value, mask_id_number(value)


def _phone(raw: str) -> tuple[str, str]:
    try:
        value = normalize_phone(raw)
    except InvalidPhone:
        raise ValueError("not an 11-digit mainland mobile number") from None
    return value, mask_phone(value)


def _card(raw: str) -> tuple[str, str]:
    value = raw.replace(" ", "").strip()
    if not (value.isascii() and value.isdigit() and 12 <= len(value) <= 19 and luhn_valid(value)):
        raise ValueError("not a 12–19 digit card number with a Luhn check digit")
    return value, mask_card(value)


def _device(raw: str) -> tuple[str, str]:
    value = raw.strip()
    if not (1 <= len(value) <= 64 and value.isascii() and value.isprintable()):
        raise ValueError("not 1–64 printable ASCII characters")
    return value, value[:6] + "…" if len(value) > 8 else value


NORMALISE = {ListName.ID_NUMBER: _id_number, ListName.PHONE: _phone, ListName.CARD: _card,
             ListName.DEVICE: _device}


def parse(name: ListName, data: bytes, *, default_source: str) -> list[Entry]:
    """Every line checked; any problem raises RISK_LIST_INVALID naming the lines (≤ 50)."""
    problems: list[dict[str, Any]] = []
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ListFileInvalid(details={"problems": [{"line": 0, "problem": "not UTF-8"}]}) \
            from None
    reader = csv.DictReader(io.StringIO(text))
    fields = [f.strip().lower() for f in reader.fieldnames or []]
    if "value" not in fields:
        raise ListFileInvalid(details={"problems": [
            {"line": 1, "problem": "the header must name a `value` column"}]})
    reader.fieldnames = fields
    entries: dict[str, Entry] = {}
    for line, row in enumerate(reader, start=2):
        if line - 1 > MAX_LINES:
            problems.append({"line": line, "problem": f"more than {MAX_LINES} lines"})
            break
        if None in row:  # more cells than the header
            problems.append({"line": line, "problem": "more cells than the header"})
            continue
        try:
            value, masked = NORMALISE[name]((row.get("value") or "").strip())
        except ValueError as exc:
            problems.append({"line": line, "problem": str(exc)})
            continue
        reason = (row.get("reason") or "").strip()[:500] or "imported"
        source = (row.get("source") or "").strip()[:64] or default_source
        entries.setdefault(value, Entry(value, masked, reason, source))
    if problems or not entries:
        found = problems or [{"line": 0, "problem": "no values in the file"}]
        raise ListFileInvalid(details={"problems": found[:MAX_PROBLEMS],
                                       "problem_count": len(found)})
    return list(entries.values())


@dataclass(frozen=True)
class ImportResult:
    import_id: int
    rows: int
    added: int
    deactivated: int
    customers_hit: list[int]


async def import_list(conn: AsyncConnection, *, vault: Vault, name: ListName, data: bytes,
                      mode: str, actor: str, now: datetime) -> ImportResult:
    """Validate the whole file, then write it in the caller's transaction."""
    entries = parse(name, data, default_source=f"import by {actor}")
    hashed = {vault.lookup_hash(e.value): e for e in entries}
    active = dict((await conn.execute(select(risk_watchlist.c.value_hash, risk_watchlist.c.id)
                                      .where(risk_watchlist.c.list == name.value,
                                             risk_watchlist.c.active.is_(True)))).all())
    new = [(h, e) for h, e in hashed.items() if h not in active]
    gone = [i for h, i in active.items() if h not in hashed] if mode == "replace" else []
    import_id = int((await conn.execute(risk_list_import.insert().values(
        list=name.value, mode=mode, file_sha256=hashlib.sha256(data).hexdigest(),
        rows=len(entries), added=len(new), deactivated=len(gone), actor=actor[:64],
        created_at=now).returning(risk_list_import.c.id))).scalar_one())
    if new:
        await conn.execute(risk_watchlist.insert(), [dict(
            list=name.value, value_hash=h, value_masked=e.masked, reason=e.reason,
            source=e.source, import_id=import_id, active=True, created_at=now) for h, e in new])
    for chunk in range(0, len(gone), 500):
        await conn.execute(risk_watchlist.update().where(
            risk_watchlist.c.id.in_(gone[chunk:chunk + 500])).values(
            active=False, deactivated_at=now))
    return ImportResult(import_id, len(entries), len(new), len(gone),
                        await _customers_with(conn, name, [h for h, _ in new]))


async def _customers_with(conn: AsyncConnection, name: ListName, hashes: list[str]) -> list[int]:
    """Customers whose phone, ID number or card is among the newly listed values."""
    column = {ListName.PHONE: risk_profile.c.phone_hash,
              ListName.ID_NUMBER: risk_profile.c.id_number_hash,
              ListName.CARD: risk_profile.c.card_hash}.get(name)
    if column is None or not hashes:
        return []
    found: list[int] = []
    for chunk in range(0, len(hashes), 500):
        found += (await conn.execute(select(risk_profile.c.customer_id).where(
            column.in_(hashes[chunk:chunk + 500])))).scalars().all()
    return sorted(found)


async def summary(conn: AsyncConnection, name: ListName) -> dict[str, Any]:
    active = int((await conn.execute(select(func.count()).select_from(risk_watchlist).where(
        risk_watchlist.c.list == name.value, risk_watchlist.c.active.is_(True)))).scalar_one())
    imports = (await conn.execute(select(risk_list_import).where(
        risk_list_import.c.list == name.value).order_by(risk_list_import.c.id.desc()).limit(20)
    )).all()
    return {"list": name.value, "active": active, "imports": [
        {"id": r.id, "mode": r.mode, "rows": r.rows, "added": r.added,
         "deactivated": r.deactivated, "file_sha256": r.file_sha256, "actor": r.actor,
         "at": clock.as_utc(r.created_at).isoformat()} for r in imports]}
