"""`opendeposit serve all` on this machine: API ×2 and the relay on PostgreSQL; a worker and the
relay killed with SIGKILL come back; SIGTERM stops every process."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import PG_ADMIN, run_sync

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.split(")")[-1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def _cmdline(pid: int) -> str:
    try:
        return (Path("/proc") / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def _wait(check, timeout: float = 60.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except (httpx.HTTPError, OSError):
            pass
        time.sleep(0.25)
    raise AssertionError("timed out")


def test_serve_all_survives_kill_9_and_stops_on_sigterm(pg_url: str, tmp_path: Path) -> None:
    del pg_url  # the server must answer; this test makes its own database
    from sqlalchemy import text

    from opendeposit.db import Database

    name = f"od_serveall_{os.getpid()}"

    async def admin(sql: str) -> None:
        db = Database(PG_ADMIN)
        async with db.engine.connect() as conn:
            conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text(sql))
        await db.dispose()

    run_sync(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    run_sync(admin(f'CREATE DATABASE "{name}"'))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "DATABASE_URL": PG_ADMIN.rsplit("/", 1)[0] + "/" + name,
           "OPENDEPOSIT_DATA_DIR": str(tmp_path), "OPENDEPOSIT_ENV": "sandbox"}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    cli = [sys.executable, "-m", "opendeposit.cli"]
    subprocess.run([*cli, "migrate"], env=env, check=True, capture_output=True)
    sup = subprocess.Popen([*cli, "serve", "all", "--workers", "2", "--port", str(port)],
                           env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait(lambda: httpx.get(f"{base}/readyz", timeout=2).status_code == 200)
        kids = {_cmdline(p): p for p in _children(sup.pid)}
        api = next(p for c, p in kids.items() if "serve api" in c)
        relay = next(p for c, p in kids.items() if "serve relay" in c)
        _wait(lambda: len([p for p in _children(api) if "spawn_main" in _cmdline(p)]) == 2)
        workers = [p for p in _children(api) if "spawn_main" in _cmdline(p)]
        os.kill(workers[0], signal.SIGKILL)
        os.kill(relay, signal.SIGKILL)
        _wait(lambda: any("serve relay" in _cmdline(p) and p != relay
                          for p in _children(sup.pid)), timeout=30)
        _wait(lambda: len([p for p in _children(api) if "spawn_main" in _cmdline(p)
                           and p != workers[0]]) == 2, timeout=30)
        assert httpx.get(f"{base}/healthz", timeout=5).status_code == 200
        metrics = httpx.get(f"{base}/metrics", timeout=5).text
        assert "opendeposit_http_requests_total" in metrics
        everyone = [api, *_children(api), *_children(sup.pid)]
        sup.send_signal(signal.SIGTERM)
        assert sup.wait(timeout=45) == 0
        time.sleep(0.5)
        assert [p for p in everyone if _cmdline(p)] == []  # no process of the set is left
    finally:
        if sup.poll() is None:
            sup.kill()
            sup.wait()
        run_sync(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
