"""Onboarding applications: start, resume, load for a step (ownership, expiry, order), save.

Every change bumps `version` under a compare-and-set, so a step sent twice at once runs once;
the loser gets ONBOARDING_STEP_REPLAYED. Stale applications expire when next touched.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from opendeposit import clock
from opendeposit.accounts import service as accounts
from opendeposit.identity import errors
from opendeposit.identity.domain import OPEN, ORDER, Status, Step, check_step, is_stale, next_step
from opendeposit.identity.evidence import Context, record
from opendeposit.identity.models import onboarding_application as app_table
from opendeposit.identity.rules import location_in_area
from opendeposit.platform import Platform


@dataclass
class Application:
    id: int
    customer_id: int
    status: Status
    version: int
    device_id: str
    ip: str
    created_at: datetime
    updated_at: datetime
    personal: dict[str, Any] = field(default_factory=dict)
    state: dict[str, Any] = field(default_factory=dict)
    reasons: list[str] = field(default_factory=list)
    account_id: int | None = None

    @property
    def next_step(self) -> Step | None:
        return next_step(self.status)

    def attempts(self, step: str) -> int:
        return int(self.state.get("attempts", {}).get(step, 0))


def _from_row(p: Platform, row: Any) -> Application:
    return Application(
        id=row.id, customer_id=row.customer_id, status=Status(row.status), version=row.version,
        device_id=row.device_id, ip=row.ip, created_at=clock.as_utc(row.created_at),
        updated_at=clock.as_utc(row.updated_at),
        personal=json.loads(p.vault.decrypt(row.personal_enc)) if row.personal_enc else {},
        state=json.loads(row.state), reasons=json.loads(row.decision_reasons or "[]"),
        account_id=row.account_id)


def context(app: Application, actor: str, ip: str | None = None) -> Context:
    return Context(actor=actor, device_id=app.device_id, ip=ip or app.ip,
                   location=app.personal.get("location"))


async def start(p: Platform, *, customer_id: int, device_id: str, ip: str,
                location: dict[str, Any] | None,
                channel: str | None = None) -> tuple[Application, bool]:
    """The customer's open application, or a new one (→ (application, created))."""
    found = await current(p, customer_id)
    if found is not None:
        return found, False
    if await has_open_account(p, customer_id):
        raise accounts.AccountAlreadyOpen()
    now = clock.utcnow()
    state: dict[str, Any] = {"attempts": {}, "doubts": []}
    personal: dict[str, Any] = {}
    if location:
        personal["location"] = location
        bbox = p.identity.flow.service_area_bbox
        state["location_in_area"] = location_in_area(location["lat"], location["lon"], bbox)
    async with p.db.transaction() as conn:
        app_id = (await conn.execute(app_table.insert().values(
            customer_id=customer_id, status=Status.APPLICATION.value, version=1,
            device_id=device_id, ip=ip, personal_enc=p.vault.encrypt(json.dumps(personal)),
            state=json.dumps(state), created_at=now, updated_at=now, channel=channel,
        ).returning(app_table.c.id))).scalar_one()
        await record(conn, p.vault, application_id=app_id, step="start", kind="application",
                     ctx=Context(f"customer:{customer_id}", device_id, ip, location),
                     detail={"location_given": bool(location)})
    return await load(p, customer_id=customer_id, application_id=app_id), True


async def has_open_account(p: Platform, customer_id: int) -> bool:
    try:
        await accounts.account_of_customer(p, customer_id)
    except accounts.AccountNotFound:
        return False
    return True


async def current(p: Platform, customer_id: int) -> Application | None:
    """The open application (in progress or in review), after expiring a stale one."""
    async with p.db.read() as conn:
        row = (await conn.execute(select(app_table).where(
            app_table.c.customer_id == customer_id,
            app_table.c.status.in_([s.value for s in OPEN])).order_by(
            app_table.c.id.desc()).limit(1))).first()
    if row is None:
        return None
    app = await _expire_if_stale(p, _from_row(p, row))
    return None if app.status is Status.EXPIRED else app


async def load(p: Platform, *, customer_id: int, application_id: int) -> Application:
    """The customer's own application (404 for anyone else's), expired if it went stale."""
    async with p.db.read() as conn:
        row = (await conn.execute(select(app_table).where(
            app_table.c.id == application_id, app_table.c.customer_id == customer_id))).first()
    if row is None:
        raise errors.ApplicationNotFound()
    return await _expire_if_stale(p, _from_row(p, row))


async def load_any(conn: AsyncConnection, p: Platform, application_id: int) -> Application:
    row = (await conn.execute(select(app_table).where(app_table.c.id == application_id))).first()
    if row is None:
        raise errors.ApplicationNotFound()
    return _from_row(p, row)


async def for_step(p: Platform, *, customer_id: int, application_id: int,
                   step: Step) -> Application:
    app = await load(p, customer_id=customer_id, application_id=application_id)
    check_step(app.status, step)
    limit = p.identity.flow.max_attempts.get(step.value)
    if limit is not None and app.attempts(step.value) >= limit:
        await close_for_attempts(p, app, step)
    return app


async def _expire_if_stale(p: Platform, app: Application) -> Application:
    in_progress = app.status in ORDER and app.status is not Status.SUBMITTED
    if not in_progress or not is_stale(app.updated_at, clock.utcnow(), p.identity.flow.idle):
        return app
    async with p.db.transaction() as conn:
        if await save(conn, p, app, status=Status.EXPIRED, touch=False, strict=False):
            await record(conn, p.vault, application_id=app.id, step="expire", kind="expired",
                         ctx=context(app, "system"), detail={"idle_since":
                                                             app.updated_at.isoformat()})
    return app


async def save(conn: AsyncConnection, p: Platform, app: Application, *,
               status: Status | None = None, touch: bool = True, strict: bool = True,
               reasons: list[str] | None = None, rule_version: str | None = None,
               account_id: int | None = None) -> bool:
    """Write `app` (status, personal data, state) if nobody changed it since it was read."""
    values: dict[str, Any] = {
        "version": app.version + 1, "state": json.dumps(app.state, ensure_ascii=False),
        "personal_enc": p.vault.encrypt(json.dumps(app.personal, ensure_ascii=False)),
    }
    if app.personal.get("id_number"):
        values["id_number_hash"] = p.vault.lookup_hash(app.personal["id_number"])
    if touch:
        values["updated_at"] = clock.utcnow()
    if status is not None:
        values["status"] = status.value
        if status in (Status.OPENED, Status.REJECTED, Status.REVIEW):
            values["decided_at"] = clock.utcnow()
    if reasons is not None:
        values.update(decision_reasons=json.dumps(reasons), rule_version=rule_version)
    if account_id is not None:
        values["account_id"] = account_id
    done = (await conn.execute(app_table.update().where(
        app_table.c.id == app.id, app_table.c.version == app.version).values(**values))).rowcount
    if done == 1:
        app.version += 1
        app.status = status or app.status
        return True
    if strict:
        raise errors.StepReplayed(details={"reason": "changed concurrently"})
    return False


async def count_attempt(p: Platform, app: Application, step: Step, ctx: Context, *,
                        problem: str, detail: dict[str, Any] | None = None,
                        kind: str = "attempt", model: str | None = None) -> None:
    """A failed try of a step, counted and kept as evidence; the last allowed one closes it."""
    attempts = app.state.setdefault("attempts", {})
    attempts[step.value] = attempts.get(step.value, 0) + 1
    async with p.db.transaction() as conn:
        await save(conn, p, app, strict=False)
        await record(conn, p.vault, application_id=app.id, step=step.value, kind=kind,
                     ctx=ctx, detail=detail, outcome=problem, model=model)
    limit = p.identity.flow.max_attempts.get(step.value)
    if limit is not None and attempts[step.value] >= limit:
        await close_for_attempts(p, app, step, problem)


async def close_for_attempts(p: Platform, app: Application, step: Step,
                             problem: str | None = None) -> None:
    async with p.db.transaction() as conn:
        await save(conn, p, app, status=Status.REJECTED, reasons=["ATTEMPTS_EXCEEDED"],
                   rule_version="attempts", strict=False)
        await record(conn, p.vault, application_id=app.id, step=step.value, kind="closed",
                     ctx=context(app, "system"), outcome="ONBOARDING_ATTEMPTS_EXCEEDED")
    raise errors.AttemptsExceeded(details={"step": step.value, "last_problem": problem})


async def applications_24h(conn: AsyncConnection, app: Application) -> dict[str, int]:
    """How many applications the same device, customer (phone) and IP started in 24 hours."""
    since = app.created_at - timedelta(days=1)
    out = {}
    for key, col, value in (("device", app_table.c.device_id, app.device_id),
                            ("phone", app_table.c.customer_id, app.customer_id),
                            ("ip", app_table.c.ip, app.ip)):
        out[key] = int((await conn.execute(select(func.count()).select_from(app_table).where(
            col == value, app_table.c.created_at > since))).scalar_one())
    return out
