"""`opendeposit keys ...` (placeholder until the rotation module lands)."""

from __future__ import annotations

import click


@click.group()
def keys() -> None:
    """Personal-data keys and the secrets of outside parties."""
