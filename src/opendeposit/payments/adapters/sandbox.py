"""A simulated card network with cards, balances and switchable failure modes.

Deterministic and persistent (its own tables, its own transactions, as an outside party would
be). Failure modes per card: `none`; `frozen` (every transfer fails CARD_FROZEN); `timeout`
(the network moves the money but the answer is lost: PENDING now, SUCCEEDED on query);
`timeout_fail` (nothing moves, PENDING now, FAILED on query); `decline` (fails DECLINED).
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import BigInteger, Boolean, Column, DateTime, String, Table, Text, select

from opendeposit.db import Database, metadata
from opendeposit.payments.ports import CardHolder, TransferResult, TransferStatus

FAILURE_MODES = ("none", "frozen", "timeout", "timeout_fail", "decline")

sandbox_card = Table(
    "sandbox_card",
    metadata,
    Column("card_number", String(19), primary_key=True),
    Column("name", Text, nullable=False),
    Column("id_number", String(18), nullable=False),
    Column("phone", String(11), nullable=False),
    Column("bank", Text, nullable=False),
    Column("is_class_one", Boolean, nullable=False),
    Column("balance", BigInteger, nullable=False),
    Column("failure_mode", String(16), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

sandbox_card_txn = Table(
    "sandbox_card_txn",
    metadata,
    Column("order_no", String(32), primary_key=True),
    Column("card_number", String(19), nullable=False),
    Column("direction", String(4), nullable=False),  # pull | push
    Column("amount", BigInteger, nullable=False),
    Column("status", String(12), nullable=False),
    Column("failure_code", String(32), nullable=True),
    Column("network_ref", String(40), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)


class SandboxCardNetwork:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def add_card(self, *, card_number: str, name: str, id_number: str, phone: str,
                       bank: str, balance: int, is_class_one: bool = True,
                       failure_mode: str = "none") -> None:
        if failure_mode not in FAILURE_MODES:
            raise ValueError(f"failure_mode must be one of {FAILURE_MODES}")
        values = dict(name=name, id_number=id_number, phone=phone, bank=bank,
                      is_class_one=is_class_one, balance=balance, failure_mode=failure_mode)
        async with self._db.transaction() as conn:
            stmt = self._db.insert(sandbox_card).values(
                card_number=card_number, created_at=datetime.now(UTC), **values)
            await conn.execute(stmt.on_conflict_do_update(
                index_elements=[sandbox_card.c.card_number], set_=values))

    async def set_failure_mode(self, card_number: str, mode: str) -> None:
        if mode not in FAILURE_MODES:
            raise ValueError(f"failure_mode must be one of {FAILURE_MODES}")
        async with self._db.transaction() as conn:
            await conn.execute(sandbox_card.update().where(
                sandbox_card.c.card_number == card_number).values(failure_mode=mode))

    async def card_balance(self, card_number: str) -> int:
        async with self._db.read() as conn:
            return int((await conn.execute(select(sandbox_card.c.balance).where(
                sandbox_card.c.card_number == card_number))).scalar_one())

    async def card_holder(self, card_number: str) -> CardHolder | None:
        async with self._db.read() as conn:
            row = (await conn.execute(select(sandbox_card).where(
                sandbox_card.c.card_number == card_number))).first()
        if row is None:
            return None
        return CardHolder(card_number=row.card_number, name=row.name, id_number=row.id_number,
                          reserved_phone=row.phone, bank=row.bank, is_class_one=row.is_class_one)

    async def pull(self, *, order_no: str, card_number: str, holder_name: str,
                   amount: int) -> TransferResult:
        return await self._transfer(order_no, card_number, holder_name, amount, "pull")

    async def push(self, *, order_no: str, card_number: str, holder_name: str,
                   amount: int) -> TransferResult:
        return await self._transfer(order_no, card_number, holder_name, amount, "push")

    async def query(self, order_no: str) -> TransferResult:
        async with self._db.read() as conn:
            row = (await conn.execute(select(sandbox_card_txn).where(
                sandbox_card_txn.c.order_no == order_no))).first()
        if row is None:
            return TransferResult(TransferStatus.UNKNOWN)
        status = TransferStatus(row.status)
        return TransferResult(status, row.network_ref, row.failure_code)

    async def _transfer(self, order_no: str, card_number: str, holder_name: str, amount: int,
                        direction: str) -> TransferResult:
        async with self._db.transaction() as conn:
            done = (await conn.execute(select(sandbox_card_txn).where(
                sandbox_card_txn.c.order_no == order_no))).first()
            if done is not None:  # idempotent on the order number
                return TransferResult(TransferStatus(done.status), done.network_ref,
                                      done.failure_code)
            card = (await conn.execute(select(sandbox_card).where(
                sandbox_card.c.card_number == card_number))).first()
            status, code = _decide(card, holder_name, amount, direction)
            if status is TransferStatus.SUCCEEDED:
                delta = -amount if direction == "pull" else amount
                await conn.execute(sandbox_card.update()
                                   .where(sandbox_card.c.card_number == card_number)
                                   .values(balance=sandbox_card.c.balance + delta))
            ref = f"SBX{order_no}"
            await conn.execute(sandbox_card_txn.insert().values(
                order_no=order_no, card_number=card_number, direction=direction,
                amount=amount, status=status.value, failure_code=code, network_ref=ref,
                created_at=datetime.now(UTC)))
        if card is not None and card.failure_mode in ("timeout", "timeout_fail"):
            return TransferResult(TransferStatus.PENDING, None, None, "network timeout")
        return TransferResult(status, ref, code)


def _decide(card, holder_name: str, amount: int,  # type: ignore[no-untyped-def]
            direction: str) -> tuple[TransferStatus, str | None]:
    if card is None:
        return TransferStatus.FAILED, "CARD_NOT_FOUND"
    if card.name != holder_name:
        return TransferStatus.FAILED, "NAME_MISMATCH"
    mode = card.failure_mode
    if mode == "frozen":
        return TransferStatus.FAILED, "CARD_FROZEN"
    if mode in ("decline", "timeout_fail"):
        return TransferStatus.FAILED, "DECLINED"
    if direction == "pull" and card.balance < amount:
        return TransferStatus.FAILED, "INSUFFICIENT_FUNDS"
    return TransferStatus.SUCCEEDED, None
