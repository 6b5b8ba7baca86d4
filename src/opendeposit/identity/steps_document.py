"""Steps 1–2: read both sides of the ID card (OCR), then confirm the fields and run the
citizen-ID online check (联网核查)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import date
from typing import Any

from opendeposit import clock
from opendeposit.errors import OpenDepositError
from opendeposit.identity import doccheck, errors, idcard, images
from opendeposit.identity.domain import (
    IdNumber,
    Status,
    Step,
    Validity,
    age_on,
    check_name,
    check_validity,
    parse_id_number,
    validity_looks_standard,
)
from opendeposit.identity.evidence import put_blob, record
from opendeposit.identity.kit import IdentityKit
from opendeposit.identity.ports import OcrLine, RegistryResult
from opendeposit.identity.service import Application, context, count_attempt, for_step, save
from opendeposit.identity.steps_face import issue_challenge, public_challenge
from opendeposit.platform import Platform

ROTATIONS = (0, 1, 2)  # cv2.ROTATE_90_CLOCKWISE, ROTATE_180, ROTATE_90_COUNTERCLOCKWISE


@dataclass
class SideResult:
    lines: list[OcrLine]
    sharpness: float
    problem: str | None = None
    findings: list[doccheck.Finding] | None = None


def document_findings(kit: IdentityKit, photo: images.Photo, r: SideResult,
                      side: str) -> list[doccheck.Finding]:
    """The document checks of one side (a worker thread)."""
    def face_in(patch: Any) -> bool:
        return min(patch.shape[:2]) < 40 or bool(kit.faces.detect(patch))

    return doccheck.check_side(photo.image, r.lines, side, find_face=face_in)


def read_side(kit: IdentityKit, photo: images.Photo, expected: str) -> SideResult:
    """OCR one side (trying the other orientations only when the upright read finds no card)."""
    import cv2

    sharp = images.sharpness(photo.image)
    lines = kit.ocr.read(photo.image)
    side = idcard.side_of(lines)
    if side is None and len(lines) >= 3:
        for code in ROTATIONS:
            turned = kit.ocr.read(cv2.rotate(photo.image, code))
            if idcard.side_of(turned):
                lines, side = turned, idcard.side_of(turned)
                break
    problem = None
    if side is None:
        blurry = sharp < kit.flow.min_sharpness and images.contrast(photo.image) > 12
        problem = "ID_CARD_TOO_BLURRY" if blurry else "ID_CARD_NOT_FOUND"
    elif side != expected:
        problem = "ID_CARD_WRONG_SIDE"
    return SideResult(lines, sharp, problem)


def _missing_front(f: idcard.FrontFields) -> list[str]:
    need = {"name": f.name, "sex": f.sex, "birth_date": f.birth_date, "id_number": f.id_number}
    return [k for k, v in need.items() if not v]


def cross_check(f: idcard.FrontFields, today: date) -> tuple[str | None, list[str]]:
    """(a blocking problem, warnings): the number's birth date and sex must match the card's."""
    try:
        number = parse_id_number(f.id_number or "", today=today)
    except OpenDepositError as exc:
        return None, [exc.code]  # probably misread: the customer corrects it next
    if f.birth_date != number.birth_date or f.sex != number.sex:
        return "ID_CARD_INCONSISTENT", []
    return None, []


PROBLEMS = {"ID_CARD_TOO_BLURRY": errors.IdCardTooBlurry, "ID_CARD_NOT_FOUND":
            errors.IdCardNotFound, "ID_CARD_WRONG_SIDE": errors.IdCardWrongSide,
            "ID_CARD_UNREADABLE": errors.IdCardUnreadable,
            "ID_CARD_INCONSISTENT": errors.IdCardInconsistent}


async def read_id_card(p: Platform, *, customer_id: int, application_id: int,
                       front: bytes | None, back: bytes | None, ip: str) -> dict[str, Any]:
    app = await for_step(p, customer_id=customer_id, application_id=application_id,
                         step=Step.ID_CARD)
    ctx = context(app, f"customer:{customer_id}", ip)
    limit = p.identity.flow.upload_max_bytes
    try:
        photos = {"front": images.decode(front, max_bytes=limit, field="front"),
                  "back": images.decode(back, max_bytes=limit, field="back")}
    except OpenDepositError as exc:
        await count_attempt(p, app, Step.ID_CARD, ctx, problem=exc.code, detail=exc.details)
        raise
    kit = p.identity
    front_r = await asyncio.to_thread(read_side, kit, photos["front"], "front")
    back_r = await asyncio.to_thread(read_side, kit, photos["back"], "back")
    fields = idcard.parse_front(front_r.lines)
    back_fields = idcard.parse_back(back_r.lines)
    async with p.db.read() as conn:
        today = await clock.current_business_date(conn)
    problem, side, details = _problem(front_r, back_r, fields, back_fields, today)
    warnings = [] if problem else cross_check(fields, today)[1]
    review: list[str] = []
    if not problem:
        found = await asyncio.to_thread(_findings, kit, photos, front_r, back_r, back_fields)
        blocking, review = _by_action(kit, found)
        if blocking:
            problem, side, details = blocking.code, blocking.side, {
                "warning": blocking.as_dict()}
    blobs = await _keep(p, app, photos, front_r, back_r, fields, back_fields, ctx, problem)
    if problem:
        await count_attempt(p, app, Step.ID_CARD, ctx, problem=problem, detail=details)
        raise (PROBLEMS.get(problem) or errors.by_code(problem))(details={"side": side,
                                                                          **details})
    app.personal["ocr"] = {"front": fields.as_dict(), "back": back_fields.as_dict()}
    app.state["front_blob"] = blobs["front"]
    warnings += [c for c in review if c not in warnings]
    app.state["ocr_warnings"] = warnings
    app.state["document_doubts"] = review
    async with p.db.transaction() as conn:
        await save(conn, p, app, status=Status.ID_CARD)
    return recognised(app, warnings)


def _findings(kit: IdentityKit, photos: dict[str, images.Photo], front_r: SideResult,
              back_r: SideResult, b: idcard.BackFields) -> list[doccheck.Finding]:
    front_r.findings = document_findings(kit, photos["front"], front_r, "front")
    back_r.findings = document_findings(kit, photos["back"], back_r, "back")
    out = front_r.findings + back_r.findings
    v = b.validity
    if v and doccheck.temporary_by_validity(v.valid_from, v.valid_to) and not any(
            f.code == "ID_CARD_TEMPORARY" for f in out):
        out.append(doccheck.Finding("ID_CARD_TEMPORARY", "back", 1.0, {"why": "validity"}))
    return out


def _by_action(kit: IdentityKit, found: list[doccheck.Finding]
               ) -> tuple[doccheck.Finding | None, list[str]]:
    """(the first finding that blocks, the codes that go to review) by configuration."""
    actions = kit.documents or doccheck.DEFAULT_ACTIONS
    blocking = next((f for f in found if actions.get(f.code) == "block"), None)
    review = [f.code for f in found if actions.get(f.code) == "review"]
    return blocking, list(dict.fromkeys(review))


def _problem(front_r: SideResult, back_r: SideResult, f: idcard.FrontFields,
             b: idcard.BackFields, today: date) -> tuple[str | None, str, dict[str, Any]]:
    for side, r in (("front", front_r), ("back", back_r)):
        if r.problem:
            return r.problem, side, {"sharpness": round(r.sharpness, 1)}
    missing = _missing_front(f)
    if missing:
        return "ID_CARD_UNREADABLE", "front", {"missing": missing}
    if b.validity is None or not b.authority:
        return "ID_CARD_UNREADABLE", "back", {"missing": ["validity" if not b.validity
                                                          else "authority"]}
    blocking, _ = cross_check(f, today)
    return blocking, "front", {}


async def _keep(p: Platform, app: Application, photos: dict[str, images.Photo],
                front_r: SideResult, back_r: SideResult, f: idcard.FrontFields,
                b: idcard.BackFields, ctx: Any, problem: str | None) -> dict[str, int]:
    """Both photos (encrypted) and the full OCR output, whatever the outcome."""
    model = f"{p.identity.ocr.model.name} ({p.identity.ocr.model.version})"
    out = {}
    async with p.db.transaction() as conn:
        for side, r, parsed in (("front", front_r, f.as_dict()), ("back", back_r, b.as_dict())):
            ph = photos[side]
            blob = await put_blob(conn, p.identity.cipher, ph.data, ph.content_type)
            out[side] = blob
            await record(conn, p.vault, application_id=app.id, step="id_card",
                         kind=f"id_{side}", ctx=ctx, blob_id=blob, outcome=problem or "ok",
                         detail={"width": ph.width, "height": ph.height, "sha256": ph.sha256})
            await record(conn, p.vault, application_id=app.id, step="id_card",
                         kind=f"ocr_{side}", ctx=ctx, model=model, outcome=problem or "ok",
                         detail={"fields": parsed, "sharpness": round(r.sharpness, 1),
                                 "document_checks": [f.as_dict() for f in r.findings or []],
                                 "lines": [{"text": ln.text, "score": round(ln.score, 4),
                                            "box": [list(pt) for pt in ln.box]}
                                           for ln in r.lines]})
    return out


def recognised(app: Application, warnings: list[str]) -> dict[str, Any]:
    ocr = app.personal.get("ocr", {})
    front, back = ocr.get("front", {}), ocr.get("back", {})
    return {"id": app.id, "status": app.status.value, "next_step": _step(app),
            "fields": {"name": front.get("name"), "sex": front.get("sex"),
                       "ethnicity": front.get("ethnicity"), "birth_date": front.get("birth_date"),
                       "address": front.get("address"), "id_number": front.get("id_number"),
                       "authority": back.get("authority"), "valid_from": back.get("valid_from"),
                       "valid_to": back.get("valid_to"), "long_term": back.get("long_term")},
            "confidence": {**front.get("scores", {}), **back.get("scores", {})},
            "warnings": warnings}


def _step(app: Application) -> str | None:
    return app.next_step.value if app.next_step else None


# --------------------------------------------------------------------------- identity


def rare_characters(name: str) -> bool:
    """Characters outside GB 2312: OCR and the registry often get them wrong (domain.md §5.7)."""
    try:
        name.replace("·", "").encode("gb2312")
    except UnicodeEncodeError:
        return True
    return False


def doubts_about(app: Application, name: str, number: IdNumber, v: Validity) -> list[str]:
    front = app.personal.get("ocr", {}).get("front", {})
    out = []
    if name != front.get("name") or float(front.get("name_score") or 0) < 0.9 \
            or rare_characters(name):
        out.append("OCR_NAME_DOUBT")
    if number.value != front.get("id_number"):
        out.append("ID_NUMBER_CORRECTED")
    if not validity_looks_standard(v):
        out.append("ID_VALIDITY_UNUSUAL")
    return out


async def confirm_identity(p: Platform, *, customer_id: int, application_id: int, name: str,
                           id_number: str, valid_from: date, valid_to: date | None,
                           address: str, ip: str) -> dict[str, Any]:
    """The customer's confirmed fields, checked by rule and against the citizen registry."""
    app = await for_step(p, customer_id=customer_id, application_id=application_id,
                         step=Step.IDENTITY)
    ctx = context(app, f"customer:{customer_id}", ip)
    async with p.db.read() as conn:
        today = await clock.current_business_date(conn)
    name = check_name(name)
    number = parse_id_number(id_number, today=today)
    validity = Validity(valid_from, valid_to)
    check_validity(validity, today=today, buffer_days=p.identity.policy.expiry_buffer_days)
    policy = p.identity.policy
    if not policy.min_age <= age_on(number.birth_date, today) <= policy.max_age:
        raise errors.AgeOutOfRange(details={"min_age": policy.min_age,
                                            "max_age": policy.max_age})
    answer = await p.identity.registry.check(name=name, id_number=number.value,
                                             valid_from=valid_from, valid_to=valid_to)
    detail = {"result": answer.result.value, "reference": answer.reference,
              "photo_returned": answer.photo is not None}
    model = f"{p.identity.registry.model.name} {p.identity.registry.model.version}"
    if answer.result is not RegistryResult.MATCH:
        problem = {RegistryResult.NOT_FOUND: "CITIZEN_NOT_FOUND",
                   RegistryResult.INVALIDATED: "CITIZEN_CARD_INVALIDATED"}.get(
            answer.result, "CITIZEN_NAME_MISMATCH")
        await count_attempt(p, app, Step.IDENTITY, ctx, problem=problem, detail=detail,
                            kind="citizen_id_check", model=model)
        raise errors.by_code(problem)()
    front = app.personal.get("ocr", {}).get("front", {})
    app.personal.update(
        name=name, id_number=number.value, sex=number.sex, region_code=number.region_code,
        birth_date=number.birth_date.isoformat(), address=address.strip(),
        valid_from=valid_from.isoformat(), valid_to=valid_to.isoformat() if valid_to else None,
        ethnicity=front.get("ethnicity"),
        authority=app.personal.get("ocr", {}).get("back", {}).get("authority"))
    app.state["doubts"] = doubts_about(app, name, number, validity) + [
        c for c in app.state.get("document_doubts", [])]
    app.state["challenge"] = issue_challenge(p.identity.flow)
    async with p.db.transaction() as conn:
        if answer.photo:
            app.state["registry_blob"] = await put_blob(conn, p.identity.cipher, answer.photo,
                                                        images.sniff(answer.photo) or "image")
        await record(conn, p.vault, application_id=app.id, step="identity",
                     kind="citizen_id_check", ctx=ctx, detail=detail, model=model,
                     blob_id=app.state.get("registry_blob"))
        await record(conn, p.vault, application_id=app.id, step="identity", kind="confirmed",
                     ctx=ctx, detail={"fields": {k: app.personal.get(k) for k in (
                         "name", "id_number", "address", "valid_from", "valid_to")},
                         "doubts": app.state["doubts"]})
        await save(conn, p, app, status=Status.IDENTITY)
    return {"id": app.id, "status": app.status.value, "next_step": _step(app),
            "citizen_id_check": "match", "challenge": public_challenge(app.state["challenge"])}

