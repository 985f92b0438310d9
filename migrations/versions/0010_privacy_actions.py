"""The record of what the team does with a person's data on request (a download of
everything held about an address, an erasure), and of accounts deleted by their
holders: who, what and why, never the person's name or email.

Revision ID: 0010_privacy_actions
Revises: 0009_user_sessions
Create Date: 2026-12-03 12:30:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0010_privacy_actions"
down_revision = "0009_user_sessions"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "privacy_action",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "downloaded",
                "erased_order",
                "erased_guest",
                "deleted_account",
                name="privacyactionkind",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("subject", sa.String(length=120), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["user_account.id"],
            name=op.f("fk_privacy_action_actor_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_privacy_action")),
    )
    with op.batch_alter_table("privacy_action", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_privacy_action_created_at"), ["created_at"], unique=False
        )


def downgrade():
    with op.batch_alter_table("privacy_action", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_privacy_action_created_at"))
    op.drop_table("privacy_action")
