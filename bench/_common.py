"""Shared benchmark plumbing: machine description, throw-away databases, a served platform,
wrk runs parsed into numbers, and the pgbench reference on the same server."""

from __future__ import annotations

import os
import platform as pyplatform
import re
import shutil
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG = os.environ.get("BENCH_PG", "postgresql+asyncpg://postgres@127.0.0.1:5432")
CEILING_ENV = "PURCHASE_CEILING"
CEILING_PATH = Path("shared/bench/purchase-ceiling/run.sh")


def ceiling_script(root: Path = ROOT) -> Path:
    """The pgbench purchase ceiling: $PURCHASE_CEILING, else `<repo>/../shared/bench/…/run.sh`
    (then the same path beside each further parent, for a worktree in a subfolder)."""
    explicit = os.environ.get(CEILING_ENV)
    if explicit:
        return Path(explicit)
    for parent in root.resolve().parents:
        candidate = parent / CEILING_PATH
        if candidate.is_file():
            return candidate
    return root.resolve().parent / CEILING_PATH  # not there: the caller says where to look


def _cpu_of(pid: str) -> tuple[int, float]:
    """(parent pid, CPU seconds so far) of a process, from /proc (0, 0.0 once it is gone)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0, 0.0
    return int(fields[1]), (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_seconds(root: int) -> tuple[float, float]:
    """CPU seconds used so far by process `root` with its descendants, and by all the
    PostgreSQL server's processes (on a quiet machine: what this run made them do)."""
    procs = {}
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                with open(f"/proc/{pid}/comm") as f:
                    comm = f.read().strip()
            except OSError:
                continue
            procs[int(pid)] = (comm, *_cpu_of(pid))
    tree, todo = set(), [root]
    while todo:
        pid = todo.pop()
        tree.add(pid)
        todo += [p for p, (_, ppid, _) in procs.items() if ppid == pid and p not in tree]
    return (sum(procs[p][2] for p in tree if p in procs),
            sum(cpu for comm, _, cpu in procs.values() if comm == "postgres"))


def machine() -> str:
    cpu = "unknown cpu"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    pg = psql("show server_version")
    return (f"{os.cpu_count()} cores ({cpu}), {pyplatform.python_implementation()} "
            f"{pyplatform.python_version()}, PostgreSQL {pg}")


def psql(sql: str, db: str = "postgres") -> str:
    cmd = ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", db, "-qtAX", "-c", sql]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True)
    return out.stdout.strip()


def recreate_db(name: str) -> str:
    psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    psql(f'CREATE DATABASE "{name}"')
    return f"{PG}/{name}"


@contextmanager
def served(env: dict[str, str], port: int, *, workers: int = 1,  # type: ignore[no-untyped-def]
           profile: Path | None = None):
    """Run `opendeposit serve api` in a subprocess until the block ends; with `profile`, one
    process under cProfile (its stats written there when the server stops)."""
    import socket

    with socket.socket() as sock:
        if sock.connect_ex(("127.0.0.1", port)) == 0:
            raise SystemExit(f"port {port} is already in use")
    exe = Path(sys.executable).parent / "opendeposit"
    cmd = [str(exe), "serve", "api", "--port", str(port), "--workers", str(workers)]
    if profile is not None:
        cmd = [sys.executable, str(ROOT / "bench" / "_profiled.py"), str(profile), *cmd[1:]]
    proc = subprocess.Popen(cmd, env={**os.environ, **env}, cwd=ROOT)
    try:
        for _ in range(100):
            try:
                import urllib.request

                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        yield proc
    finally:
        proc.terminate()
        proc.wait(10)


@dataclass
class WrkResult:
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    non_2xx: int


_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0, "h": 3_600_000.0}
# A line of wrk's "Latency Distribution" block, e.g. "     99%   12.34ms". Anchored to whole
# lines: the thread-stats table above it has a "+/- Stdev" column ("87.50%") that a loose
# pattern mistakes for the 50th percentile.
_PERCENTILE = re.compile(r"^\s*(\d+(?:\.\d+)?)%\s+(\d+(?:\.\d+)?)(us|ms|s|m|h)\s*$",
                         re.MULTILINE)


def latency_distribution(out: str) -> dict[float, float]:
    """percentile → ms, from the "Latency Distribution" block of `wrk --latency` output."""
    _head, marker, block = out.partition("Latency Distribution")
    if not marker:
        raise ValueError("wrk printed no latency distribution (run it with --latency)")
    block = block.split("requests in", 1)[0]
    found = {float(p): float(v) * _UNITS_MS[unit] for p, v, unit in _PERCENTILE.findall(block)}
    if 50.0 not in found or 99.0 not in found:
        raise ValueError("wrk's latency distribution lacks p50 or p99")
    return found


def parse_wrk(out: str) -> WrkResult:
    rps = re.search(r"^Requests/sec:\s+([\d.]+)\s*$", out, re.MULTILINE)
    reqs = re.search(r"^\s*(\d+) requests in ", out, re.MULTILINE)
    if rps is None or reqs is None:
        raise ValueError(f"not wrk output: {out[:200]!r}")
    dist = latency_distribution(out)
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return WrkResult(float(rps.group(1)), dist[50.0], dist[99.0], int(reqs.group(1)),
                     int(bad.group(1)) if bad else 0)


def wrk(url: str, script: Path, *, clients: int, seconds: int) -> WrkResult:
    if not shutil.which("wrk"):
        raise SystemExit("wrk not found: apt-get install wrk")
    out = subprocess.run(["wrk", "-t2", f"-c{clients}", f"-d{seconds}s", "--latency", "-s",
                          str(script), url], capture_output=True, text=True, check=True).stdout
    for line in out.splitlines():
        if line.startswith("refused: "):
            print(line, file=sys.stderr)
    return parse_wrk(out)


def pgbench_tpcb(clients: int, seconds: int, scale: int = 10) -> float:
    """pgbench's built-in tpcb-like transaction on the same server, same client count."""
    pgbench = shutil.which("pgbench") or "/usr/lib/postgresql/15/bin/pgbench"
    recreate_db("od_bench_pgbench")
    base = [pgbench, "-h", "127.0.0.1", "-U", "postgres"]
    subprocess.run([*base, "-i", "-q", "-s", str(scale), "od_bench_pgbench"],
                   capture_output=True, check=True)
    out = subprocess.run([*base, "-n", "-c", str(clients), "-j", "2", "-T", str(seconds),
                          "od_bench_pgbench"], capture_output=True, text=True, check=True).stdout
    psql('DROP DATABASE IF EXISTS "od_bench_pgbench" WITH (FORCE)')
    return float(re.search(r"tps = ([\d.]+)", out).group(1))  # type: ignore[union-attr]


_LUA = """
tokens = {%s}
counter = 0
math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))
request = function()
  counter = counter + 1
  local t = tokens[math.random(#tokens)]
  local body = string.format('%s', counter, math.random(1000000000))
  return wrk.format("POST", "%s",
                    {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. t},
                    body)
end
"""


def wrk_post_script(path: Path, *, url_path: str, tokens: list[str],
                    body: dict[str, str]) -> Path:
    """A wrk script POSTing `body` to `url_path` as a random customer, each request with its
    own idempotency key."""
    import json

    fields = {**body, "idempotency_key": "KEY"}
    template = json.dumps(fields, separators=(",", ":")).replace("KEY", "w%d-%d")
    path.write_text(_LUA % (",".join(json.dumps(t) for t in tokens), template, url_path)
                    + _SHOW_ERRORS)
    return path


# The first few refusals of each wrk thread, printed (the run's count alone does not say why).
_SHOW_ERRORS = """
shown = 0
response = function(status, headers, body)
  if status >= 300 and shown < 2 then
    shown = shown + 1
    io.write("refused: ", status, " ", body:sub(1, 300), "\\n")
  end
end
"""


async def warm(port: int, *, url_path: str, tokens: list[str], body: dict[str, str],
               expect: int, rounds: int = 1) -> None:
    """`rounds` requests per customer, so each PIN's argon2 check happens before the
    measurement (the PIN cache is per process: with several API processes, several rounds)."""
    import asyncio

    import httpx

    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:
        sem = asyncio.Semaphore(4)

        async def one(i: int, token: str) -> None:
            async with sem:
                r = await client.post(url_path, headers={"Authorization": f"Bearer {token}"},
                                      json={**body, "idempotency_key": f"warm{i}"})
                assert r.status_code == expect, r.text

        await asyncio.gather(*(one(i, t) for i, t in enumerate(tokens * rounds)))


class PgSampler:
    """What the server's sessions of database `db` wait on while a run goes: a sample of
    pg_stat_activity every `every` seconds (in a thread, one asyncpg connection), and how many
    sessions were opened meanwhile (pg_stat_database.sessions: connection churn)."""

    def __init__(self, db: str, every: float = 0.05) -> None:
        import threading
        from collections import Counter

        self.db, self.every = db, every
        self.waits: Counter[str] = Counter()
        self.samples = 0
        self.sessions_opened = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> PgSampler:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        import asyncio

        asyncio.run(self._sample())

    async def _sample(self) -> None:
        import asyncio

        import asyncpg

        url = PG.replace("postgresql+asyncpg", "postgresql")
        conn = await asyncpg.connect(f"{url}/{self.db}")
        sessions = "SELECT sessions FROM pg_stat_database WHERE datname = $1"
        first = await conn.fetchval(sessions, self.db)
        try:
            while not self._stop.is_set():
                rows = await conn.fetch(
                    "SELECT CASE WHEN state = 'active' THEN coalesce(wait_event_type || ':' || "
                    "wait_event, 'CPU (active)') ELSE state END AS w, count(*) AS n "
                    "FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid() "
                    "AND backend_type = 'client backend' GROUP BY 1", self.db)
                for r in rows:
                    self.waits[r["w"]] += r["n"]
                self.samples += 1
                await asyncio.sleep(self.every)
            self.sessions_opened = int(await conn.fetchval(sessions, self.db)) - int(first)
        finally:
            await conn.close()

    def summary(self) -> str:
        """Mean sessions per state/wait event over the samples, and sessions opened."""
        n = max(self.samples, 1)
        parts = [f"{w} {c / n:.1f}" for w, c in self.waits.most_common(8)]
        return f"sessions opened {self.sessions_opened}; mean sessions: " + ", ".join(parts)


async def ease_risk_for_load(db) -> None:  # type: ignore[no-untyped-def]
    """Scripted load makes many moves per customer within seconds and cannot pass a step-up:
    raise the velocity limits and switch the night burst off by a rule version, as a bank
    would for a rehearsal. The rules still judge and record every move (their cost is in the
    figure)."""
    from opendeposit import clock
    from opendeposit.risk import ruleset

    async with db.transaction() as conn:
        await ruleset.ease_for_rehearsal(conn, reason="benchmark: scripted load",
                                         actor="system:bench", now=clock.utcnow())
