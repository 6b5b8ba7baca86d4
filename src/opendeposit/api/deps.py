"""Request dependencies: the platform, the caller's identity, client details."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from opendeposit.auth import service as auth
from opendeposit.errors import Unauthorized
from opendeposit.platform import Platform

bearer = HTTPBearer(auto_error=False, description="Opaque token from POST /api/v1/auth/login")


def platform(request: Request) -> Platform:
    return request.app.state.platform  # type: ignore[no-any-return]


async def customer_principal(
    request: Request,
    creds: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> auth.Principal:
    if creds is None:
        raise Unauthorized()
    principal = await auth.authenticate(platform(request), creds.credentials)
    if principal.kind != "customer":
        raise Unauthorized()
    return principal


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "0.0.0.0"


PlatformDep = Annotated[Platform, Depends(platform)]
CustomerDep = Annotated[auth.Principal, Depends(customer_principal)]
