"""The `serve all` supervisor with stand-in children: restart, backoff, jobs, clean stop."""

from __future__ import annotations

import calendar
import os
import signal
import sys
import time

from opendeposit.ops.supervisor import Child, Supervisor, daily_at, topology

SLEEPER = [sys.executable, "-c", "import time; time.sleep(120)"]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as fh:  # a zombie is not alive
        return fh.read().split(")")[-1].split()[0] != "Z"


def test_a_dead_child_is_restarted_and_everything_stops_cleanly() -> None:
    a, b = Child("a", SLEEPER), Child("b", SLEEPER)
    sup = Supervisor([a, b], grace_seconds=5, poll_seconds=0.05)
    first: dict[str, int] = {}
    state = {"phase": 0}

    def until() -> bool:
        if state["phase"] == 0 and a.proc and b.proc:
            first.update(a=a.proc.pid, b=b.proc.pid)
            os.kill(a.proc.pid, signal.SIGKILL)
            state["phase"] = 1
        elif state["phase"] == 1 and a.proc is not None and a.proc.pid != first["a"]:
            return True
        return False

    deadline = time.monotonic() + 20
    sup.run(install_signals=False, until=lambda: until() or time.monotonic() > deadline)
    assert a.restarts == 1 and b.restarts == 0
    assert a.pause == 2.0  # the next crash would wait longer
    assert not any(_alive(p.pid) for p in (a.proc, b.proc) if p)  # type: ignore[union-attr]


def test_a_job_runs_once_and_is_not_restarted() -> None:
    job = Child("eod", [sys.executable, "-c", "pass"], once=True)
    sup = Supervisor([job], poll_seconds=0.05)
    deadline = time.monotonic() + 10
    sup.run(install_signals=False, until=lambda: not sup.children or time.monotonic() > deadline)
    assert sup.children == [] and job.restarts == 0


def test_daily_trigger_fires_once_a_day_at_the_time() -> None:
    def at(day: int, hh: int, mm: int) -> float:  # Beijing time → epoch
        return calendar.timegm((2025, 6, day, hh, mm, 0)) - 8 * 3600

    due = daily_at("23:30", now=at(2, 9, 0))
    assert not due(at(2, 23, 29))
    assert due(at(2, 23, 30)) and not due(at(2, 23, 45))
    assert not due(at(3, 0, 10)) and due(at(3, 23, 31))
    late = daily_at("23:30", now=at(2, 23, 50))  # started after the time: not today
    assert not late(at(2, 23, 55)) and late(at(3, 23, 30))


def test_topology() -> None:
    names = [c.name for c in topology(host="h", port=1, api_workers=3, esign_workers=2,
                                      amqp=True, shared_state=False)]
    assert names == ["api", "relay", "esign-1", "esign-2"]
    api = topology(host="h", port=1, api_workers=3, esign_workers=2, amqp=False,
                   shared_state=False)
    assert [c.name for c in api] == ["api", "relay"]  # the relay signs with the memory bus
    assert api[0].env["OPENDEPOSIT_TOKEN_CACHE_SECONDS"] == "0"
    assert "--workers" in api[0].argv and "3" in api[0].argv
