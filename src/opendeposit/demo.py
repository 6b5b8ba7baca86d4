"""Demo data for the embedded sandbox: ready customers with a bound card and a balance."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from opendeposit.accounts import service as accounts
from opendeposit.payments import service as payments
from opendeposit.platform import Platform


@dataclass(frozen=True)
class DemoCustomer:
    phone: str
    name: str
    id_number: str
    birth_date: date
    card_number: str
    card_bank: str
    pin: str
    opening_top_up: int  # fen


DEMO_CUSTOMERS = (
    DemoCustomer("13800138000", "张三", "440305199001011237", date(1990, 1, 1),
                 "6222020200112233445", "中国工商银行", "135790", 5_000_000),
    DemoCustomer("13700137000", "王芳", "440104198505056020", date(1985, 5, 5),
                 "6217000010012345678", "中国建设银行", "246801", 0),
)
NEW_CUSTOMER_PHONE = "13900139000"  # has no account: for trying account opening


async def seed(p: Platform) -> list[DemoCustomer]:
    """Create the demo customers once; running it again changes nothing."""
    await accounts.backfill_search_keys(p.db, p.vault)  # a data dir from before staff search
    cards = p.sandbox["cards"]
    for c in DEMO_CUSTOMERS:
        customer_id = await accounts.customer_by_phone(p, c.phone, create=True)
        assert customer_id is not None
        try:
            await accounts.account_of_customer(p, customer_id)
            continue
        except accounts.AccountNotFound:
            pass
        await cards.add_card(card_number=c.card_number, name=c.name, id_number=c.id_number,
                             phone=c.phone, bank=c.card_bank, balance=100_000_000)
        await accounts.open_account(
            p, customer_id=customer_id, name=c.name, id_number=c.id_number,
            birth_date=c.birth_date, region_code=c.id_number[:6], card_number=c.card_number,
            card_bank=c.card_bank, reserved_phone=c.phone, pin=c.pin, actor="system:demo")
        if c.opening_top_up:
            await payments.top_up(db=p.db, vault=p.vault, pins=p.pins, cards=p.cards,
                                  bank_name=p.settings.bank_name, customer_id=customer_id,
                                  amount=c.opening_top_up, pin=c.pin,
                                  idempotency_key=f"demo-seed-{c.phone}")
    from opendeposit.products.demo_catalog import seed_catalog

    await seed_catalog(p)  # staff maker/checker/admin (passwords printed) and the products
    return list(DEMO_CUSTOMERS)

