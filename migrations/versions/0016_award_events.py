"""An award's history: who recorded its payment, set its report dates, sent and answered
each report, when, and the team's comments. A new table only.

Revision ID: 0016_award_events
Revises: 0015_funding
Create Date: 2026-12-03 16:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0016_award_events"
down_revision = "0015_funding"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "award_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("award_id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=True),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column(
            "kind",
            sa.Enum(
                "paid",
                "dates_set",
                "report_sent",
                "report_accepted",
                "more_asked",
                "closed",
                name="awardeventkind",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["award_id"],
            ["award.id"],
            name=op.f("fk_award_event_award_id_award"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["monitoring_report.id"],
            name=op.f("fk_award_event_report_id_monitoring_report"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["user_account.id"],
            name=op.f("fk_award_event_actor_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_award_event")),
    )
    with op.batch_alter_table("award_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_award_event_award_id"), ["award_id"], unique=False)


def downgrade():
    with op.batch_alter_table("award_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_award_event_award_id"))
    op.drop_table("award_event")
