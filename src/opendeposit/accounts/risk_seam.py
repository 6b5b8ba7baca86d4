"""What the risk context tells the bank's side about a customer: the seam it fills in.

Until the risk context (`opendeposit.risk`) provides these, they answer "nothing": the staff
customer page shows no risk alerts and closing counts no held money moves. The risk context
replaces the bodies with reads of its own tables (`risk_alert`, holds), keeping the signatures.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection


async def risk_alerts_for_customer(conn: AsyncConnection, customer_id: int) -> list[dict[str, Any]]:
    """Alerts raised on this customer, newest first: `{id, rule, rule_version, status, at,
    summary}` each. Empty until the risk context provides its alerts."""
    return []


async def held_moves(conn: AsyncConnection, account_id: int) -> int:
    """How many money moves of this account are held for review (they block closing)."""
    return 0
