"""`opendeposit serve all`: the production topology on one machine, kept running.

Starts each role as a child process in its own process group (the API's uvicorn workers share
that group), restarts a child that exits with a growing pause (1 s doubling to 30 s, reset
after a minute of good health), forwards SIGHUP, and on SIGTERM/SIGINT stops every child:
SIGTERM to its group, then SIGKILL after the grace period.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

log = logging.getLogger("opendeposit.supervisor")
STABLE_SECONDS = 60.0
MAX_PAUSE = 30.0


@dataclass
class Child:
    name: str
    argv: list[str]
    env: dict[str, str] = field(default_factory=dict)
    once: bool = False  # a job (EOD): run to completion, not restarted
    proc: subprocess.Popen[bytes] | None = None
    started: float = 0.0
    restarts: int = 0
    pause: float = 1.0
    due: float = 0.0  # when a stopped child may start again

    def start(self) -> None:
        env = {**os.environ, **self.env}
        self.proc = subprocess.Popen(self.argv, env=env, start_new_session=True)
        self.started = time.monotonic()
        log.info("started %s", self.name, extra={"child": self.name, "child_pid": self.proc.pid})

    def signal_group(self, sig: int) -> None:
        if self.proc is None:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, sig)


@dataclass
class Supervisor:
    children: list[Child]
    grace_seconds: float = 30.0
    poll_seconds: float = 0.5
    jobs: list[tuple[Callable[[float], bool], Callable[[], Child]]] = field(default_factory=list)
    _stopping: bool = False
    _hup: bool = False

    def request_stop(self, *_: object) -> None:
        self._stopping = True

    def request_hup(self, *_: object) -> None:
        self._hup = True

    def run(self, *, install_signals: bool = True, until: Callable[[], bool] | None = None) -> int:
        """Supervise until SIGTERM/SIGINT (or `until()` is true); returns the exit code."""
        if install_signals:
            signal.signal(signal.SIGTERM, self.request_stop)
            signal.signal(signal.SIGINT, self.request_stop)
            signal.signal(signal.SIGHUP, self.request_hup)
        for child in self.children:
            child.start()
        try:
            while not self._stopping and not (until and until()):
                self._tick()
                time.sleep(self.poll_seconds)
        finally:
            self.stop_all()
        return 0

    def _tick(self) -> None:
        now = time.monotonic()
        if self._hup:
            self._hup = False
            for child in self.children:
                child.signal_group(signal.SIGHUP)
        for job_due, make in self.jobs:
            if job_due(time.time()):
                child = make()
                child.start()
                self.children.append(child)
        for child in list(self.children):
            self._check(child, now)

    def _check(self, child: Child, now: float) -> None:
        if child.proc is None:
            if now >= child.due:
                child.start()
            return
        code = child.proc.poll()
        if code is None:
            if now - child.started >= STABLE_SECONDS:
                child.pause = 1.0
            return
        child.signal_group(signal.SIGKILL)  # orphaned workers of a dead parent hold the port
        if child.once:
            log.info("%s finished with %s", child.name, code, extra={"child": child.name})
            self.children.remove(child)
            return
        child.restarts += 1
        log.error("%s exited with %s; restart %d in %.0fs", child.name, code, child.restarts,
                  child.pause, extra={"child": child.name, "exit_code": code})
        child.proc, child.due = None, now + child.pause
        child.pause = min(child.pause * 2, MAX_PAUSE)

    def stop_all(self) -> None:
        live = [c for c in self.children if c.proc is not None and c.proc.poll() is None]
        for child in live:
            child.signal_group(signal.SIGTERM)
        deadline = time.monotonic() + self.grace_seconds
        for child in live:
            assert child.proc is not None
            try:
                child.proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                log.warning("%s did not stop in time: killed", child.name)
            child.signal_group(signal.SIGKILL)  # and whatever of its group is left
        log.info("all children stopped")


def opendeposit_argv(*args: str) -> list[str]:
    """This interpreter running the CLI (works from a virtualenv without activating it)."""
    return [sys.executable, "-m", "opendeposit.cli", *args]


def topology(*, host: str, port: int, api_workers: int, esign_workers: int, amqp: bool,
             shared_state: bool) -> list[Child]:
    """The production set of processes for one machine."""
    api_env = {"OPENDEPOSIT_ESB_EMBEDDED_RELAY": "false"}
    if api_workers > 1 and not shared_state:  # no Redis: a revoked token must not linger
        api_env["OPENDEPOSIT_TOKEN_CACHE_SECONDS"] = "0"
    children = [
        Child("api", opendeposit_argv("serve", "api", "--host", host, "--port", str(port),
                                      "--workers", str(api_workers)), api_env),
        Child("relay", opendeposit_argv("serve", "relay")),
    ]
    if amqp:  # with the in-process bus the relay process signs the receipts itself
        children += [Child(f"esign-{i + 1}", opendeposit_argv("serve", "esign"))
                     for i in range(esign_workers)]
    return children


def daily_at(hhmm: str, *, tz_offset_hours: int = 8,
             now: float | None = None) -> Callable[[float], bool]:
    """A job trigger, true once a day at HH:MM Beijing time (EOD); not on the day the
    supervisor starts after that time."""
    hour, minute = (int(x) for x in hhmm.split(":"))

    def day_passed(t: float) -> tuple[int, bool]:
        local = time.gmtime(t + tz_offset_hours * 3600)
        return local.tm_year * 1000 + local.tm_yday, (local.tm_hour, local.tm_min) >= (
            hour, minute)

    day, passed = day_passed(time.time() if now is None else now)
    last: list[int | None] = [day if passed else None]

    def due(t: float) -> bool:
        today, passed_now = day_passed(t)
        if passed_now and last[0] != today:
            last[0] = today
            return True
        return False

    return due


def main_loop(children: Sequence[Child], *, grace: float, eod_at: str | None) -> int:
    jobs: list[tuple[Callable[[float], bool], Callable[[], Child]]] = []
    if eod_at:
        jobs.append((daily_at(eod_at), lambda: Child("eod", opendeposit_argv("eod"), once=True)))
    return Supervisor(list(children), grace_seconds=grace, jobs=jobs).run()
