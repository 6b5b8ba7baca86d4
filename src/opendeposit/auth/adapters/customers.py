"""The customer directory port over the accounts context's service."""

from __future__ import annotations

from opendeposit.accounts import service as accounts
from opendeposit.platform import Platform


class AccountsDirectory:
    def __init__(self, p: Platform) -> None:
        self._p = p

    async def by_phone(self, phone: str, *, create: bool) -> int | None:
        return await accounts.customer_by_phone(self._p, phone, create=create)
