"""Staff table: username, argon2 password hash, roles, lockout counter, TOTP second factor."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    SmallInteger,
    String,
    Table,
    Text,
    false,
)

from opendeposit.db import BigId, metadata

staff = Table(
    "staff",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("username", String(32), nullable=False, unique=True),
    Column("display_name", Text, nullable=False),
    Column("password_hash", Text, nullable=False),
    Column("roles", String(128), nullable=False),  # comma-separated
    Column("active", Boolean, nullable=False),
    Column("failed_attempts", SmallInteger, nullable=False),
    Column("locked_at", DateTime(timezone=True), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    # a one-time password (CLI, reset by an admin) must be changed before anything else
    Column("password_change_required", Boolean, nullable=False, server_default=false()),
    Column("password_changed_at", DateTime(timezone=True), nullable=True),
    Column("mfa_secret_enc", Text, nullable=True),  # TOTP secret, Vault-encrypted
    Column("mfa_confirmed_at", DateTime(timezone=True), nullable=True),
    Column("mfa_last_step", BigInteger, nullable=True),  # a TOTP code is good once
    Column("updated_at", DateTime(timezone=True), nullable=True),
)
