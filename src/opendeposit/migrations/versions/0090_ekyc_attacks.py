"""ekyc attacks: liveness replay registry, sandbox FaceID-style vendor, invalidated cards

Revision ID: 0090_ekyc_attacks
Revises: 0020_identity
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0090_ekyc_attacks'
down_revision = '0020_identity'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('liveness_frame_seen',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('application_id', sa.BigInteger(), nullable=False),
    sa.Column('attempt', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('phash', sa.BigInteger(), nullable=False),
    sa.Column('b0', sa.Integer(), nullable=False),
    sa.Column('b1', sa.Integer(), nullable=False),
    sa.Column('b2', sa.Integer(), nullable=False),
    sa.Column('b3', sa.Integer(), nullable=False),
    sa.Column('thumb', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_liveness_frame_seen'))
    )
    with op.batch_alter_table('liveness_frame_seen', schema=None) as batch_op:
        batch_op.create_index('ix_liveness_frame_seen_sha', ['sha256'], unique=False)
        for band in ('b0', 'b1', 'b2', 'b3'):
            batch_op.create_index(f'ix_liveness_frame_seen_{band}', [band], unique=False)

    op.create_table('sandbox_faceid_session',
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.Column('reference', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('outcome', sa.String(length=32), nullable=True),
    sa.Column('best_frame', sa.LargeBinary(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('token', name=op.f('pk_sandbox_faceid_session'))
    )
    with op.batch_alter_table('sandbox_citizen', schema=None) as batch_op:
        batch_op.add_column(sa.Column('card_invalidated', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table('sandbox_citizen', schema=None) as batch_op:
        batch_op.drop_column('card_invalidated')
    op.drop_table('sandbox_faceid_session')
    op.drop_table('liveness_frame_seen')
