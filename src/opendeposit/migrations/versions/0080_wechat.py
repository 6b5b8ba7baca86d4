"""wechat: bindings, login sessions, sandbox codes; the channel (H5 / WX) of tokens and
account-opening applications

Revision ID: 0080_wechat
Revises: 0020_identity
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0080_wechat"
down_revision = "0020_identity"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "wechat_binding",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("openid_hash", sa.String(length=64), nullable=False),
        sa.Column("openid_enc", sa.Text(), nullable=False),
        sa.Column("unionid_enc", sa.Text(), nullable=True),
        sa.Column("customer_id", sa.BigInteger(), nullable=False),
        sa.Column("session_key_enc", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["customer_id"], ["customer.id"],
                                name=op.f("fk_wechat_binding_customer_id_customer")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wechat_binding")),
        sa.UniqueConstraint("customer_id", name=op.f("uq_wechat_binding_customer_id")),
        sa.UniqueConstraint("openid_hash", name=op.f("uq_wechat_binding_openid_hash")),
    )
    op.create_table(
        "wechat_login",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("device_id", sa.String(length=64), nullable=False),
        sa.Column("ip", sa.String(length=45), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("error_code", sa.String(length=32), nullable=True),
        sa.Column("openid_hash", sa.String(length=64), nullable=True),
        sa.Column("openid_enc", sa.Text(), nullable=True),
        sa.Column("unionid_enc", sa.Text(), nullable=True),
        sa.Column("session_key_enc", sa.Text(), nullable=True),
        sa.Column("session_hash", sa.String(length=64), nullable=True),
        sa.Column("customer_id", sa.BigInteger(), nullable=True),
        sa.Column("attempts", sa.SmallInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wechat_login")),
        sa.UniqueConstraint("session_hash", name=op.f("uq_wechat_login_session_hash")),
    )
    op.create_index("ix_wechat_login_device", "wechat_login", ["device_id", "created_at"])
    op.create_index("ix_wechat_login_ip", "wechat_login", ["ip", "created_at"])
    op.create_table(
        "sandbox_wechat_code",
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("openid", sa.String(length=64), nullable=True),
        sa.Column("unionid", sa.String(length=64), nullable=True),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("fail_errcode", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("code_hash", name=op.f("pk_sandbox_wechat_code")),
    )
    with op.batch_alter_table("auth_token") as batch_op:
        batch_op.add_column(sa.Column("channel", sa.String(length=2), nullable=True))
    with op.batch_alter_table("onboarding_application") as batch_op:
        batch_op.add_column(sa.Column("channel", sa.String(length=2), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("onboarding_application") as batch_op:
        batch_op.drop_column("channel")
    with op.batch_alter_table("auth_token") as batch_op:
        batch_op.drop_column("channel")
    op.drop_table("sandbox_wechat_code")
    op.drop_index("ix_wechat_login_ip", table_name="wechat_login")
    op.drop_index("ix_wechat_login_device", table_name="wechat_login")
    op.drop_table("wechat_login")
    op.drop_table("wechat_binding")
