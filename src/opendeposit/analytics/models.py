"""The analytics event table: one row per tracked event, written in batches."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, DateTime, Index, String, Table, Text

from opendeposit.db import BigId, metadata

analytics_event = Table(
    "analytics_event",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("name", String(48), nullable=False),
    Column("occurred_at", DateTime(timezone=True), nullable=False),  # the client's clock
    Column("received_at", DateTime(timezone=True), nullable=False),
    Column("device_id", String(64), nullable=False),
    Column("customer_id", BigInteger, nullable=True),
    Column("path", String(200), nullable=True),
    Column("props", Text, nullable=False),  # JSON, ≤ 2 KB
    Index("ix_analytics_event_name_time", "name", "received_at"),
    Index("ix_analytics_event_device", "device_id"),
)
