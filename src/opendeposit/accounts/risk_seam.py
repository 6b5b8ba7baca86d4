"""What the risk context tells the bank's side about a customer, read through its services.

The staff customer page shows the customer's risk alerts; closing an account counts the money
moves still held for review. Imported late: the risk context itself reads accounts.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection


async def risk_alerts_for_customer(conn: AsyncConnection, customer_id: int) -> list[dict[str, Any]]:
    """Alerts raised on this customer, newest first, as the risk context shows them."""
    from opendeposit.risk.cases import alerts_of_customer

    return await alerts_of_customer(conn, customer_id)


async def held_moves(conn: AsyncConnection, customer_id: int) -> int:
    """How many money moves of this customer are held for review (they block closing)."""
    from opendeposit.risk.cases import held_moves_of_customer

    return await held_moves_of_customer(conn, customer_id)
