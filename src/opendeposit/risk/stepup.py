"""Step-up records (api.md "Step-up and lifecycle"): one customer, one call, valid 5 minutes,
used once. A rule (or a flow that always re-verifies, like a PIN reset) creates one in the
caller's transaction; the customer passes it by face or SMS (`verify.py`); the repeated call
consumes it with `consume`, in its own transaction, for the same operation and request hash.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from opendeposit import clock
from opendeposit.errors import Conflict, Forbidden, NotFound, OpenDepositError, ValidationFailed
from opendeposit.risk.models import risk_step_up

TTL = timedelta(minutes=5)
MAX_ATTEMPTS = 3  # failed face attempts before the step-up is spent
FACE, SMS = "face", "sms"


class StepUpRequired(Forbidden):
    code = "STEP_UP_REQUIRED"
    message_en = "Please verify it is you (face or SMS), then repeat the request with step_up_id."
    message_zh = "为保障资金安全，请先完成身份验证（人脸或短信），再重新提交。"


class StepUpNotFound(NotFound):
    code = "STEP_UP_NOT_FOUND"
    message_en = "No such verification request."
    message_zh = "验证请求不存在。"


class StepUpExpired(OpenDepositError):
    code = "STEP_UP_EXPIRED"
    http_status = 410
    message_en = "The verification expired (5 minutes); repeat the request to get a new one."
    message_zh = "验证已超时（5分钟），请重新发起交易。"


class StepUpUsed(Conflict):
    code = "STEP_UP_USED"
    message_en = "This verification was already used; each one is good for one request."
    message_zh = "该验证已使用，每次验证仅对一笔交易有效。"


class StepUpNotVerified(Forbidden):
    code = "STEP_UP_NOT_VERIFIED"
    message_en = "Finish the verification (face or SMS) first."
    message_zh = "请先完成身份验证。"


class StepUpMismatch(Forbidden):
    code = "STEP_UP_MISMATCH"
    message_en = "This verification was issued for a different request."
    message_zh = "该验证不适用于本次交易。"


class StepUpFailed(OpenDepositError):
    code = "STEP_UP_FAILED"
    http_status = 429
    message_en = "Too many failed verification attempts; repeat the request later."
    message_zh = "验证失败次数过多，请稍后重新发起。"


class StepUpMethodNotAllowed(ValidationFailed):
    code = "STEP_UP_METHOD_NOT_ALLOWED"
    message_en = "This verification cannot be done that way."
    message_zh = "该验证不支持此方式。"


@dataclass(frozen=True)
class StepUp:
    id: str
    customer_id: int
    operation: str
    request_hash: str
    methods: tuple[str, ...]
    status: str
    reason: str
    decision_id: int | None
    attempts: int
    created_at: datetime
    expires_at: datetime
    challenge: dict[str, Any] | None = None
    method: str | None = None

    def required(self) -> StepUpRequired:
        """The 403 answer that sends the client to verify this step-up."""
        return StepUpRequired(details={"step_up_id": self.id, "methods": list(self.methods),
                                       "expires_at": self.expires_at.isoformat(),
                                       "reason": self.reason})

    def view(self) -> dict[str, Any]:
        return {"id": self.id, "operation": self.operation, "methods": list(self.methods),
                "status": self.status, "method": self.method, "reason": self.reason,
                "expires_at": self.expires_at.isoformat(), "attempts_left": max(
                    0, MAX_ATTEMPTS - self.attempts)}


def _of(row: Any) -> StepUp:
    return StepUp(row.id, row.customer_id, row.operation, row.request_hash,
                  tuple(m for m in row.methods.split(",") if m), row.status, row.reason,
                  row.decision_id, row.attempts, clock.as_utc(row.created_at),
                  clock.as_utc(row.expires_at),
                  json.loads(row.challenge) if row.challenge else None, row.method)


def new_id() -> str:
    return "su_" + secrets.token_urlsafe(16)


async def create(conn: AsyncConnection, *, customer_id: int, operation: str, request_hash: str,
                 methods: tuple[str, ...], reason: str, decision_id: int | None = None,
                 step_up_id: str | None = None, now: datetime | None = None) -> StepUp:
    now = now or clock.utcnow()
    values = dict(id=step_up_id or new_id(), customer_id=customer_id, operation=operation,
                  request_hash=request_hash, methods=",".join(methods), status="pending",
                  reason=reason[:64], decision_id=decision_id, attempts=0, created_at=now,
                  expires_at=now + TTL)
    await conn.execute(risk_step_up.insert().values(**values))
    return StepUp(values["id"], customer_id, operation, request_hash, methods,  # type: ignore[arg-type]
                  "pending", reason[:64], decision_id, 0, now, now + TTL)


async def load(conn: AsyncConnection, *, customer_id: int, step_up_id: str,
               lock: bool = False) -> StepUp:
    """The customer's own step-up; anyone else's is not found (404), never revealed."""
    stmt = select(risk_step_up).where(risk_step_up.c.id == step_up_id,
                                      risk_step_up.c.customer_id == customer_id)
    if lock:
        stmt = stmt.with_for_update()
    row = (await conn.execute(stmt)).first()
    if row is None:
        raise StepUpNotFound()
    return _of(row)


def check_live(s: StepUp, now: datetime) -> None:
    """Refusals of a step-up that can no longer be verified."""
    if s.status == "used":
        raise StepUpUsed()
    if s.status == "failed":
        raise StepUpFailed()
    if s.expires_at <= now:
        raise StepUpExpired()


async def consume(conn: AsyncConnection, *, step_up_id: str, customer_id: int, operation: str,
                  request_hash: str, now: datetime | None = None) -> StepUp:
    """Check and use a passed step-up for this call, in the call's own transaction.

    Another customer's id → STEP_UP_NOT_FOUND; another call → STEP_UP_MISMATCH; not passed
    yet → STEP_UP_NOT_VERIFIED; used → STEP_UP_USED; past 5 minutes → STEP_UP_EXPIRED. The
    update is guarded, so two calls racing with one step-up cannot both use it."""
    now = now or clock.utcnow()
    s = await load(conn, customer_id=customer_id, step_up_id=step_up_id)
    check_live(s, now)
    if s.operation != operation or s.request_hash != request_hash:
        raise StepUpMismatch(details={"operation": s.operation})
    if s.status != "verified":
        raise StepUpNotVerified(details={"methods": list(s.methods)})
    done = (await conn.execute(risk_step_up.update().where(
        risk_step_up.c.id == s.id, risk_step_up.c.status == "verified",
        risk_step_up.c.expires_at > now).values(status="used", used_at=now))).rowcount
    if done != 1:
        raise StepUpUsed()
    return s


async def mark(conn: AsyncConnection, s: StepUp, *, now: datetime, **values: Any) -> None:
    """Record a verification outcome; refuses to touch a step-up someone else just changed."""
    done = (await conn.execute(risk_step_up.update().where(
        risk_step_up.c.id == s.id, risk_step_up.c.status == s.status,
        risk_step_up.c.attempts == s.attempts).values(**values))).rowcount
    if done != 1:
        check_live(await load(conn, customer_id=s.customer_id, step_up_id=s.id), now)
        raise StepUpUsed()
