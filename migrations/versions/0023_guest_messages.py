"""Messages to the ball's guests and the door on every phone (issue 18): the team's
messages (who, when, audience, subject, body, how many written to, how many skipped as
erased; a one-time send key so a double-submitted send sends once), and the phone's id for
each scan that admitted a guest, so a retried scan is given its first answer.

Revision ID: 0023_guest_messages
Revises: 0022_seating
Create Date: 2026-12-03 19:22:27.675797

"""

import sqlalchemy as sa
from alembic import op

revision = "0023_guest_messages"
down_revision = "0022_seating"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "guest_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ball_id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column(
            "audience",
            sa.Enum(
                "all",
                "ticket_type",
                "unnamed",
                "table_hosts",
                name="audience",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("ticket_type_id", sa.Integer(), nullable=True),
        sa.Column("subject", sa.String(length=150), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("recipients", sa.Integer(), nullable=False),
        sa.Column("skipped_erased", sa.Integer(), nullable=False),
        sa.Column("send_key", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["user_account.id"], name=op.f("fk_guest_message_actor_id_user_account")
        ),
        sa.ForeignKeyConstraint(
            ["ball_id"], ["ball.id"], name=op.f("fk_guest_message_ball_id_ball"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["ticket_type_id"],
            ["ticket_type.id"],
            name=op.f("fk_guest_message_ticket_type_id_ticket_type"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_guest_message")),
        sa.UniqueConstraint("send_key", name=op.f("uq_guest_message_send_key")),
    )
    with op.batch_alter_table("guest_message", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_guest_message_ball_id"), ["ball_id"], unique=False)

    with op.batch_alter_table("check_in_event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("scan_id", sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_check_in_event_scan_id"), ["scan_id"])


def downgrade():
    with op.batch_alter_table("check_in_event", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_check_in_event_scan_id"), type_="unique")
        batch_op.drop_column("scan_id")

    with op.batch_alter_table("guest_message", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_guest_message_ball_id"))

    op.drop_table("guest_message")
