"""`opendeposit init production`: validate, refuse the sandbox, signing identity, catalog,
and a list of what is still missing (docs/operations.md, Install)."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import click


@click.group()
def init() -> None:
    """First-time set-up of an installation."""


@init.command("production")
@click.option("--catalog", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=None, help="Board rates and products (see deploy/catalog.example.toml).")
@click.option("--certificate", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=None, help="The signing certificate the bank's CA issued for the CSR.")
@click.option("--chain", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=None, help="The CA chain (PEM), root last, for --certificate.")
def production(catalog: Path | None, certificate: Path | None, chain: Path | None) -> None:
    """Exit 0: ready; 2: set up so far, things missing (listed); 1: refused (nothing done)."""
    from opendeposit.config import load_settings
    from opendeposit.esign.pki import PkiPaths
    from opendeposit.ops import production as prod
    from opendeposit.security import KeyRing

    settings = load_settings()
    paths = PkiPaths(settings.pki_dir)
    keys = KeyRing.load_or_create(settings.key_dir)
    findings = [*prod.configuration_findings(settings), *prod.secret_findings(keys),
                *prod.demo_findings(settings, paths)]
    refused = [f for f in findings if f.severity == "refuse"]
    if refused:
        for f in refused:
            click.echo(f"REFUSED  {f.what}", err=True)
        sys.exit(1)
    asyncio.run(_database_steps(settings, catalog, findings))
    if any(f.severity == "refuse" for f in findings):
        for f in findings:
            if f.severity == "refuse":
                click.echo(f"REFUSED  {f.what}", err=True)
        sys.exit(1)
    findings += _signing_steps(settings, paths, certificate, chain)
    for f in findings:
        click.echo(f"{f.severity.upper():8} {f.what}")
    missing = [f for f in findings if f.severity == "missing"]
    click.echo("ready for production" if not missing else f"{len(missing)} thing(s) missing")
    sys.exit(2 if missing else 0)


async def _database_steps(settings, catalog, findings) -> None:  # type: ignore[no-untyped-def]
    from opendeposit.db import Database
    from opendeposit.migrations import migrate
    from opendeposit.ops import production as prod

    db = Database(settings.effective_database_url)
    try:
        await migrate(db, chains=settings.ledger_chains)
        findings += await prod.database_findings(db)
        if catalog is not None and not any(f.severity == "refuse" for f in findings):
            rates, drafted = await prod.load_catalog(db, catalog)
            click.echo(f"catalog: {rates} rate rows; drafts {', '.join(drafted) or 'none new'}"
                       " (submit and approve them in the console: maker and checker)")
    finally:
        await db.dispose()


def _signing_steps(settings, paths, certificate, chain):  # type: ignore[no-untyped-def]
    from opendeposit.ops import production as prod

    found = []
    if prod.ensure_sm2_key(paths):
        click.echo(f"made the SM2 co-signing key pair in {paths.directory}")
    if certificate is not None:
        if chain is None:
            raise click.UsageError("--certificate needs --chain (the CA certificates, root last)")
        prod.install_certificate(paths, certificate, chain)
        click.echo(f"installed the signing certificate into {paths.signing_p12}")
    if not paths.signing_p12.exists():
        csr = prod.make_signing_request(paths, bank_name=settings.bank_name,
                                        bank_name_en=settings.bank_name_en)
        found.append(prod.Finding("missing", f"the signing certificate: send {csr} to the "
                                  "bank's CA, then run `opendeposit init production "
                                  "--certificate CERT.pem --chain CA-CHAIN.pem`"))
    return found
