"""CLI commands for running the platform in production: `serve api --workers`, `serve all`,
`init production`, `keys rotate`, `simulate`. Registered on the `opendeposit` group by cli.py."""

from __future__ import annotations

import os
import re
import sys
from typing import Any

import click

from opendeposit.observability.metrics import MULTIPROC_ENV, prepare_multiprocess_dir


def _metrics_dir(settings: Any) -> None:
    """Every process of this machine writes its metrics to one directory (unless the
    environment already chose one, as `serve all` does for its children)."""
    if not os.environ.get(MULTIPROC_ENV):
        prepare_multiprocess_dir(str((settings.data_dir / "metrics").resolve()))


def serve_api(settings: Any, *, host: str, port: int, workers: int) -> None:
    """uvicorn with `workers` processes sharing the port, each building its app from the
    environment (api.app.app_from_env)."""
    import uvicorn

    from opendeposit.observability import logs

    _metrics_dir(settings)
    if workers > 1 and not settings.redis_url:
        os.environ.setdefault("OPENDEPOSIT_TOKEN_CACHE_SECONDS", "0")
    logs.configure(role="api", fmt=settings.log_format, level=settings.log_level)
    uvicorn.run("opendeposit.api.app:app_from_env", factory=True, host=host, port=port,
                workers=workers, log_config=None, access_log=False, proxy_headers=False,
                timeout_graceful_shutdown=20)


def serve_all(settings: Any, *, host: str, port: int, workers: int, esign_workers: int,
              eod_at: str | None) -> None:
    """API ×workers, the relay (with the reconciler), esign ×esign_workers (RabbitMQ), and
    EOD daily at `eod_at`: one supervisor that restarts what dies and stops everything on
    SIGTERM."""
    from opendeposit.observability import logs
    from opendeposit.ops import supervisor

    if eod_at is not None:
        _check_time(eod_at)
    logs.configure(role="supervisor", fmt=settings.log_format, level=settings.log_level)
    prepare_multiprocess_dir(os.environ.get(MULTIPROC_ENV)
                             or str((settings.data_dir / "metrics").resolve()))
    children = supervisor.topology(host=host, port=port, api_workers=workers,
                                   esign_workers=esign_workers,
                                   amqp=settings.esb_transport == "amqp",
                                   shared_state=bool(settings.redis_url))
    click.echo(f"serving {', '.join(c.name for c in children)} on {host}:{port}; "
               "SIGTERM or Ctrl-C stops them all", err=True)
    sys.exit(supervisor.main_loop(children, grace=30.0, eod_at=eod_at))


def serve_eod_timer(settings: Any, *, eod_at: str) -> None:
    """Only the daily EOD job, supervised (a container's stand-in for the systemd timer)."""
    from opendeposit.observability import logs
    from opendeposit.ops import supervisor

    _check_time(eod_at)
    logs.configure(role="eod-timer", fmt=settings.log_format, level=settings.log_level)
    click.echo(f"end of day daily at {eod_at} Beijing time; SIGTERM stops", err=True)
    sys.exit(supervisor.main_loop([], grace=600.0, eod_at=eod_at))


def _check_time(hhmm: str) -> None:
    if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", hhmm):
        raise click.UsageError("--eod-at takes HH:MM (Beijing time)")


def register(main: click.Group) -> None:
    from opendeposit.ops import keys_cli, production_cli, simulate_cli

    main.add_command(production_cli.init)
    main.add_command(keys_cli.keys)
    main.add_command(simulate_cli.simulate)
