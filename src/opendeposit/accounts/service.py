"""Account use cases: customers by phone, opening a Class II account with its bound card,
the transaction PIN, status changes, and the account view."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncConnection

from opendeposit import clock
from opendeposit.accounts.domain import (
    DAILY_LIMIT,
    YEARLY_LIMIT,
    AccountStatus,
    CustomerAccount,
    LimitBucket,
    LimitUsage,
    account_number,
    check_new_pin,
    check_pin_format,
    mask_card,
    search_name,
)
from opendeposit.accounts.models import (
    account,
    account_sequence,
    account_status_change,
    bound_card,
    customer,
    limit_usage,
)
from opendeposit.audit import service as audit_log_service
from opendeposit.db import Database
from opendeposit.errors import BusinessRuleViolation, Conflict, NotFound
from opendeposit.ledger import service as ledger
from opendeposit.ledger.domain import CUSTOMER_DEMAND, chain_for, ledger_code
from opendeposit.money import format_amount
from opendeposit.platform import Platform
from opendeposit.security import PinHasher, Vault

__all__ = ["CustomerAccount"]  # re-exported: it moved to accounts.domain (pure)


class AccountNotFound(NotFound):
    code = "ACCOUNT_NOT_FOUND"
    message_en = "You have no electronic account yet."
    message_zh = "您还没有电子账户。"


class AccountAlreadyOpen(Conflict):
    code = "ACCOUNT_ALREADY_OPEN"
    message_en = "You already have an open Class II account with us."
    message_zh = "您已在本行开立Ⅱ类账户，不能重复开立。"


class PinNotSet(BusinessRuleViolation):
    code = "PIN_NOT_SET"
    message_en = "No transaction PIN is set: set a new one (after face re-verification) first."
    message_zh = "尚未设置交易密码，请先完成人脸验证并设置新的交易密码。"


class PinWrong(BusinessRuleViolation):
    code = "PIN_WRONG"
    http_status = 403
    message_en = "The transaction PIN is wrong."
    message_zh = "交易密码错误。"


class PinLocked(BusinessRuleViolation):
    code = "PIN_LOCKED"
    http_status = 423
    message_en = "The transaction PIN is locked after too many wrong tries; reset it to continue."
    message_zh = "交易密码错误次数过多已锁定，请重置密码后再试。"


async def customer_by_phone(p: Platform, phone: str, *, create: bool) -> int | None:
    phone_hash = p.vault.lookup_hash(phone)
    async with p.db.read() as conn:
        found = (await conn.execute(select(customer.c.id).where(
            customer.c.phone_hash == phone_hash))).scalar()
    if found is not None or not create:
        return found
    async with p.db.transaction() as conn:
        stmt = p.db.insert(customer).values(
            phone_hash=phone_hash, phone_enc=p.vault.encrypt(phone), kyc_status="none",
            pin_failed_attempts=0, created_at=clock.utcnow(),
        ).on_conflict_do_nothing().returning(customer.c.id)
        new_id = (await conn.execute(stmt)).scalar()
        if new_id is None:  # a concurrent first login made it
            new_id = (await conn.execute(select(customer.c.id).where(
                customer.c.phone_hash == phone_hash))).scalar_one()
    return int(new_id)


async def open_account(p: Platform, *, customer_id: int, name: str, id_number: str,
                       birth_date: date, region_code: str, card_number: str, card_bank: str,
                       reserved_phone: str, pin: str | None = None,
                       actor: str = "system") -> CustomerAccount:
    """Open the customer's Class II account with a verified bound card, in one transaction.

    Callers (the onboarding flow, or tests and the demo seed) have already verified identity
    and the card's five elements; this writes the account, its ledger account and the card.
    """
    if pin is not None:
        check_new_pin(pin, birth_date=birth_date)
    pin_hash = p.pins.hash(pin) if pin is not None else None
    now = clock.utcnow()
    async with p.db.transaction() as conn:
        existing = (await conn.execute(select(account.c.id).where(
            account.c.customer_id == customer_id,
            account.c.status != AccountStatus.CLOSED.value))).first()
        if existing is not None:
            raise AccountAlreadyOpen()
        seq = await _next_sequence(conn, p, "account")
        acct_no = account_number(seq)
        chain = chain_for(customer_id, p.settings.ledger_chains)
        # the ledger account is owned by the account row; use the sequence as the owner id
        code = ledger_code(CUSTOMER_DEMAND, seq)
        await ledger.open_ledger_account(conn, code=code, owner_id=seq, name=f"Ⅱ类户 {acct_no}",
                                        chain=chain)
        business_date = await clock.current_business_date(conn)
        account_id = (await conn.execute(account.insert().values(
            customer_id=customer_id, account_no=acct_no, account_class="II",
            status=AccountStatus.NORMAL.value, ledger_code=code, chain=chain,
            opened_on=business_date, opened_at=now,
        ).returning(account.c.id))).scalar_one()
        await conn.execute(bound_card.insert().values(
            account_id=account_id, card_enc=p.vault.encrypt(card_number),
            card_hash=p.vault.lookup_hash(card_number), card_last4=card_number[-4:],
            bank_name=card_bank, reserved_phone_enc=p.vault.encrypt(reserved_phone),
            status="active", bound_at=now))
        values: dict[str, object] = dict(
            name_enc=p.vault.encrypt(name), id_number_enc=p.vault.encrypt(id_number),
            id_number_hash=p.vault.lookup_hash(id_number), birth_date=birth_date,
            **search_keys(p.vault, name=name, id_number=id_number),
            region_code=region_code, kyc_status="verified")
        if pin_hash is not None:
            values.update(pin_hash=pin_hash, pin_failed_attempts=0, pin_locked_at=None)
        await conn.execute(customer.update().where(customer.c.id == customer_id).values(**values))
        await audit(conn, actor=actor, action="account.open", subject=f"account:{account_id}",
                    detail=f"Class II {acct_no[-4:]} bound card {mask_card(card_number)}")
    return await account_of_customer(p, customer_id)


def search_keys(vault: Vault, *, name: str, id_number: str) -> dict[str, str]:
    """The columns staff search by: a keyed hash of the full name, the ID's last 4."""
    return {"name_hash": vault.lookup_hash(search_name(name)),
            "id_last4": id_number[-4:].upper()}


async def backfill_search_keys(db: Database, vault: Vault) -> int:
    """Fill the staff search columns of customers stored before they existed → how many."""
    async with db.read() as conn:
        rows = (await conn.execute(select(customer.c.id, customer.c.name_enc,
                                          customer.c.id_number_enc).where(
            customer.c.name_enc.is_not(None), customer.c.name_hash.is_(None)))).all()
    for r in rows:
        keys = search_keys(vault, name=vault.decrypt(r.name_enc),
                           id_number=vault.decrypt(r.id_number_enc))
        async with db.transaction() as conn:
            await conn.execute(customer.update().where(customer.c.id == r.id).values(**keys))
    return len(rows)


async def _next_sequence(conn: AsyncConnection, p: Platform, name: str) -> int:
    await conn.execute(p.db.insert(account_sequence).values(name=name, value=0)
                       .on_conflict_do_nothing())
    return int((await conn.execute(
        account_sequence.update().where(account_sequence.c.name == name)
        .values(value=account_sequence.c.value + 1).returning(account_sequence.c.value)
    )).scalar_one())


def account_select(*extra: Any) -> Select[Any]:
    """The open Class II account with its active bound card and the holder's PIN state."""
    return (
        select(account, bound_card.c.id.label("card_id"), bound_card.c.card_enc,
               bound_card.c.bank_name, bound_card.c.card_last4, customer.c.name_enc,
               customer.c.pin_hash, customer.c.pin_locked_at, customer.c.pin_failed_attempts,
               *extra)
        .join(bound_card, (bound_card.c.account_id == account.c.id)
              & (bound_card.c.status == "active"))
        .join(customer, customer.c.id == account.c.customer_id)
        .where(account.c.status != AccountStatus.CLOSED.value)
    )


async def account_of_customer(p: Platform, customer_id: int,
                              conn: AsyncConnection | None = None) -> CustomerAccount:
    """The customer's open Class II account and active bound card; AccountNotFound if none."""
    if conn is None:
        async with p.db.read() as c:
            return await load_account(c, p.vault, customer_id)
    return await load_account(conn, p.vault, customer_id)


async def load_account(conn: AsyncConnection, vault: Vault, customer_id: int) -> CustomerAccount:
    """The customer's open Class II account and active bound card; AccountNotFound if none."""
    row = (await conn.execute(account_select().where(account.c.customer_id == customer_id))
           ).first()
    if row is None:
        raise AccountNotFound()
    return customer_account(vault, row)


def customer_account(vault: Vault, row: Any) -> CustomerAccount:
    """Build the value from a row of `account_select()` (decrypting name and card number)."""
    return CustomerAccount(
        id=row.id, customer_id=row.customer_id, account_no=row.account_no,
        status=AccountStatus(row.status), ledger_code=row.ledger_code, chain=row.chain,
        holder_name=vault.decrypt(row.name_enc), card_id=row.card_id,
        card_number=vault.decrypt(row.card_enc), card_bank=row.bank_name,
        card_last4=row.card_last4)


async def set_pin(p: Platform, *, customer_id: int, pin: str) -> None:
    async with p.db.read() as conn:
        birth = (await conn.execute(select(customer.c.birth_date).where(
            customer.c.id == customer_id))).scalar()
    check_new_pin(pin, birth_date=birth)
    pin_hash = p.pins.hash(pin)
    async with p.db.transaction() as conn:
        await conn.execute(customer.update().where(customer.c.id == customer_id).values(
            pin_hash=pin_hash, pin_failed_attempts=0, pin_locked_at=None))
        await audit(conn, actor=f"customer:{customer_id}", action="pin.set",
                    subject=f"customer:{customer_id}", detail="transaction PIN set")
    p.pins.forget(str(customer_id))


async def pin_reset_required(conn: AsyncConnection, customer_id: int) -> bool:
    """True after a staff PIN unlock (it clears the PIN) until the customer sets a new one
    after face re-verification (`set_pin`): an open account and no PIN."""
    row = (await conn.execute(select(customer.c.pin_hash, account.c.id).outerjoin(
        account, (account.c.customer_id == customer.c.id)
        & (account.c.status != AccountStatus.CLOSED.value)).where(
        customer.c.id == customer_id))).first()
    return row is not None and row.pin_hash is None and row.id is not None


@dataclass(frozen=True)
class PinState:
    pin_hash: str | None
    locked: bool
    failed_attempts: int = 0

    @classmethod
    def of(cls, row: Any) -> PinState:
        """From a row carrying pin_hash, pin_locked_at and pin_failed_attempts."""
        return cls(row.pin_hash, row.pin_locked_at is not None, int(row.pin_failed_attempts))


async def verify_pin(*, db: Database, pins: PinHasher, customer_id: int, pin: str,
                     known: PinState | None = None) -> None:
    """Check the transaction PIN; the `pins.max_attempts`th wrong try in a row locks it
    (domain.md, api.md). `known` is the PIN state when the caller has just read it with the
    rest of its context."""
    check_pin_format(pin)
    if known is None:
        async with db.read() as conn:
            row = (await conn.execute(select(
                customer.c.pin_hash, customer.c.pin_locked_at, customer.c.pin_failed_attempts
            ).where(customer.c.id == customer_id))).one()
        known = PinState.of(row)
    if known.pin_hash is None:
        raise PinNotSet()
    if known.locked:
        raise PinLocked()
    if await pins.verify(owner=str(customer_id), pin=pin, pin_hash=known.pin_hash):
        if known.failed_attempts:  # the lock counts wrong tries in a row
            await _reset_failures(db, customer_id=customer_id)
        return
    limit = pins.max_attempts
    async with db.transaction() as conn:
        failed = (await conn.execute(
            customer.update().where(customer.c.id == customer_id)
            .values(pin_failed_attempts=customer.c.pin_failed_attempts + 1)
            .returning(customer.c.pin_failed_attempts))).scalar_one()
        if failed >= limit:
            await conn.execute(customer.update().where(customer.c.id == customer_id)
                               .values(pin_locked_at=clock.utcnow()))
    if failed >= limit:
        raise PinLocked()
    left = limit - failed
    raise PinWrong(f"The transaction PIN is wrong; {left} tries left before it locks.",
                   f"交易密码错误，还可尝试{left}次。", details={"attempts_left": left})


async def _reset_failures(db: Database, *, customer_id: int) -> None:
    async with db.transaction() as conn:
        await conn.execute(customer.update().where(
            customer.c.id == customer_id, customer.c.pin_failed_attempts > 0
        ).values(pin_failed_attempts=0))


async def change_status(p: Platform, *, account_id: int, status: AccountStatus, reason: str,
                        actor: str) -> None:
    """Set the status without the staff rules (system jobs, tests); see `accounts.admin`."""
    async with p.db.transaction() as conn:
        current = (await conn.execute(select(account.c.status).where(
            account.c.id == account_id))).scalar()
        if current is None or current == AccountStatus.CLOSED.value:
            raise NotFound()
        await write_status(conn, account_id=account_id, current=AccountStatus(current),
                           target=status, reason=reason, actor=actor)


async def write_status(conn: AsyncConnection, *, account_id: int, current: AccountStatus,
                       target: AccountStatus, reason: str, actor: str) -> None:
    """Move the status if nobody moved it meanwhile; history row and audit entry with it."""
    now = clock.utcnow()
    result = await conn.execute(account.update().where(
        account.c.id == account_id, account.c.status == current.value
    ).values(status=target.value, status_reason=reason,
             closed_at=now if target is AccountStatus.CLOSED else None))
    if result.rowcount != 1:
        raise Conflict("The account changed meanwhile; look again.",
                       "账户状态已变化，请刷新后重试。", code="ACCOUNT_CHANGED")
    await conn.execute(account_status_change.insert().values(
        account_id=account_id, from_status=current.value, to_status=target.value,
        reason=reason, actor=actor, at=now))
    await audit(conn, actor=actor, action="account.status", subject=f"account:{account_id}",
                detail=f"{current.value} → {target.value}", reason=reason)


async def limit_usages(conn: AsyncConnection, *, account_id: int,
                       today: date) -> list[LimitUsage]:
    rows = (await conn.execute(select(limit_usage).where(
        limit_usage.c.account_id == account_id,
        limit_usage.c.period.in_([today.isoformat(), str(today.year)])))).all()
    used = {(r.bucket, r.period): int(r.used) for r in rows}
    return [LimitUsage(b, used.get((b.value, today.isoformat()), 0),
                       used.get((b.value, str(today.year)), 0)) for b in LimitBucket]


def limit_view(u: LimitUsage) -> dict[str, Any]:
    """A counter as the customer and staff see it (limits null outside the caps)."""
    capped = u.capped

    def shown(v: int | None) -> str | None:
        return None if v is None else format_amount(v)

    return {"bucket": u.bucket.value, "capped": capped,
            "daily_limit": format_amount(DAILY_LIMIT) if capped else None,
            "yearly_limit": format_amount(YEARLY_LIMIT) if capped else None,
            "used_today": format_amount(u.used_today),
            "used_this_year": format_amount(u.used_this_year), "left_today": shown(u.left_today)}


async def audit(conn: AsyncConnection, *, actor: str, action: str, subject: str,
                detail: str, reason: str = "") -> None:
    """One entry in the hash-chained audit log, in the caller's transaction."""
    await audit_log_service.record(conn, actor=actor, action=action, subject=subject,
                                   detail=detail, reason=reason)
