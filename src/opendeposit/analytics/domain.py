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

# The account-opening funnel the business reports, in order: a device counts at a step only if
# it also reached every step before it. A step is an event name, and optionally one property
# value it must carry (KYC is passed when the face step, the last identity check, completes).
@dataclass(frozen=True)
class FunnelStep:
    key: str
    event: str
    prop: tuple[str, str] | None
    label: str
    label_zh: str

    def props_like(self) -> str | None:
        """The LIKE pattern of the property in the stored canonical JSON (see clean_event)."""
        if self.prop is None:
            return None
        return "%" + json.dumps({self.prop[0]: self.prop[1]}, ensure_ascii=False)[1:-1] + "%"


FUNNEL = (
    FunnelStep("visit", "page_view", None, "visited", "访问"),
    FunnelStep("registered", "login_succeeded", None, "registered / logged in", "注册登录"),
    FunnelStep("kyc_started", "account_open_started", None, "started identity checks",
               "开始实名认证"),
    FunnelStep("kyc_passed", "onboarding_step_completed", ("step", "face"),
               "passed identity checks", "实名认证通过"),
    FunnelStep("account_opened", "account_opened", None, "opened an account", "开立账户"),
    FunnelStep("first_deposit", "deposit_bought", None, "made a first deposit", "首次存入"),
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


def reaches(step: FunnelStep, name: str, props: Mapping[str, object]) -> bool:
    return name == step.event and (step.prop is None
                                   or str(props.get(step.prop[0])) == step.prop[1])


def strict_funnel(events_by_device: Mapping[str, Iterable[tuple[str, Mapping[str, object]]]]) \
        -> list[int]:
    """How many devices reached each funnel step having reached all the earlier ones (the
    reference for the SQL that counts it in the database)."""
    counts = [0] * len(FUNNEL)
    for events in events_by_device.values():
        seen = list(events)
        for i, step in enumerate(FUNNEL):
            if not any(reaches(step, name, props) for name, props in seen):
                break
            counts[i] += 1
    return counts


def _pct(part: int, whole: int) -> float:
    return round(part * 100 / whole, 1) if whole else 0.0


def funnel_report(counts: list[int]) -> list[dict[str, object]]:
    """Each step with its devices, conversion from the previous step and from the start, and
    the drop-off (devices lost since the previous step, and as a share of it)."""
    rows: list[dict[str, object]] = []
    for i, (step, n) in enumerate(zip(FUNNEL, counts, strict=True)):
        before = counts[i - 1] if i else n
        rows.append({"step": step.key, "event": step.event, "label": step.label,
                     "label_zh": step.label_zh, "devices": n,
                     "conversion_from_previous": _pct(n, before) if i else 100.0 if n else 0.0,
                     "conversion_from_start": _pct(n, counts[0]),
                     "drop_off": before - n, "drop_off_rate": _pct(before - n, before)})
    return rows
