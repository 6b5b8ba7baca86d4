"""Holding rows read from the database, with the product's name and flags; the pure holding
values (body, receipt request, payout entry) live in `holdings.py` and are re-exported here."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from opendeposit.deposits.holdings import (
    ACTIVE,
    RECEIPT_SERVICE,
    RECEIPT_TARGET,
    body,
    holding_code,
    payout_entry,
    receipt_message,
    terms_of,
)
from opendeposit.deposits.models import holding
from opendeposit.errors import NotFound
from opendeposit.products.models import product

__all__ = ["ACTIVE", "RECEIPT_SERVICE", "RECEIPT_TARGET", "HoldingNotFound", "body",
           "holding_code", "list_for_customer", "load_for_customer", "payout_entry",
           "receipt_message", "select_with_product", "terms_of"]


class HoldingNotFound(NotFound):
    code = "HOLDING_NOT_FOUND"
    message_en = "No such deposit."
    message_zh = "存单不存在。"


def select_with_product() -> Any:
    return select(holding, product.c.name.label("product_name"),
                  product.c.allow_partial_withdrawal, product.c.allow_rollover).join(
        product, product.c.code == holding.c.product_code)


async def load_for_customer(conn: AsyncConnection, *, holding_id: int, customer_id: int,
                            for_update: bool = False) -> Any:
    """The holding if it is this customer's; someone else's is simply not found (404)."""
    stmt = select_with_product().where(holding.c.id == holding_id,
                                       holding.c.customer_id == customer_id)
    if for_update:
        stmt = stmt.with_for_update(of=holding)
    row = (await conn.execute(stmt)).first()
    if row is None:
        raise HoldingNotFound()
    return row


async def list_for_customer(conn: AsyncConnection, customer_id: int) -> list[Any]:
    stmt = select_with_product().where(holding.c.customer_id == customer_id) \
        .order_by(holding.c.id.desc())
    return list((await conn.execute(stmt)).all())
