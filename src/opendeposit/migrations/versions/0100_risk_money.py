"""risk in the money path: a held withdrawal remembers the customer's idempotency key

Released by staff, the held withdrawal becomes a payment order whose settlement stores the
final answer under that key, so the customer's repeated call sees what became of it.

Revision ID: 0100_risk_money
Revises: 0060_risk (which made risk_hold)
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0100_risk_money'
down_revision = '0060_risk'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # a plain ALTER TABLE ADD COLUMN (no batch copy, which would drop the retention triggers)
    op.add_column('risk_hold', sa.Column('idempotency_key', sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('risk_hold', schema=None) as batch_op:
        batch_op.drop_column('idempotency_key')
