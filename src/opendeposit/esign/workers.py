"""`opendeposit serve esign --workers N`: N signer processes consuming the same RabbitMQ queue.

Signing is CPU work and Python runs one thread at a time, so throughput scales with
processes. Each worker is an ordinary `serve esign` process (same environment); RabbitMQ
spreads deliveries over them (prefetch per worker) and the receipt record keeps the outcome
at one receipt per booking whichever worker gets which delivery, redeliveries included. This
supervisor forwards SIGINT/SIGTERM and restarts a worker that dies; nothing else.
"""

from __future__ import annotations

import logging
import signal
import subprocess
import sys
import time
from collections.abc import Callable

log = logging.getLogger("opendeposit.esign.workers")
RESTART_DELAY = 1.0
STOP_TIMEOUT = 20.0


def worker_command() -> list[str]:
    return [sys.executable, "-m", "opendeposit.cli", "serve", "esign", "--workers", "1"]


def run_workers(count: int, *, command: Callable[[], list[str]] = worker_command,
                echo: Callable[[str], None] = print) -> int:
    """Run `count` workers until SIGINT/SIGTERM; returns the exit status for the CLI."""
    stopping = False

    def stop(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True
        for proc in workers:
            if proc.poll() is None:
                proc.send_signal(signum)

    workers = [subprocess.Popen(command()) for _ in range(count)]
    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    echo(f"esign: {count} workers (pids {' '.join(str(p.pid) for p in workers)})")
    try:
        while not stopping:
            time.sleep(0.2)
            for index, proc in enumerate(workers):
                if proc.poll() is not None and not stopping:
                    echo(f"esign worker {proc.pid} exited with {proc.returncode}; restarting")
                    time.sleep(RESTART_DELAY)
                    workers[index] = subprocess.Popen(command())
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        _wait_all(workers)
    return 0


def _wait_all(workers: list[subprocess.Popen]) -> None:  # type: ignore[type-arg]
    deadline = time.monotonic() + STOP_TIMEOUT
    for proc in workers:
        if proc.poll() is None:
            proc.terminate()
    for proc in workers:
        try:
            proc.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
