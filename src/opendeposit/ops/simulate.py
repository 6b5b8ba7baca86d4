"""`opendeposit simulate`: a seeded bank day against the production topology, with faults.

It makes a fresh PostgreSQL database, starts `serve all` (API ×2, the relay, signers) on it and
on RabbitMQ — both reached through loopback TCP proxies (ops/tcpproxy.py) that the simulator
cuts to play a broker outage and a database restart — and bootstraps the catalog and an admin
as `init production` would (with the sandbox's simulated outside parties: it is a
simulation). Then a pool of asyncio HTTP clients plays the customers: SMS login, account
opening through the sandbox, top-ups, purchases, early withdrawals, withdrawals; every money
call carries an idempotency key and is retried with the same key on a connection error, a
5xx, a 202 pending or 409 IDEMPOTENCY_IN_PROGRESS, as the app does. The day starts with some
3-month deposits bought three months earlier (those days closed by EOD), so the day's EOD
matures them. With `--faults`, at seeded moments: kill -9 of an API worker, of the relay and of
a signer (the supervisor restarts them), the broker cut, the database cut.

At the end it checks, prints and writes to the JSON report: `ledger verify`; each customer's
balance (and card) equals the sum of the moves the client saw confirmed; every receipt
request has exactly one issued receipt; no dead letters; no retry waited for end of day.
Exit 1 when a check fails. Everything is seeded: the same seed plays the same day.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import random
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx

from opendeposit.money import format_amount, parse_amount

PRE_DAY = date(2025, 5, 20)  # accounts open and the 3-month deposits are bought on this day…
DAY = date(2025, 8, 20)  # …and mature at the close of the simulated day
PIN = "135790"
MATURING_PRODUCT = "TD3M"
DAY_PRODUCTS = ("TD3M", "TD6M", "TD1Y")
RETRY_CAP_SECONDS = 180.0  # a retry still unanswered after this would wait for end of day
FAULTS = ("api_worker_kill", "relay_kill", "signer_kill", "broker_cut", "db_cut")


@dataclass
class Options:
    customers: int = 200
    seed: int = 1
    faults: bool = False
    minutes: float = 10.0
    report: Path | None = None
    pg_admin: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
    amqp_url: str = "amqp://guest:guest@127.0.0.1:5672/"
    api_workers: int = 2
    esign_workers: int = 2
    clients: int = 16
    work_dir: Path | None = None
    keep: bool = False
    broker_cut_seconds: float | None = None  # instead of 60 s scaled to the day
    db_cut_seconds: float | None = None  # instead of 20 s scaled to the day
    echo: Callable[[str], None] = print


# ---------------------------------------------------------------- the seeded plan of the day


@dataclass(frozen=True)
class Op:
    at: float  # fraction of the day
    kind: str  # top_up | purchase | early_withdraw | withdraw
    amount: int  # fen
    product: str = ""


@dataclass(frozen=True)
class CustomerPlan:
    n: int
    phone: str
    card: str
    card_balance: int
    maturing: int  # fen put in the 3-month deposit on PRE_DAY (0: none)
    ops: tuple[Op, ...]


def client_ip(n: int) -> str:
    """Customer n's address in 198.18.0.0/15 (RFC 2544, for benchmarks): only ever written in
    X-Forwarded-For, never connected to."""
    return f"198.{18 + n // 64_516 % 2}.{n // 254 % 254 + 1}.{n % 254 + 1}"


def _card(n: int) -> str:
    from opendeposit.accounts.domain import luhn_check_digit

    body = f"622588{n:012d}"
    return body + luhn_check_digit(body)


def _yuan(rng: random.Random, low: int, high: int) -> int:
    return rng.randint(low, high) * 100


def plan_day(customers: int, seed: int) -> list[CustomerPlan]:
    """Every customer's day, from the seed alone."""
    plans = []
    for n in range(customers):
        rng = random.Random(f"{seed}:{n}")
        ops: list[Op] = [Op(rng.uniform(0.0, 0.09), "top_up", _yuan(rng, 2000, 5000))]
        for _ in range(rng.randint(1, 2)):
            ops.append(Op(rng.uniform(0.1, 0.9), "top_up", _yuan(rng, 100, 2000)))
        for _ in range(rng.randint(1, 3)):
            ops.append(Op(rng.uniform(0.1, 0.9), "purchase", _yuan(rng, 100, 1500),
                          rng.choice(DAY_PRODUCTS)))
        if rng.random() < 0.35:
            ops.append(Op(rng.uniform(0.9, 0.95), "early_withdraw", 0))
        if rng.random() < 0.4:
            ops.append(Op(rng.uniform(0.1, 0.95), "withdraw", _yuan(rng, 50, 800)))
        ops.sort(key=lambda op: op.at)
        plans.append(CustomerPlan(
            n=n, phone=f"139{seed % 1000:03d}{n:05d}", card=_card(seed * 100_000 + n),
            card_balance=_yuan(rng, 20_000, 50_000),
            maturing=_yuan(rng, 500, 2000) if rng.random() < 0.3 else 0, ops=tuple(ops)))
    return plans


@dataclass(frozen=True)
class FaultPlan:
    kind: str
    at: float  # fraction of the day
    seconds: float  # how long a cut lasts (0 for a kill)


def plan_faults(seed: int, day_seconds: float, *, broker_cut: float | None = None,
                db_cut: float | None = None) -> list[FaultPlan]:
    """Each fault once, in a seeded order, in slots that do not overlap (unless a cut is given
    longer than its slot: then the day waits for it)."""
    rng = random.Random(f"faults:{seed}")
    kinds = list(FAULTS)
    rng.shuffle(kinds)
    slot = 0.8 / len(kinds)
    cut = {"broker_cut": broker_cut or max(3.0, 60.0 * day_seconds / 600.0),
           "db_cut": db_cut or max(2.0, 20.0 * day_seconds / 600.0)}
    return [FaultPlan(k, 0.08 + i * slot + rng.uniform(0, slot * 0.3), cut.get(k, 0.0))
            for i, k in enumerate(kinds)]


# ---------------------------------------------------------------- what the clients saw


@dataclass
class Stats:
    t0: float = field(default_factory=time.monotonic)
    done: list[tuple[float, str, bool]] = field(default_factory=list)  # (t, op, confirmed)
    errors: list[tuple[float, str]] = field(default_factory=list)  # (t, what) retried
    waits: list[float] = field(default_factory=list)  # seconds a retried call took to settle
    slowest: list[dict[str, Any]] = field(default_factory=list)  # the longest retried calls
    unresolved: list[str] = field(default_factory=list)
    business_errors: dict[str, int] = field(default_factory=dict)

    def now(self) -> float:
        return time.monotonic() - self.t0


class Unresolved(Exception):
    pass


@dataclass
class Customer:
    plan: CustomerPlan
    device: str
    ip: str = ""  # the client address the load balancer reports (X-Forwarded-For)
    token: str = ""
    expected: int = 0  # fen the client saw confirmed on the Class II balance
    card_expected: int = 0
    holdings: list[int] = field(default_factory=list)  # bought today, not withdrawn
    maturing: list[int] = field(default_factory=list)  # bought on PRE_DAY, due today
    maturing_payout: int = 0


class Session:
    """One simulated app: retries with the same idempotency key as a real app would."""

    def __init__(self, http: httpx.AsyncClient, stats: Stats, gate: asyncio.Semaphore) -> None:
        self.http, self.stats, self.gate = http, stats, gate

    async def call(self, c: Customer | None, method: str, path: str, *,
                   json_body: dict[str, Any] | None = None, retry_pending: bool = False,
                   ) -> tuple[int, dict[str, Any]]:
        start, pause, retried = time.monotonic(), 0.2, False
        seen: dict[str, int] = {}
        while True:
            headers = {"Authorization": f"Bearer {c.token}"} if c and c.token else {}
            if c is not None:  # through the load balancer, from the customer's own network
                headers["X-Forwarded-For"] = c.ip
            what = ""
            try:
                async with self.gate:
                    r = await self.http.request(method, path, json=json_body, headers=headers)
                body = r.json() if r.content else {}
                code = (body.get("error") or {}).get("code", "") if isinstance(body, dict) else ""
                if r.status_code >= 500:
                    what = f"http_{r.status_code}"
                elif r.status_code == 409 and code == "IDEMPOTENCY_IN_PROGRESS":
                    what = "in_progress"
                elif r.status_code == 202 and retry_pending:
                    what = "pending"
                elif r.status_code == 401 and c is not None:
                    what = "relogin"
                    await self.login(c)
                else:
                    if retried:
                        self._settled(method, path, start, seen, r.status_code)
                    return r.status_code, body
            except httpx.TransportError as exc:
                what = type(exc).__name__
            except ValueError:
                what = "bad_body"
            retried = True
            seen[what] = seen.get(what, 0) + 1
            self.stats.errors.append((self.stats.now(), what))
            if time.monotonic() - start > RETRY_CAP_SECONDS:
                self.stats.unresolved.append(f"{method} {path}: {what}")
                raise Unresolved(path)
            await asyncio.sleep(pause)
            pause = min(pause * 2, 2.0)

    def _settled(self, method: str, path: str, start: float, seen: dict[str, int],
                 status: int) -> None:
        waited = time.monotonic() - start
        self.stats.waits.append(waited)
        self.stats.slowest.append({
            "call": f"{method} {path}", "started_at_s": round(start - self.stats.t0, 1),
            "waited_s": round(waited, 1), "retried_on": dict(seen), "final_status": status})
        self.stats.slowest = sorted(self.stats.slowest, key=lambda x: -x["waited_s"])[:5]

    async def login(self, c: Customer) -> None:
        c.token = ""
        status, body = await self.call(c, "POST", "/api/v1/auth/sms-code",
                                       json_body={"phone": c.plan.phone, "device_id": c.device})
        if status != 202:
            raise RuntimeError(f"SMS code for {c.plan.phone} refused: {body}")
        _, sms = await self.call(None, "GET", f"/sandbox/sms/{c.plan.phone}")
        status, body = await self.call(c, "POST", "/api/v1/auth/login", json_body={
            "phone": c.plan.phone, "code": sms["code"], "device_id": c.device})
        if status != 200:
            raise RuntimeError(f"login of {c.plan.phone} refused: {body}")
        c.token, c.device = body["token"], body.get("device_id") or c.device


def _business_error(stats: Stats, status: int, body: dict[str, Any]) -> None:
    code = (body.get("error") or {}).get("code", str(status))
    stats.business_errors[code] = stats.business_errors.get(code, 0) + 1


async def money(s: Session, c: Customer, op: Op, key: str) -> bool:
    """One money move; True when the client saw it confirmed (and counted it)."""
    body: dict[str, Any] = {"pin": PIN, "idempotency_key": key}
    if op.kind in ("top_up", "withdraw"):
        path = "/api/v1/account/top-up" if op.kind == "top_up" else "/api/v1/account/withdraw"
        status, out = await s.call(c, "POST", path, json_body={
            **body, "amount": format_amount(op.amount)}, retry_pending=True)
        if status == 200 and out.get("status") == "succeeded":
            sign = 1 if op.kind == "top_up" else -1
            c.expected += sign * op.amount
            c.card_expected -= sign * op.amount
            return True
    elif op.kind == "purchase":
        status, out = await s.call(c, "POST", "/api/v1/deposits", json_body={
            **body, "amount": format_amount(op.amount), "product_code": op.product})
        if status == 201:
            c.expected -= op.amount
            c.holdings.append(int(out["id"]))
            return True
    elif op.kind == "early_withdraw":
        if not c.holdings:
            return False
        status, out = await s.call(c, "POST", f"/api/v1/deposits/{c.holdings[0]}/withdraw",
                                   json_body=body)
        if status == 200:
            c.expected += parse_amount(out["credited"])
            c.holdings.pop(0)
            return True
    else:
        raise ValueError(op.kind)
    _business_error(s.stats, status, out)
    return False


async def open_customer(s: Session, c: Customer) -> None:
    """The morning of PRE_DAY: login, account opening in the sandbox, a top-up, and for some
    the 3-month deposit that matures on the simulated day (rollover off)."""
    p = c.plan
    await s.login(c)
    status, out = await s.call(c, "POST", "/sandbox/quick-account", json_body={
        "name": f"模拟客户{p.n}", "id_number": "440305199001011234", "card_number": p.card,
        "card_balance": format_amount(p.card_balance), "pin": PIN, "reserved_phone": p.phone})
    if status != 201:
        raise RuntimeError(f"account opening of {p.phone} failed: {out}")
    c.card_expected = p.card_balance
    if p.maturing:  # all of it: a zero balance earns no demand interest at the June 20 close
        if not await money(s, c, Op(0, "top_up", p.maturing), f"open-{p.n}"):
            raise RuntimeError(f"opening top-up of {p.phone} failed")
        if await money(s, c, Op(0, "purchase", p.maturing, MATURING_PRODUCT), f"mat-{p.n}"):
            hid = c.holdings.pop()
            status, out = await s.call(c, "PUT", f"/api/v1/deposits/{hid}/maturity",
                                       json_body={"auto_rollover": False})
            if status != 200:
                raise RuntimeError(f"maturity instruction failed: {out}")
            c.maturing.append(hid)


async def play_day(s: Session, c: Customer, t0: float, day_seconds: float) -> None:
    stats = s.stats
    for i, op in enumerate(c.plan.ops):
        delay = t0 + op.at * day_seconds - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        try:
            ok = await money(s, c, op, f"d{c.plan.n}-{i}")
        except Unresolved:
            ok = False
        stats.done.append((stats.now(), op.kind, ok))
    for hid in c.maturing:  # what the app shows on the maturity day: principal + interest
        status, out = await s.call(c, "GET", f"/api/v1/deposits/{hid}")
        if status == 200 and out["status"] == "active":
            c.maturing_payout += parse_amount(out["principal"]) + parse_amount(
                out["interest_at_maturity"], allow_zero=True)


# ---------------------------------------------------------------- processes


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[-1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def _cmdline(pid: int) -> str:
    try:
        return (Path("/proc") / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def find_role(supervisor_pid: int, role: str) -> list[int]:
    """Process ids of a role under `serve all`: api_worker, relay, signer."""
    kids = _children(supervisor_pid)
    if role == "api_worker":
        apis = [p for p in kids if "serve api" in _cmdline(p)]
        return [w for a in apis for w in _children(a) if "spawn_main" in _cmdline(w)]
    needle = {"relay": "serve relay", "signer": "serve esign"}[role]
    return [p for p in kids if needle in _cmdline(p)]


@dataclass
class Proxied:
    proc: subprocess.Popen[bytes]
    port: int

    def cut(self) -> None:
        self.proc.send_signal(signal.SIGUSR1)

    def resume(self) -> None:
        self.proc.send_signal(signal.SIGUSR2)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def start_proxy(host: str, port: int) -> Proxied:
    listen = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "opendeposit.ops.tcpproxy", str(listen),
                             host, str(port)], stdout=subprocess.PIPE)
    assert proc.stdout is not None
    line = proc.stdout.readline().decode()
    if not line.startswith("listening"):
        raise RuntimeError(f"the TCP proxy did not start: {line!r}")
    return Proxied(proc, listen)


def _via(url: str, port: int, *, database: str | None = None) -> str:
    parts = urlsplit(url)
    netloc = parts.netloc.rsplit("@", 1)
    host = f"127.0.0.1:{port}"
    path = f"/{database}" if database is not None else parts.path
    return urlunsplit(parts._replace(netloc=f"{netloc[0]}@{host}" if len(netloc) == 2
                                     else host, path=path))


def _host_port(url: str, default: int) -> tuple[str, int]:
    parts = urlsplit(url)
    return parts.hostname or "127.0.0.1", parts.port or default


# ---------------------------------------------------------------- database and checks


async def _admin_sql(pg_admin: str, sql: str) -> None:
    from sqlalchemy import text

    from opendeposit.db import Database

    db = Database(pg_admin)
    try:
        async with db.engine.connect() as conn:
            conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text(sql))
    finally:
        await db.dispose()


async def bootstrap(url: str, data_dir: Path) -> dict[str, Any]:
    """Migrate (business date PRE_DAY), board rates and products through maker–checker (the
    demo catalog), an admin, and the sandbox PKI."""
    from opendeposit.bootstrap import build_platform
    from opendeposit.config import load_settings
    from opendeposit.esign.pki import init_demo_pki
    from opendeposit.migrations import migrate
    from opendeposit.products.demo_catalog import seed_catalog
    from opendeposit.staff.service import create_staff, new_password

    settings = load_settings(data_dir=data_dir, database_url=url, env="sandbox",
                             esb_transport="memory")
    p = build_platform(settings)
    try:
        await migrate(p.db, chains=settings.ledger_chains, start_date=PRE_DAY)
        await seed_catalog(p, echo=False)
        password = new_password()
        await create_staff(db=p.db, username="sim-admin", password=password, roles=["admin"],
                           actor="system:simulate", one_time=True)
        (data_dir / "sim-admin.txt").write_text(f"sim-admin {password}\n")
        init_demo_pki(settings.pki_dir, bank_name=settings.bank_name)
        await _rules_for_scripted_customers(p)
    finally:
        await p.db.dispose()
    return {"products": demo_product_codes(), "admin": "sim-admin"}


async def _rules_for_scripted_customers(p: Any) -> None:
    """The simulated customers make their whole day's moves within seconds and cannot pass a
    step-up: the risk rules that count moves per time (velocity, and the night burst, which
    would depend on the hour the simulation runs) are eased by a rule version, as a bank would
    for a rehearsal. Every move is still judged and recorded."""
    from opendeposit import clock
    from opendeposit.risk import ruleset

    async with p.db.transaction() as conn:
        await ruleset.ease_for_rehearsal(conn, reason="simulated day: scripted customers",
                                         actor="system:simulate", now=clock.utcnow())


def demo_product_codes() -> list[str]:
    from opendeposit.products.demo_catalog import DEMO_PRODUCTS

    return [code for code, *_ in DEMO_PRODUCTS]


async def receipt_backlog(db: Any) -> tuple[int, float]:
    """(receipt requests without an issued receipt, age in seconds of the oldest)."""
    from sqlalchemy import and_, exists, func, select

    from opendeposit import clock
    from opendeposit.esb.outbox import outbox
    from opendeposit.esb.registry import RECEIPT_ISSUE
    from opendeposit.esign.models import receipt

    issued = exists().where(and_(receipt.c.message_id == outbox.c.message_id,
                                 receipt.c.status == "issued"))
    async with db.read() as conn:
        row = (await conn.execute(select(func.count(), func.min(outbox.c.created_at)).where(
            outbox.c.service_code == RECEIPT_ISSUE, ~issued))).one()
    oldest = row[1]
    lag = (clock.utcnow() - clock.as_utc(oldest)).total_seconds() if oldest else 0.0
    return int(row[0]), max(0.0, lag)


async def receipt_check(db: Any) -> dict[str, int]:
    from sqlalchemy import func, select

    from opendeposit.esb.outbox import outbox
    from opendeposit.esb.registry import RECEIPT_ISSUE
    from opendeposit.esign.models import receipt

    async with db.read() as conn:
        requests = (await conn.execute(select(func.count()).select_from(outbox).where(
            outbox.c.service_code == RECEIPT_ISSUE))).scalar_one()
        per = select(outbox.c.message_id, func.count(receipt.c.id).label("n")).select_from(
            outbox.outerjoin(receipt, (receipt.c.message_id == outbox.c.message_id)
                             & (receipt.c.status == "issued") & (receipt.c.reissue_no == 0))
        ).where(outbox.c.service_code == RECEIPT_ISSUE).group_by(outbox.c.message_id).subquery()
        counts = dict((await conn.execute(select(per.c.n, func.count()).group_by(
            per.c.n))).all())
        dup_refs = (await conn.execute(select(func.count()).select_from(
            select(receipt.c.reference).where(receipt.c.reissue_no == 0).group_by(
                receipt.c.reference).having(func.count() > 1).subquery()))).scalar_one()
    return {"requests": int(requests), "with_one_receipt": int(counts.get(1, 0)),
            "missing": int(counts.get(0, 0)),
            "duplicated": int(sum(v for k, v in counts.items() if k > 1)) + int(dup_refs)}


async def dead_letters(db: Any, amqp_url: str, prefix: str) -> dict[str, int]:
    import aio_pika
    from sqlalchemy import func, select

    from opendeposit.esb.outbox import outbox

    async with db.read() as conn:
        dead = (await conn.execute(select(func.count()).select_from(outbox).where(
            outbox.c.dead != 0))).scalar_one()
    broker = -1
    with contextlib.suppress(Exception):
        conn_ = await aio_pika.connect(amqp_url, timeout=10)
        async with conn_:
            channel = await conn_.channel()
            queue = await channel.declare_queue(f"{prefix}.dead", passive=True)
            broker = int(queue.declaration_result.message_count or 0)
    return {"outbox_dead": int(dead), "broker_dead_queue": broker}


async def delete_broker_names(amqp_url: str, prefix: str) -> None:
    import aio_pika

    from opendeposit.esb.registry import RECEIPT_ISSUE

    with contextlib.suppress(Exception):
        conn = await aio_pika.connect(amqp_url, timeout=10)
        async with conn:
            channel = await conn.channel()
            for queue in (f"{prefix}.dead", f"{prefix}.{RECEIPT_ISSUE}"):
                with contextlib.suppress(Exception):
                    await channel.queue_delete(queue)
            for exchange in (prefix, f"{prefix}.dlx"):
                with contextlib.suppress(Exception):
                    await channel.exchange_delete(exchange)


# ---------------------------------------------------------------- the run


@dataclass
class FaultRecord:
    kind: str
    at: float  # seconds since the day began
    end: float
    target_pid: int | None = None
    replaced: float | None = None  # when a new process of the role was seen
    recovery_seconds: float | None = None
    errors: int = 0
    note: str = ""


class Simulation:
    def __init__(self, opts: Options) -> None:
        self.o = opts
        self.day_seconds = max(10.0, opts.minutes * 60.0)
        self.name = f"od_sim_{opts.seed}_{os.getpid()}"
        self.prefix = f"opendeposit.sim{os.getpid()}"
        self.stats = Stats()
        self.samples: list[tuple[float, int, float]] = []  # (t, backlog, lag)
        self.faults: list[FaultRecord] = []
        self.timings: dict[str, float] = {}
        self.procs: list[Proxied] = []
        self.sup: subprocess.Popen[bytes] | None = None

    def say(self, text: str) -> None:
        self.o.echo(text)

    # -- setup
    async def start(self) -> None:
        o = self.o
        work = o.work_dir or Path(f"/tmp/{self.name}")
        work.mkdir(parents=True, exist_ok=True)
        self.work = work
        await _admin_sql(o.pg_admin, f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        await _admin_sql(o.pg_admin, f'CREATE DATABASE "{self.name}"')
        self.direct_url = o.pg_admin.rsplit("/", 1)[0] + "/" + self.name
        t = time.monotonic()
        await bootstrap(self.direct_url, work / "data")
        self.timings["bootstrap_s"] = time.monotonic() - t
        self.pg_proxy = start_proxy(*_host_port(o.pg_admin, 5432))
        self.mq_proxy = start_proxy(*_host_port(o.amqp_url, 5672))
        self.procs += [self.pg_proxy, self.mq_proxy]
        self.port = _free_port()
        env = {**os.environ,
               "DATABASE_URL": _via(o.pg_admin, self.pg_proxy.port, database=self.name),
               "OPENDEPOSIT_ENV": "sandbox", "OPENDEPOSIT_DATA_DIR": str(work / "data"),
               "OPENDEPOSIT_ESB_TRANSPORT": "amqp",
               "OPENDEPOSIT_ESB_AMQP_URL": _via(o.amqp_url, self.mq_proxy.port),
               "OPENDEPOSIT_ESB_AMQP_PREFIX": self.prefix,
               "OPENDEPOSIT_TRUSTED_PROXIES": "127.0.0.1",
               "OPENDEPOSIT_TOKEN_TTL_MINUTES": "1440", "OPENDEPOSIT_TOKEN_IDLE_MINUTES": "1440",
               "OPENDEPOSIT_RECONCILE_AFTER_SECONDS": "10",
               "OPENDEPOSIT_RECONCILE_EVERY_SECONDS": "5",
               "OPENDEPOSIT_LOG_LEVEL": "WARNING",
               "PROMETHEUS_MULTIPROC_DIR": str(work / "metrics")}
        env.pop("OPENDEPOSIT_REDIS_URL", None)
        (work / "metrics").mkdir(exist_ok=True)
        self.log = (work / "serve-all.log").open("ab")
        self.sup = subprocess.Popen(
            [sys.executable, "-m", "opendeposit.cli", "serve", "all", "--port", str(self.port),
             "--workers", str(o.api_workers), "--esign-workers", str(o.esign_workers)],
            env=env, stdout=self.log, stderr=self.log)
        self.base = f"http://127.0.0.1:{self.port}"
        from opendeposit.db import Database

        self.db = Database(self.direct_url, pool_size=2)
        t = time.monotonic()
        async with httpx.AsyncClient(base_url=self.base, timeout=5) as http:
            while True:
                with contextlib.suppress(httpx.HTTPError):
                    if (await http.get("/readyz")).status_code == 200:
                        break
                if self.sup.poll() is not None or time.monotonic() - t > 120:
                    raise RuntimeError(f"serve all did not get ready: see {work}/serve-all.log")
                await asyncio.sleep(0.3)
        self.timings["ready_s"] = time.monotonic() - t
        self.say(f"serve all ready on {self.base} (database {self.name}, broker prefix "
                 f"{self.prefix}); logs in {work}")

    async def stop(self) -> None:
        if self.sup is not None and self.sup.poll() is None:
            self.sup.send_signal(signal.SIGTERM)
            try:
                await asyncio.to_thread(self.sup.wait, 45)
            except subprocess.TimeoutExpired:
                self.sup.kill()
        for proxy in self.procs:
            proxy.stop()
        with contextlib.suppress(Exception):
            await self.db.dispose()
        if not self.o.keep:
            with contextlib.suppress(Exception):
                await _admin_sql(self.o.pg_admin,
                                 f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
            await delete_broker_names(self.o.amqp_url, self.prefix)

    # -- the day
    async def sampler(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            with contextlib.suppress(Exception):
                backlog, lag = await receipt_backlog(self.db)
                self.samples.append((self.stats.now(), backlog, lag))
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(stop.wait(), 1.0)

    async def inject(self, plan: FaultPlan, t0: float) -> None:
        await asyncio.sleep(max(0.0, t0 + plan.at * self.day_seconds - time.monotonic()))
        assert self.sup is not None
        rec = FaultRecord(plan.kind, self.stats.now(), self.stats.now())
        self.faults.append(rec)
        if plan.kind.endswith("_kill"):
            role = plan.kind.removesuffix("_kill")
            before = find_role(self.sup.pid, role)
            if not before:
                rec.note = f"no {role} process found"
                return
            rec.target_pid = random.Random(f"{self.o.seed}:{plan.kind}").choice(sorted(before))
            os.kill(rec.target_pid, signal.SIGKILL)
            rec.end = self.stats.now()
            self.say(f"  fault at {rec.at:.1f}s: kill -9 {role} pid {rec.target_pid}")
            deadline = time.monotonic() + 90
            while time.monotonic() < deadline:
                now = find_role(self.sup.pid, role)
                if any(p not in before for p in now) and len(now) >= len(before):
                    rec.replaced = self.stats.now()
                    break
                await asyncio.sleep(0.2)
        else:
            proxy = self.mq_proxy if plan.kind == "broker_cut" else self.pg_proxy
            self.say(f"  fault at {rec.at:.1f}s: {plan.kind} for {plan.seconds:.0f}s")
            proxy.cut()
            await asyncio.sleep(plan.seconds)
            proxy.resume()
            rec.end = self.stats.now()

    async def run(self) -> dict[str, Any]:
        o = self.o
        plans = plan_day(o.customers, o.seed)
        customers = [Customer(p, device=f"sim-{o.seed}-{p.n}", ip=client_ip(p.n))
                     for p in plans]
        limits = httpx.Limits(max_connections=o.clients, max_keepalive_connections=o.clients)
        async with httpx.AsyncClient(base_url=self.base, timeout=60, limits=limits) as http:
            s = Session(http, self.stats, asyncio.Semaphore(o.clients))
            t = time.monotonic()
            await _gather_limited([open_customer(s, c) for c in customers], o.clients)
            self.timings["open_customers_s"] = time.monotonic() - t
            t = time.monotonic()
            status, out = await s.call(None, "POST", "/sandbox/clock",
                                       json_body={"business_date": DAY.isoformat()})
            if status != 200:
                raise RuntimeError(f"advancing to {DAY} failed: {out}")
            self.timings["days_of_eod_s"] = time.monotonic() - t
            self.say(f"{len(customers)} customers opened on {PRE_DAY}; {out['eod_runs']} EOD "
                     f"runs later the day {DAY} begins")
            self.stats = s.stats = Stats()
            self.stats.errors.clear()
            stop = asyncio.Event()
            sampler = asyncio.create_task(self.sampler(stop))
            t0 = time.monotonic()
            planned = plan_faults(o.seed, self.day_seconds, broker_cut=o.broker_cut_seconds,
                                  db_cut=o.db_cut_seconds)
            faults = [self.inject(f, t0) for f in planned] if o.faults else []
            await asyncio.gather(*(play_day(s, c, t0, self.day_seconds) for c in customers),
                                 *faults)
            self.timings["day_s"] = time.monotonic() - t0
            self.eod_started = self.stats.now()
            t = time.monotonic()
            status, out = await s.call(None, "POST", "/sandbox/clock", json_body={
                "business_date": date.fromordinal(DAY.toordinal() + 1).isoformat()})
            self.timings["eod_s"] = time.monotonic() - t
            eod_ok = status == 200
            for c in customers:
                c.expected += c.maturing_payout
            t = time.monotonic()
            while time.monotonic() - t < 120:
                backlog, _ = await receipt_backlog(self.db)
                if backlog == 0:
                    break
                await asyncio.sleep(0.5)
            self.timings["receipt_drain_s"] = time.monotonic() - t
            await asyncio.sleep(1.0)
            stop.set()
            await sampler
            checks = await self.checks(s, customers, eod_ok)
        return self.report(customers, checks)

    # -- the end
    async def checks(self, s: Session, customers: list[Customer],
                     eod_ok: bool) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []

        def check(name: str, ok: bool, detail: Any) -> None:
            out.append({"name": name, "ok": bool(ok), "detail": detail})

        check("end of day", eod_ok, "EOD closed the day" if eod_ok else "EOD failed")
        env = {**os.environ, "DATABASE_URL": self.direct_url}
        verify = await asyncio.to_thread(subprocess.run, [
            sys.executable, "-m", "opendeposit.cli", "ledger", "verify"], env=env,
            capture_output=True, text=True)
        check("ledger verify", verify.returncode == 0,
              (verify.stdout + verify.stderr).strip().splitlines()[-3:])
        wrong, card_wrong = [], []
        for c in customers:
            _, acct = await s.call(c, "GET", "/api/v1/account")
            bal = parse_amount(acct["balance"], allow_zero=True)
            if bal != c.expected:
                wrong.append({"phone": c.plan.phone, "expected": format_amount(c.expected),
                              "actual": acct["balance"]})
            _, card = await s.call(None, "GET", f"/sandbox/cards/{c.plan.card}")
            if parse_amount(card["balance"], allow_zero=True) != c.card_expected:
                card_wrong.append({"card": c.plan.card[-4:],
                                   "expected": format_amount(c.card_expected),
                                   "actual": card["balance"]})
        total = sum(c.expected for c in customers)
        check("balances equal confirmed moves", not wrong and not card_wrong,
              {"customers": len(customers), "total_expected": format_amount(total),
               "wrong_accounts": wrong[:10], "wrong_cards": card_wrong[:10]})
        receipts = await receipt_check(self.db)
        check("one receipt per movement", receipts["requests"] > 0 and receipts["missing"] == 0
              and receipts["duplicated"] == 0, receipts)
        dead = await dead_letters(self.db, self.o.amqp_url, self.prefix)
        check("no dead letters", dead["outbox_dead"] == 0 and dead["broker_dead_queue"] == 0,
              dead)
        longest = max(self.stats.waits, default=0.0)
        check("no retry waited for end of day", not self.stats.unresolved,
              {"retried_calls": len(self.stats.waits),
               "longest_retry_s": round(longest, 2), "unresolved": self.stats.unresolved[:10],
               "slowest": self.stats.slowest[:3],
               "all_final_before_eod_at_s": round(self.eod_started, 1)})
        return out

    def report(self, customers: list[Customer], checks: list[dict[str, Any]]) -> dict[str, Any]:
        day = self.day_seconds
        buckets = 24  # one a simulated hour
        width = day / buckets
        throughput = []
        for b in range(buckets + 1):
            lo, hi = b * width, (b + 1) * width
            n = sum(1 for t, _, ok in self.stats.done if lo <= t < hi and ok)
            e = sum(1 for t, _ in self.stats.errors if lo <= t < hi)
            throughput.append({"t": round(lo, 1), "confirmed": n,
                               "per_minute": round(n * 60 / width, 1), "client_errors": e})
        self._recovery()
        lags = [lag for _, _, lag in self.samples]
        return {
            "seed": self.o.seed, "customers": self.o.customers, "faults_on": self.o.faults,
            "day_seconds": day, "api_workers": self.o.api_workers,
            "esign_workers": self.o.esign_workers, "clients": self.o.clients,
            "business_day": DAY.isoformat(), "load": _loadavg(),
            "timings_s": {k: round(v, 1) for k, v in self.timings.items()},
            "moves": {"attempted": len(self.stats.done),
                      "confirmed": sum(1 for *_, ok in self.stats.done if ok),
                      "refused": self.stats.business_errors,
                      "maturing_holdings": sum(1 for c in customers if c.plan.maturing)},
            "client_errors_retried": len(self.stats.errors),
            "throughput": throughput,
            "receipt_lag": {"max_s": round(max(lags, default=0.0), 1),
                            "p99_s": round(_pct(lags, 99), 1),
                            "samples": [[round(t, 1), b, round(lag, 1)]
                                        for t, b, lag in self.samples]},
            "faults": [asdict(f) for f in self.faults],
            "checks": checks,
            "ok": all(c["ok"] for c in checks),
        }

    def _recovery(self) -> None:
        """Per fault: recovered when (a replacement process is up,) a move started after the
        fault's end was confirmed, and the receipt lag is back under its level before."""
        starts = sorted(f.at for f in self.faults)
        for f in self.faults:
            later = [t for t in starts if t > f.at]
            horizon = later[0] if later else float("inf")
            before = [lag for t, _, lag in self.samples if t < f.at]
            base = max(2.0, max(before[-5:], default=0.0)) + 1.0
            ready = max(f.end, f.replaced or f.end)
            confirmed = next((t for t, _, ok in self.stats.done if ok and t > f.end), None)
            drained = next((t for t, _, lag in self.samples if t >= ready and lag <= base), None)
            if confirmed is None or drained is None or (f.kind.endswith("_kill")
                                                        and f.replaced is None):
                f.note = f.note or "not recovered before the next fault or the end"
                done = None
            else:
                done = max(ready, confirmed, drained)
            f.recovery_seconds = None if done is None else round(done - f.end, 1)
            stop = min(done if done is not None else horizon, horizon)
            f.errors = sum(1 for t, _ in self.stats.errors if f.at <= t <= stop)


def _pct(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p / 100))]


def _loadavg() -> list[float]:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return []


async def _gather_limited(coros: list[Awaitable[None]], limit: int) -> None:
    gate = asyncio.Semaphore(limit)

    async def one(c: Awaitable[None]) -> None:
        async with gate:
            await c

    await asyncio.gather(*(one(c) for c in coros))


def print_report(report: dict[str, Any], echo: Callable[[str], None]) -> None:
    m = report["moves"]
    echo(f"day of {report['customers']} customers, seed {report['seed']}: "
         f"{m['confirmed']}/{m['attempted']} moves confirmed, "
         f"{report['client_errors_retried']} client errors retried, receipt lag max "
         f"{report['receipt_lag']['max_s']} s")
    for f in report["faults"]:
        rec = f["recovery_seconds"]
        echo(f"  fault {f['kind']:16s} at {f['at']:6.1f}s: {f['errors']} errors, recovered "
             + (f"in {rec} s" if rec is not None else f"NOT ({f['note']})"))
    for c in report["checks"]:
        detail = json.dumps(c["detail"], ensure_ascii=False)
        echo(f"  {'PASS' if c['ok'] else 'FAIL'}  {c['name']}: {detail}")
    echo("simulation " + ("PASSED" if report["ok"] else "FAILED"))


async def simulate(opts: Options) -> dict[str, Any]:
    sim = Simulation(opts)
    try:
        await sim.start()
        report = await sim.run()
    finally:
        await sim.stop()
    if opts.report:
        opts.report.parent.mkdir(parents=True, exist_ok=True)
        opts.report.write_text(json.dumps(report, ensure_ascii=False, indent=1))
    return report
