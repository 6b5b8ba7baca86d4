"""Staff look-ups of customers: one search box, and the customer page with everything the bank
knows about them, masked (name 张*三, ID 4401**********1234, phone 138****5678, card ****1234;
the Class II account number in full, it is the bank's own identifier). Reads only: other
contexts through their functions, or read-only queries of their tables."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncConnection

from opendeposit import clock
from opendeposit.accounts.domain import (
    AccountStatus,
    SearchBy,
    classify_query,
    mask_card,
    mask_id_number,
    mask_name,
    mask_phone,
)
from opendeposit.accounts.models import account, account_status_change, bound_card, customer
from opendeposit.accounts.risk_seam import risk_alerts_for_customer
from opendeposit.accounts.service import limit_usages, limit_view
from opendeposit.db import Database
from opendeposit.errors import NotFound
from opendeposit.ledger import service as ledger
from opendeposit.money import format_amount
from opendeposit.platform import Platform
from opendeposit.security import Vault

SEARCH_LIMIT = 50


class CustomerNotFound(NotFound):
    code = "CUSTOMER_NOT_FOUND"
    message_en = "No such customer."
    message_zh = "客户不存在。"


def _at(v: Any) -> str | None:
    return clock.as_utc(v).isoformat() if v else None


def masked_profile(vault: Vault, row: Any) -> dict[str, Any]:
    name = vault.decrypt(row.name_enc) if row.name_enc else None
    id_number = vault.decrypt(row.id_number_enc) if row.id_number_enc else None
    return {"customer_id": int(row.id), "name_masked": mask_name(name) if name else None,
            "id_number_masked": mask_id_number(id_number) if id_number else None,
            "phone_masked": mask_phone(vault.decrypt(row.phone_enc)),
            "kyc_status": row.kyc_status, "created_at": _at(row.created_at)}


def _where(by: SearchBy, value: str, vault: Vault) -> Any:
    if by is SearchBy.CUSTOMER_ID:
        return customer.c.id == int(value)
    if by is SearchBy.PHONE:
        return customer.c.phone_hash == vault.lookup_hash(value)
    if by is SearchBy.ACCOUNT_NO:
        return customer.c.id.in_(select(account.c.customer_id).where(
            account.c.account_no == value))
    if by is SearchBy.CARD_NO:
        return customer.c.id.in_(select(account.c.customer_id).join(
            bound_card, bound_card.c.account_id == account.c.id).where(
            bound_card.c.card_hash == vault.lookup_hash(value)))
    if by is SearchBy.ID_NUMBER:
        return customer.c.id_number_hash == vault.lookup_hash(value)
    if by is SearchBy.ID_LAST4:
        return customer.c.id_last4 == value
    return customer.c.name_hash == vault.lookup_hash(value)


async def search(*, db: Database, vault: Vault, q: str) -> tuple[SearchBy, list[dict[str, Any]]]:
    """Customers matching the query (masked), each with their latest account."""
    by, value = classify_query(q)
    if by is SearchBy.CUSTOMER_ID and int(value) > 2**63 - 1:
        return by, []
    async with db.read() as conn:
        rows = (await conn.execute(select(customer).where(_where(by, value, vault))
                                   .order_by(customer.c.id).limit(SEARCH_LIMIT))).all()
        latest = await _latest_accounts(conn, [r.id for r in rows])
    items = []
    for r in rows:
        acct = latest.get(r.id)
        items.append({**masked_profile(vault, r),
                      "account_no": acct.account_no if acct else None,
                      "account_status": acct.status if acct else None})
    return by, items


async def _latest_accounts(conn: AsyncConnection, ids: list[int]) -> dict[int, Any]:
    if not ids:
        return {}
    rows = (await conn.execute(select(account).where(account.c.customer_id.in_(ids))
                               .order_by(account.c.id))).all()
    found: dict[int, Any] = {}
    for r in rows:  # the open one wins over closed ones; else the newest
        if r.customer_id not in found or found[r.customer_id].status == "closed":
            found[r.customer_id] = r
    return found


async def customer_row(conn: AsyncConnection, customer_id: int) -> Any:
    row = (await conn.execute(select(customer).where(customer.c.id == customer_id))).first()
    if row is None:
        raise CustomerNotFound(details={"customer_id": customer_id})
    return row


def pin_state(row: Any, *, has_account: bool) -> dict[str, Any]:
    if row.pin_locked_at is not None:
        state = "locked"
    elif row.pin_hash is None:
        state = "reset_required" if has_account else "not_set"
    else:
        state = "set"
    return {"state": state, "failed_attempts": int(row.pin_failed_attempts or 0),
            "locked_at": _at(row.pin_locked_at)}


async def page(p: Platform, *, customer_id: int) -> dict[str, Any]:
    """The customer page: profile, accounts, holdings, receipts, onboarding, risk alerts."""
    async with p.db.read() as conn:
        row = await customer_row(conn, customer_id)
        accounts = [await _account_view(conn, a) for a in (await conn.execute(
            _accounts_of(customer_id))).all()]
        onboarding = await _onboarding(conn, p.vault, customer_id)
        alerts = await risk_alerts_for_customer(conn, customer_id)
    from opendeposit.deposits.service import holdings
    from opendeposit.esign.api import list_for_customer

    receipts, _ = await list_for_customer(p, customer_id, limit=20)
    current = next((a for a in accounts if a["status"] != AccountStatus.CLOSED.value), None)
    main = current or (accounts[0] if accounts else None)
    return {
        "customer": {**masked_profile(p.vault, row), "birth_year": row.birth_date.year
                     if row.birth_date else None, "region_code": row.region_code,
                     "pin": pin_state(row, has_account=current is not None)},
        "account": main,
        "other_accounts": [a for a in accounts if a is not main],
        "holdings": await holdings(db=p.db, customer_id=customer_id),
        "receipts": [_receipt(r) for r in receipts],
        "onboarding": onboarding,
        "risk_alerts": alerts,
        "statement_url": f"/admin/api/v1/customers/{customer_id}/statement",
    }


def _accounts_of(customer_id: int) -> Select[Any]:
    return (select(account, bound_card.c.bank_name, bound_card.c.card_last4,
                   bound_card.c.bound_at)
            .outerjoin(bound_card, (bound_card.c.account_id == account.c.id)
                       & (bound_card.c.status == "active"))
            .where(account.c.customer_id == customer_id).order_by(account.c.id.desc()))


async def _account_view(conn: AsyncConnection, a: Any) -> dict[str, Any]:
    today = await clock.current_business_date(conn)
    history = (await conn.execute(select(account_status_change).where(
        account_status_change.c.account_id == a.id).order_by(
        account_status_change.c.id.desc()).limit(50))).all()
    usages = await limit_usages(conn, account_id=a.id, today=today)
    return {
        "account_no": a.account_no, "account_class": a.account_class, "status": a.status,
        "status_reason": a.status_reason, "opened_on": a.opened_on.isoformat(),
        "closed_at": _at(a.closed_at),
        "balance": format_amount(await ledger.balance(conn, a.ledger_code)),
        "bound_card": {"bank": a.bank_name, "card_no_masked": mask_card(a.card_last4),
                       "bound_at": _at(a.bound_at)} if a.card_last4 else None,
        "limits": [limit_view(u) for u in usages],
        "status_history": [{"from_status": h.from_status, "to_status": h.to_status,
                            "reason": h.reason, "actor": h.actor, "at": _at(h.at)}
                           for h in history],
    }


def _receipt(r: Any) -> dict[str, Any]:
    return {"receipt_no": r.receipt_no, "kind": r.kind,
            "business_date": r.business_date.isoformat(), "amount": format_amount(r.amount),
            "reference": r.reference, "issued_at": _at(r.issued_at),
            "pdf_url": f"/admin/api/v1/receipts/{r.receipt_no}/pdf"}


async def _onboarding(conn: AsyncConnection, vault: Vault,
                      customer_id: int) -> list[dict[str, Any]]:
    """Applications with decisions, review cases and the evidence list (no personal data:
    the images open one by one, with a reason, through the audited image route)."""
    from opendeposit.identity.evidence import evidence_list
    from opendeposit.identity.models import onboarding_application as app_t
    from opendeposit.identity.models import onboarding_review as review_t

    apps = (await conn.execute(
        select(app_t, review_t.c.id.label("review_id"), review_t.c.status.label("review_status"),
               review_t.c.decided_by, review_t.c.decision_note)
        .outerjoin(review_t, review_t.c.application_id == app_t.c.id)
        .where(app_t.c.customer_id == customer_id).order_by(app_t.c.id.desc()))).all()
    out = []
    for a in apps:
        state = json.loads(a.state or "{}")
        evidence = await evidence_list(conn, vault, a.id)
        out.append({
            "id": int(a.id), "status": a.status, "created_at": _at(a.created_at),
            "decided_at": _at(a.decided_at), "rule_version": a.rule_version,
            "decision_reasons": json.loads(a.decision_reasons) if a.decision_reasons else [],
            "device_id": a.device_id, "ip": a.ip, "face": state.get("face"),
            "review": {"id": int(a.review_id), "status": a.review_status,
                       "decided_by": a.decided_by, "decision_note": a.decision_note}
            if a.review_id else None,
            "evidence": [{
                "id": e["id"], "step": e["step"], "kind": e["kind"], "outcome": e["outcome"],
                "model": e["model"], "actor": e["actor"], "at": e["at"],
                "image_url": f"/admin/api/v1/customers/{customer_id}/evidence/{e['id']}/image"
                if e["image"] else None} for e in evidence],
        })
    return out


async def evidence_owner(conn: AsyncConnection, *, customer_id: int,
                         evidence_id: int) -> int | None:
    """The application an evidence row belongs to, if it is this customer's."""
    from opendeposit.identity.models import onboarding_application as app_t
    from opendeposit.identity.models import onboarding_evidence as ev_t

    found = (await conn.execute(select(ev_t.c.application_id).join(
        app_t, app_t.c.id == ev_t.c.application_id).where(
        ev_t.c.id == evidence_id, app_t.c.customer_id == customer_id))).scalar()
    return int(found) if found is not None else None
