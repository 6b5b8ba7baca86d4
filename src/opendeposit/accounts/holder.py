"""Who holds an account, as re-verification and risk monitoring need it: the lookup hashes the
watch lists are matched on, the dates the rules measure from, and (decrypted on request) the
name and ID number a face re-verification checks against the citizen registry."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from opendeposit import clock
from opendeposit.accounts.domain import AccountStatus
from opendeposit.accounts.models import account, bound_card, customer
from opendeposit.security import Vault


@dataclass(frozen=True)
class Holder:
    customer_id: int
    phone_hash: str
    id_number_hash: str | None
    region_code: str | None
    birth_date: date | None
    account_id: int | None  # the open Class II account, if any
    account_status: str | None
    status_reason: str | None
    opened_at: datetime | None
    card_hash: str | None
    card_bound_at: datetime | None
    name_enc: str | None
    id_number_enc: str | None
    phone_enc: str

    @property
    def status(self) -> AccountStatus:
        """The open account's status (closed when there is no open account)."""
        return AccountStatus(self.account_status or AccountStatus.CLOSED.value)

    def name(self, vault: Vault) -> str | None:
        return vault.decrypt(self.name_enc) if self.name_enc else None

    def id_number(self, vault: Vault) -> str | None:
        return vault.decrypt(self.id_number_enc) if self.id_number_enc else None

    def phone(self, vault: Vault) -> str:
        return vault.decrypt(self.phone_enc)


async def holder(conn: AsyncConnection, customer_id: int) -> Holder | None:
    """The customer with their open account and active bound card (None: no such customer)."""
    stmt = (select(customer.c.id, customer.c.phone_hash, customer.c.id_number_hash,
                   customer.c.region_code, customer.c.birth_date, customer.c.name_enc,
                   customer.c.id_number_enc, customer.c.phone_enc,
                   account.c.id.label("account_id"), account.c.status, account.c.status_reason,
                   account.c.opened_at, bound_card.c.card_hash, bound_card.c.bound_at)
            .select_from(customer)
            .outerjoin(account, (account.c.customer_id == customer.c.id)
                       & (account.c.status != AccountStatus.CLOSED.value))
            .outerjoin(bound_card, (bound_card.c.account_id == account.c.id)
                       & (bound_card.c.status == "active"))
            .where(customer.c.id == customer_id))
    r = (await conn.execute(stmt)).first()
    if r is None:
        return None
    return Holder(
        customer_id=r.id, phone_hash=r.phone_hash, id_number_hash=r.id_number_hash,
        region_code=r.region_code, birth_date=r.birth_date, account_id=r.account_id,
        account_status=r.status, status_reason=r.status_reason,
        opened_at=clock.as_utc(r.opened_at) if r.opened_at else None, card_hash=r.card_hash,
        card_bound_at=clock.as_utc(r.bound_at) if r.bound_at else None, name_enc=r.name_enc,
        id_number_enc=r.id_number_enc, phone_enc=r.phone_enc)


async def customers_by_ledger_code(conn: AsyncConnection,
                                   codes: list[str]) -> dict[str, int]:
    """Which customer owns each Class II ledger account (open or closed)."""
    if not codes:
        return {}
    rows = (await conn.execute(select(account.c.ledger_code, account.c.customer_id).where(
        account.c.ledger_code.in_(sorted(set(codes)))))).all()
    return {r.ledger_code: int(r.customer_id) for r in rows}
