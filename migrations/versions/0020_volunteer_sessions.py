"""Volunteer sessions and hours (issue 17): sessions of a volunteering match (Leeds time
stored as UTC, an address in a ward or remote with a link, a calendar sequence), the
volunteers put on each, and the hours each logs for a session, confirmed or corrected by
the charity (kept with the match and company so the figures survive an account deletion).

Revision ID: 0020_volunteer_sessions
Revises: 0019_gift_aid_claims
Create Date: 2026-12-03 19:17:31.768586

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0020_volunteer_sessions"
down_revision = "0019_gift_aid_claims"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "volunteer_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("match_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("remote", sa.Boolean(), nullable=False),
        sa.Column("address", sa.Text(), nullable=True),
        sa.Column("ward_id", sa.Integer(), nullable=True),
        sa.Column("link", sa.String(length=500), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column(
            "status",
            sa.Enum("scheduled", "cancelled", name="sessionstatus", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "ends_at > starts_at", name=op.f("ck_volunteer_session_ends_after_start")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user_account.id"],
            name=op.f("fk_volunteer_session_created_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["match_id"],
            ["match.id"],
            name=op.f("fk_volunteer_session_match_id_match"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["ward_id"],
            ["ward.id"],
            name=op.f("fk_volunteer_session_ward_id_ward"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_volunteer_session")),
    )
    with op.batch_alter_table("volunteer_session", schema=None) as batch_op:
        batch_op.create_index(
            "ix_volunteer_session_match_id_starts_at", ["match_id", "starts_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_volunteer_session_starts_at"), ["starts_at"], unique=False
        )

    op.create_table(
        "volunteer_hour_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=True),
        sa.Column("match_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("volunteer_id", sa.Integer(), nullable=True),
        sa.Column("worked_on", sa.Date(), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum("logged", "confirmed", name="hourstatus", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("confirmed_minutes", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("logged_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("confirmed_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "confirmed_minutes >= 0",
            name=op.f("ck_volunteer_hour_log_confirmed_minutes_not_negative"),
        ),
        sa.CheckConstraint("minutes >= 0", name=op.f("ck_volunteer_hour_log_minutes_not_negative")),
        sa.ForeignKeyConstraint(
            ["confirmed_by_id"],
            ["user_account.id"],
            name=op.f("fk_volunteer_hour_log_confirmed_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["match_id"],
            ["match.id"],
            name=op.f("fk_volunteer_hour_log_match_id_match"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_volunteer_hour_log_organisation_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["volunteer_session.id"],
            name=op.f("fk_volunteer_hour_log_session_id_volunteer_session"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["volunteer_id"],
            ["volunteer.id"],
            name=op.f("fk_volunteer_hour_log_volunteer_id_volunteer"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_volunteer_hour_log")),
        sa.UniqueConstraint("session_id", "volunteer_id", name="uq_volunteer_hour_log_once"),
    )
    with op.batch_alter_table("volunteer_hour_log", schema=None) as batch_op:
        batch_op.create_index(
            "ix_volunteer_hour_log_match_id_status", ["match_id", "status"], unique=False
        )
        batch_op.create_index(
            "ix_volunteer_hour_log_organisation_id_status",
            ["organisation_id", "status"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_volunteer_hour_log_volunteer_id"), ["volunteer_id"], unique=False
        )

    op.create_table(
        "volunteer_session_attendee",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("volunteer_id", sa.Integer(), nullable=False),
        sa.Column("added_by_id", sa.Integer(), nullable=True),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["added_by_id"],
            ["user_account.id"],
            name=op.f("fk_volunteer_session_attendee_added_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["volunteer_session.id"],
            name=op.f("fk_volunteer_session_attendee_session_id_volunteer_session"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["volunteer_id"],
            ["volunteer.id"],
            name=op.f("fk_volunteer_session_attendee_volunteer_id_volunteer"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_volunteer_session_attendee")),
        sa.UniqueConstraint(
            "session_id", "volunteer_id", name=op.f("uq_volunteer_session_attendee_session_id")
        ),
    )
    with op.batch_alter_table("volunteer_session_attendee", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_volunteer_session_attendee_volunteer_id"), ["volunteer_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("volunteer_session_attendee", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_volunteer_session_attendee_volunteer_id"))

    op.drop_table("volunteer_session_attendee")
    with op.batch_alter_table("volunteer_hour_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_volunteer_hour_log_volunteer_id"))
        batch_op.drop_index("ix_volunteer_hour_log_organisation_id_status")
        batch_op.drop_index("ix_volunteer_hour_log_match_id_status")

    op.drop_table("volunteer_hour_log")
    with op.batch_alter_table("volunteer_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_volunteer_session_starts_at"))
        batch_op.drop_index("ix_volunteer_session_match_id_starts_at")

    op.drop_table("volunteer_session")
