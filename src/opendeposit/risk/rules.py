"""The rule catalogue (domain.md §6.1, practice; thresholds are defaults to tune with the risk
team): what each rule looks at, its thresholds and its default action. Pure.

Each check returns the evidence (a small dict a staff member can read) when the rule hits,
or None. Counts include the event being judged.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from opendeposit.risk.domain import (
    BEIJING,
    Action,
    Facts,
    Rule,
    RuleSpec,
    Threshold,
    Unit,
)
from opendeposit.risk.history import MONEY, EventKind

LOGIN_AND_MONEY = MONEY | {EventKind.LOGIN}
YUAN = 100


def _since(f: Facts, delta: timedelta) -> datetime:
    return f.event.at - delta


def _velocity(count: int, window: int, limit: int, **extra: Any) -> dict[str, Any] | None:
    if count <= limit:
        return None
    return {"count": count, "window_minutes": window, "limit": limit, **extra}


def velocity_device(f: Facts, r: Rule) -> dict[str, Any] | None:
    """Across the customers of one device; a device only this customer uses is the same
    count as VELOCITY_PHONE (and its money moves are kept in the customer's summary)."""
    d = f.before.device
    if d is None or f.event.device_id is None:
        return None
    if not any(c != f.event.customer_id for c, _ in d.customers) and d.customer_count <= 1:
        return None
    login = f.kind is EventKind.LOGIN
    since = _since(f, timedelta(minutes=r.t("window_minutes")))
    n = 1 + sum(1 for t, k in d.events if t > since and (k == "l") == login)
    return _velocity(n, r.t("window_minutes"), r.t("max_logins" if login else "max_moves"),
                     device=f.event.device_id, what="logins" if login else "moves")


def velocity_phone(f: Facts, r: Rule) -> dict[str, Any] | None:
    c = f.before.customer
    since = _since(f, timedelta(minutes=r.t("window_minutes")))
    if f.kind is EventKind.LOGIN:
        n = 1 + sum(1 for t in c.logins if t > since)
        return _velocity(n, r.t("window_minutes"), r.t("max_logins"), what="logins")
    n = 1 + sum(1 for m in c.moves if m.at > since)
    return _velocity(n, r.t("window_minutes"), r.t("max_moves"), what="moves")


def velocity_ip(f: Facts, r: Rule) -> dict[str, Any] | None:
    if f.before.ip is None:
        return None
    since = _since(f, timedelta(minutes=r.t("window_minutes")))
    n = 1 + sum(1 for t in f.before.ip.logins if t > since)
    return _velocity(n, r.t("window_minutes"), r.t("max_logins"), ip=f.event.ip, what="logins")


def rapid_in_out(f: Facts, r: Rule) -> dict[str, Any] | None:
    """快进快出: most of the recent inflow leaves again, leaving almost nothing behind."""
    since = _since(f, timedelta(hours=r.t("window_hours")))
    recent = [m for m in f.before.customer.moves if m.at > since]
    inflow = sum(m.amount for m in recent if m.kind is EventKind.TOP_UP)
    outflow = f.event.amount + sum(m.amount for m in recent if m.kind is EventKind.WITHDRAW)
    if inflow < r.t("min_inflow") or outflow * 100 < inflow * r.t("min_out_percent"):
        return None
    left = None if f.balance is None else f.balance - f.event.amount
    if left is not None and left * 100 > inflow * r.t("max_left_percent"):
        return None
    return {"inflow": inflow, "outflow": outflow, "left": left,
            "window_hours": r.t("window_hours")}


def buy_early_withdraw(f: Facts, r: Rule) -> dict[str, Any] | None:
    """Repeated buy → early-withdraw cycles: deposits held only days, again and again."""
    held = f.event.held_days
    if held is None or held > r.t("short_hold_days"):
        return None
    since = _since(f, timedelta(days=r.t("window_days")))
    cycles = 1 + sum(1 for w in f.before.customer.early_withdrawals
                     if w.at > since and w.held_days <= r.t("short_hold_days"))
    if cycles < r.t("min_cycles"):
        return None
    return {"cycles": cycles, "held_days": held, "window_days": r.t("window_days")}


def new_card_large_deposit(f: Facts, r: Rule) -> dict[str, Any] | None:
    """The first large top-up from a card bound only days ago."""
    c = f.before.customer
    if c.card_bound_at is None or f.event.amount < r.t("min_amount"):
        return None
    if not r.t("include_opening_card") and c.last_card_change_at is None:
        return None
    age = f.event.at - c.card_bound_at
    if age > timedelta(days=r.t("card_age_days")) or c.card_max_top_up >= r.t("min_amount"):
        return None
    return {"amount": f.event.amount, "card_age_days": age.days,
            "card_changed": c.last_card_change_at is not None}


def _night(t: datetime, start: int, end: int) -> bool:
    hour = t.astimezone(BEIJING).hour
    return start <= hour < end if start <= end else hour >= start or hour < end


def night_burst(f: Facts, r: Rule) -> dict[str, Any] | None:
    start, end = r.t("night_start_hour"), r.t("night_end_hour")
    if not _night(f.event.at, start, end):
        return None
    since = _since(f, timedelta(minutes=r.t("window_minutes")))
    n = 1 + sum(1 for m in f.before.customer.moves if m.at > since and _night(m.at, start, end))
    if n < r.t("min_moves"):
        return None
    return {"moves": n, "window_minutes": r.t("window_minutes"),
            "local_time": f.event.at.astimezone(BEIJING).strftime("%H:%M")}


def dormant_reactivation(f: Facts, r: Rule) -> dict[str, Any] | None:
    c = f.before.customer
    last = c.last_move_at or c.opened_at
    if last is None or f.event.amount < r.t("min_amount"):
        return None
    idle = f.event.at - last
    if idle < timedelta(days=r.t("inactive_days")):
        return None
    return {"idle_days": idle.days, "amount": f.event.amount,
            "since": "last_move" if c.last_move_at else "opening"}


def new_device_after_reset(f: Facts, r: Rule) -> dict[str, Any] | None:
    """A device the customer never used before, right after a PIN reset or a card change."""
    c = f.before.customer
    resets = [(t, what) for t, what in ((c.last_pin_reset_at, "pin_reset"),
                                         (c.last_card_change_at, "card_change")) if t]
    if not resets:
        return None
    reset_at, what = max(resets)
    if f.event.at - reset_at > timedelta(hours=r.t("within_hours")):
        return None
    first = c.device_first_seen(f.event.device_id) if f.device_known else None
    fresh = reset_at - timedelta(hours=r.t("device_age_hours"))
    if first is not None and first < fresh:
        return None
    return {"after": what, "hours_since": int((f.event.at - reset_at).total_seconds() // 3600),
            "device": f.event.device_id, "device_known": f.device_known,
            "device_first_seen": first.isoformat() if first else None}


def shared_device(f: Facts, r: Rule) -> dict[str, Any] | None:
    d = f.before.device
    if d is None or f.event.device_id is None:
        return None
    n = d.customer_count + (0 if d.knows(f.event.customer_id) else 1)
    if n <= r.t("max_customers"):
        return None
    return {"device": f.event.device_id, "customers": n, "limit": r.t("max_customers"),
            "others": [c for c, _ in d.customers if c != f.event.customer_id][:10]}


def shared_ip(f: Facts, r: Rule) -> dict[str, Any] | None:
    i = f.before.ip
    if i is None:
        return None
    since = _since(f, timedelta(hours=r.t("window_hours")))
    others = {c for c, t in i.customers if t > since and c != f.event.customer_id}
    if len(others) + 1 <= r.t("max_customers"):
        return None
    return {"ip": f.event.ip, "customers": len(others) + 1, "limit": r.t("max_customers"),
            "window_hours": r.t("window_hours")}


def watchlist(f: Facts, _r: Rule) -> dict[str, Any] | None:
    return {"lists": list(f.list_hits)} if f.list_hits else None


def small_probes(f: Facts, r: Rule) -> dict[str, Any] | None:
    """Many tiny 'test' moves: a card or account being tried before real use."""
    small = r.t("max_amount")
    if f.event.amount > small:
        return None
    since = _since(f, timedelta(hours=r.t("window_hours")))
    n = 1 + sum(1 for m in f.before.customer.moves if m.at > since and m.amount <= small)
    return None if n < r.t("min_count") else {"small_moves": n, "max_amount": small}


def new_account_turnover(f: Facts, r: Rule) -> dict[str, Any] | None:
    c = f.before.customer
    if c.opened_at is None or f.event.at - c.opened_at > timedelta(days=r.t("account_age_days")):
        return None
    since = _since(f, timedelta(hours=r.t("window_hours")))
    flows = (EventKind.TOP_UP, EventKind.WITHDRAW)
    turnover = sum(m.amount for m in c.moves if m.at > since and m.kind in flows)
    turnover += f.event.amount if f.kind in flows else 0
    if turnover < r.t("min_turnover"):
        return None
    return {"turnover": turnover, "account_age_days": (f.event.at - c.opened_at).days}


def frequent_card_change(f: Facts, r: Rule) -> dict[str, Any] | None:
    since = _since(f, timedelta(days=r.t("window_days")))
    n = 1 + sum(1 for t in f.before.customer.card_changes if t > since)
    return None if n <= r.t("max_changes") else {"changes": n, "window_days": r.t("window_days")}


def _t(name: str, unit: Unit, default: int, low: int, high: int, help: str = "") -> Threshold:
    return Threshold(name, unit, default, low, high, help)


def _amount(name: str, default_yuan: int, help: str = "") -> Threshold:
    return Threshold(name, Unit.AMOUNT, default_yuan * YUAN, 1, 10**13, help)


WINDOW_MIN = _t("window_minutes", Unit.MINUTES, 60, 1, 24 * 60)
SPECS: tuple[RuleSpec, ...] = (
    RuleSpec("VELOCITY_DEVICE", "Too many logins or money moves from one device in a short time",
             "同一设备短时间内登录或交易过于频繁", LOGIN_AND_MONEY, Action.STEP_UP,
             (WINDOW_MIN, _t("max_moves", Unit.COUNT, 8, 1, 1000),
              _t("max_logins", Unit.COUNT, 10, 1, 1000)), velocity_device, "device_farm"),
    RuleSpec("VELOCITY_PHONE", "Too many logins or money moves by one customer (phone) in a "
             "short time", "同一客户（手机号）短时间内登录或交易过于频繁", LOGIN_AND_MONEY,
             Action.STEP_UP, (WINDOW_MIN, _t("max_moves", Unit.COUNT, 8, 1, 1000),
                              _t("max_logins", Unit.COUNT, 10, 1, 1000)), velocity_phone,
             "velocity"),
    RuleSpec("VELOCITY_IP", "Too many logins from one IP address in a short time",
             "同一IP地址短时间内登录过于频繁", frozenset({EventKind.LOGIN}), Action.ALERT,
             (WINDOW_MIN, _t("max_logins", Unit.COUNT, 30, 1, 100000)), velocity_ip,
             "device_farm"),
    RuleSpec("RAPID_IN_OUT", "Rapid in-and-out (快进快出): most of the recent inflow leaves "
             "again, leaving almost no balance", "快进快出：资金转入后短时间内大部分转出，余额极少",
             frozenset({EventKind.WITHDRAW}), Action.HOLD,
             (_t("window_hours", Unit.HOURS, 24, 1, 24 * 7),
              _amount("min_inflow", 20_000, "inflow in the window from which the rule looks"),
              _t("min_out_percent", Unit.PERCENT, 90, 1, 100),
              _t("max_left_percent", Unit.PERCENT, 10, 0, 100)), rapid_in_out, "rapid_in_out"),
    RuleSpec("BUY_EARLY_WITHDRAW", "Repeated buy → early-withdraw cycles of time deposits",
             "反复购买定期后短期内提前支取", frozenset({EventKind.EARLY_WITHDRAWAL}),
             Action.STEP_UP, (_t("short_hold_days", Unit.DAYS, 7, 0, 365),
                              _t("window_days", Unit.DAYS, 30, 1, 365),
                              _t("min_cycles", Unit.COUNT, 2, 1, 100)), buy_early_withdraw,
             "buy_early_withdraw"),
    RuleSpec("NEW_CARD_LARGE_DEPOSIT", "First large top-up from a newly bound card",
             "新绑定卡首笔大额转入", frozenset({EventKind.TOP_UP}), Action.STEP_UP,
             (_t("card_age_days", Unit.DAYS, 30, 0, 3650), _amount("min_amount", 50_000),
              _t("include_opening_card", Unit.FLAG, 0, 0, 1,
                 "1: also the card bound at opening")), new_card_large_deposit,
             "new_card_large"),
    RuleSpec("NIGHT_BURST", "A burst of money moves at night (Beijing time)", "夜间集中交易",
             MONEY, Action.STEP_UP, (_t("night_start_hour", Unit.HOUR_OF_DAY, 0, 0, 23),
                                     _t("night_end_hour", Unit.HOUR_OF_DAY, 5, 1, 24),
                                     WINDOW_MIN, _t("min_moves", Unit.COUNT, 4, 1, 100)),
             night_burst, "night_burst"),
    RuleSpec("DORMANT_REACTIVATION", "Sudden large activity on a long-dormant account",
             "长期不动户突然发生大额交易", MONEY, Action.STEP_UP,
             (_t("inactive_days", Unit.DAYS, 180, 1, 3650), _amount("min_amount", 10_000)),
             dormant_reactivation, "dormant"),
    RuleSpec("NEW_DEVICE_AFTER_RESET", "A new device right after a PIN reset or a card change",
             "重置密码或换绑卡后立即使用新设备", LOGIN_AND_MONEY, Action.STEP_UP,
             (_t("within_hours", Unit.HOURS, 72, 1, 24 * 90),
              _t("device_age_hours", Unit.HOURS, 24, 0, 24 * 30,
                 "a device first seen this long before the reset still counts as new")),
             new_device_after_reset, "takeover"),
    RuleSpec("SHARED_DEVICE", "One device used by several customers", "同一设备多人使用",
             LOGIN_AND_MONEY, Action.STEP_UP, (_t("max_customers", Unit.COUNT, 3, 1, 1000),),
             shared_device, "device_farm"),
    RuleSpec("SHARED_IP", "One IP address used by many customers", "同一IP地址多人使用",
             frozenset({EventKind.LOGIN}), Action.ALERT,
             (_t("window_hours", Unit.HOURS, 24, 1, 24 * 30),
              _t("max_customers", Unit.COUNT, 10, 1, 100000)), shared_ip, "device_farm"),
    RuleSpec("WATCHLIST", "ID number, phone, card or device on a watch list",
             "身份证号、手机号、银行卡或设备命中风险名单", LOGIN_AND_MONEY
             | {EventKind.CARD_CHANGE, EventKind.PIN_RESET}, Action.BLOCK, (), watchlist,
             "watchlist"),
    RuleSpec("SMALL_PROBES", "Many small 'test' moves", "多笔小额试探性交易", MONEY, Action.ALERT,
             (_t("window_hours", Unit.HOURS, 24, 1, 24 * 7), _amount("max_amount", 1),
              _t("min_count", Unit.COUNT, 5, 2, 1000)), small_probes, "probing"),
    RuleSpec("NEW_ACCOUNT_TURNOVER", "High turnover on a new account", "新开户资金流量大",
             MONEY, Action.ALERT, (_t("account_age_days", Unit.DAYS, 30, 1, 365),
                                   _t("window_hours", Unit.HOURS, 24, 1, 24 * 7),
                                   _amount("min_turnover", 200_000)), new_account_turnover,
             "rapid_in_out"),
    RuleSpec("FREQUENT_CARD_CHANGE", "Frequent changes of the bound card", "频繁更换绑定卡",
             frozenset({EventKind.CARD_CHANGE}), Action.ALERT,
             (_t("window_days", Unit.DAYS, 365, 1, 3650),
              _t("max_changes", Unit.COUNT, 2, 1, 100)), frequent_card_change,
             "new_card_large"),
)
CATALOGUE: dict[str, RuleSpec] = {s.code: s for s in SPECS}


def default_rules() -> list[Rule]:
    return [s.default() for s in SPECS]
