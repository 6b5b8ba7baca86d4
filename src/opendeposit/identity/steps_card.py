"""Step 4: the card to bind — five-element check with the card's bank (match / mismatch per
element; the holder's data never comes back), then an SMS code to the card's reserved mobile
(domain.md §1.5, §5.3–5.4, §11.7)."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from sqlalchemy import select

from opendeposit.accounts.domain import luhn_valid, mask_card, mask_phone, normalize_phone
from opendeposit.accounts.models import customer
from opendeposit.auth import service as auth
from opendeposit.identity import errors
from opendeposit.identity.domain import Status, Step
from opendeposit.identity.evidence import record
from opendeposit.identity.ports import CardElements, ElementResult, ElementsAnswer
from opendeposit.identity.service import context, count_attempt, for_step, save
from opendeposit.platform import Platform


def normalize_card(raw: str) -> str:
    card = re.sub(r"[\s-]", "", unicodedata.normalize("NFKC", raw))
    if not (card.isascii() and card.isdigit() and 16 <= len(card) <= 19 and luhn_valid(card)):
        raise errors.InvalidCardNumber()
    return card


ORDER = (("card", "CARD_NOT_FOUND"), ("name", "CARD_NOT_OWN_NAME"),
         ("id_number", "CARD_NOT_OWN_NAME"), ("phone", "CARD_PHONE_MISMATCH"),
         ("class_one", "CARD_NOT_CLASS_ONE"))


def five_elements(answer: ElementsAnswer) -> tuple[str | None, dict[str, bool]]:
    """(the first failing element's code, each element's result) from a match/mismatch answer;
    an element the issuer could not check counts as not matching."""
    result = {k: getattr(answer, k) is ElementResult.MATCH for k, _ in ORDER}
    problem = next((code for k, code in ORDER if not result[k]), None)
    return problem, result


async def check_five_elements(elements: CardElements, *, card_number: str, name: str,
                              id_number: str, phone: str
                              ) -> tuple[str | None, dict[str, bool], ElementsAnswer]:
    """The five-element check (五要素) of a card for a person: reusable by any step that binds a
    card (onboarding, a change of the bound card)."""
    answer = await elements.verify(card_number=card_number, name=name, id_number=id_number,
                                   phone=phone)
    problem, result = five_elements(answer)
    return problem, result, answer


async def _login_phone_hash(p: Platform, customer_id: int) -> str:
    async with p.db.read() as conn:
        return str((await conn.execute(select(customer.c.phone_hash).where(
            customer.c.id == customer_id))).scalar_one())


async def bind_card(p: Platform, *, customer_id: int, application_id: int, card_number: str,
                    phone: str, ip: str) -> dict[str, Any]:
    app = await for_step(p, customer_id=customer_id, application_id=application_id,
                         step=Step.CARD)
    ctx = context(app, f"customer:{customer_id}", ip)
    card = normalize_card(card_number)
    phone = normalize_phone(phone)
    elements = p.identity.elements
    assert elements is not None, "bootstrap wires the five-element check"
    problem, result, answer = await check_five_elements(
        elements, card_number=card, name=app.personal["name"],
        id_number=app.personal["id_number"], phone=phone)
    if problem is None and p.vault.lookup_hash(phone) != await _login_phone_hash(p, customer_id):
        problem = "CARD_PHONE_NOT_LOGIN_PHONE"
    detail = {"card": mask_card(card), "bank": answer.bank or None, "elements": result,
              "answer": answer.as_dict(), "phone": mask_phone(phone)}
    model = f"{elements.model.name} {elements.model.version}"
    if problem:
        await count_attempt(p, app, Step.CARD, ctx, problem=problem, detail=detail,
                            kind="five_element_check", model=model)
        raise errors.by_code(problem)(details={"elements": result})
    await auth.request_code(p, phone=phone, device_id=app.device_id, ip=ip, purpose="bind_card")
    app.personal.update(card_number=card, card_bank=answer.bank, reserved_phone=phone)
    async with p.db.transaction() as conn:
        await record(conn, p.vault, application_id=app.id, step="card",
                     kind="five_element_check", ctx=ctx, detail=detail, model=model)
        await record(conn, p.vault, application_id=app.id, step="card", kind="sms_sent", ctx=ctx,
                     detail={"phone": mask_phone(phone), "purpose": "bind_card"})
        await save(conn, p, app, status=Status.CARD)
    return {"id": app.id, "status": app.status.value, "next_step": Step.CARD_CONFIRM.value,
            "card": {"bank": answer.bank, "card_no_masked": mask_card(card)},
            "sms_sent_to": mask_phone(phone), "expires_in": p.settings.sms_code_ttl_seconds}


async def confirm_card(p: Platform, *, customer_id: int, application_id: int, code: str,
                       ip: str) -> dict[str, Any]:
    app = await for_step(p, customer_id=customer_id, application_id=application_id,
                         step=Step.CARD_CONFIRM)
    ctx = context(app, f"customer:{customer_id}", ip)
    try:
        await auth.check_code(p, phone=app.personal["reserved_phone"], code=code,
                              purpose="bind_card")
    except auth.SmsCodeInvalid:
        await count_attempt(p, app, Step.CARD_CONFIRM, ctx, problem="CARD_SMS_CODE_INVALID",
                            kind="sms_check")
        raise errors.CardCodeInvalid() from None
    async with p.db.transaction() as conn:
        await record(conn, p.vault, application_id=app.id, step="card", kind="sms_confirmed",
                     ctx=ctx, detail={"phone": mask_phone(app.personal["reserved_phone"])})
        await save(conn, p, app, status=Status.CARD_CONFIRMED)
    card = app.personal["card_number"]
    return {"id": app.id, "status": app.status.value, "next_step": Step.SUBMIT.value,
            "card": {"bank": app.personal["card_bank"], "card_no_masked": mask_card(card)}}
