"""analytics events

Revision ID: 0030
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0030"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "analytics_event",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True,
                  nullable=False),
        sa.Column("name", sa.String(length=48), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("device_id", sa.String(length=64), nullable=False),
        sa.Column("customer_id", sa.BigInteger(), nullable=True),
        sa.Column("path", sa.String(length=200), nullable=True),
        sa.Column("props", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analytics_event")),
    )
    op.create_index("ix_analytics_event_name_time", "analytics_event", ["name", "received_at"])
    op.create_index("ix_analytics_event_device", "analytics_event", ["device_id"])


def downgrade() -> None:
    op.drop_index("ix_analytics_event_device", table_name="analytics_event")
    op.drop_index("ix_analytics_event_name_time", table_name="analytics_event")
    op.drop_table("analytics_event")
