"""Plans lowered to four primitives every applier knows: Insert, Update, Upsert and Post.

The idempotency claim and answer become rows of `idempotency_record`, outbox messages rows of
`esb_outbox` (with their envelope: message id, global serial, trace id), so both engines write
the same rows from the same plan.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

from opendeposit.writeplan import (
    KEY_TAKEN,
    Abandon,
    Answer,
    Change,
    Claim,
    Complete,
    Doc,
    Insert,
    Outbox,
    Plan,
    Post,
    Step,
    Update,
    Upsert,
)

Primitive = Insert | Update | Upsert | Post
IDEMPOTENCY = "idempotency_record"
OUTBOX = "esb_outbox"


def lower(plan: Plan) -> Iterator[Primitive]:
    for step in plan.steps:
        yield from _lower(step, plan)


def captures(step: Primitive) -> set[str]:
    """The names of the values a primitive captures, for the ones after it to refer to."""
    if isinstance(step, Post):
        accounts = {p.account for e in step.entries for p in e.postings}
        return ({step.hash(i).name for i in range(len(step.entries))} | {step.seq().name}
                | {step.balance(a).name for a in accounts})
    if isinstance(step, Insert) and step.returning:
        return {step.ref().name}
    return set()


def _lower(step: Step, plan: Plan) -> Iterator[Primitive]:
    if isinstance(step, Insert | Update | Upsert | Post):
        yield step
    elif isinstance(step, Claim):
        yield Insert(IDEMPOTENCY, (_claim_row(step, plan),), skip_existing=True,
                     on_miss=Abandon(KEY_TAKEN))
    elif isinstance(step, Complete):
        # no state guard: a pending answer (202) is replaced when reconciliation settles
        yield Update(IDEMPOTENCY, (Change(
            key={"customer_id": step.owner, "key": step.key},
            set={"state": "done", **_answer_columns(step.answer), "completed_at": plan.now}),),
            on_miss=Abandon("KEY_UNKNOWN"))
    elif isinstance(step, Outbox):
        if step.messages:
            yield Insert(OUTBOX, tuple(_outbox_row(m.service_code, m.target_system, m.body, plan)
                                       for m in step.messages))
    else:  # pragma: no cover - exhaustive
        raise TypeError(f"not a plan step: {step!r}")


def _answer_columns(answer: Answer) -> dict[str, Any]:
    return {"status_code": answer.status_code, "response": Doc(answer.body)}


def _claim_row(step: Claim, plan: Plan) -> dict[str, Any]:
    row: dict[str, Any] = {
        "customer_id": step.owner, "key": step.key, "operation": step.operation,
        "request_hash": step.request_hash, "state": "pending", "status_code": None,
        "response": None, "created_at": plan.now, "completed_at": None}
    if step.answer is not None:  # claimed and completed by the same plan
        row.update(state="done", completed_at=plan.now, **_answer_columns(step.answer))
    return row


def _outbox_row(service_code: str, target_system: str, body: Doc, plan: Plan) -> dict[str, Any]:
    from opendeposit.esb import outbox  # late: esb imports the database layer
    from opendeposit.observability.context import current_trace_id

    return {  # the trace id is the request being handled (X-Request-ID), as `enqueue` writes
        "message_id": str(uuid.uuid4()), "global_serial": outbox.global_serial(plan.now),
        "service_code": service_code, "source_system": outbox.SOURCE_SYSTEM,
        "target_system": target_system, "trace_id": current_trace_id() or uuid.uuid4().hex,
        "schema_version": 1,
        "body": body, "created_at": plan.now, "attempts": 0, "dead": 0}


def writes_outbox(plan: Plan) -> bool:
    return any(isinstance(s, Outbox) and s.messages for s in plan.steps)
