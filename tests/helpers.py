"""Test helpers: open a customer with a bound sandbox card, read the whole ledger state."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

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


def payment_ports(p: Platform) -> dict[str, Any]:
    """What a top-up or withdrawal uses, unpacked from the platform as the routes do."""
    return {"db": p.db, "vault": p.vault, "pins": p.pins, "cards": p.cards,
            "bank_name": p.settings.bank_name}


def reconcile_ports(p: Platform) -> dict[str, Any]:
    return {"db": p.db, "vault": p.vault, "cards": p.cards, "bank_name": p.settings.bank_name}


def deposit_ports(p: Platform) -> dict[str, Any]:
    """What a purchase or a deposit withdrawal uses."""
    return {"db": p.db, "vault": p.vault, "pins": p.pins}


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


async def seed_catalog(p: Platform) -> None:
    """Demo staff, the demo rate table and the seven published demo products."""
    from opendeposit.products.demo_catalog import seed_catalog as seed

    await seed(p, echo=False)


async def funded_customer(p: Platform, n: int = 1, amount: int = 5_000_000) -> Opened:
    """A customer with `amount` fen topped up into the Class II balance."""
    from opendeposit.payments import service as payments

    opened = await open_customer(p, n, card_balance=max(amount, 10_000_000))
    if amount:
        await payments.top_up(**payment_ports(p),
                              customer_id=opened.customer_id, amount=amount, pin=PIN,
                              idempotency_key=f"fund-{n}")
    return opened


def api_client(p: Platform):  # type: ignore[no-untyped-def]
    """An httpx client on the app in-process (lifespan does not run under ASGITransport)."""
    import httpx

    from opendeposit.api.app import create_app

    app = create_app(p.settings, platform=p)
    app.state.platform = p
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")


async def bearer(p: Platform, subject_id: int, *, kind: str = "customer",
                 roles: tuple[str, ...] = ()) -> dict[str, str]:
    from opendeposit.auth.service import issue_token

    token = await issue_token(p, kind=kind, subject_id=subject_id, roles=roles, device_id="t")
    return {"Authorization": f"Bearer {token}"}


async def publish_product(p: Platform, code: str, *, months: int = 12, **overrides: object) -> str:
    """A time deposit like the demo 1-year one, with `overrides`, through maker–checker."""
    from dataclasses import replace

    from opendeposit.products import service
    from opendeposit.products.demo_catalog import demo_terms
    from opendeposit.products.domain import DEFAULT_RISK_TEXT, ProductKind
    from opendeposit.staff.demo import seed_demo_staff

    staff = await seed_demo_staff(p)
    terms = replace(demo_terms(code, f"测试产品{code}", ProductKind.TIME_DEPOSIT, months),
                    **overrides)  # type: ignore[arg-type]
    texts = service.ProductTexts(code, "提前支取按活期利率计息。", DEFAULT_RISK_TEXT)
    await service.create_draft(p, staff_id=staff["maker"][0], terms=terms, texts=texts)
    await service.submit(p, code=code, staff_id=staff["maker"][0])
    await service.approve(p, code=code, staff_id=staff["checker"][0])
    return code


async def staff_login(client, username: str, password: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """Log a staff member in through the API, enrolling TOTP when the login asks for it (an
    admin's first login) → the Authorization header of a full session."""
    import time

    from opendeposit.staff.mfa import code_at

    resp = await client.post("/admin/api/v1/auth/login",
                             json={"username": username, "password": password})
    assert resp.status_code == 200, resp.text
    body = resp.json()
    if body["pending"] == "mfa_enrolment":
        headers = {"Authorization": f"Bearer {body['token']}"}
        resp = await client.post("/admin/api/v1/auth/mfa/confirm", headers=headers, json={
            "otp": code_at(body["mfa_enrolment"]["secret"], time.time())})
        assert resp.status_code == 200, resp.text
        body = resp.json()
    assert body["pending"] is None, body
    return {"Authorization": f"Bearer {body['token']}"}


async def allow_volume(p: Platform, max_moves: int = 1000, *,
                       alert_only: tuple[str, ...] = ()) -> None:
    """For tests about volume, not fraud: one customer makes many money moves within minutes
    of wall-clock time, which the velocity rules would step up. Raise their move limits by a
    new rule version, as the risk team would (the rules stay on and judge every move);
    `alert_only` rules keep raising alerts but no longer step up or hold."""
    from opendeposit import clock
    from opendeposit.risk import ruleset
    from opendeposit.risk.domain import Action
    from opendeposit.risk.service import forget_rules

    async with p.db.transaction() as conn:
        for code in ("VELOCITY_PHONE", "VELOCITY_DEVICE"):
            await ruleset.change(conn, code=code, action=None,
                                 thresholds={"max_moves": max_moves}, enabled=None,
                                 reason="volume test", actor="test", now=clock.utcnow())
        for code in alert_only:
            await ruleset.change(conn, code=code, action=Action.ALERT, thresholds=None,
                                 enabled=None, reason="volume test", actor="test",
                                 now=clock.utcnow())
    forget_rules()
