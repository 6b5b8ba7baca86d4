"""Unmasking, one thing at a time and always with a reason in the audit log: one personal
field of a customer (name, ID number, phone, bound card number), or one onboarding evidence
image. The audit entry is written in the same transaction before the answer leaves."""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import select

from opendeposit.accounts.admin import clean_reason
from opendeposit.accounts.models import account, bound_card
from opendeposit.accounts.service import audit
from opendeposit.backoffice.customers import customer_row, evidence_owner
from opendeposit.db import Database
from opendeposit.errors import NotFound
from opendeposit.identity.evidence import BlobCipher, evidence_image
from opendeposit.security import Vault


class Field(StrEnum):
    NAME = "name"
    ID_NUMBER = "id_number"
    PHONE = "phone"
    CARD_NO = "card_no"


class FieldNotOnFile(NotFound):
    code = "FIELD_NOT_ON_FILE"
    message_en = "The bank holds no such data for this customer."
    message_zh = "该客户没有此项信息。"


class EvidenceNotFound(NotFound):
    code = "EVIDENCE_NOT_FOUND"
    message_en = "No such evidence image for this customer."
    message_zh = "该客户没有此项证据图片。"


async def reveal(*, db: Database, vault: Vault, customer_id: int, field: Field, reason: str,
                 staff_id: int) -> str:
    """The field in clear; the audit entry (who, which field, why) commits first."""
    reason = clean_reason(reason)
    async with db.transaction() as conn:
        row = await customer_row(conn, customer_id)
        if field is Field.CARD_NO:
            token = (await conn.execute(
                select(bound_card.c.card_enc).join(account, account.c.id == bound_card.c.account_id)
                .where(account.c.customer_id == customer_id)
                .order_by((bound_card.c.status == "active").desc(), bound_card.c.id.desc())
                .limit(1))).scalar()
        else:
            token = {Field.NAME: row.name_enc, Field.ID_NUMBER: row.id_number_enc,
                     Field.PHONE: row.phone_enc}[field]
        if token is None:
            raise FieldNotOnFile(details={"field": field.value})
        await audit(conn, actor=f"staff:{staff_id}", action="pii.reveal",
                    subject=f"customer:{customer_id}", detail=f"revealed {field.value}",
                    reason=reason)
    return vault.decrypt(token)


async def evidence(*, db: Database, cipher: BlobCipher, customer_id: int, evidence_id: int,
                   reason: str, staff_id: int) -> tuple[bytes, str]:
    """One onboarding evidence image of this customer (bytes, content type), audited."""
    reason = clean_reason(reason)
    async with db.transaction() as conn:
        await customer_row(conn, customer_id)
        application_id = await evidence_owner(conn, customer_id=customer_id,
                                              evidence_id=evidence_id)
        found = None if application_id is None else await evidence_image(
            conn, cipher, application_id=application_id, evidence_id=evidence_id)
        if found is None:
            raise EvidenceNotFound()
        await audit(conn, actor=f"staff:{staff_id}", action="evidence.view",
                    subject=f"customer:{customer_id}",
                    detail=f"evidence {evidence_id} of application {application_id}",
                    reason=reason)
    return found
