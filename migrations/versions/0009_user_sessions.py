"""Signed-in sessions are recorded on the server, so signing out ends one for good
(a copy of the cookie no longer works) and people can see and end their others.

Revision ID: 0009_user_sessions
Revises: 0008_outbox_claims
Create Date: 2026-12-03 08:30:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0009_user_sessions"
down_revision = "0008_outbox_claims"
branch_labels = None
depends_on = None


def upgrade():
    # A new table only: sessions signed in before this release carry no session token
    # and simply ask their owners to sign in again.
    op.create_table(
        "user_session",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user_agent", sa.String(length=120), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_user_session_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_session")),
    )
    with op.batch_alter_table("user_session", schema=None) as batch_op:
        batch_op.create_index(
            "ix_user_session_user_id_ended_at", ["user_id", "ended_at"], unique=False
        )


def downgrade():
    with op.batch_alter_table("user_session", schema=None) as batch_op:
        batch_op.drop_index("ix_user_session_user_id_ended_at")
    op.drop_table("user_session")
