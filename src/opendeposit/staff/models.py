"""Staff table: username, argon2 password hash, roles, lockout counter."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, DateTime, SmallInteger, String, Table, Text

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
)
