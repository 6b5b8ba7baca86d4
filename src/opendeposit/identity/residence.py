"""The local-customer evidence a customer can add before submitting: device location and a
proof-of-residence document for staff to check (客户属地化, domain.md §2.3, §11.8)."""

from __future__ import annotations

from typing import Any

from opendeposit.identity import images
from opendeposit.identity.domain import ORDER, Status, Step, check_step
from opendeposit.identity.evidence import put_blob, record
from opendeposit.identity.rules import location_in_area
from opendeposit.identity.service import Application, context, load, save
from opendeposit.platform import Platform

PROOF_KINDS = ("residence_permit", "social_insurance", "tax_record", "work_certificate")


def _in_progress(app: Application) -> None:
    if app.status not in ORDER or app.status is Status.SUBMITTED:
        check_step(app.status, Step.SUBMIT)  # raises the closed/expired error


def set_location(p: Platform, app: Application, location: dict[str, Any]) -> None:
    app.personal["location"] = location
    app.state["location_in_area"] = location_in_area(
        location["lat"], location["lon"], p.identity.flow.service_area_bbox)


async def upload_proof(p: Platform, *, customer_id: int, application_id: int,
                       file: bytes | None, kind: str, ip: str) -> dict[str, Any]:
    app = await load(p, customer_id=customer_id, application_id=application_id)
    _in_progress(app)
    photo = images.decode(file, max_bytes=p.identity.flow.upload_max_bytes, field="file")
    ctx = context(app, f"customer:{customer_id}", ip)
    async with p.db.transaction() as conn:
        blob = await put_blob(conn, p.identity.cipher, photo.data, photo.content_type)
        evidence_id = await record(conn, p.vault, application_id=app.id, step="residence",
                                   kind="residence_proof", ctx=ctx, blob_id=blob,
                                   detail={"kind": kind, "sha256": photo.sha256})
        app.state["residence_proof"] = {"kind": kind, "evidence_id": evidence_id}
        await save(conn, p, app, touch=True)
    return {"id": app.id, "status": app.status.value, "residence_proof": {"kind": kind}}


async def update_location(p: Platform, *, customer_id: int, application_id: int,
                          location: dict[str, Any], ip: str) -> dict[str, Any]:
    app = await load(p, customer_id=customer_id, application_id=application_id)
    _in_progress(app)
    set_location(p, app, location)
    async with p.db.transaction() as conn:
        await record(conn, p.vault, application_id=app.id, step="residence", kind="location",
                     ctx=context(app, f"customer:{customer_id}", ip),
                     detail={"in_area": app.state["location_in_area"]})
        await save(conn, p, app)
    return {"id": app.id, "status": app.status.value,
            "location_in_area": app.state["location_in_area"]}
