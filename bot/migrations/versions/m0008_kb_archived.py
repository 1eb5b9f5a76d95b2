"""Knowledge entries archived by staff instead of deleted (the console's 归档): kept with
their history, no longer answered with.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 15:35:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("knowledgeentry") as batch:
        batch.add_column(sa.Column("archived", sa.Boolean(), server_default="0", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("knowledgeentry") as batch:
        batch.drop_column("archived")
