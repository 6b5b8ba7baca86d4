"""Step 5: submit — PIN, agreements, the risk decision, and opening the account (or a review
case, or a rejection with its reasons)."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from opendeposit import clock
from opendeposit.accounts import service as accounts
from opendeposit.accounts.domain import AccountStatus, check_new_pin, mask_account_no
from opendeposit.accounts.models import account, customer
from opendeposit.identity import agreements, errors
from opendeposit.identity.domain import Status, Step
from opendeposit.identity.evidence import Context, record
from opendeposit.identity.models import identity_blacklist, onboarding_review
from opendeposit.identity.rules import (
    REASONS,
    Decision,
    Facts,
    Outcome,
    decide,
    needs_residence_proof,
)
from opendeposit.identity.service import (
    Application,
    applications_24h,
    context,
    for_step,
    load,
    save,
)
from opendeposit.platform import Platform
from opendeposit.risk.service import list_hits as risk_lists_hit

RESUME_AFTER = timedelta(seconds=60)  # a submission stuck half-way (crash) may be re-sent


async def submit(p: Platform, *, customer_id: int, application_id: int, pin: str,
                 accepted: dict[str, str], ip: str) -> dict[str, Any]:
    app = await _claimable(p, customer_id, application_id)
    ctx = context(app, f"customer:{customer_id}", ip)
    missing = agreements.missing("submit", accepted)
    if missing:
        raise errors.AgreementsMissing(details={"missing": missing,
                                                "current": agreements.required("submit")})
    check_new_pin(pin, birth_date=date.fromisoformat(app.personal["birth_date"]))
    facts = await gather_facts(p, app)
    if needs_residence_proof(facts, p.identity.policy):
        raise errors.ResidenceProofRequired()
    decision = decide(facts, p.identity.policy)
    async with p.db.transaction() as conn:
        await record(conn, p.vault, application_id=app.id, step="submit", kind="agreements",
                     ctx=ctx, detail={"accepted": accepted,
                                      "current": agreements.required("submit")})
        await record(conn, p.vault, application_id=app.id, step="submit", kind="decision",
                     ctx=Context("system", app.device_id, ip), outcome=decision.outcome.value,
                     detail={"reasons": decision.codes, "rule_version": decision.rule_version,
                             "facts": _facts_detail(facts)})
        if app.status is not Status.SUBMITTED:
            await save(conn, p, app, status=Status.SUBMITTED)
    if decision.outcome is Outcome.REJECTED:
        await finish(p, app, Status.REJECTED, decision)
        return view_of_decision(app, decision)
    if decision.outcome is Outcome.REVIEW:
        await accounts.set_pin(p, customer_id=customer_id, pin=pin)
        await _to_review(p, app, decision)
        return view_of_decision(app, decision)
    try:
        opened = await open_for(p, app, pin=pin, actor=f"customer:{customer_id}")
    except accounts.AccountAlreadyOpen:  # opened by a concurrent path since the facts were read
        decision = Decision(Outcome.REJECTED, (REASONS["ACCOUNT_ALREADY_OPEN"],))
        await finish(p, app, Status.REJECTED, decision)
        return view_of_decision(app, decision)
    await finish(p, app, Status.OPENED, decision, account_id=opened.id)
    return view_of_decision(app, decision, account_no=opened.account_no)


async def _claimable(p: Platform, customer_id: int, application_id: int) -> Application:
    app = await load(p, customer_id=customer_id, application_id=application_id)
    if app.status is Status.SUBMITTED and clock.utcnow() - app.updated_at > RESUME_AFTER:
        return app  # resume a submission that stopped half-way
    return await for_step(p, customer_id=customer_id, application_id=application_id,
                          step=Step.SUBMIT)


async def gather_facts(p: Platform, app: Application) -> Facts:
    personal = app.personal
    async with p.db.read() as conn:
        today = await clock.current_business_date(conn)
        hits = await blacklist_hits(conn, p, app)
        counts = await applications_24h(conn, app)
        open_elsewhere = await _id_has_open_account(conn, p.vault.lookup_hash(
            personal["id_number"]), app.customer_id)
    valid_to = personal.get("valid_to")
    return Facts(
        business_date=today, birth_date=date.fromisoformat(personal["birth_date"]),
        id_valid_to=date.fromisoformat(valid_to) if valid_to else None,
        region_code=personal["region_code"],
        location_in_area=app.state.get("location_in_area"),
        has_residence_proof="residence_proof" in app.state,
        has_open_account=open_elsewhere or await _has_account(p, app.customer_id),
        blacklist_hits=tuple(hits), applications_24h=counts,
        doubts=tuple(app.state.get("doubts", [])))


async def _has_account(p: Platform, customer_id: int) -> bool:
    from opendeposit.identity.service import has_open_account

    return await has_open_account(p, customer_id)


async def _id_has_open_account(conn: AsyncConnection, id_hash: str, customer_id: int) -> bool:
    """Another customer record (another phone) with this ID number and an open account."""
    row = (await conn.execute(select(account.c.id).join(
        customer, customer.c.id == account.c.customer_id).where(
        customer.c.id_number_hash == id_hash, customer.c.id != customer_id,
        account.c.status != AccountStatus.CLOSED.value).limit(1))).first()
    return row is not None


async def blacklist_hits(conn: AsyncConnection, p: Platform, app: Application) -> list[str]:
    personal = app.personal
    keys = {"id_number": personal.get("id_number"), "card": personal.get("card_number"),
            "phone": personal.get("reserved_phone"), "device": app.device_id}
    wanted = [(k, p.vault.lookup_hash(v)) for k, v in keys.items() if v]
    rows = (await conn.execute(select(identity_blacklist.c.kind, identity_blacklist.c.value_hash)
                               .where(identity_blacklist.c.active.is_(True),
                                      identity_blacklist.c.value_hash.in_(
                                          [h for _, h in wanted])))).all()
    found = {(r.kind, r.value_hash) for r in rows}
    # the risk team's watch lists (ID numbers, phones, cards, devices) bar an opening too
    listed = set(await risk_lists_hit(conn, dict(wanted)))
    return [k for k, h in wanted if (k, h) in found or k in listed]


async def add_to_blacklist(p: Platform, *, kind: str, value: str, reason: str,
                           source: str, actor: str = "system") -> None:
    """A blacklist entry, audited with its reason (the value itself only as a keyed hash)."""
    async with p.db.transaction() as conn:
        new_id = (await conn.execute(identity_blacklist.insert().values(
            kind=kind, value_hash=p.vault.lookup_hash(value), reason=reason, source=source,
            active=True, created_at=clock.utcnow()).returning(identity_blacklist.c.id)
        )).scalar_one()
        await accounts.audit(conn, actor=actor, action="blacklist.add",
                             subject=f"blacklist:{new_id}", detail=f"{kind} from {source}",
                             reason=reason)


def _facts_detail(f: Facts) -> dict[str, Any]:
    return {"business_date": f.business_date.isoformat(), "region_code": f.region_code,
            "location_in_area": f.location_in_area, "residence_proof": f.has_residence_proof,
            "blacklist_hits": list(f.blacklist_hits), "applications_24h": f.applications_24h,
            "doubts": list(f.doubts), "has_open_account": f.has_open_account}


async def open_for(p: Platform, app: Application, *, pin: str | None,
                   actor: str) -> accounts.CustomerAccount:
    """Open the Class II account with the verified card (or find it if this already ran)."""
    personal = app.personal
    try:
        return await accounts.open_account(
            p, customer_id=app.customer_id, name=personal["name"],
            id_number=personal["id_number"],
            birth_date=date.fromisoformat(personal["birth_date"]),
            region_code=personal["region_code"], card_number=personal["card_number"],
            card_bank=personal["card_bank"], reserved_phone=personal["reserved_phone"],
            pin=pin, actor=actor)
    except accounts.AccountAlreadyOpen:
        acct = await accounts.account_of_customer(p, app.customer_id)
        resumed = app.status in (Status.SUBMITTED, Status.REVIEW)
        if resumed and acct.card_number == personal["card_number"]:
            return acct  # this application opened it before it stopped half-way
        raise


async def finish(p: Platform, app: Application, status: Status, decision: Decision | None, *,
                 account_id: int | None = None, actor: str = "system") -> None:
    reasons = decision.codes if decision else app.reasons
    async with p.db.transaction() as conn:
        await save(conn, p, app, status=status, reasons=reasons, account_id=account_id,
                   rule_version=decision.rule_version if decision else None, strict=False)
        await record(conn, p.vault, application_id=app.id, step="decision", kind=status.value,
                     ctx=Context(actor), outcome=status.value,
                     detail={"reasons": reasons, "account_id": account_id})


async def _to_review(p: Platform, app: Application, decision: Decision) -> None:
    async with p.db.transaction() as conn:
        await conn.execute(p.db.insert(onboarding_review).values(
            application_id=app.id, status="pending", reasons=json.dumps(decision.codes),
            created_at=clock.utcnow()).on_conflict_do_nothing())
        await save(conn, p, app, status=Status.REVIEW, reasons=decision.codes,
                   rule_version=decision.rule_version, strict=False)
        await record(conn, p.vault, application_id=app.id, step="decision", kind="review",
                     ctx=Context("system"), outcome="review", detail={"reasons": decision.codes})


def view_of_decision(app: Application, decision: Decision, *,
                     account_no: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"id": app.id, "status": decision.outcome.value,
                           "reasons": [{"code": r.code, "message": r.message_en,
                                        "message_zh": r.message_zh} for r in decision.reasons]}
    if account_no:
        out["account_no"] = mask_account_no(account_no)
    if decision.reasons:
        out["reason"] = decision.reasons[0].code
    return out

