"""Staff routes for customers and their accounts (/admin/api/v1): search, the masked customer
page and statement, revealing one field or one evidence image with a reason, status changes
(four eyes to release a freeze), closing, and unlocking a PIN. Every action is audited with
its reason; a refused one writes nothing."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response
from sqlalchemy import select

from opendeposit import clock
from opendeposit.accounts import admin as account_admin
from opendeposit.accounts import statement as statements
from opendeposit.accounts.domain import AccountStatus
from opendeposit.accounts.models import account
from opendeposit.api import admin_customer_schemas as m
from opendeposit.api.deps import PlatformDep
from opendeposit.api.errors import ERROR_SCHEMA
from opendeposit.api.guard import StaffDep
from opendeposit.api.schemas import StatementLineView, StatementPage
from opendeposit.backoffice import customers, reveal
from opendeposit.errors import ValidationFailed
from opendeposit.esign.api import receipt_numbers
from opendeposit.money import format_amount

router = APIRouter(prefix="/admin/api/v1", tags=["admin: customers and accounts"], responses={
    401: ERROR_SCHEMA, 403: ERROR_SCHEMA, 404: ERROR_SCHEMA, 422: ERROR_SCHEMA})

CustomerId = Annotated[int, Path(ge=1, le=2**63 - 1)]
AccountNo = Annotated[str, Path(pattern=r"^\d{19}$", examples=["6230580000000000012"],
                                description="the Class II account number in full")]


@router.get("/customers")
async def search_customers(
    who: StaffDep, p: PlatformDep,
    q: Annotated[str, Query(min_length=2, max_length=40, examples=["13800000001"],
                            description="phone, account or card number, ID number or its "
                            "last 4, full name, or #customer id")],
) -> m.CustomerSearch:
    """Customers matching the query, masked (at most 50). 422 SEARCH_QUERY_INVALID."""
    by, items = await customers.search(db=p.db, vault=p.vault, q=q)
    return m.CustomerSearch(query_kind=by.value, items=[m.CustomerHit(**i) for i in items])


@router.get("/customers/{customer_id}")
async def customer_page(customer_id: CustomerId, who: StaffDep, p: PlatformDep) -> m.CustomerPage:
    """Masked profile and PIN state, accounts with balance, limits and status history,
    holdings, the latest receipts, onboarding applications with decisions and evidence, risk
    alerts. 404 CUSTOMER_NOT_FOUND."""
    return m.CustomerPage(**await customers.page(p, customer_id=customer_id))


class InvalidCursor(ValidationFailed):
    code = "INVALID_CURSOR"
    message_en = "The cursor is not valid."
    message_zh = "分页参数不正确。"


@router.get("/customers/{customer_id}/statement")
async def customer_statement(
    customer_id: CustomerId, who: StaffDep, p: PlatformDep,
    account_no: Annotated[str | None, Query(pattern=r"^\d{19}$")] = None,
    date_from: Annotated[date | None, Query(alias="from")] = None,
    date_to: Annotated[date | None, Query(alias="to")] = None,
    cursor: Annotated[str | None, Query(max_length=20)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> StatementPage:
    """Statement lines of the customer's account (the open one unless `account_no` names
    another of theirs), newest first, with the running balance."""
    if cursor is not None and not (cursor.isascii() and cursor.isdigit()):
        raise InvalidCursor()
    stmt = select(account).where(account.c.customer_id == customer_id)
    stmt = stmt.where(account.c.account_no == account_no) if account_no else \
        stmt.order_by((account.c.status == AccountStatus.CLOSED.value).asc(),
                      account.c.id.desc())
    async with p.db.read() as conn:
        await customers.customer_row(conn, customer_id)
        acct = (await conn.execute(stmt.limit(1))).first()
    if acct is None:
        return StatementPage(items=[], next_cursor=None)
    lines, nxt = await statements.statement(
        p, ledger_code=acct.ledger_code, chain=acct.chain, date_from=date_from,
        date_to=date_to, cursor=int(cursor) if cursor else None, limit=limit)
    receipt_of = await receipt_numbers(p, (ln.reference for ln in lines))
    return StatementPage(items=[StatementLineView(
        id=ln.id, at=clock.as_utc(ln.at).isoformat(),
        business_date=ln.business_date.isoformat(), kind=ln.kind,
        amount=format_amount(ln.amount), balance_after=format_amount(ln.balance_after),
        description=ln.description, reference=ln.reference, transaction_serial=ln.serial,
        receipt_no=receipt_of.get(ln.reference)) for ln in lines],
        next_cursor=str(nxt) if nxt is not None else None)


@router.post("/customers/{customer_id}/reveal")
async def reveal_field(customer_id: CustomerId, body: m.RevealIn, who: StaffDep,
                       p: PlatformDep, response: Response) -> m.Revealed:
    """One field in clear (name, id_number, phone, card_no), audited with the reason first.
    404 FIELD_NOT_ON_FILE when the bank holds no such data."""
    value = await reveal.reveal(db=p.db, vault=p.vault, customer_id=customer_id,
                                field=reveal.Field(body.field), reason=body.reason,
                                staff_id=who.id)
    response.headers["Cache-Control"] = "no-store"
    return m.Revealed(customer_id=customer_id, field=body.field, value=value)


@router.get("/customers/{customer_id}/evidence/{evidence_id}/image",
            response_class=Response,
            responses={200: {"content": {"image/jpeg": {}, "image/png": {}},
                             "description": "the evidence image"}})
async def customer_evidence_image(
    customer_id: CustomerId, evidence_id: Annotated[int, Path(ge=1, le=2**63 - 1)],
    who: StaffDep, p: PlatformDep,
    reason: Annotated[str, Query(min_length=2, max_length=500,
                                 description="why; kept in the audit log")],
) -> Response:
    """One onboarding evidence image of this customer (ID card, selfie, frames), audited."""
    data, content_type = await reveal.evidence(
        db=p.db, cipher=p.identity.cipher, customer_id=customer_id, evidence_id=evidence_id,
        reason=reason, staff_id=who.id)
    return Response(data, media_type=content_type,
                    headers={"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"})


@router.post("/accounts/{account_no}/status", responses={409: ERROR_SCHEMA})
async def change_account_status(account_no: AccountNo, body: m.StatusIn, who: StaffDep,
                                p: PlatformDep) -> m.StatusChangeView:
    """Set normal, non_counter_suspended, receive_only, frozen or dormant. Leaving `frozen`
    takes a checker or admin other than who froze it (403 FOUR_EYES_REQUIRED / ROLE_REQUIRED);
    409 ACCOUNT_CLOSED, ACCOUNT_STATUS_UNCHANGED."""
    done = await account_admin.set_status(
        db=p.db, account_no=account_no, status=AccountStatus(body.status), reason=body.reason,
        staff_id=who.id, roles=who.roles)
    return m.StatusChangeView(**done.__dict__)


@router.post("/accounts/{account_no}/close", responses={409: ERROR_SCHEMA})
async def close_account(account_no: AccountNo, body: m.ReasonIn, who: StaffDep,
                        p: PlatformDep) -> m.StatusChangeView:
    """Close with zero balance, no active holding and nothing in flight; else 409
    ACCOUNT_NOT_CLOSABLE with every reason in `details.problems`."""
    done = await account_admin.close(db=p.db, account_no=account_no, reason=body.reason,
                                     staff_id=who.id)
    return m.StatusChangeView(**done.__dict__)


@router.post("/accounts/{account_no}/pin-unlock", responses={409: ERROR_SCHEMA})
async def unlock_pin(account_no: AccountNo, body: m.ReasonIn, who: StaffDep,
                     p: PlatformDep) -> m.PinUnlocked:
    """Lift a PIN lock (409 PIN_NOT_LOCKED); the customer then sets a new PIN after face
    re-verification, and money calls answer PIN_NOT_SET until then."""
    customer_id = await account_admin.unlock_pin(db=p.db, pins=p.pins, account_no=account_no,
                                                 reason=body.reason, staff_id=who.id)
    return m.PinUnlocked(account_no=account_no, customer_id=customer_id,
                         pin_state="reset_required")
