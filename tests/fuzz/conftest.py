"""A live API on SQLite with a funded customer and an admin, for schemathesis."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import START


@dataclass(frozen=True)
class LiveApi:
    base_url: str
    customer: dict[str, str]
    staff: dict[str, str]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def _seed(settings) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    from opendeposit.auth.service import issue_token
    from opendeposit.bootstrap import build_platform
    from opendeposit.db import Database
    from opendeposit.migrations import migrate
    from tests.helpers import funded_customer, seed_catalog

    db = Database(settings.effective_database_url)
    await migrate(db, chains=16, start_date=START)
    await db.dispose()
    p = build_platform(settings)
    try:
        await seed_catalog(p)
        opened = await funded_customer(p, 1, amount=1_000_000)
        customer = await issue_token(p, kind="customer", subject_id=opened.customer_id,
                                     roles=(), device_id="fuzz")
        staff = await issue_token(p, kind="staff", subject_id=1, roles=("admin",),
                                  device_id="fuzz")
    finally:
        await p.db.dispose()
    return customer, staff


@pytest.fixture(scope="session")
def live_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveApi]:
    import uvicorn

    from opendeposit.api.app import create_app
    from opendeposit.config import load_settings

    data: Path = tmp_path_factory.mktemp("fuzz")
    port = _free_port()
    settings = load_settings(
        data_dir=data, env="sandbox", database_url=f"sqlite+aiosqlite:///{data / 'od.sqlite3'}",
        public_url=f"http://127.0.0.1:{port}", rate_limits=",".join(
            f"{n}=off" for n in ("ip", "customer", "staff", "login", "login_subject",
                                 "verify_number", "verify_upload", "events_device",
                                 "events_ip", "onboarding_upload", "onboarding_upload_ip")),
        token_idle_minutes=60, staff_token_idle_minutes=60, access_log=False)
    customer, staff = asyncio.run(_seed(settings))
    server = uvicorn.Server(uvicorn.Config(create_app(settings), host="127.0.0.1", port=port,
                                           log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the API did not start")
        time.sleep(0.05)
    try:
        yield LiveApi(f"http://127.0.0.1:{port}", {"Authorization": f"Bearer {customer}"},
                      {"Authorization": f"Bearer {staff}"})
    finally:
        server.should_exit = True
        thread.join(timeout=30)
