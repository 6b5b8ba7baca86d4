"""Evaluate-and-record in the caller's transaction: gather the facts of one event from three
small summaries read by key (customer, device, IP), judge them with the rules in force, and
write the decision with its evidence, the alerts, the updated summaries and (when a rule asks
for it) the step-up — all in the caller's unit of work, so they commit or roll back with the
business change.

    async with db.transaction() as conn:
        outcome = await risk.evaluate(conn, db=db, vault=vault, event=..., call=...)
        ...  # go ahead unless outcome.refusal is set; hold when outcome.action is HOLD
    if outcome.refusal: raise outcome.refusal   # after the commit: the step-up must persist
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import bindparam, func, literal_column, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncConnection

from opendeposit.accounts.holder import holder
from opendeposit.db import Database
from opendeposit.db.driver import AttrRow, DriverStatement, driver_connection
from opendeposit.errors import Forbidden, OpenDepositError
from opendeposit.risk import stepup, writes
from opendeposit.risk.domain import BEIJING, Action, Decision, Facts, Hit, Rule, horizons
from opendeposit.risk.domain import evaluate as judge
from opendeposit.risk.history import (
    MONEY,
    CustomerHistory,
    Event,
    EventKind,
    Snapshot,
    customer_after,
    device_after,
    device_records,
    dump_customer,
    dump_device,
    dump_ip,
    ip_after,
    load_customer,
    load_device,
    load_ip,
)
from opendeposit.risk.models import (
    risk_alert,
    risk_alert_action,
    risk_device,
    risk_ip,
    risk_profile,
    risk_rule_version,
    risk_watchlist,
)
from opendeposit.risk.rules import CATALOGUE, default_rules
from opendeposit.security import Vault
from opendeposit.serials import SEQUENCE

RULE_CACHE_SECONDS = 5.0
# A step-up asked by these rules can only be passed by face: the SMS channel is exactly what a
# SIM-swap takeover controls.
FACE_ONLY = frozenset({"NEW_DEVICE_AFTER_RESET", "NEW_CARD_LARGE_DEPOSIT", "WATCHLIST"})


class RiskBlocked(Forbidden):
    code = "RISK_BLOCKED"
    message_en = "This request was refused by the bank's risk controls; please contact us."
    message_zh = "该交易存在风险，已被拒绝，请联系本行客服。"


@dataclass(frozen=True)
class Call:
    """The call being judged, so that a step-up it asks for fits that call only."""

    operation: str
    request_hash: str


@dataclass(frozen=True)
class Outcome:
    decision: Decision
    decision_id: int
    step_up: stepup.StepUp | None = None

    @property
    def action(self) -> Action:
        return self.decision.action

    @property
    def refusal(self) -> OpenDepositError | None:
        """What to raise after the commit: a step-up to pass, or a block; None to go ahead."""
        if self.action is Action.BLOCK:
            return RiskBlocked(details={"decision_id": self.decision_id,
                                        "rules": [h.code for h in self.decision.hits
                                                  if h.action is Action.BLOCK]})
        if self.action is Action.STEP_UP and self.step_up is not None:
            return self.step_up.required()
        return None


# --------------------------------------------------------------------------- rules in force

_rules_cache: dict[str, tuple[float, list[Rule]]] = {}  # per database


async def rules_in_force(conn: AsyncConnection) -> list[Rule]:
    """The newest version of every rule (stored versions over the built-in version 1), kept
    for a few seconds per process: a rule change reaches other processes within that time."""
    key = str(conn.engine.url)
    cached = _cached_rules(key)
    if cached is not None:
        return cached
    rows = (await conn.execute(select(risk_rule_version).order_by(
        risk_rule_version.c.code, risk_rule_version.c.version))).all()
    newest = {r.code: Rule(r.code, r.version, Action(r.action), json.loads(r.thresholds),
                           r.enabled) for r in rows}  # ordered: the last version wins
    rules = [newest.get(d.code, d) for d in default_rules()]
    _rules_cache[key] = (time.monotonic() + RULE_CACHE_SECONDS, rules)
    return rules


def _cached_rules(key: str) -> list[Rule] | None:
    hit = _rules_cache.get(key)
    return hit[1] if hit is not None and hit[0] > time.monotonic() else None


async def rules_now(db: Database) -> list[Rule]:
    """`rules_in_force` without a connection of the caller's: the cached rules, else one read."""
    cached = _cached_rules(str(db.engine.url))
    if cached is not None:
        return cached
    async with db.read() as conn:
        return await rules_in_force(conn)


def forget_rules() -> None:
    _rules_cache.clear()


# --------------------------------------------------------------------------- gather

_P = risk_profile.c
_HITS = select(func.count()).select_from(risk_watchlist).where(
    risk_watchlist.c.active.is_(True), risk_watchlist.c.value_hash.in_(
        [_P.phone_hash, _P.id_number_hash, _P.card_hash, bindparam("device_hash")]))
_DEVICE = select(risk_device.c.history).where(risk_device.c.device_id == bindparam("device_id"))
_GATHER = select(risk_profile, _HITS.scalar_subquery().label("hits"),
                 _DEVICE.scalar_subquery().label("device_history")).where(
    _P.customer_id == bindparam("customer_id"))
_GATHER_LOCKED = _GATHER.with_for_update(of=risk_profile)
_IP = select(risk_ip.c.history).where(risk_ip.c.ip == bindparam("ip"))
# an empty summary for a customer who has none yet, so that the lock of a first move (and of
# a concurrent one) has a row to hold: without it both would be judged on no history
_EMPTY_PROFILE = postgresql.insert(risk_profile).values(
    customer_id=bindparam("customer_id"), history=bindparam("history"),
    updated_at=bindparam("now")).on_conflict_do_nothing(index_elements=["customer_id"])


@dataclass(frozen=True)
class Gathered:
    facts: Facts
    profile_exists: bool
    hashes: dict[str, str | None]
    account_id: int | None
    newly_opened: bool  # the account appeared since the profile was written: rate at opening
    last_move_on: date | None = None  # as stored: the business day of the last customer move
    # the summaries as read (JSON text; None: no row): the guards of an unlocked write
    history_text: str | None = None
    device_text: str | None = None


async def gather(conn: AsyncConnection, *, db: Database, vault: Vault, event: Event,
                 device_known: bool = True, balance: int | None = None,
                 card_hash: str | None = None) -> Gathered:
    """The facts of `event`: one keyed read (profile + device summary + watch-list hit count)
    locked for update on PostgreSQL, plus the IP summary for logins. `card_hash` is the card
    the event binds (a card change), checked against the lists and kept from now on."""
    device_hash = vault.lookup_hash(event.device_id) if event.device_id else "-"
    params = {"customer_id": event.customer_id, "device_id": event.device_id or "",
              "device_hash": device_hash}
    row = (await conn.execute(_GATHER if db.is_sqlite else _GATHER_LOCKED, params)).first()
    if row is None and not db.is_sqlite:  # (SQLite: the writer lock already orders them)
        await conn.execute(_EMPTY_PROFILE, {"customer_id": event.customer_id,
                                            "history": dump_customer(CustomerHistory()),
                                            "now": event.at})
        row = (await conn.execute(_GATHER_LOCKED, params)).first()
    newly_opened = False
    if row is None or row.account_id is None:  # before opening, or the first event after it
        found = await holder(conn, event.customer_id)
        history = load_customer(row.history) if row is not None else CustomerHistory()
        if found is not None and found.account_id is not None:
            history = replace(history, opened_at=found.opened_at,
                              card_bound_at=found.card_bound_at)
            newly_opened = True
        hashes = {"phone": found.phone_hash if found else None,
                  "id_number": found.id_number_hash if found else None,
                  "card": found.card_hash if found else None}
        account_id = found.account_id if found else None
        device_history = (await conn.execute(_DEVICE, params)).scalar()
    else:
        history, hashes = load_customer(row.history), _hashes(row)
        account_id, device_history = row.account_id, row.device_history
    if card_hash is not None:
        hashes["card"] = card_hash
    listed: tuple[str, ...] = ()
    if row is None or row.account_id is None or row.hits or card_hash is not None:
        listed = await list_hits(conn, hashes | {"device": device_hash})
    ip_history = None
    if event.kind is EventKind.LOGIN and event.ip:
        ip_history = load_ip((await conn.execute(_IP, {"ip": event.ip})).scalar())
    device = load_device(device_history) if event.device_id is not None else None
    facts = Facts(event, Snapshot(history, device, ip_history), device_known, listed, balance)
    return Gathered(facts, row is not None, hashes, account_id, newly_opened,
                    row.last_move_on if row is not None else None,
                    row.history if row is not None else None, device_history)


def _hashes(row: Any) -> dict[str, str | None]:
    return {"phone": row.phone_hash, "id_number": row.id_number_hash, "card": row.card_hash}


@dataclass(frozen=True)
class Judged:
    """A money event judged on an unlocked read (`judge_unlocked`): it goes ahead."""

    gathered: Gathered
    decision: Decision
    rules: list[Rule]
    serial_no: int | None  # the transaction-serial number drawn with the read, when asked


@dataclass(frozen=True)
class Summary:
    """A customer's risk summaries as an unlocked read found them (PostgreSQL): the texts are
    what the unlocked write's guards compare with."""

    account_id: int | None
    hashes: dict[str, str | None]
    history: str
    last_move_on: date | None
    hits: int  # how many active watch-list entries hold the customer's or device's values
    device_history: str | None
    serial_no: int | None = None


def prefetch(customer: Any) -> Any:
    """What a use case's context read (PostgreSQL) joins to bring the customer's summary along:
    a LATERAL subquery on `customer` (its customer-id column), with `:risk_device_id` and
    `:risk_device_hash` to bind (`prefetch_params`). It reads what `_GATHER` reads; the
    columns are named as `summary_of` reads them. Join it with `.outerjoin(…, true())`."""
    rp = risk_profile.alias("rp")
    hits = select(func.count()).select_from(risk_watchlist).where(
        risk_watchlist.c.active.is_(True), risk_watchlist.c.value_hash.in_(
            [rp.c.phone_hash, rp.c.id_number_hash, rp.c.card_hash,
             bindparam("risk_device_hash")])).scalar_subquery()
    device = select(risk_device.c.history).where(
        risk_device.c.device_id == bindparam("risk_device_id")).scalar_subquery()
    return select(
        rp.c.account_id.label("risk_account_id"), rp.c.phone_hash.label("risk_phone_hash"),
        rp.c.id_number_hash.label("risk_id_number_hash"),
        rp.c.card_hash.label("risk_card_hash"), rp.c.history.label("risk_history"),
        rp.c.last_move_on.label("risk_last_move_on"), hits.label("risk_hits"),
        device.label("risk_device_history")).where(rp.c.customer_id == customer).lateral("risk")


# The same for a context read written as SQL text (the purchase's): its columns and the join,
# `{customer}` to be formatted with the customer-id column of that text.
PREFETCH_COLUMNS = ", ".join(f"risk.{c.name}" for c in prefetch(literal_column("0")).c)
PREFETCH_JOIN = "\n  LEFT JOIN LATERAL (" + str(
    prefetch(literal_column("{customer}")).element.compile(
        dialect=postgresql.dialect(paramstyle="named"))) + ") AS risk ON true"


# The same read on its own (PostgreSQL, unlocked, on the driver connection: `read_summary`),
# optionally drawing the move's transaction-serial number in the same round trip
_SUMMARY = prefetch(bindparam("customer_id"))
_SUMMARY_PG = DriverStatement(select(*_SUMMARY.c))
_SUMMARY_PG_SERIAL = DriverStatement(select(
    *_SUMMARY.c, literal_column(f"nextval('{SEQUENCE}')").label("serial_no")))


def prefetch_params(vault: Vault, device_id: str | None) -> tuple[str, str]:
    """(:risk_device_id, :risk_device_hash) for PREFETCH_JOIN."""
    return device_id or "", vault.lookup_hash(device_id) if device_id else "-"


def summary_of(row: Any) -> Summary | None:
    """The summary PREFETCH_COLUMNS brought (None: the customer has none yet)."""
    if row.risk_history is None:
        return None
    return Summary(row.risk_account_id, {"phone": row.risk_phone_hash,
                                         "id_number": row.risk_id_number_hash,
                                         "card": row.risk_card_hash},
                   row.risk_history, row.risk_last_move_on, int(row.risk_hits or 0),
                   row.risk_device_history)


async def read_summary(db: Database, *, vault: Vault, customer_id: int,
                       device_id: str | None, draw_serial: bool) -> Summary | None:
    """The summaries in one unlocked round trip of their own, drawing the move's serial
    number with them when asked."""
    device_id_param, device_hash = prefetch_params(vault, device_id)
    stmt = _SUMMARY_PG_SERIAL if draw_serial else _SUMMARY_PG
    async with driver_connection(db) as driver:
        found = await driver.conn.fetchrow(stmt.sql, *stmt.args(
            customer_id=customer_id, risk_device_id=device_id_param,
            risk_device_hash=device_hash))
    summary = None if found is None else summary_of(AttrRow(found))
    if summary is None or not draw_serial:
        return summary
    return replace(summary, serial_no=int(found["serial_no"]))


async def judge_unlocked(db: Database, *, vault: Vault, event: Event, balance: int | None,
                         draw_serial: bool, summary: Summary | None = None) -> Judged | None:
    """PostgreSQL, the common case of a money event without a lock: the customer's summary
    (which must exist, with the account, and be on no watch list) and the device's — as the
    use case's context read brought them (`summary`), else read here in one round trip —
    judged by the rules in force. Returns None unless the rules let it go ahead with no
    alert — every other case (a first move, a list hit, a rule that acts) goes the locked way
    (`evaluate`). The caller writes the rows `writes.steps` makes from the result in its
    business plan, whose guards on the summaries as read make a concurrent change of them
    abandon the plan (`writes.SUMMARY_MOVED`): judged again, never on stale counts."""
    rules = await rules_now(db)
    if summary is None:
        summary = await read_summary(db, vault=vault, customer_id=event.customer_id,
                                     device_id=event.device_id, draw_serial=draw_serial)
    if summary is None or summary.account_id is None or summary.hits:
        return None
    history = load_customer(summary.history)
    device = load_device(summary.device_history) if event.device_id is not None else None
    facts = Facts(event, Snapshot(history, device, None), True, (), balance)
    decision = judge(facts, rules, CATALOGUE, stepped_up=False)
    if decision.action is not Action.ALLOW or decision.alerts:
        return None
    g = Gathered(facts, True, summary.hashes, summary.account_id, False, summary.last_move_on,
                 summary.history, summary.device_history)
    return Judged(g, decision, rules, summary.serial_no)


def judged_rows(j: Judged, *, business_date: date | None) -> writes.Rows:
    """The rows an evaluation that went ahead writes (see `record`)."""
    return _rows(j.gathered, j.decision, j.rules, None, False, business_date)


async def list_hits(conn: AsyncConnection, hashes: dict[str, str | None]) -> tuple[str, ...]:
    """Which watch lists the given values (by lookup hash, keyed by list name) are on."""
    wanted = {(k, h) for k, h in hashes.items() if h}
    if not wanted:
        return ()
    rows = (await conn.execute(select(risk_watchlist.c.list, risk_watchlist.c.value_hash).where(
        risk_watchlist.c.active.is_(True),
        risk_watchlist.c.value_hash.in_([h for _, h in wanted])))).all()
    return tuple(sorted({r.list for r in rows if (r.list, r.value_hash) in wanted}))


# --------------------------------------------------------------------------- evaluate


async def evaluate(conn: AsyncConnection, *, db: Database, vault: Vault, event: Event,
                   call: Call | None = None, device_known: bool = True,
                   balance: int | None = None, passed: stepup.StepUp | None = None,
                   card_hash: str | None = None, business_date: date | None = None) -> Outcome:
    """Gather, judge and record one event in the caller's transaction.

    `passed` is the step-up this call consumed (`stepup.consume`): it satisfies a `step_up`
    decision, and the alerts that asked for it are cleared instead of raised again. A money
    event needs its `call`, so that a step-up can be issued for exactly that call.
    `business_date`: the bank's day of a money move, kept as the profile's `last_move_on`
    (what the dormancy rules of EOD compare with the business date)."""
    if event.kind in MONEY and call is None:
        raise ValueError("a money event is evaluated with its call (operation, request hash)")
    rules = await rules_in_force(conn)
    g = await gather(conn, db=db, vault=vault, event=event, device_known=device_known,
                     balance=balance, card_hash=card_hash)
    decision = judge(g.facts, rules, CATALOGUE, stepped_up=passed is not None)
    return await record(conn, db=db, gathered=g, decision=decision, rules=rules, call=call,
                        passed=passed, business_date=business_date)


async def record(conn: AsyncConnection, *, db: Database, gathered: Gathered, decision: Decision,
                 rules: list[Rule], call: Call | None, passed: stepup.StepUp | None = None,
                 business_date: date | None = None) -> Outcome:
    event = gathered.facts.event
    now = event.at
    step_up_id = stepup.new_id() if decision.action is Action.STEP_UP and call else None
    decision_id = await writes.write(conn, db, _rows(gathered, decision, rules, step_up_id,
                                                     passed is not None, business_date))
    step_up = None
    if step_up_id is not None and call is not None:
        asked = [h for h in decision.hits if h.action is Action.STEP_UP]
        methods = ((stepup.FACE,) if any(h.code in FACE_ONLY for h in asked)
                   else (stepup.FACE, stepup.SMS))
        step_up = await stepup.create(
            conn, customer_id=event.customer_id, operation=call.operation,
            request_hash=call.request_hash, methods=methods, step_up_id=step_up_id,
            reason=",".join(h.code for h in asked), decision_id=decision_id, now=now)
    fresh = [h for h in decision.alerts if not (passed and h.action is Action.STEP_UP)]
    for hit in fresh:
        await conn.execute(risk_alert.insert().values(
            decision_id=decision_id, customer_id=event.customer_id, rule_code=hit.code,
            rule_version=hit.version, action=hit.action.value,
            evidence=json.dumps(hit.evidence, ensure_ascii=False, default=str), status="open",
            created_at=now, updated_at=now))
    if passed is not None and passed.decision_id is not None:
        await clear_alerts(conn, decision_id=passed.decision_id, now=now,
                           reason=f"step-up {passed.id} passed by {passed.method or 'face'}")
    if fresh or gathered.newly_opened:
        from opendeposit.risk import aml  # late: aml reads the alerts just written

        await aml.rerate(conn, customer_id=event.customer_id,
                         trigger="opening" if gathered.newly_opened else "alert", now=now)
    return Outcome(decision, decision_id, step_up)


async def clear_alerts(conn: AsyncConnection, *, decision_id: int, now: datetime,
                       reason: str) -> None:
    """The customer passed the step-up these alerts asked for: close them as cleared."""
    ids = (await conn.execute(select(risk_alert.c.id).where(
        risk_alert.c.decision_id == decision_id, risk_alert.c.status == "open",
        risk_alert.c.action == Action.STEP_UP.value))).scalars().all()
    for alert_id in ids:
        await conn.execute(risk_alert.update().where(risk_alert.c.id == alert_id).values(
            status="cleared", updated_at=now))
        await conn.execute(risk_alert_action.insert().values(
            alert_id=alert_id, decision="clear", reason=reason, actor="system:step-up",
            created_at=now))


def _rows(g: Gathered, decision: Decision, rules: list[Rule], step_up_id: str | None,
          stepped_up: bool, business_date: date | None = None) -> writes.Rows:
    """The rows one evaluation writes. A refused move (step-up, block) did not happen, so the
    customer's summary does not count it; the device's row only when `device_records`."""
    event, before = g.facts.event, g.facts.before
    hz = horizons(rules)
    now = event.at
    went_ahead = decision.action not in (Action.STEP_UP, Action.BLOCK)
    history = customer_after(before.customer, event, hz) if went_ahead else before.customer
    profile = {"customer_id": event.customer_id, "account_id": g.account_id,
               "phone_hash": g.hashes["phone"], "id_number_hash": g.hashes["id_number"],
               "card_hash": g.hashes["card"], "history": dump_customer(history),
               "last_move_on": _last_move_on(g, history, went_ahead, business_date),
               "updated_at": now}
    d, device = before.device, None
    if event.device_id is not None and d is not None and device_records(d, event):
        device = {"device_id": event.device_id, "issued_at": now, "first_ip": event.ip,
                  "history": dump_device(device_after(d, event, hz)), "updated_at": now}
    ip = None
    if before.ip is not None and event.ip:
        ip = {"ip": event.ip, "history": dump_ip(ip_after(before.ip, event, hz)),
              "updated_at": now}
    return writes.Rows(profile=profile, device=device, ip=ip, decision={
        "customer_id": event.customer_id, "kind": event.kind.value, "amount": event.amount,
        "action": decision.action.value, "ruleset": decision.ruleset,
        "hits": json.dumps([_hit_doc(h) for h in decision.hits], ensure_ascii=False,
                           default=str),
        "facts": json.dumps(_facts_doc(g.facts), ensure_ascii=False),
        "device_id": event.device_id, "ip": event.ip, "reference": event.reference[:64],
        "step_up_id": step_up_id, "stepped_up": stepped_up, "created_at": now})


def _last_move_on(g: Gathered, history: CustomerHistory, went_ahead: bool,
                  business_date: date | None) -> date | None:
    """The business day of the last customer-initiated move: this one when it went ahead
    (with its business day when the caller gave it), else what was stored."""
    if went_ahead and g.facts.event.kind in MONEY:
        if business_date is not None:
            return business_date
        return g.facts.event.at.astimezone(BEIJING).date()
    if g.last_move_on is not None:
        return g.last_move_on
    return history.last_move_at.astimezone(BEIJING).date() if history.last_move_at else None


def _hit_doc(h: Hit) -> dict[str, Any]:
    return {"code": h.code, "version": h.version, "action": h.action.value,
            "evidence": h.evidence}


def _facts_doc(f: Facts) -> dict[str, Any]:
    c, d = f.before.customer, f.before.device
    return {"device": {"id": f.event.device_id, "known": f.device_known,
                       "customers": d.customer_count if d else None},
            "ip": f.event.ip, "balance": f.balance, "held_days": f.event.held_days,
            "list_hits": list(f.list_hits),
            "last_move_at": c.last_move_at.isoformat() if c.last_move_at else None,
            "card_bound_at": c.card_bound_at.isoformat() if c.card_bound_at else None}
