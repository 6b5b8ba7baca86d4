"""Measure the rules on a scenario set: every event through the pure evaluator with the same
history updates the service makes, then precision and recall per rule and overall.

The unit counted is an episode: (customer, label) — a customer's ordinary events form one
`normal` episode, a fraud pattern another. A rule flags an episode when it hits any event of
it. Precision = flagged fraud episodes / flagged episodes; recall (target) = flagged episodes
of the pattern the rule is meant for / episodes of that pattern; recall (any) over all fraud
episodes. "Intervened" means the decision was step-up, hold or block.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from opendeposit.risk.domain import SEVERITY, Action, Facts, Rule, RuleSpec, evaluate, horizons
from opendeposit.risk.history import (
    MONEY,
    CustomerHistory,
    DeviceHistory,
    EventKind,
    IpHistory,
    Snapshot,
    customer_after,
    device_after,
    device_records,
    ip_after,
)
from opendeposit.risk.rules import CATALOGUE
from opendeposit.risk.scenarios import PATTERNS, Scenario

Unit = tuple[int, str]


@dataclass
class Results:
    units: set[Unit] = field(default_factory=set)
    by_rule: dict[str, set[Unit]] = field(default_factory=lambda: defaultdict(set))
    intervened: set[Unit] = field(default_factory=set)
    alerted: set[Unit] = field(default_factory=set)
    stepped_up: set[Unit] = field(default_factory=set)
    held_or_blocked: set[Unit] = field(default_factory=set)
    events: Counter[str] = field(default_factory=Counter)
    normal_moves: int = 0
    normal_move_step_ups: int = 0

    @property
    def positives(self) -> set[Unit]:
        return {u for u in self.units if u[1] != "normal"}

    def of(self, label: str) -> set[Unit]:
        return {u for u in self.units if u[1] == label}


def run(scenario: Scenario, rules: list[Rule],
        specs: dict[str, RuleSpec] = CATALOGUE) -> Results:
    hz = horizons(rules)
    customers = {c: CustomerHistory(opened_at=t, card_bound_at=t)
                 for c, t in scenario.opened.items()}
    devices: dict[str, DeviceHistory] = {}
    ips: dict[str, IpHistory] = {}
    out = Results()
    for se in scenario.events:
        e = se.event
        login = e.kind is EventKind.LOGIN
        c = customers[e.customer_id]
        d = devices.get(e.device_id or "", DeviceHistory())
        i = ips.get(e.ip or "", IpHistory()) if login else None
        decision = evaluate(Facts(e, Snapshot(c, d, i), True, se.list_hits, se.balance), rules,
                            specs)
        unit = (e.customer_id, se.label)
        out.units.add(unit)
        out.events[se.label] += 1
        for hit in decision.hits:
            out.by_rule[hit.code].add(unit)
        if decision.alerts:
            out.alerted.add(unit)
        if SEVERITY[decision.action] >= SEVERITY[Action.STEP_UP]:
            out.intervened.add(unit)
        if decision.action is Action.STEP_UP:
            out.stepped_up.add(unit)
        if decision.action in (Action.HOLD, Action.BLOCK):
            out.held_or_blocked.add(unit)
        if se.label == "normal" and e.kind in MONEY:
            out.normal_moves += 1
            out.normal_move_step_ups += decision.action is Action.STEP_UP
        customers[e.customer_id] = customer_after(c, e, hz)
        if device_records(d, e):
            devices[e.device_id or ""] = device_after(d, e, hz)
        if login and i is not None:
            ips[e.ip or ""] = ip_after(i, e, hz)
    return out


def _pct(part: int, whole: int) -> str:
    return "–" if whole == 0 else f"{100 * part / whole:.1f} %"


def report(r: Results, specs: dict[str, RuleSpec] = CATALOGUE) -> str:
    """The tables of docs/risk.md (Markdown)."""
    pos = r.positives
    normal = r.of("normal")
    lines = ["| rule | target pattern | flagged episodes | fraud among them | precision | "
             "recall (target) | recall (any fraud) |", "|---|---|---:|---:|---:|---:|---:|"]
    for code, spec in specs.items():
        flagged = r.by_rule.get(code, set())
        target = r.of(spec.target)
        lines.append(f"| {code} | {spec.target} | {len(flagged)} | {len(flagged & pos)} | "
                     f"{_pct(len(flagged & pos), len(flagged))} | "
                     f"{_pct(len(flagged & target), len(target))} | "
                     f"{_pct(len(flagged & pos), len(pos))} |")
    lines += ["", "| overall | flagged | fraud among them | precision | recall |",
              "|---|---:|---:|---:|---:|"]
    for name, flagged in (("any rule hit (incl. alerts)", r.alerted | r.intervened),
                          ("intervened (step-up, hold, block)", r.intervened)):
        lines.append(f"| {name} | {len(flagged)} | {len(flagged & pos)} | "
                     f"{_pct(len(flagged & pos), len(flagged))} | "
                     f"{_pct(len(flagged & pos), len(pos))} |")
    lines += ["", "| fraud pattern | episodes | caught by any rule | intervened |",
              "|---|---:|---:|---:|"]
    for pattern in PATTERNS:
        eps = r.of(pattern)
        caught = eps & (r.alerted | r.intervened)
        lines.append(f"| {pattern} | {len(eps)} | {_pct(len(caught), len(eps))} | "
                     f"{_pct(len(eps & r.intervened), len(eps))} |")
    lines += ["", f"Good customers (normal episodes): {len(normal)}; stepped up at least once: "
              f"{len(normal & r.stepped_up)} ({_pct(len(normal & r.stepped_up), len(normal))}); "
              f"held or blocked at least once: {len(normal & r.held_or_blocked)} "
              f"({_pct(len(normal & r.held_or_blocked), len(normal))}); "
              f"step-ups per 1,000 good money moves: "
              f"{1000 * r.normal_move_step_ups / max(1, r.normal_moves):.1f} "
              f"({r.normal_move_step_ups} of {r.normal_moves})."]
    return "\n".join(lines)
