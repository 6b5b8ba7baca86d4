"""`opendeposit init production` (placeholder)."""

from __future__ import annotations

import click


@click.group()
def init() -> None:
    """First-time set-up."""
