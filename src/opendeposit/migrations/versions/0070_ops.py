"""operations: request ids as trace ids (64 chars), the receipt's trace id, token idle time

Revision ID: 0070_ops
Revises: 0020_identity
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0070_ops"
down_revision = "0020_identity"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":  # SQLite does not enforce VARCHAR lengths
        op.alter_column("esb_outbox", "trace_id", type_=sa.String(length=64),
                        existing_type=sa.String(length=32), existing_nullable=False)
    with op.batch_alter_table("esign_receipt") as batch:
        batch.add_column(sa.Column("trace_id", sa.String(length=64), nullable=True))
    with op.batch_alter_table("auth_token") as batch:
        batch.add_column(sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index("ix_auth_token_subject", "auth_token", ["subject_kind", "subject_id"])


def downgrade() -> None:
    op.drop_index("ix_auth_token_subject", table_name="auth_token")
    with op.batch_alter_table("auth_token") as batch:
        batch.drop_column("last_seen_at")
    with op.batch_alter_table("esign_receipt") as batch:
        batch.drop_column("trace_id")
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column("esb_outbox", "trace_id", type_=sa.String(length=32),
                        existing_type=sa.String(length=64), existing_nullable=False)
