"""The handled messages indexed by user and time: "出处" reads the user's last answer.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 18:50:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_processedmessage_user_time", "processedmessage", ["user_id", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_processedmessage_user_time", table_name="processedmessage")
