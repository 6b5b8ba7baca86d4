"""esign: receipt re-issue (reissue_no, supersedes/superseded_by, reason), searchable serial.

Revision ID: 0045_esign_reissue
Revises: 0020_identity
"""
from alembic import op
import sqlalchemy as sa

revision = "0045_esign_reissue"
down_revision = "0020_identity"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("esign_receipt", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reissue_no", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("transaction_serial", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("supersedes", sa.String(length=24), nullable=True))
        batch_op.add_column(sa.Column("superseded_by", sa.String(length=24), nullable=True))
        batch_op.add_column(sa.Column("reissue_reason", sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column("reissued_by", sa.String(length=64), nullable=True))
        batch_op.drop_constraint("uq_esign_receipt_reference_kind", type_="unique")
        batch_op.create_unique_constraint("uq_esign_receipt_reference_kind_reissue_no",
                                          ["reference", "kind", "reissue_no"])
        batch_op.create_index("ix_esign_receipt_business_date", ["business_date", "id"], unique=False)
        batch_op.create_index("ix_esign_receipt_transaction_serial", ["transaction_serial"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("esign_receipt", schema=None) as batch_op:
        batch_op.drop_index("ix_esign_receipt_transaction_serial")
        batch_op.drop_index("ix_esign_receipt_business_date")
        batch_op.drop_constraint("uq_esign_receipt_reference_kind_reissue_no", type_="unique")
        batch_op.create_unique_constraint("uq_esign_receipt_reference_kind", ["reference", "kind"])
        for column in ("reissued_by", "reissue_reason", "superseded_by", "supersedes",
                       "transaction_serial", "reissue_no"):
            batch_op.drop_column(column)
