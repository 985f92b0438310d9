"""The ball's history: who set up or changed the ball and its ticket types, and what
changed.

Revision ID: 0006_ball_changes
Revises: 0005_ticket_qr
Create Date: 2026-11-21 22:45:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0006_ball_changes"
down_revision = "0005_ticket_qr"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "ball_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ball_id", sa.Integer(), nullable=False),
        sa.Column("ticket_type_id", sa.Integer(), nullable=True),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("what", sa.String(length=200), nullable=False),
        sa.Column("changes", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["user_account.id"], name=op.f("fk_ball_change_actor_id_user_account")
        ),
        sa.ForeignKeyConstraint(
            ["ball_id"], ["ball.id"], name=op.f("fk_ball_change_ball_id_ball"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["ticket_type_id"],
            ["ticket_type.id"],
            name=op.f("fk_ball_change_ticket_type_id_ticket_type"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ball_change")),
    )
    with op.batch_alter_table("ball_change", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ball_change_ball_id"), ["ball_id"], unique=False)


def downgrade():
    with op.batch_alter_table("ball_change", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ball_change_ball_id"))
    op.drop_table("ball_change")
