"""Rules as versioned data for staff: list them with their thresholds, see every version, and
put a new version (thresholds, action, on/off) with a reason. Version 1 of each rule is the
built-in default; the first change stores it next to version 2, so the history is complete.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from opendeposit import clock
from opendeposit.accounts.service import audit
from opendeposit.errors import Conflict, InvalidAmount, NotFound
from opendeposit.money import format_amount, parse_amount
from opendeposit.risk.domain import Action, Rule, RuleInvalid, RuleSpec, Unit, next_version
from opendeposit.risk.models import risk_rule_version
from opendeposit.risk.rules import CATALOGUE
from opendeposit.risk.service import forget_rules, rules_in_force


class RuleNotFound(NotFound):
    code = "RISK_RULE_NOT_FOUND"
    message_en = "No such risk rule."
    message_zh = "风险规则不存在。"


class RuleChangedMeanwhile(Conflict):
    code = "RISK_RULE_CHANGED_MEANWHILE"
    message_en = "Someone else changed this rule at the same moment; reload and try again."
    message_zh = "该规则刚被他人修改，请刷新后重试。"


def _shown(unit: Unit, value: int) -> int | str:
    return format_amount(value) if unit is Unit.AMOUNT else value


def rule_view(spec: RuleSpec, rule: Rule, meta: Any = None) -> dict[str, Any]:
    return {
        "code": spec.code, "version": rule.version, "action": rule.action.value,
        "enabled": rule.enabled, "description": spec.description,
        "description_zh": spec.description_zh, "events": sorted(k.value for k in spec.kinds),
        "default_action": spec.action.value,
        "thresholds": [{"name": t.name, "unit": t.unit.value,
                        "value": _shown(t.unit, rule.thresholds[t.name]),
                        "default": _shown(t.unit, t.default), "min": _shown(t.unit, t.low),
                        "max": _shown(t.unit, t.high), "help": t.help}
                       for t in spec.thresholds],
        "changed_by": meta.created_by if meta is not None else None,
        "changed_at": clock.as_utc(meta.created_at).isoformat() if meta is not None else None,
        "reason": meta.reason if meta is not None else "built-in default",
    }


async def _stored(conn: AsyncConnection, code: str | None = None) -> list[Any]:
    stmt = select(risk_rule_version).order_by(risk_rule_version.c.code,
                                              risk_rule_version.c.version)
    if code is not None:
        stmt = stmt.where(risk_rule_version.c.code == code)
    return list((await conn.execute(stmt)).all())


async def rule_views(conn: AsyncConnection) -> list[dict[str, Any]]:
    newest = {r.code: r for r in await _stored(conn)}
    return [rule_view(CATALOGUE[r.code], r, newest.get(r.code)
                      if newest.get(r.code) and newest[r.code].version == r.version else None)
            for r in await rules_in_force(conn)]


async def versions(conn: AsyncConnection, code: str) -> list[dict[str, Any]]:
    spec = _spec(code)
    rows = await _stored(conn, code)
    if not rows:
        return [rule_view(spec, spec.default())]
    return [rule_view(spec, _rule(r), r) for r in reversed(rows)]


def _spec(code: str) -> RuleSpec:
    spec = CATALOGUE.get(code)
    if spec is None:
        raise RuleNotFound(details={"known": sorted(CATALOGUE)})
    return spec


def _rule(r: Any) -> Rule:
    return Rule(r.code, r.version, Action(r.action), json.loads(r.thresholds), r.enabled)


def parse_thresholds(spec: RuleSpec, given: dict[str, Any]) -> dict[str, int]:
    """API values to ints: amounts are decimal strings, everything else whole numbers."""
    units = {t.name: t.unit for t in spec.thresholds}
    out: dict[str, int] = {}
    problems = []
    for name, value in given.items():
        unit = units.get(name)
        try:
            if unit is Unit.AMOUNT:
                if not isinstance(value, str):
                    raise InvalidAmount()
                out[name] = parse_amount(value)
            elif type(value) is int:
                out[name] = value
            elif unit is None:
                out[name] = 0  # next_version names it as unknown
            else:
                raise ValueError
        except (InvalidAmount, ValueError):
            problems.append({"field": name, "problem": "an amount string like \"50000.00\""
                             if unit is Unit.AMOUNT else "a whole number"})
    if problems:
        raise RuleInvalid(details={"rule": spec.code, "problems": problems})
    return out


async def change(conn: AsyncConnection, *, code: str, action: Action | None,
                 thresholds: dict[str, Any] | None, enabled: bool | None, reason: str,
                 actor: str, now: datetime) -> dict[str, Any]:
    """Store the next version (in the caller's transaction) and drop the rule cache."""
    spec = _spec(code)
    rows = await _stored(conn, code)
    current = _rule(rows[-1]) if rows else spec.default()
    new = next_version(spec, current, action=action, enabled=enabled,
                       thresholds=parse_thresholds(spec, thresholds or {}))
    if not rows:
        await _insert(conn, current, reason="built-in default", actor="system", now=now)
    await _insert(conn, new, reason=reason, actor=actor, now=now)
    await audit(conn, actor=actor, action="risk.rule.change", subject=f"risk_rule:{code}",
                detail=f"version {new.version}: {reason}"[:500])
    forget_rules()
    return rule_view(spec, new, (await _stored(conn, code))[-1])


async def _insert(conn: AsyncConnection, rule: Rule, *, reason: str, actor: str,
                  now: datetime) -> None:
    await conn.execute(risk_rule_version.insert().values(
        code=rule.code, version=rule.version, action=rule.action.value,
        thresholds=json.dumps(dict(rule.thresholds), sort_keys=True), enabled=rule.enabled,
        reason=reason, created_by=actor[:64], created_at=now))


# Rules that count a customer's moves per time, or judge the hour: scripted load (a simulated
# day, a benchmark) makes a day's moves within seconds and cannot pass a step-up.
LOAD_SENSITIVE = ("VELOCITY_PHONE", "VELOCITY_DEVICE")


async def ease_for_rehearsal(conn: AsyncConnection, *, reason: str, actor: str, now: datetime,
                             max_moves: int = 1000) -> None:
    """A rule version for a rehearsal, as a bank would make one: the velocity limits raised,
    the night burst off. Every move is still judged and recorded."""
    for code in LOAD_SENSITIVE:
        await change(conn, code=code, action=None, thresholds={"max_moves": max_moves},
                     enabled=None, reason=reason, actor=actor, now=now)
    await change(conn, code="NIGHT_BURST", action=None, thresholds=None, enabled=False,
                 reason=reason, actor=actor, now=now)
