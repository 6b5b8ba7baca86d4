"""Alerts → cases → decisions. Every rule hit raises an alert with the rule, its version and
the evidence; staff dismiss it, escalate it into the customer's suspicious-transaction case,
or block the customer (the account's status changes, with the reason). Nothing is deleted:
each staff decision is a row of its own, with who, when and why.
"""

from __future__ import annotations

import json
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from opendeposit import clock
from opendeposit.accounts.service import audit
from opendeposit.errors import Conflict, NotFound
from opendeposit.money import format_amount
from opendeposit.risk import aml
from opendeposit.risk.models import (
    risk_alert,
    risk_alert_action,
    risk_case,
    risk_decision,
    risk_hold,
)
from opendeposit.risk.rules import CATALOGUE


class StaffDecision(StrEnum):
    DISMISS = "dismiss"
    ESCALATE = "escalate"
    BLOCK = "block"


STATUS_AFTER = {StaffDecision.DISMISS: "dismissed", StaffDecision.ESCALATE: "escalated",
                StaffDecision.BLOCK: "blocked"}
OPEN = ("open", "escalated")  # an escalated alert can still be dismissed or blocked


class AlertNotFound(NotFound):
    code = "RISK_ALERT_NOT_FOUND"
    message_en = "No such risk alert."
    message_zh = "风险预警不存在。"


class AlertClosed(Conflict):
    code = "RISK_ALERT_CLOSED"
    message_en = "This alert is already decided."
    message_zh = "该预警已处理。"


class CaseNotFound(NotFound):
    code = "RISK_CASE_NOT_FOUND"
    message_en = "No such case."
    message_zh = "案件不存在。"


AMOUNT_KEYS = frozenset({"amount", "inflow", "outflow", "left", "turnover", "max_amount",
                         "balance"})


def shown(doc: dict[str, Any]) -> dict[str, Any]:
    """Evidence and facts as the API shows them: amounts (int fen inside) as decimal strings."""
    return {k: format_amount(v) if k in AMOUNT_KEYS and type(v) is int else v
            for k, v in doc.items()}


def _ts(t: datetime | None) -> str | None:
    return None if t is None else clock.as_utc(t).isoformat()


def alert_view(r: Any) -> dict[str, Any]:
    spec = CATALOGUE.get(r.rule_code)
    return {"id": r.id, "customer_id": r.customer_id, "decision_id": r.decision_id,
            "rule": {"code": r.rule_code, "version": r.rule_version,
                     "description": spec.description if spec else r.rule_code,
                     "description_zh": spec.description_zh if spec else r.rule_code},
            "action": r.action, "evidence": shown(json.loads(r.evidence)), "status": r.status,
            "case_id": r.case_id, "created_at": _ts(r.created_at),
            "updated_at": _ts(r.updated_at)}


async def list_alerts(conn: AsyncConnection, *, status: str | None = None,
                      customer_id: int | None = None, limit: int = 50,
                      before: int | None = None) -> list[dict[str, Any]]:
    stmt = select(risk_alert).order_by(risk_alert.c.id.desc()).limit(limit)
    if status:
        stmt = stmt.where(risk_alert.c.status == status)
    if customer_id is not None:
        stmt = stmt.where(risk_alert.c.customer_id == customer_id)
    if before is not None:
        stmt = stmt.where(risk_alert.c.id < before)
    return [alert_view(r) for r in (await conn.execute(stmt)).all()]


async def alerts_of_customer(conn: AsyncConnection, customer_id: int,
                             limit: int = 20) -> list[dict[str, Any]]:
    """The customer page's risk alerts (the seam the staff console calls)."""
    return await list_alerts(conn, customer_id=customer_id, limit=limit)


async def held_moves_of_customer(conn: AsyncConnection, customer_id: int) -> int:
    """Money moves of this customer still held for review (they block closing)."""
    held = (await conn.execute(select(func.count()).select_from(risk_hold).where(
        risk_hold.c.customer_id == customer_id, risk_hold.c.status == "held"))).scalar_one()
    return int(held)


async def alert_detail(conn: AsyncConnection, alert_id: int) -> dict[str, Any]:
    row = (await conn.execute(select(risk_alert).where(risk_alert.c.id == alert_id))).first()
    if row is None:
        raise AlertNotFound()
    actions = (await conn.execute(select(risk_alert_action).where(
        risk_alert_action.c.alert_id == alert_id).order_by(risk_alert_action.c.id))).all()
    return {**alert_view(row), "decision": await decision_detail(conn, row.decision_id),
            "actions": [{"decision": a.decision, "reason": a.reason, "actor": a.actor,
                         "at": _ts(a.created_at)} for a in actions]}


def decision_view(r: Any) -> dict[str, Any]:
    hits = [h | {"evidence": shown(h["evidence"])} for h in json.loads(r.hits)]
    return {"id": r.id, "customer_id": r.customer_id, "kind": r.kind,
            "amount": format_amount(r.amount), "action": r.action, "ruleset": r.ruleset,
            "hits": hits, "facts": shown(json.loads(r.facts)), "device_id": r.device_id, "ip": r.ip,
            "reference": r.reference, "step_up_id": r.step_up_id, "stepped_up": r.stepped_up,
            "at": _ts(r.created_at)}


async def decision_detail(conn: AsyncConnection, decision_id: int) -> dict[str, Any]:
    row = (await conn.execute(select(risk_decision).where(
        risk_decision.c.id == decision_id))).first()
    if row is None:
        raise NotFound()
    return decision_view(row)


async def decisions_of_customer(conn: AsyncConnection, customer_id: int, *, limit: int = 50,
                                before: int | None = None,
                                only_flagged: bool = False) -> list[dict[str, Any]]:
    """Why each move was allowed, stepped up, held or blocked (newest first)."""
    stmt = select(risk_decision).where(risk_decision.c.customer_id == customer_id).order_by(
        risk_decision.c.id.desc()).limit(limit)
    if before is not None:
        stmt = stmt.where(risk_decision.c.id < before)
    if only_flagged:
        stmt = stmt.where(risk_decision.c.hits != "[]")
    return [decision_view(r) for r in (await conn.execute(stmt)).all()]


async def decide(conn: AsyncConnection, *, alert_id: int, decision: StaffDecision, reason: str,
                 actor: str, now: datetime) -> dict[str, Any]:
    """Record a staff decision on an alert (in the caller's transaction); an escalation or a
    block files the alert in the customer's open case (opened if there is none). The caller
    changes the account's status for a block (`accounts.service.change_status`)."""
    row = (await conn.execute(select(risk_alert).where(risk_alert.c.id == alert_id)
                              .with_for_update())).first()
    if row is None:
        raise AlertNotFound()
    if row.status not in OPEN or (row.status == "escalated"
                                  and decision is StaffDecision.ESCALATE):
        raise AlertClosed(details={"status": row.status})
    case_id = row.case_id
    if decision is not StaffDecision.DISMISS:
        case_id = case_id or await _open_case(conn, row.customer_id, actor, reason, now)
        if decision is StaffDecision.BLOCK:
            await conn.execute(risk_case.update().where(risk_case.c.id == case_id).values(
                status="blocked", updated_at=now))
    await conn.execute(risk_alert.update().where(risk_alert.c.id == alert_id).values(
        status=STATUS_AFTER[decision], case_id=case_id, updated_at=now))
    await conn.execute(risk_alert_action.insert().values(
        alert_id=alert_id, decision=decision.value, reason=reason, actor=actor,
        created_at=now))
    await audit(conn, actor=actor, action=f"risk.alert.{decision.value}",
                subject=f"risk_alert:{alert_id}", detail=reason[:500])
    await aml.rerate(conn, customer_id=row.customer_id, trigger=f"staff_{decision.value}",
                     now=now)
    return await alert_detail(conn, alert_id)


async def _open_case(conn: AsyncConnection, customer_id: int, actor: str, reason: str,
                     now: datetime) -> int:
    found = (await conn.execute(select(risk_case.c.id).where(
        risk_case.c.customer_id == customer_id, risk_case.c.status == "open"))).scalar()
    if found is not None:
        return int(found)
    return int((await conn.execute(risk_case.insert().values(
        customer_id=customer_id, kind="suspicious_transaction", status="open", reason=reason,
        opened_by=actor, opened_at=now, updated_at=now).returning(risk_case.c.id))).scalar_one())


async def list_cases(conn: AsyncConnection, *, status: str | None = None,
                     limit: int = 50) -> list[dict[str, Any]]:
    stmt = select(risk_case).order_by(risk_case.c.id.desc()).limit(limit)
    if status:
        stmt = stmt.where(risk_case.c.status == status)
    return [_case_view(r) for r in (await conn.execute(stmt)).all()]


def _case_view(r: Any) -> dict[str, Any]:
    return {"id": r.id, "customer_id": r.customer_id, "kind": r.kind, "status": r.status,
            "reason": r.reason, "opened_by": r.opened_by, "opened_at": _ts(r.opened_at),
            "updated_at": _ts(r.updated_at)}


async def case_detail(conn: AsyncConnection, case_id: int) -> dict[str, Any]:
    row = (await conn.execute(select(risk_case).where(risk_case.c.id == case_id))).first()
    if row is None:
        raise CaseNotFound()
    alerts = (await conn.execute(select(risk_alert).where(risk_alert.c.case_id == case_id)
                                 .order_by(risk_alert.c.id))).all()
    return {**_case_view(row), "alerts": [alert_view(a) for a in alerts]}
