"""Pure analytics rules: what an acceptable event is, and the strict visit-to-deposit funnel."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

NAME_RE = re.compile(r"^[a-z][a-z0-9_]{1,47}$")
MAX_PROPS_BYTES = 2048
MAX_CLOCK_SKEW = timedelta(days=1)

# The funnel the business reports, in order: a device counts at a step only if it also
# reached every step before it.
FUNNEL = (
    ("page_view", "visited", "访问"),
    ("login_succeeded", "registered / logged in", "注册登录"),
    ("account_opened", "opened an account", "开立账户"),
    ("deposit_bought", "bought a deposit", "购买存款"),
    ("receipt_verified", "verified a receipt", "回单验真"),
)


@dataclass(frozen=True)
class Event:
    name: str
    occurred_at: datetime
    props: str  # canonical JSON
    path: str | None


def clean_event(name: object, ts: object, props: object, *, now: datetime) -> Event | None:
    """A well-formed event, or None: analytics drops bad events instead of failing a batch."""
    if not isinstance(name, str) or not NAME_RE.match(name):
        return None
    occurred = now
    if isinstance(ts, str):
        try:
            parsed = datetime.fromisoformat(ts.replace("Z", "+00:00"))
            if parsed.tzinfo and abs(parsed - now) <= MAX_CLOCK_SKEW:
                occurred = parsed
        except ValueError:
            pass
    props = props if isinstance(props, Mapping) else {}
    text = json.dumps(props, ensure_ascii=False, sort_keys=True, default=str)
    if len(text.encode()) > MAX_PROPS_BYTES:
        text = "{}"
    path = props.get("path") if isinstance(props.get("path"), str) else None
    return Event(name, occurred, text, path[:200] if path else None)


def strict_funnel(steps_by_device: Mapping[str, Iterable[str]]) -> list[int]:
    """How many devices reached each funnel step having reached all the earlier ones."""
    counts = [0] * len(FUNNEL)
    for names in steps_by_device.values():
        seen = set(names)
        for i, (step, _, _) in enumerate(FUNNEL):
            if step not in seen:
                break
            counts[i] += 1
    return counts
