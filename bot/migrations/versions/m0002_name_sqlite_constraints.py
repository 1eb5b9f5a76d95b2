"""Name the constraints of SQLite databases made before migrations.

create_all without a naming convention left SQLite's primary keys, unique constraints and
foreign keys unnamed, and a later migration cannot drop or change a constraint it cannot
name. Each such table is rebuilt (batch mode: copy, drop, rename) with the names the
baseline gives a new database. Nothing to do on PostgreSQL (it named them itself, the same
way) or on a database the baseline made.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02 19:05:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# bot/models.py's convention as it was when this was written (a migration never changes)
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "%(table_name)s_%(column_0_N_name)s_key",
    "ck": "%(table_name)s_%(constraint_name)s_check",
    "fk": "%(table_name)s_%(column_0_N_name)s_fkey",
    "pk": "%(table_name)s_pkey",
}
_NOT_OURS = {"alembic_version", "apscheduler_jobs"}


def upgrade() -> None:
    connection = op.get_bind()
    if connection.dialect.name != "sqlite":
        return
    inspector = sa.inspect(connection)
    for table in sorted(set(inspector.get_table_names()) - _NOT_OURS):
        if _has_unnamed(inspector, table):
            with op.batch_alter_table(
                table, recreate="always", naming_convention=NAMING_CONVENTION
            ):
                pass


def _has_unnamed(inspector: sa.Inspector, table: str) -> bool:
    primary_key = inspector.get_pk_constraint(table)
    constraints = [
        *([primary_key] if primary_key["constrained_columns"] else []),
        *inspector.get_unique_constraints(table),
        *inspector.get_foreign_keys(table),
    ]
    return any(constraint.get("name") is None for constraint in constraints)


def downgrade() -> None:
    pass  # the names do no harm to the baseline's code
