"""The baseline: the schema Linli 0.1.0 made with create_all (commit d4cdfe5), table by table.

A database made by that release has no alembic_version; Linli checks that its tables and
columns are these and stamps it at this revision (bot/migrations/__init__.py, _adopt).

Revision ID: 0001
Revises:
Create Date: 2026-12-02 18:27:49.467018
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes  # noqa: F401  (autogenerate writes sqlmodel's column types)
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "accesstoken",
        sa.Column("app_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("token", sqlmodel.sql.sqltypes.AutoString(length=600), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("fetches", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("app_id", name=op.f("accesstoken_pkey")),
    )
    op.create_table(
        "activity",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("community_id", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True),
        sa.Column("audience", sa.JSON(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("place", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("signup_deadline", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cancel_deadline", sa.DateTime(timezone=True), nullable=False),
        sa.Column("max_party", sa.Integer(), nullable=False),
        sa.Column("collect", sa.JSON(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("description", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
        sa.Column("checkin_code", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("activity_pkey")),
    )
    op.create_index(op.f("ix_activity_updated_at"), "activity", ["updated_at"], unique=False)

    op.create_table(
        "attemptcount",
        sa.Column("rule", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("window_started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("rule", "key", name=op.f("attemptcount_pkey")),
    )
    op.create_table(
        "community",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("street", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("aliases", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("community_pkey")),
    )
    op.create_table(
        "knowledgeentry",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("category", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("community_id", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True),
        sa.Column("question", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("paraphrases", sa.JSON(), nullable=False),
        sa.Column("keywords", sa.JSON(), nullable=False),
        sa.Column("answer", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("updated_at", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("knowledgeentry_pkey")),
    )
    op.create_table(
        "schedulerlease",
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("owner", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("schedulerlease_pkey")),
    )
    op.create_table(
        "user",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("display_name", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("community_id", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True),
        sa.Column("preferred_channel", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("user_pkey")),
    )
    op.create_table(
        "wechatnonce",
        sa.Column("timestamp", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("nonce", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("digest", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("timestamp", "nonce", name=op.f("wechatnonce_pkey")),
    )
    op.create_index(op.f("ix_wechatnonce_expires_at"), "wechatnonce", ["expires_at"], unique=False)

    op.create_table(
        "announcement",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("text", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
        sa.Column("link", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("topic", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("communities", sa.JSON(), nullable=False),
        sa.Column("roles", sa.JSON(), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("everyone", sa.Boolean(), nullable=False),
        sa.Column("send_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("sender_id", sa.Integer(), nullable=True),
        sa.Column("cursor", sa.Integer(), nullable=False),
        sa.Column("recipients", sa.Integer(), nullable=False),
        sa.Column("opted_out", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("queued_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["sender_id"], ["user.id"], name=op.f("announcement_sender_id_fkey")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("announcement_pkey")),
    )
    op.create_index("ix_announcement_due", "announcement", ["status", "send_at"], unique=False)

    op.create_table(
        "channelidentity",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("external_id", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("unsubscribed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("channelidentity_user_id_fkey")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("channelidentity_pkey")),
        sa.UniqueConstraint(
            "channel", "external_id", name=op.f("channelidentity_channel_external_id_key")
        ),
    )
    op.create_index(
        op.f("ix_channelidentity_user_id"), "channelidentity", ["user_id"], unique=False
    )

    op.create_table(
        "conversation",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("flow", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], name=op.f("conversation_user_id_fkey")),
        sa.PrimaryKeyConstraint("user_id", name=op.f("conversation_pkey")),
    )
    op.create_table(
        "invite",
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("purpose", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("role", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("community_id", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], name=op.f("invite_user_id_fkey")),
        sa.PrimaryKeyConstraint("code", name=op.f("invite_pkey")),
    )
    op.create_table(
        "noticeoptout",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("topic", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], name=op.f("noticeoptout_user_id_fkey")),
        sa.PrimaryKeyConstraint("user_id", "topic", name=op.f("noticeoptout_pkey")),
    )
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("dedupe_key", sqlmodel.sql.sqltypes.AutoString(length=160), nullable=False),
        sa.Column("ref", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("channel", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.Column("claim", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_error", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("announced_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], name=op.f("outbox_user_id_fkey")),
        sa.PrimaryKeyConstraint("id", name=op.f("outbox_pkey")),
        sa.UniqueConstraint("dedupe_key", name=op.f("outbox_dedupe_key_key")),
    )
    op.create_index("ix_outbox_due", "outbox", ["status", "next_attempt_at"], unique=False)
    op.create_index(op.f("ix_outbox_ref"), "outbox", ["ref"], unique=False)
    op.create_index(op.f("ix_outbox_user_id"), "outbox", ["user_id"], unique=False)

    op.create_table(
        "processedmessage",
        sa.Column("channel", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("msg_id", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("processedmessage_user_id_fkey")
        ),
        sa.PrimaryKeyConstraint("channel", "msg_id", name=op.f("processedmessage_pkey")),
    )
    op.create_table(
        "registration",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("party", sa.Integer(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("phone", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.Column("waitlist_seq", sa.Integer(), nullable=True),
        sa.Column("offer_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("rating", sa.Integer(), nullable=True),
        sa.Column("comment", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["activity_id"], ["activity.id"], name=op.f("registration_activity_id_fkey")
        ),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], name=op.f("registration_user_id_fkey")),
        sa.PrimaryKeyConstraint("id", name=op.f("registration_pkey")),
        sa.UniqueConstraint(
            "activity_id", "user_id", name=op.f("registration_activity_id_user_id_key")
        ),
    )
    op.create_index(
        "ix_registration_activity_status", "registration", ["activity_id", "status"], unique=False
    )
    op.create_index(
        op.f("ix_registration_updated_at"), "registration", ["updated_at"], unique=False
    )
    op.create_index(op.f("ix_registration_user_id"), "registration", ["user_id"], unique=False)

    op.create_table(
        "reminderrun",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("offset_minutes", sa.Float(), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("outcome", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("ran_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["activity_id"], ["activity.id"], name=op.f("reminderrun_activity_id_fkey")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("reminderrun_pkey")),
        sa.UniqueConstraint(
            "activity_id",
            "offset_minutes",
            "due_at",
            name=op.f("reminderrun_activity_id_offset_minutes_due_at_key"),
        ),
    )
    op.create_index(
        op.f("ix_reminderrun_activity_id"), "reminderrun", ["activity_id"], unique=False
    )

    op.create_table(
        "shiftpost",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("community_id", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True),
        sa.Column("place", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("description", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("skills", sa.JSON(), nullable=False),
        sa.Column("coordinator_id", sa.Integer(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["coordinator_id"], ["user.id"], name=op.f("shiftpost_coordinator_id_fkey")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("shiftpost_pkey")),
    )
    op.create_table(
        "unansweredquestion",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("channel", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("text", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        sa.Column("best_entry_id", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True),
        sa.Column("confidence", sa.Float(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("unansweredquestion_user_id_fkey")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("unansweredquestion_pkey")),
    )
    op.create_index(
        "ix_unanswered_open", "unansweredquestion", ["kind", "resolved_at"], unique=False
    )
    op.create_index(
        op.f("ix_unansweredquestion_user_id"), "unansweredquestion", ["user_id"], unique=False
    )

    op.create_table(
        "userrole",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("role", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("community_id", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], name=op.f("userrole_user_id_fkey")),
        sa.PrimaryKeyConstraint("id", name=op.f("userrole_pkey")),
        sa.UniqueConstraint(
            "user_id", "role", "community_id", name=op.f("userrole_user_id_role_community_id_key")
        ),
    )
    op.create_index(op.f("ix_userrole_user_id"), "userrole", ["user_id"], unique=False)

    op.create_table(
        "usertag",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("tag", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], name=op.f("usertag_user_id_fkey")),
        sa.PrimaryKeyConstraint("user_id", "tag", name=op.f("usertag_pkey")),
    )
    op.create_table(
        "volunteerskill",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("skill", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], name=op.f("volunteerskill_user_id_fkey")),
        sa.PrimaryKeyConstraint("user_id", "skill", name=op.f("volunteerskill_pkey")),
    )
    op.create_table(
        "linkrequest",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("identity_id", sa.Integer(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["identity_id"], ["channelidentity.id"], name=op.f("linkrequest_identity_id_fkey")
        ),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], name=op.f("linkrequest_user_id_fkey")),
        sa.PrimaryKeyConstraint("id", name=op.f("linkrequest_pkey")),
    )
    op.create_index("ix_linkrequest_pending", "linkrequest", ["user_id", "status"], unique=False)

    op.create_table(
        "reminderlog",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("registration_id", sa.Integer(), nullable=False),
        sa.Column("offset_minutes", sa.Float(), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("outcome", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["registration_id"], ["registration.id"], name=op.f("reminderlog_registration_id_fkey")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("reminderlog_pkey")),
        sa.UniqueConstraint(
            "registration_id",
            "offset_minutes",
            name=op.f("reminderlog_registration_id_offset_minutes_key"),
        ),
    )
    op.create_table(
        "shifttemplate",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("weekday", sa.Integer(), nullable=False),
        sa.Column("start_time", sqlmodel.sql.sqltypes.AutoString(length=5), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("slots", sa.Integer(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("until", sa.Date(), nullable=True),
        sa.Column("activity_id", sa.Integer(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["activity_id"], ["activity.id"], name=op.f("shifttemplate_activity_id_fkey")
        ),
        sa.ForeignKeyConstraint(
            ["post_id"], ["shiftpost.id"], name=op.f("shifttemplate_post_id_fkey")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("shifttemplate_pkey")),
    )
    op.create_index(op.f("ix_shifttemplate_post_id"), "shifttemplate", ["post_id"], unique=False)

    op.create_table(
        "shift",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("template_id", sa.Integer(), nullable=True),
        sa.Column("activity_id", sa.Integer(), nullable=True),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("slots", sa.Integer(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("checkin_code", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["activity_id"], ["activity.id"], name=op.f("shift_activity_id_fkey")
        ),
        sa.ForeignKeyConstraint(["post_id"], ["shiftpost.id"], name=op.f("shift_post_id_fkey")),
        sa.ForeignKeyConstraint(
            ["template_id"], ["shifttemplate.id"], name=op.f("shift_template_id_fkey")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("shift_pkey")),
        sa.UniqueConstraint(
            "template_id", "starts_at", name=op.f("shift_template_id_starts_at_key")
        ),
    )
    op.create_index(op.f("ix_shift_post_id"), "shift", ["post_id"], unique=False)
    op.create_index("ix_shift_time", "shift", ["status", "starts_at"], unique=False)
    op.create_index(op.f("ix_shift_updated_at"), "shift", ["updated_at"], unique=False)

    op.create_table(
        "shiftassignment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shift_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("assigned_by", sa.Integer(), nullable=True),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("declined_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("stand_in_wanted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("checked_in_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("checked_out_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("minutes", sa.Integer(), nullable=True),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("approved_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["approved_by"], ["user.id"], name=op.f("shiftassignment_approved_by_fkey")
        ),
        sa.ForeignKeyConstraint(
            ["assigned_by"], ["user.id"], name=op.f("shiftassignment_assigned_by_fkey")
        ),
        sa.ForeignKeyConstraint(
            ["shift_id"], ["shift.id"], name=op.f("shiftassignment_shift_id_fkey")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("shiftassignment_user_id_fkey")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("shiftassignment_pkey")),
        sa.UniqueConstraint(
            "shift_id", "user_id", name=op.f("shiftassignment_shift_id_user_id_key")
        ),
    )
    op.create_index(
        "ix_assignment_shift_status", "shiftassignment", ["shift_id", "status"], unique=False
    )
    op.create_index(
        op.f("ix_shiftassignment_updated_at"), "shiftassignment", ["updated_at"], unique=False
    )
    op.create_index(
        op.f("ix_shiftassignment_user_id"), "shiftassignment", ["user_id"], unique=False
    )


def downgrade() -> None:
    # a table's indexes go with it
    op.drop_table("shiftassignment")
    op.drop_table("shift")
    op.drop_table("shifttemplate")
    op.drop_table("reminderlog")
    op.drop_table("linkrequest")
    op.drop_table("volunteerskill")
    op.drop_table("usertag")
    op.drop_table("userrole")
    op.drop_table("unansweredquestion")
    op.drop_table("shiftpost")
    op.drop_table("reminderrun")
    op.drop_table("registration")
    op.drop_table("processedmessage")
    op.drop_table("outbox")
    op.drop_table("noticeoptout")
    op.drop_table("invite")
    op.drop_table("conversation")
    op.drop_table("channelidentity")
    op.drop_table("announcement")
    op.drop_table("wechatnonce")
    op.drop_table("user")
    op.drop_table("schedulerlease")
    op.drop_table("knowledgeentry")
    op.drop_table("community")
    op.drop_table("attemptcount")
    op.drop_table("activity")
    op.drop_table("accesstoken")
