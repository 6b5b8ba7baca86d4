"""Join the revisions of the second wave into one head.

The features of the second wave were built side by side, each with a revision on
0020_identity; this revision has them all as parents, so `alembic upgrade head` (one head) works
for operators again and the next revision has one parent. `migrate()` still upgrades to
"heads", so a branch that adds another revision on 0020_identity keeps working until it is
joined here too.

Revision ID: 0110_join_heads
"""

from __future__ import annotations

revision = "0110_join_heads"
down_revision = ("0045_esign_reissue", "0050_console", "0070_ops", "0080_wechat",
                 "0090_ekyc_attacks", "0100_risk_money", "0100_serials")  # 0060_risk: via 0100
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Nothing to change: the parents did the work."""


def downgrade() -> None:
    """Nothing to undo."""
