"""Reminders: each person may turn them off, and each reminder that went is noted
(kind, thing, recipient as "user:<id>" or "order:<id>") so none goes twice.

Revision ID: 0012_reminders
Revises: 0011_organisation_member_events
Create Date: 2026-12-03 13:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0012_reminders"
down_revision = "0011_organisation_member_events"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("reminders_off", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    op.create_table(
        "reminder_sent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("thing_id", sa.Integer(), nullable=False),
        sa.Column("recipient", sa.String(length=40), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reminder_sent")),
        sa.UniqueConstraint("kind", "thing_id", "recipient", name="uq_reminder_sent_once"),
    )


def downgrade():
    op.drop_table("reminder_sent")
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_column("reminders_off")
