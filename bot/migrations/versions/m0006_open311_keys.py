"""Open311 GeoReport v2: the API keys (hashed; the community their requests are filed in) and
what an Open311 client sent with a work order (location, media, the reporter's contact).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 15:01:10.492828
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes  # noqa: F401  (autogenerate writes sqlmodel's column types)
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "open311key",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("community_id", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("key_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("prefix", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], name=op.f("open311key_user_id_fkey")),
        sa.PrimaryKeyConstraint("id", name=op.f("open311key_pkey")),
        sa.UniqueConstraint("key_hash", name=op.f("open311key_key_hash_key")),
        sa.UniqueConstraint("name", name=op.f("open311key_name_key")),
    )
    op.create_table(
        "open311request",
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("key_id", sa.Integer(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("long", sa.Float(), nullable=True),
        sa.Column("address_id", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("media_url", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("first_name", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("last_name", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("phone", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("email", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("device_id", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("account_id", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.ForeignKeyConstraint(
            ["key_id"], ["open311key.id"], name=op.f("open311request_key_id_fkey")
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["workorder.id"], name=op.f("open311request_order_id_fkey")
        ),
        sa.PrimaryKeyConstraint("order_id", name=op.f("open311request_pkey")),
    )
    with op.batch_alter_table("open311request", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_open311request_key_id"), ["key_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("open311request", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_open311request_key_id"))

    op.drop_table("open311request")
    op.drop_table("open311key")
