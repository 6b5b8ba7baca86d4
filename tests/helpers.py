"""Test helpers: open a customer with a bound sandbox card, read the whole ledger state."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

from opendeposit.accounts import service as accounts
from opendeposit.ledger.models import journal_entry, ledger_balance, posting
from opendeposit.platform import Platform

PIN = "135790"


@dataclass(frozen=True)
class Opened:
    customer_id: int
    account: accounts.CustomerAccount
    card_number: str
    phone: str


def _card(n: int) -> str:
    from opendeposit.accounts.domain import luhn_check_digit

    body = f"622202{n:012d}"
    return body + luhn_check_digit(body)


async def open_customer(p: Platform, n: int = 1, *, card_balance: int = 10_000_000,
                        failure_mode: str = "none") -> Opened:
    phone = f"138{n:08d}"
    customer_id = await accounts.customer_by_phone(p, phone, create=True)
    assert customer_id is not None
    card = _card(n)
    name = f"测试{n}"
    id_number = "11010519491231002X"
    await p.sandbox["cards"].add_card(card_number=card, name=name, id_number=id_number,
                                      phone=phone, bank="中国工商银行", balance=card_balance,
                                      failure_mode=failure_mode)
    acct = await accounts.open_account(
        p, customer_id=customer_id, name=name, id_number=id_number,
        birth_date=date(1949, 12, 31), region_code="110105", card_number=card,
        card_bank="中国工商银行", reserved_phone=phone, pin=PIN)
    return Opened(customer_id, acct, card, phone)


async def ledger_state(p: Platform) -> tuple[int, int, dict[tuple[str, int], int]]:
    """(entries, postings, balances): compare before/after to prove nothing was written."""
    async with p.db.read() as conn:
        entries = (await conn.execute(select(func.count()).select_from(journal_entry))).scalar()
        postings = (await conn.execute(select(func.count()).select_from(posting))).scalar()
        bals = {(r.account_code, r.shard): int(r.balance)
                for r in (await conn.execute(select(ledger_balance))).all()}
    return int(entries or 0), int(postings or 0), bals


async def demand_balance(p: Platform, opened: Opened) -> int:
    from opendeposit.ledger.service import balance

    async with p.db.read() as conn:
        return await balance(conn, opened.account.ledger_code)
