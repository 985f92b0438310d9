"""The ball's waiting list: who waits for which sold-out ticket type, how many, in what
order, and the offer made to them (the pending order that holds their seats).

Revision ID: 0018_waiting_list
Revises: 0017_volunteering
Create Date: 2026-12-03 16:30:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0018_waiting_list"
down_revision = "0017_volunteering"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "waiting_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ball_id", sa.Integer(), nullable=False),
        sa.Column("ticket_type_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "waiting",
                "offered",
                "bought",
                "lapsed",
                "removed",
                name="waitingstatus",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("token", sa.String(length=64), nullable=True),
        sa.Column("order_id", sa.Integer(), nullable=True),
        sa.Column("offered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("offered_by_id", sa.Integer(), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("quantity >= 1", name=op.f("ck_waiting_entry_quantity_positive")),
        sa.ForeignKeyConstraint(
            ["ball_id"], ["ball.id"], name=op.f("fk_waiting_entry_ball_id_ball"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["ticket_type_id"],
            ["ticket_type.id"],
            name=op.f("fk_waiting_entry_ticket_type_id_ticket_type"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["ticket_order.id"], name=op.f("fk_waiting_entry_order_id_ticket_order")
        ),
        sa.ForeignKeyConstraint(
            ["offered_by_id"],
            ["user_account.id"],
            name=op.f("fk_waiting_entry_offered_by_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_waiting_entry")),
        sa.UniqueConstraint("token", name=op.f("uq_waiting_entry_token")),
    )
    with op.batch_alter_table("waiting_entry", schema=None) as batch_op:
        batch_op.create_index(
            "ix_waiting_entry_ball_id_status", ["ball_id", "status"], unique=False
        )
        batch_op.create_index(
            "ix_waiting_entry_ticket_type_id_email", ["ticket_type_id", "email"], unique=False
        )


def downgrade():
    with op.batch_alter_table("waiting_entry", schema=None) as batch_op:
        batch_op.drop_index("ix_waiting_entry_ticket_type_id_email")
        batch_op.drop_index("ix_waiting_entry_ball_id_status")
    op.drop_table("waiting_entry")
