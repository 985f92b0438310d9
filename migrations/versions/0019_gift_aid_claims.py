"""Gift Aid claims: the declaration asks what HMRC's claim schedule needs (title, first
and last name, house name or number) and keeps its wording and when it was made; a
claim holds the donations of a period, each claimed once. New nullable columns and a
new table: existing orders keep what they had.

Revision ID: 0019_gift_aid_claims
Revises: 0018_waiting_list
Create Date: 2026-12-03 16:10:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0019_gift_aid_claims"
down_revision = "0018_waiting_list"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "gift_aid_claim",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ball_id", sa.Integer(), nullable=False),
        sa.Column("period_from", sa.Date(), nullable=False),
        sa.Column("period_to", sa.Date(), nullable=False),
        sa.Column("made_by_id", sa.Integer(), nullable=False),
        sa.Column("made_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("donations", sa.Integer(), nullable=False),
        sa.Column("total_pence", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["ball_id"],
            ["ball.id"],
            name=op.f("fk_gift_aid_claim_ball_id_ball"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["made_by_id"],
            ["user_account.id"],
            name=op.f("fk_gift_aid_claim_made_by_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_gift_aid_claim")),
    )
    with op.batch_alter_table("gift_aid_claim", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_gift_aid_claim_ball_id"), ["ball_id"], unique=False)

    with op.batch_alter_table("ticket_order", schema=None) as batch_op:
        batch_op.add_column(sa.Column("gift_aid_title", sa.String(length=4), nullable=True))
        batch_op.add_column(sa.Column("gift_aid_first_name", sa.String(length=35), nullable=True))
        batch_op.add_column(sa.Column("gift_aid_last_name", sa.String(length=35), nullable=True))
        batch_op.add_column(sa.Column("gift_aid_house", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("gift_aid_declaration", sa.Text(), nullable=True))
        batch_op.add_column(
            sa.Column("gift_aid_declared_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("gift_aid_claim_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("gift_aid_claimed_pence", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_ticket_order_gift_aid_claim_id"), ["gift_aid_claim_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_ticket_order_gift_aid_claim_id_gift_aid_claim"),
            "gift_aid_claim",
            ["gift_aid_claim_id"],
            ["id"],
        )


def downgrade():
    with op.batch_alter_table("ticket_order", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_ticket_order_gift_aid_claim_id_gift_aid_claim"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_ticket_order_gift_aid_claim_id"))
        batch_op.drop_column("gift_aid_claimed_pence")
        batch_op.drop_column("gift_aid_claim_id")
        batch_op.drop_column("gift_aid_declared_at")
        batch_op.drop_column("gift_aid_declaration")
        batch_op.drop_column("gift_aid_house")
        batch_op.drop_column("gift_aid_last_name")
        batch_op.drop_column("gift_aid_first_name")
        batch_op.drop_column("gift_aid_title")

    with op.batch_alter_table("gift_aid_claim", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_gift_aid_claim_ball_id"))
    op.drop_table("gift_aid_claim")
