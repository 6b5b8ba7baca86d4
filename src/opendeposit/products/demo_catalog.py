"""The demo bank's catalog: six 整存整取 terms and a 3-year 大额存单 at the §11.9 board rates,
drafted by `maker` and approved by `checker` through the ordinary maker–checker workflow."""

from __future__ import annotations

from datetime import date

import click

from opendeposit.platform import Platform
from opendeposit.products import service
from opendeposit.products.domain import (
    DEFAULT_RISK_TEXT,
    DEMO_RATES,
    ProductKind,
    ProductStatus,
    ProductTerms,
    RateTable,
    default_early_withdrawal_text,
)
from opendeposit.staff.demo import seed_demo_staff

SALE_START = date(2025, 5, 20)
SALE_END = date(2035, 12, 31)
_TD = ProductKind.TIME_DEPOSIT
DEMO_PRODUCTS = (  # code, name, English name, kind, months
    ("TD3M", "3个月整存整取", "3-month time deposit", _TD, 3),
    ("TD6M", "6个月整存整取", "6-month time deposit", _TD, 6),
    ("TD1Y", "1年期整存整取", "1-year time deposit", _TD, 12),
    ("TD2Y", "2年期整存整取", "2-year time deposit", _TD, 24),
    ("TD3Y", "3年期整存整取", "3-year time deposit", _TD, 36),
    ("TD5Y", "5年期整存整取", "5-year time deposit", _TD, 60),
    ("LCD3Y", "3年期大额存单", "3-year large-denomination CD", ProductKind.LARGE_CD, 36),
)


def demo_terms(code: str, name: str, kind: ProductKind, months: int) -> ProductTerms:
    rate = RateTable(DEMO_RATES).board_rate(kind, months, SALE_START)
    large = kind is ProductKind.LARGE_CD
    return ProductTerms(
        code=code, name=name, kind=kind, term_months=months, rate=rate,
        min_amount=20_000_000 if large else 5_000, step_amount=1_000_000 if large else 100,
        max_per_customer=1_000_000_000 if large else 500_000_000,
        total_quota=5_000_000_000 if large else 10_000_000_000,
        sale_start=SALE_START, sale_end=SALE_END, allow_partial_withdrawal=True,
        allow_rollover=not large)


async def seed_catalog(p: Platform, *, echo: bool = True) -> None:
    """Staff, the rate table and the published products, once; re-running changes nothing."""
    staff = await seed_demo_staff(p)
    maker, checker = staff["maker"][0], staff["checker"][0]
    async with p.db.transaction() as conn:
        await service.install_rates(conn, p.db, actor="system:demo")
    async with p.db.read() as conn:
        existing = {prod.terms.code for prod in await service.catalog(conn)}
    for code, name, name_en, kind, months in DEMO_PRODUCTS:
        if code in existing:
            continue
        terms = demo_terms(code, name, kind, months)
        texts = service.ProductTexts(name_en, default_early_withdrawal_text(True),
                                     DEFAULT_RISK_TEXT)
        await service.create_draft(p, staff_id=maker, terms=terms, texts=texts)
        await service.submit(p, code=code, staff_id=maker)
        published = await service.approve(p, code=code, staff_id=checker)
        assert published.status is ProductStatus.PUBLISHED
    if echo:
        click.echo("Demo staff for the admin API (/admin/api/v1/auth/login):")
        for username, (_, password) in staff.items():
            click.echo(f"  {username:8s} password {password}")
