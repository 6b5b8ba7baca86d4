"""`opendeposit serve esign --workers N`: N signer processes consuming the same RabbitMQ queue.

Signing is CPU work and Python runs one thread at a time, so throughput scales with
processes. Each worker is an ordinary `serve esign` process (same environment); RabbitMQ
spreads deliveries over them (prefetch per worker) and the receipt record keeps the outcome
at one receipt per booking whichever worker gets which delivery, redeliveries included. The
processes are kept by the same supervisor as `serve all` (restarts, signals, clean stop).
"""

from __future__ import annotations

from collections.abc import Callable


def run_workers(count: int, *, echo: Callable[[str], None] = print) -> int:
    """Run `count` signer processes until SIGINT/SIGTERM; the exit status for the CLI."""
    from opendeposit.ops.supervisor import Child, main_loop, opendeposit_argv

    children = [Child(f"esign-{i + 1}", opendeposit_argv("serve", "esign"))
                for i in range(count)]
    echo(f"esign: {count} signer processes on one queue; SIGTERM or Ctrl-C stops them")
    return main_loop(children, grace=30.0, eod_at=None)
