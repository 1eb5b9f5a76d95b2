"""Work orders (生活小事): the order (resident, community, category, description, place, state,
owner) and every change of its state (who, when, a note).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03 11:39:46.640643
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes  # noqa: F401  (autogenerate writes sqlmodel's column types)
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "workorder",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=False),
        sa.Column("community_id", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("category", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("description", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("place", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("state", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["owner_id"], ["user.id"], name=op.f("workorder_owner_id_fkey")),
        sa.ForeignKeyConstraint(
            ["resident_id"], ["user.id"], name=op.f("workorder_resident_id_fkey")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("workorder_pkey")),
    )
    with op.batch_alter_table("workorder", schema=None) as batch_op:
        batch_op.create_index(
            "ix_workorder_community_state", ["community_id", "state"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_workorder_resident_id"), ["resident_id"], unique=False)

    op.create_table(
        "workorderevent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("before", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.Column("after", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["user.id"], name=op.f("workorderevent_actor_id_fkey")
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["workorder.id"], name=op.f("workorderevent_order_id_fkey")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("workorderevent_pkey")),
    )
    with op.batch_alter_table("workorderevent", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_workorderevent_order_id"), ["order_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("workorderevent", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_workorderevent_order_id"))

    op.drop_table("workorderevent")
    with op.batch_alter_table("workorder", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_workorder_resident_id"))
        batch_op.drop_index("ix_workorder_community_state")

    op.drop_table("workorder")
