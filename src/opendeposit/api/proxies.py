"""The client's address: the TCP peer, or what X-Forwarded-For says — only through proxies the
bank configured (`OPENDEPOSIT_TRUSTED_PROXIES`), never what any caller claims."""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(text: str) -> tuple[Network, ...]:
    """Comma-separated addresses or CIDR blocks (`10.0.0.0/8, 127.0.0.1`)."""
    return tuple(ipaddress.ip_network(part.strip(), strict=False)
                 for part in text.split(",") if part.strip())


def _trusted(address: str, networks: Sequence[Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in networks)


def client_address(peer: str | None, forwarded_for: str | None,
                   trusted: Sequence[Network]) -> str:
    """Walk X-Forwarded-For from the right while the hop is a trusted proxy; the first hop that
    is not one is the client. An unparsable hop ends the walk at the last good one."""
    current = peer or "0.0.0.0"
    if not trusted or not forwarded_for or not _trusted(current, trusted):
        return current
    for hop in reversed([h.strip() for h in forwarded_for.split(",")]):
        try:
            ipaddress.ip_address(hop)
        except ValueError:
            return current
        current = hop
        if not _trusted(hop, trusted):
            return hop
    return current
