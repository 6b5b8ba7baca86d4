"""The risk check of a customer login (auth is not a money path, so it is wired now): the
device, IP and history of the login are judged and recorded; a block refuses the login."""

from __future__ import annotations

from datetime import datetime

from opendeposit.db import Database
from opendeposit.risk.devices import Device
from opendeposit.risk.history import Event, EventKind
from opendeposit.risk.service import Outcome, evaluate
from opendeposit.security import Vault


async def screen_login(*, db: Database, vault: Vault, customer_id: int, device: Device, ip: str,
                       now: datetime) -> Outcome:
    """Evaluate and record the login in its own transaction; raise the refusal after the
    commit, so that the decision and its alerts are kept even when the login is refused."""
    async with db.transaction() as conn:
        outcome = await evaluate(conn, db=db, vault=vault, device_known=device.known,
                                 event=Event(customer_id, EventKind.LOGIN, now,
                                             device_id=device.id, ip=ip, reference="login"))
    if outcome.refusal is not None:
        raise outcome.refusal
    return outcome
