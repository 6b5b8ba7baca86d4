"""Pure risk rules: rules as versioned data (code, thresholds, action) and the evaluator that
judges the facts of one event and returns a decision with the rule versions and evidence.

The catalogue of rules (domain.md §6.1) is `rules.CATALOGUE`; this module holds the values and
the evaluation, so that the service, the scenario measurement and the tests share one judge.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta, timezone
from enum import StrEnum
from typing import Any

from opendeposit.errors import ValidationFailed
from opendeposit.risk.history import MONEY, Event, EventKind, Horizons, Snapshot

BEIJING = timezone(timedelta(hours=8))


class Action(StrEnum):
    """What a rule wants done. `allow` on a rule means observe only: the hit is kept on the
    decision as evidence but raises no alert (a rule being tried out)."""

    ALLOW = "allow"
    ALERT = "alert"  # let it through, put it in front of staff
    STEP_UP = "step_up"  # re-verify (face or SMS) and repeat the call
    HOLD = "hold"  # accept, but keep the money on hold until staff release or return it
    BLOCK = "block"  # refuse


SEVERITY = {Action.ALLOW: 0, Action.ALERT: 1, Action.STEP_UP: 2, Action.HOLD: 3,
            Action.BLOCK: 4}
# Calls with no step-up or hold of their own: a login already proved the phone, and a card
# change or PIN reset already re-verifies the face; their step-up and hold become alerts.
NO_STEP_UP = frozenset({EventKind.LOGIN, EventKind.CARD_CHANGE, EventKind.PIN_RESET})


class Unit(StrEnum):
    AMOUNT = "amount"  # fen inside, a decimal string in the API
    COUNT = "count"
    MINUTES = "minutes"
    HOURS = "hours"
    DAYS = "days"
    PERCENT = "percent"
    HOUR_OF_DAY = "hour_of_day"  # Beijing time
    FLAG = "flag"  # 0 or 1


@dataclass(frozen=True)
class Threshold:
    name: str
    unit: Unit
    default: int
    low: int
    high: int
    help: str = ""


@dataclass(frozen=True)
class Rule:
    """One version of a rule as data. Versions are never changed, only superseded."""

    code: str
    version: int
    action: Action
    thresholds: Mapping[str, int]
    enabled: bool = True

    def t(self, name: str) -> int:
        return self.thresholds[name]

    @property
    def ref(self) -> str:
        return f"{self.code}@{self.version}"


@dataclass(frozen=True)
class Facts:
    """Everything one rule evaluation may look at: the event and the history before it."""

    event: Event
    before: Snapshot
    device_known: bool = True  # False: the caller's device id was not issued by us
    list_hits: tuple[str, ...] = ()  # watch lists hit: id_number, phone, card, device
    balance: int | None = None  # demand balance before the event, when the caller knows it

    @property
    def kind(self) -> EventKind:
        return self.event.kind


Check = Callable[[Facts, Rule], dict[str, Any] | None]


@dataclass(frozen=True)
class RuleSpec:
    """A rule's fixed part (code, meaning, which events, its check) and its default version."""

    code: str
    description: str
    description_zh: str
    kinds: frozenset[EventKind]
    action: Action
    thresholds: tuple[Threshold, ...]
    check: Check
    target: str = ""  # the §6.1 pattern it is meant to catch (for measurement)

    def default(self) -> Rule:
        return Rule(self.code, 1, self.action, {t.name: t.default for t in self.thresholds})


@dataclass(frozen=True)
class Hit:
    code: str
    version: int
    action: Action
    evidence: dict[str, Any]


@dataclass(frozen=True)
class Decision:
    action: Action
    hits: tuple[Hit, ...]
    ruleset: str  # digest of the rule versions in force
    stepped_up: bool = False  # the call carried a passed step-up
    rule_refs: tuple[str, ...] = field(default=(), compare=False)

    @property
    def alerts(self) -> tuple[Hit, ...]:
        """The hits that go in front of staff (every hit but the observe-only ones)."""
        return tuple(h for h in self.hits if h.action is not Action.ALLOW)

    def by(self, code: str) -> Hit | None:
        return next((h for h in self.hits if h.code == code), None)


def effective_action(action: Action, kind: EventKind) -> Action:
    if kind in NO_STEP_UP and action in (Action.STEP_UP, Action.HOLD):
        return Action.ALERT
    if kind not in MONEY and action is Action.HOLD:
        return Action.ALERT
    if action is Action.HOLD and kind is not EventKind.WITHDRAW:
        # only money leaving the bank is parked (2242); a top-up, a purchase or an early
        # withdrawal that a hold rule flags is re-verified instead
        return Action.STEP_UP
    return action


def ruleset_digest(rules: Iterable[Rule]) -> str:
    text = ",".join(sorted(f"{r.ref}:{int(r.enabled)}" for r in rules))
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def evaluate(facts: Facts, rules: Iterable[Rule], specs: Mapping[str, RuleSpec], *,
             stepped_up: bool = False) -> Decision:
    """Judge one event. The strongest action of the hits wins; a passed step-up satisfies
    `step_up` (hits are still kept as evidence) but never a hold or a block."""
    rules = tuple(rules)
    hits = []
    for rule in rules:
        spec = specs.get(rule.code)
        if spec is None or not rule.enabled or facts.kind not in spec.kinds:
            continue
        evidence = spec.check(facts, rule)
        if evidence is not None:
            hits.append(Hit(rule.code, rule.version, effective_action(rule.action, facts.kind),
                            evidence))
    action = max((h.action for h in hits), key=SEVERITY.__getitem__, default=Action.ALLOW)
    if action is Action.ALERT or (action is Action.STEP_UP and stepped_up):
        action = Action.ALLOW
    return Decision(action, tuple(hits), ruleset_digest(rules), stepped_up,
                    tuple(r.ref for r in rules))


def horizons(rules: Iterable[Rule]) -> Horizons:
    """How much history the rules in force need (never less than the defaults)."""
    base = Horizons()
    minutes = [r.thresholds[k] for r in rules for k in r.thresholds if k.endswith("minutes")]
    hours = [r.thresholds[k] for r in rules for k in r.thresholds if k.endswith("_hours")
             and k.startswith("window")]
    days = [r.thresholds[k] for r in rules for k in r.thresholds if k.startswith("window_days")]
    short = max([timedelta(minutes=m) for m in minutes]
                + [timedelta(hours=h) for h in hours], default=base.moves)
    return Horizons(moves=max(base.moves, short), logins=max(base.logins, short),
                    early_withdrawals=max([base.early_withdrawals]
                                          + [timedelta(days=d) for d in days]),
                    card_changes=max([base.card_changes] + [timedelta(days=d) for d in days]),
                    device_events=max(base.device_events, short), ip=max(base.ip, short))


# --------------------------------------------------------------------------- new versions


class RuleInvalid(ValidationFailed):
    code = "RISK_RULE_INVALID"
    message_en = "The rule change is not valid."
    message_zh = "规则参数不正确。"


def next_version(spec: RuleSpec, current: Rule, *, action: Action | None = None,
                 thresholds: Mapping[str, int] | None = None,
                 enabled: bool | None = None) -> Rule:
    """The next version of a rule with the given changes; every problem is listed at once."""
    known = {t.name: t for t in spec.thresholds}
    merged = dict(current.thresholds)
    problems: list[dict[str, Any]] = []
    for name, value in (thresholds or {}).items():
        t = known.get(name)
        if t is None:
            problems.append({"field": name, "problem": "unknown threshold",
                             "known": sorted(known)})
        elif type(value) is not int or not t.low <= value <= t.high:
            problems.append({"field": name, "problem": f"must be an integer {t.unit.value} "
                             f"from {t.low} to {t.high}"})
        else:
            merged[name] = value
    if problems:
        raise RuleInvalid(details={"rule": spec.code, "problems": problems})
    return Rule(spec.code, current.version + 1, action or current.action, merged,
                current.enabled if enabled is None else enabled)
