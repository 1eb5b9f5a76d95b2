"""Alembic's environment: every migration runs on the connection Linli hands in (see
bot/migrations/__init__.py), inside that connection's transaction."""

from __future__ import annotations

from alembic import context

from bot.migrations import context_options

config = context.config
if context.is_offline_mode():
    raise RuntimeError("Linli's migrations run on a database connection, not as SQL text")
connection = config.attributes["connection"]
context.configure(connection=connection, **context_options(connection, config.attributes["tables"]))
with context.begin_transaction():
    context.run_migrations()
