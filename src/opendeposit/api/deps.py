"""Request dependencies: the platform, the caller's identity, client details, rate limits."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Header, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from opendeposit import clock
from opendeposit.auth import service as auth
from opendeposit.errors import Unauthorized
from opendeposit.platform import Platform
from opendeposit.risk.devices import Device, DeviceIds
from opendeposit.risk.gate import Screen
from opendeposit.risk.login import screen_login
from opendeposit.serials import Channel, channel_of

bearer = HTTPBearer(auto_error=False, description="Opaque token from POST /api/v1/auth/login")


def platform_of(request: Request) -> Platform:
    return request.app.state.platform  # type: ignore[no-any-return]


async def platform(request: Request) -> Platform:
    """The route dependency. Dependencies are `async def` on purpose: FastAPI runs a plain
    `def` dependency in its thread pool, a thread hand-off per request (measured: ~14 % of a
    purchase's CPU in the API process went to waking worker threads)."""
    return platform_of(request)


async def customer_principal(
    request: Request,
    creds: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> auth.Principal:
    if creds is None:
        raise Unauthorized()
    p = platform_of(request)
    principal = await auth.authenticate(p, creds.credentials)
    if principal.kind != "customer":
        raise Unauthorized()
    if p.limiter is not None:
        await p.limiter.check("customer", principal.id)
    return principal


def client_ip(request: Request) -> str:
    """The client's address as the edge middleware worked it out (trusted proxies only)."""
    ip = getattr(request.state, "client_ip", None)
    if isinstance(ip, str):
        return ip
    return request.client.host if request.client else "0.0.0.0"


async def check_limit(request: Request, name: str, subject: str | int) -> None:
    """Spend one request of `subject`'s budget under the named limit (429 RATE_LIMITED)."""
    limiter = platform_of(request).limiter
    if limiter is not None:
        await limiter.check(name, subject)


def limit_by_ip(name: str) -> Any:
    """A route dependency: the named limit, counted per client IP."""

    async def dep(request: Request) -> None:
        await check_limit(request, name, client_ip(request))

    dep.__name__ = f"limit_{name}"
    return Depends(dep)


def limit_by_customer(name: str) -> Any:
    """A route dependency: the named limit, counted per logged-in customer."""

    async def dep(request: Request, who: Annotated[auth.Principal, Depends(
            customer_principal)]) -> None:
        await check_limit(request, name, who.id)

    dep.__name__ = f"limit_{name}_customer"
    return Depends(dep)


PlatformDep = Annotated[Platform, Depends(platform)]
CustomerDep = Annotated[auth.Principal, Depends(customer_principal)]


def money_screen(request: Request, who: auth.Principal, p: Platform,
                 step_up_id: str | None) -> Screen:
    """What the risk check of a money call knows of the channel: the token's device id when
    the server issued it (else unknown), the client IP, the passed step-up."""
    device = who.device_id if DeviceIds.from_vault(p.vault).verify(who.device_id) else None
    return Screen(device_id=device, ip=client_ip(request), step_up_id=step_up_id)


async def request_channel(x_channel: Annotated[str | None, Header(
        alias="X-Channel",
        description="The client: WX (mini-program) or H5 (H5 app, the default; anything else "
                    "counts as H5). It is the channel code in the movement's transaction serial "
                    "(交易流水号).")] = None,
                    ) -> Channel:
    return channel_of(x_channel)


ChannelDep = Annotated[Channel, Depends(request_channel)]


def login_screen(p: Platform, request: Request,
                 device_id: str | None) -> tuple[Device, auth.LoginScreen]:
    """The device as the risk rules know it (server-signed; a client's own string becomes a new
    signed id) and the risk check of a login (SMS or WeChat) to run before its token."""
    now = clock.utcnow()
    device = DeviceIds.from_vault(p.vault).recognise(device_id, now)

    async def screen(customer_id: int) -> None:
        await screen_login(db=p.db, vault=p.vault, customer_id=customer_id, device=device,
                           ip=client_ip(request), now=now)

    return device, screen
