"""How one evaluation's rows are written: the customer's summary, the device's and the IP's
(when they changed) and the decision. On PostgreSQL that is one statement (the upserts as
data-modifying CTEs of the decision's INSERT), on SQLite a few in the same transaction.
`steps` makes the same rows plan steps instead, for a money move judged on an unlocked read
(`service.judge_unlocked`): guarded by the summaries as read, in the move's own plan.

Statements are built once with bind parameters; only the values change per call. Nothing here
decides anything: the rows come from `service.record`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import bindparam
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from opendeposit.db import Database
from opendeposit.risk.models import risk_decision, risk_device, risk_ip, risk_profile
from opendeposit.writeplan import Abandon, Change, Insert, Ref, Step, Update

SUMMARY_MOVED = "RISK_SUMMARY_MOVED"  # a summary changed since it was read: judge again
PROFILE = ("customer_id", "account_id", "phone_hash", "id_number_hash", "card_hash", "history",
           "last_move_on", "updated_at")
DEVICE = ("device_id", "issued_at", "first_ip", "history", "updated_at")
IP = ("ip", "history", "updated_at")
DECISION = ("customer_id", "kind", "amount", "action", "ruleset", "hits", "facts", "device_id",
            "ip", "reference", "step_up_id", "stepped_up", "created_at")
# (table, prefix, columns, key, columns an existing row takes from the new values)
_UPSERTS = {
    "profile": (risk_profile, "p_", PROFILE, "customer_id", PROFILE[1:]),
    "device": (risk_device, "d_", DEVICE, "device_id", ("history", "updated_at")),
    "ip": (risk_ip, "i_", IP, "ip", ("history", "updated_at")),
}


@dataclass(frozen=True)
class Rows:
    profile: dict[str, Any]
    decision: dict[str, Any]
    device: dict[str, Any] | None = None
    ip: dict[str, Any] | None = None


def _upsert(dialect: Any, name: str) -> Any:
    table, prefix, columns, key, updated = _UPSERTS[name]
    stmt = dialect.insert(table).values(**{c: bindparam(prefix + c) for c in columns})
    return stmt.on_conflict_do_update(index_elements=[key],
                                      set_={c: getattr(stmt.excluded, c) for c in updated})


def _decision() -> Any:
    return risk_decision.insert().values(
        **{c: bindparam("x_" + c) for c in DECISION}).returning(risk_decision.c.id)


@cache
def _pg_statement(device: bool, ip: bool) -> Any:
    stmt = _decision().add_cte(_upsert(postgresql, "profile").cte("p"))
    if device:
        stmt = stmt.add_cte(_upsert(postgresql, "device").cte("d"))
    if ip:
        stmt = stmt.add_cte(_upsert(postgresql, "ip").cte("i"))
    return stmt


@cache
def _sqlite_statements() -> dict[str, Any]:
    return {name: _upsert(sqlite, name) for name in _UPSERTS} | {"decision": _decision()}


def _params(prefix: str, values: dict[str, Any]) -> dict[str, Any]:
    return {prefix + k: v for k, v in values.items()}


async def write(conn: AsyncConnection, db: Database, rows: Rows) -> int:
    """Write the rows in the caller's transaction; the new decision's id."""
    parts = [("profile", "p_", rows.profile), ("device", "d_", rows.device),
             ("ip", "i_", rows.ip)]
    if not db.is_sqlite:
        params = _params("x_", rows.decision)
        for _, prefix, values in parts:
            if values is not None:
                params |= _params(prefix, values)
        stmt = _pg_statement(rows.device is not None, rows.ip is not None)
        return int((await conn.execute(stmt, params)).scalar_one())
    statements = _sqlite_statements()
    for name, prefix, values in parts:
        if values is not None:
            await conn.execute(statements[name], _params(prefix, values))
    return int((await conn.execute(statements["decision"], _params("x_", rows.decision)))
               .scalar_one())


def steps(rows: Rows, *, history_text: str, device_text: str | None
          ) -> tuple[tuple[Step, ...], Ref]:
    """The rows as plan steps, and the Ref of the new decision's id. The customer's summary
    (and the device's, when it is written) changes only if its stored text is still the one
    the judgement read, else the plan is abandoned with SUMMARY_MOVED; a device seen for the
    first time is inserted, abandoned the same way if a concurrent move inserted it first."""
    if rows.ip is not None:
        raise ValueError("an IP summary is written by logins, judged the locked way")
    moved = Abandon(SUMMARY_MOVED)
    profile = rows.profile
    out: list[Step] = [Update(risk_profile.name, (Change(
        key={"customer_id": profile["customer_id"]},
        set={k: v for k, v in profile.items() if k != "customer_id"},
        expect={"history": history_text}),), on_miss=moved)]
    if rows.device is not None:
        d = rows.device
        if device_text is None:
            out.append(Insert(risk_device.name, (d,), skip_existing=True, on_miss=moved))
        else:
            out.append(Update(risk_device.name, (Change(
                key={"device_id": d["device_id"]},
                set={"history": d["history"], "updated_at": d["updated_at"]},
                expect={"history": device_text}),), on_miss=moved))
    decision = Insert(risk_decision.name, (rows.decision,), name="risk_decision",
                      returning="id")
    return (*out, decision), decision.ref()
