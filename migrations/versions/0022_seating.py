"""Seating at the ball (issue 18): the ball's tables, each ticket's table, the buyer's
seating wishes, and a guest filling in their own details through a link (its address,
the link key's hash, when sent and when filled in). Every new column may be empty, so
existing tickets and orders need nothing.

Revision ID: 0022_seating
Revises: 0024_search_and_summaries
Create Date: 2026-12-03 19:22:15.701095

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0022_seating"
down_revision = "0024_search_and_summaries"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "seating_table",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ball_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("seats", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("seats >= 1", name=op.f("ck_seating_table_seats_positive")),
        sa.ForeignKeyConstraint(
            ["ball_id"], ["ball.id"], name=op.f("fk_seating_table_ball_id_ball"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_seating_table")),
    )
    with op.batch_alter_table("seating_table", schema=None) as batch_op:
        batch_op.create_index("uq_seating_table_ball_id_name", ["ball_id", "name"], unique=True)

    with op.batch_alter_table("ticket", schema=None) as batch_op:
        batch_op.add_column(sa.Column("table_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("guest_email", sa.String(length=254), nullable=True))
        batch_op.add_column(sa.Column("guest_token_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(
            sa.Column("guest_invited_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("guest_filled_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f("ix_ticket_table_id"), ["table_id"], unique=False)
        batch_op.create_unique_constraint(
            batch_op.f("uq_ticket_guest_token_hash"), ["guest_token_hash"]
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_ticket_table_id_seating_table"),
            "seating_table",
            ["table_id"],
            ["id"],
            ondelete="SET NULL",
        )

    with op.batch_alter_table("ticket_order", schema=None) as batch_op:
        batch_op.add_column(sa.Column("seating_wishes", sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table("ticket_order", schema=None) as batch_op:
        batch_op.drop_column("seating_wishes")

    with op.batch_alter_table("ticket", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_ticket_table_id_seating_table"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("uq_ticket_guest_token_hash"), type_="unique")
        batch_op.drop_index(batch_op.f("ix_ticket_table_id"))
        batch_op.drop_column("guest_filled_at")
        batch_op.drop_column("guest_invited_at")
        batch_op.drop_column("guest_token_hash")
        batch_op.drop_column("guest_email")
        batch_op.drop_column("table_id")

    with op.batch_alter_table("seating_table", schema=None) as batch_op:
        batch_op.drop_index("uq_seating_table_ball_id_name")

    op.drop_table("seating_table")
