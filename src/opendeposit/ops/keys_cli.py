"""`opendeposit keys rotate | status | retire`: personal-data key rotation (docs/operations.md)."""

from __future__ import annotations

import asyncio
import time

import click


def _context():  # type: ignore[no-untyped-def]
    from opendeposit.config import load_settings
    from opendeposit.db import Database
    from opendeposit.security import DataCipher, KeyRing

    settings = load_settings()
    keys = KeyRing.load_or_create(settings.key_dir)
    return settings, Database(settings.effective_database_url), DataCipher(keys)


@click.group()
def keys() -> None:
    """Personal-data keys and the secrets of outside parties."""


@keys.command("rotate")
@click.option("--propagate-seconds", default=10.0, show_default=True,
              help="Wait this long after installing the new key before re-encrypting, so every "
              "running process encrypts with it (they look at the key files every 2 s).")
@click.option("--batch", default=500, show_default=True, help="Rows per transaction.")
def rotate(propagate_seconds: float, batch: int) -> None:
    """A new data key encrypts from now on; stored personal data is re-encrypted in batches
    while the platform keeps running. The old key stays until `keys retire`."""
    from opendeposit.ops import keys as rotation

    settings, db, cipher = _context()
    kept = rotation.install_new_key(settings.key_dir)
    cipher.reload(force=True)
    click.echo(f"new data key installed; the previous one is kept as {kept.name}")
    time.sleep(propagate_seconds)

    async def run() -> dict[str, int]:
        try:
            done = await rotation.reencrypt(db, cipher, batch=batch)
            left = await rotation.left_on_old_keys(db, cipher)
        finally:
            await db.dispose()
        for label, count in done.items():
            click.echo(f"  {label}: {count} re-encrypted")
        return left

    left = asyncio.run(run())
    if any(left.values()):
        click.echo(f"still on old keys: {left}; run `opendeposit keys rotate` again", err=True)
        raise SystemExit(1)
    click.echo("all personal data is under the new key; `opendeposit keys retire` may now "
               "delete the old one (after the next backup)")


@keys.command("status")
def status() -> None:
    """How many stored values are not yet under the newest data key."""
    from opendeposit.ops import keys as rotation

    _, db, cipher = _context()

    async def run() -> dict[str, int]:
        try:
            return await rotation.left_on_old_keys(db, cipher)
        finally:
            await db.dispose()

    for label, count in asyncio.run(run()).items():
        click.echo(f"{label}: {count} on old keys")


@keys.command("retire")
def retire() -> None:
    """Delete the old data keys, once nothing stored needs them."""
    from opendeposit.ops import keys as rotation

    settings, db, cipher = _context()

    async def run() -> dict[str, int]:
        try:
            return await rotation.left_on_old_keys(db, cipher)
        finally:
            await db.dispose()

    left = asyncio.run(run())
    if any(left.values()):
        raise click.ClickException(f"old keys still needed: {left}")
    click.echo(f"retired {rotation.retire_old_keys(settings.key_dir)} old data key(s)")
