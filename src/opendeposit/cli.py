"""The `opendeposit` command: demo, serve, migrate, eod, ledger verify, staff, audit verify."""

from __future__ import annotations

import asyncio
import sys
from datetime import timedelta
from pathlib import Path

import click

from opendeposit.config import load_settings


@click.group()
def main() -> None:
    """opendeposit: online deposits for commercial banks."""


def _settings(data_dir: str | None = None, **extra: object):  # type: ignore[no-untyped-def]
    overrides: dict[str, object] = dict(extra)
    if data_dir:
        overrides["data_dir"] = Path(data_dir)
    return load_settings(**overrides)


async def _migrate(settings) -> None:  # type: ignore[no-untyped-def]
    from opendeposit.db import Database
    from opendeposit.migrations import migrate

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    db = Database(settings.effective_database_url)
    try:
        await migrate(db, chains=settings.ledger_chains)
    finally:
        await db.dispose()


@main.command()
@click.option("--data-dir", default=None, help="Where the SQLite file and keys live (./var).")
def migrate(data_dir: str | None) -> None:
    """Create or upgrade the database schema and reference data."""
    settings = _settings(data_dir)
    asyncio.run(_migrate(settings))
    click.echo(f"migrated {settings.effective_database_url.split('@')[-1]}")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True)
@click.option("--data-dir", default=None, help="Where the SQLite file and keys live (./var).")
def demo(host: str, port: int, data_dir: str | None) -> None:
    """Everything in one process on embedded defaults, with demo data."""
    settings = _settings(data_dir, public_url=f"http://{host}:{port}")
    if not settings.is_sandbox:
        raise click.UsageError("the demo runs only with OPENDEPOSIT_ENV=sandbox")
    asyncio.run(_migrate(settings))
    customers = asyncio.run(_seed(settings))
    from opendeposit.esign.pki import init_demo_pki

    init_demo_pki(settings.pki_dir, bank_name=settings.bank_name)  # first run: the demo CA
    base = f"http://{host}:{port}"
    click.echo(f"\nopendeposit demo is running at {base}/m/  (API docs: {base}/docs)")
    click.echo(f"the bank's operations console: {base}/admin/  (demo staff above)\n")
    click.echo("Demo logins (SMS codes are shown in the app's sandbox link or GET /sandbox/sms):")
    for c in customers:
        click.echo(f"  phone {c.phone}  {c.name}  transaction PIN {c.pin}")
    click.echo("  phone 13900139000  (new customer, no account yet)\n")
    _serve(settings, host, port)


async def _seed(settings):  # type: ignore[no-untyped-def]
    from opendeposit.bootstrap import build_platform
    from opendeposit.demo import seed

    p = build_platform(settings)
    try:
        return await seed(p)
    finally:
        await p.db.dispose()


def _serve(settings, host: str, port: int, workers: int = 1) -> None:  # type: ignore[no-untyped-def]
    import uvicorn

    from opendeposit.api.app import create_app

    uvicorn.run(create_app(settings), host=host, port=port, log_level="warning",
                access_log=False)


@main.command()
@click.argument("role", default="api",
                type=click.Choice(["api", "relay", "esign", "all", "eod-timer"]))
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True)
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64),
              help="api: worker processes sharing the port; esign: signer processes sharing "
              "the RabbitMQ queue.")
@click.option("--esign-workers", default=1, show_default=True, type=click.IntRange(1, 64),
              help="`all` with RabbitMQ: signature platform processes.")
@click.option("--eod-at", default=None, metavar="HH:MM",
              help="`all`: run end of day daily at this Beijing time.")
def serve(role: str, host: str, port: int, workers: int, esign_workers: int,
          eod_at: str | None) -> None:
    """Run one role against the configured database: `api`; `relay` (publishes the outbox:
    to RabbitMQ, or with the memory transport straight to in-process consumers such as the
    signature platform; also reconciles open card orders); `esign` (the signature platform
    consuming from RabbitMQ). `serve all` runs the whole set; `serve eod-timer --eod-at HH:MM`
    only runs end of day daily (where no systemd timer does, as in compose.yaml)."""
    settings = _settings()
    if role in ("api", "all", "eod-timer"):
        from opendeposit.ops.commands import serve_all, serve_api, serve_eod_timer

        if role == "api":
            serve_api(settings, host=host, port=port, workers=workers)
        elif role == "eod-timer":
            serve_eod_timer(settings, eod_at=eod_at or "23:30")
        else:
            serve_all(settings, host=host, port=port, workers=workers,
                      esign_workers=esign_workers, eod_at=eod_at)
        return
    if role == "esign" and settings.esb_transport != "amqp":
        raise click.UsageError("`serve esign` consumes from RabbitMQ: set "
                               "OPENDEPOSIT_ESB_TRANSPORT=amqp (with the memory transport the "
                               "relay or the API process signs receipts itself)")
    if role == "esign" and workers > 1:
        from opendeposit.esign.workers import run_workers

        sys.exit(run_workers(workers, echo=click.echo))
    asyncio.run(_run_bus_role(settings, role))


async def _run_bus_role(settings, role: str) -> None:  # type: ignore[no-untyped-def]
    import signal

    from opendeposit.bootstrap import build_platform
    from opendeposit.observability import logs
    from opendeposit.ops import reconciler

    logs.configure(role=role, fmt=settings.log_format, level=settings.log_level)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    p = build_platform(settings)
    click.echo(f"{role} running ({settings.esb_transport} transport); Ctrl-C stops it")
    try:
        if role == "relay":
            await asyncio.gather(p.bus.relay.run(stop), reconciler.run(
                p, stop, every=settings.reconcile_every_seconds,
                older_than=timedelta(seconds=settings.reconcile_after_seconds)))
        else:
            await p.esign.ready()
            await p.bus.amqp_consumer().run(stop)
    finally:
        await p.bus.close()
        p.esign.close()
        await p.db.dispose()


@main.group()
def ca() -> None:
    """The signature platform's demo PKI (sandbox only)."""


@ca.command("init")
@click.option("--data-dir", default=None, help="Keys go to DATA_DIR/pki unless "
              "OPENDEPOSIT_ESIGN_PKI_DIR says otherwise.")
def ca_init(data_dir: str | None) -> None:
    """Create (or reuse) the demo root CA, signing, TSA and SM2 keys; never commit them."""
    from opendeposit.esign.pki import init_demo_pki

    settings = _settings(data_dir)
    if not settings.is_sandbox:
        raise click.UsageError("a demo CA is for the sandbox; production keys are provisioned")
    paths = init_demo_pki(settings.pki_dir, bank_name=settings.bank_name)
    click.echo(f"demo PKI ready in {paths.directory}")


@main.command("verify")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--pki", "pki_dir", default=None,
              help="Directory with root-ca.crt.pem, signing.crt.pem, sm2.pub.pem "
              "(default: the configured PKI directory).")
@click.option("--sm2-signature", type=click.Path(exists=True, dir_okay=False), default=None,
              help="Detached SM2 signature (DER) of the file, to check as well.")
def verify_file(file: str, pki_dir: str | None, sm2_signature: str | None) -> None:
    """Verify a receipt PDF offline: exit 0 when genuine, 1 when not (reasons printed)."""
    from opendeposit.esign.pki import PkiPaths, load_trust_anchors
    from opendeposit.esign.verify import verify_receipt_pdf

    directory = Path(pki_dir) if pki_dir else _settings().pki_dir
    try:
        trust = load_trust_anchors(PkiPaths(directory))
    except OSError as exc:
        raise click.UsageError(f"no trust anchors in {directory}: {exc}") from exc
    sm2 = Path(sm2_signature).read_bytes() if sm2_signature else None
    report = verify_receipt_pdf(Path(file).read_bytes(), trust=trust, sm2_signature=sm2)
    click.echo(f"{'GENUINE' if report.genuine else 'NOT GENUINE'}  {file}")
    for label, value in (("receipt", report.receipt_no), ("signer", report.signer),
                         ("signed at", report.signed_at)):
        if value:
            click.echo(f"  {label}: {value}")
    for fields_line in _field_lines(report.fields):
        click.echo(f"  {fields_line}")
    for pr in report.problems:
        click.echo(f"  PROBLEM {pr.code}: {pr.message_en} / {pr.message_zh}")
    sys.exit(0 if report.genuine else 1)


def _field_lines(fields: dict | None) -> list[str]:  # type: ignore[type-arg]
    keys = ("kind", "business_date", "amount", "payer_name", "payee_name", "summary")
    return [f"{k}: {fields[k]}" for k in keys if fields and fields.get(k) is not None]


@main.command()
@click.option("--until", "until", default=None, help="Run EOD for every day up to this date.")
def eod(until: str | None) -> None:
    """Close the business day (safe to re-run) and advance the business date."""
    from datetime import date

    from rich.progress import Progress

    from opendeposit import eod as eod_mod
    from opendeposit.bootstrap import build_platform

    async def run() -> None:
        p = build_platform(_settings())
        try:
            with Progress() as bar:
                task = bar.add_task("end of day", total=None)
                if until:
                    results = await eod_mod.advance_to(p.db, p.eod_plan(),
                                                      date.fromisoformat(until))
                else:
                    results = [await eod_mod.run_eod(p.db, p.eod_plan(), progress=lambda step:
                                                     bar.update(task, description=step))]
            for r in results:
                click.echo(f"closed {r.business_date} → {r.next_date}: {r.report}")
        finally:
            await p.db.dispose()

    asyncio.run(run())


@main.group()
def ledger() -> None:
    """Ledger tools."""


@ledger.command("verify")
def ledger_verify() -> None:
    """Re-derive every balance from the journal and check the hash chains; non-zero on error."""
    from opendeposit.db import Database
    from opendeposit.ledger.service import verify

    async def run() -> bool:
        settings = _settings()
        db = Database(settings.effective_database_url)
        try:
            async with db.read() as conn:
                report = await verify(conn)
        finally:
            await db.dispose()
        click.echo(f"entries {report.entries}, chains {report.chains}, "
                   f"accounts {report.accounts}")
        for problem in report.problems or []:
            click.echo(f"PROBLEM {problem}", err=True)
        click.echo("ledger OK" if report.ok else "ledger BROKEN")
        return report.ok

    sys.exit(0 if asyncio.run(run()) else 1)


@main.group()
def staff() -> None:
    """Bank staff of the admin console."""


@staff.command("create")
@click.option("--username", required=True)
@click.option("--role", "roles", multiple=True, required=True,
              type=click.Choice(["operator", "checker", "risk", "auditor", "admin"]),
              help="repeat for several roles")
@click.option("--display-name", default="")
@click.option("--password-stdin", is_flag=True,
              help="read the one-time password from stdin instead of generating one")
def staff_create(username: str, roles: tuple[str, ...], display_name: str,
                 password_stdin: bool) -> None:
    """Create a staff member with a one-time password (changed at the first login); the first
    admin of a production install comes from here. Last line: username=U password=P."""
    from opendeposit.db import Database
    from opendeposit.staff.service import create_staff, new_password

    password = sys.stdin.readline().strip() if password_stdin else new_password()

    async def run() -> None:
        db = Database(_settings().effective_database_url)
        try:
            await create_staff(db=db, username=username, password=password, roles=roles,
                               display_name=display_name, actor="system:cli", one_time=True)
        finally:
            await db.dispose()

    asyncio.run(run())
    click.echo(f"created {username} ({', '.join(sorted(set(roles)))}); the password is "
               "one-time: it must be changed at the first login"
               + ("; admins enrol an authenticator app (TOTP) next" if "admin" in roles
                  else ""))
    click.echo(f"username={username} password={'(from stdin)' if password_stdin else password}")


@main.group("audit")
def audit_group() -> None:
    """The audit log."""


@audit_group.command("verify")
def audit_verify() -> None:
    """Re-check every hash chain of the audit log; exit 1 when a row was altered or removed."""
    from opendeposit.audit.service import verify
    from opendeposit.db import Database

    async def run() -> bool:
        db = Database(_settings().effective_database_url)
        try:
            async with db.read() as conn:
                report = await verify(conn)
        finally:
            await db.dispose()
        click.echo(f"audit entries {report.entries}, chains {report.chains}")
        for problem in report.problems:
            click.echo(f"PROBLEM {problem}", err=True)
        click.echo("audit log OK" if report.ok else "audit log TAMPERED")
        return report.ok

    sys.exit(0 if asyncio.run(run()) else 1)


def _register_operations() -> None:
    from opendeposit.ops.commands import register

    register(main)


_register_operations()

if __name__ == "__main__":
    main()
