"""Admin routes for the bus (/admin/api/v1/esb): search messages, view one, retry dead letters."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel

from opendeposit.accounts.service import audit
from opendeposit.api.admin import require
from opendeposit.api.deps import PlatformDep
from opendeposit.api.errors import ERROR_SCHEMA
from opendeposit.auth import service as auth
from opendeposit.errors import ValidationFailed
from opendeposit.esb import inbox, store
from opendeposit.staff.service import Role

router = APIRouter(prefix="/admin/api/v1/esb", tags=["admin"],
                   responses={401: ERROR_SCHEMA, 403: ERROR_SCHEMA, 404: ERROR_SCHEMA,
                              422: ERROR_SCHEMA})

Viewer = Annotated[auth.Principal, require(Role.OPERATOR, Role.AUDITOR)]
Operator = Annotated[auth.Principal, require(Role.OPERATOR)]
Status = Literal["pending", "retrying", "published", "dead"]


class MessageView(BaseModel):
    message_id: str
    global_serial: str
    service_code: str
    source_system: str
    target_system: str
    trace_id: str
    schema_version: int
    status: Status
    attempts: int
    last_error: str | None
    created_at: str | None
    published_at: str | None
    next_attempt_at: str | None


class MessageDetail(MessageView):
    body: dict[str, Any]
    processed_by: list[dict[str, Any]]


class MessagePage(BaseModel):
    items: list[MessageView]
    next_cursor: str | None


@router.get("/messages")
async def search_messages(
    who: Viewer, p: PlatformDep,
    service_code: Annotated[str | None, Query(max_length=64)] = None,
    status: Status | None = None,
    serial: Annotated[str | None, Query(max_length=32, description="全局流水号")] = None,
    cursor: Annotated[str | None, Query(max_length=20)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> MessagePage:
    """Outbox messages, newest first, by service code, status and global serial number."""
    if cursor is not None and not (cursor.isascii() and cursor.isdigit()):
        raise ValidationFailed("The cursor is not valid.", "分页参数不正确。",
                               code="INVALID_CURSOR")
    async with p.db.read() as conn:
        rows, nxt = await store.search(conn, service_code=service_code, status=status,
                                       serial=serial, before_id=int(cursor) if cursor else None,
                                       limit=limit)
    return MessagePage(items=[MessageView(**store.view(r)) for r in rows],
                       next_cursor=None if nxt is None else str(nxt))


@router.get("/messages/{message_id}")
async def get_message(message_id: str, who: Viewer, p: PlatformDep) -> MessageDetail:
    async with p.db.read() as conn:
        row = await store.get(conn, message_id)
        processed = await inbox.processed_at(conn, message_id)
    return MessageDetail(**store.view(row, with_body=True), processed_by=processed)


@router.post("/messages/{message_id}/retry", responses={409: ERROR_SCHEMA})
async def retry_message(message_id: str, who: Operator, p: PlatformDep) -> MessageView:
    """Give a dead letter a fresh set of attempts (409 ESB_MESSAGE_NOT_DEAD otherwise)."""
    async with p.db.transaction() as conn:
        row = await store.retry_dead(conn, message_id)
        await audit(conn, actor=f"staff:{who.id}", action="esb.retry",
                    subject=f"esb:{message_id}", detail=f"{row.service_code} {row.global_serial}")
    return MessageView(**store.view(row))
