"""The Digital Charity Ball: the event, ticket types, orders and their lines, tickets
(one per seat), check-in events, refunds, and the Stripe events already handled.

Revision ID: 0004_ball
Revises: 0003_brokering
Create Date: 2026-11-21 19:22:37.869053

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0004_ball"
down_revision = "0003_brokering"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "ball",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=80), nullable=False),
        sa.Column("name", sa.String(length=160), nullable=False),
        sa.Column("venue", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sales_open_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sales_close_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("guest_changes_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lock_version", sa.Integer(), server_default="0", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("capacity >= 0", name=op.f("ck_ball_capacity_not_negative")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ball")),
        sa.UniqueConstraint("slug", name=op.f("uq_ball_slug")),
    )
    op.create_table(
        "stripe_event",
        sa.Column("id", sa.String(length=255), nullable=False),
        sa.Column("type", sa.String(length=120), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stripe_event")),
    )
    op.create_table(
        "ticket_order",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ball_id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "paid",
                "expired",
                "refunded",
                "partly_refunded",
                name="orderstatus",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("buyer_name", sa.String(length=120), nullable=False),
        sa.Column("buyer_email", sa.String(length=254), nullable=False),
        sa.Column("tickets_pence", sa.Integer(), nullable=False),
        sa.Column("donation_pence", sa.Integer(), nullable=False),
        sa.Column("gift_aid", sa.Boolean(), nullable=False),
        sa.Column("gift_aid_address", sa.Text(), nullable=True),
        sa.Column("gift_aid_postcode", sa.String(length=10), nullable=True),
        sa.Column("seats", sa.Integer(), nullable=False),
        sa.Column("hold_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("complimentary", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("stripe_session_id", sa.String(length=255), nullable=True),
        sa.Column("stripe_payment_intent_id", sa.String(length=255), nullable=True),
        sa.Column("checkout_attempt", sa.Integer(), nullable=False),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("paid_pence", sa.Integer(), nullable=True),
        sa.Column("refunded_pence", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "donation_pence >= 0", name=op.f("ck_ticket_order_donation_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["ball_id"], ["ball.id"], name=op.f("fk_ticket_order_ball_id_ball")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_order")),
        sa.UniqueConstraint("stripe_session_id", name=op.f("uq_ticket_order_stripe_session_id")),
        sa.UniqueConstraint("token", name=op.f("uq_ticket_order_token")),
    )
    with op.batch_alter_table("ticket_order", schema=None) as batch_op:
        batch_op.create_index("ix_ticket_order_ball_id_status", ["ball_id", "status"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_ticket_order_buyer_email"), ["buyer_email"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_ticket_order_hold_expires_at"), ["hold_expires_at"], unique=False
        )

    op.create_table(
        "ticket_type",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ball_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("price_pence", sa.Integer(), nullable=False),
        sa.Column("seats_per_ticket", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("per_order_limit", sa.Integer(), nullable=False),
        sa.Column("on_sale_from", sa.DateTime(timezone=True), nullable=True),
        sa.Column("on_sale_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("hidden", sa.Boolean(), nullable=False),
        sa.Column("access_code", sa.String(length=64), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.CheckConstraint("per_order_limit >= 1", name=op.f("ck_ticket_type_limit_positive")),
        sa.CheckConstraint("price_pence >= 0", name=op.f("ck_ticket_type_price_not_negative")),
        sa.CheckConstraint("quantity >= 0", name=op.f("ck_ticket_type_quantity_not_negative")),
        sa.CheckConstraint("seats_per_ticket >= 1", name=op.f("ck_ticket_type_seats_positive")),
        sa.ForeignKeyConstraint(
            ["ball_id"], ["ball.id"], name=op.f("fk_ticket_type_ball_id_ball"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_type")),
    )
    with op.batch_alter_table("ticket_type", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ticket_type_ball_id"), ["ball_id"], unique=False)

    op.create_table(
        "ticket_order_line",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("ticket_type_id", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("unit_price_pence", sa.Integer(), nullable=False),
        sa.Column("seats_per_ticket", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["ticket_order.id"],
            name=op.f("fk_ticket_order_line_order_id_ticket_order"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["ticket_type_id"],
            ["ticket_type.id"],
            name=op.f("fk_ticket_order_line_ticket_type_id_ticket_type"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_order_line")),
    )
    with op.batch_alter_table("ticket_order_line", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_ticket_order_line_order_id"), ["order_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_ticket_order_line_ticket_type_id"), ["ticket_type_id"], unique=False
        )

    op.create_table(
        "ticket_refund",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("amount_pence", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("stripe_refund_id", sa.String(length=255), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user_account.id"],
            name=op.f("fk_ticket_refund_created_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["ticket_order.id"],
            name=op.f("fk_ticket_refund_order_id_ticket_order"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_refund")),
        sa.UniqueConstraint("stripe_refund_id", name=op.f("uq_ticket_refund_stripe_refund_id")),
    )
    with op.batch_alter_table("ticket_refund", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ticket_refund_order_id"), ["order_id"], unique=False)

    op.create_table(
        "ticket",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("order_line_id", sa.Integer(), nullable=False),
        sa.Column("ticket_type_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column(
            "status",
            sa.Enum("valid", "revoked", name="ticketstatus", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("guest_name", sa.String(length=120), nullable=True),
        sa.Column("dietary", sa.Text(), nullable=True),
        sa.Column("access_needs", sa.Text(), nullable=True),
        sa.Column("checked_in_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("checked_in_by_id", sa.Integer(), nullable=True),
        sa.Column("refund_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["checked_in_by_id"],
            ["user_account.id"],
            name=op.f("fk_ticket_checked_in_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["ticket_order.id"],
            name=op.f("fk_ticket_order_id_ticket_order"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["order_line_id"],
            ["ticket_order_line.id"],
            name=op.f("fk_ticket_order_line_id_ticket_order_line"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["refund_id"], ["ticket_refund.id"], name=op.f("fk_ticket_refund_id_ticket_refund")
        ),
        sa.ForeignKeyConstraint(
            ["ticket_type_id"],
            ["ticket_type.id"],
            name=op.f("fk_ticket_ticket_type_id_ticket_type"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket")),
        sa.UniqueConstraint("code", name=op.f("uq_ticket_code")),
    )
    with op.batch_alter_table("ticket", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ticket_guest_name"), ["guest_name"], unique=False)
        batch_op.create_index(batch_op.f("ix_ticket_order_id"), ["order_id"], unique=False)

    op.create_table(
        "check_in_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["user_account.id"], name=op.f("fk_check_in_event_actor_id_user_account")
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["ticket.id"],
            name=op.f("fk_check_in_event_ticket_id_ticket"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_check_in_event")),
    )
    with op.batch_alter_table("check_in_event", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_check_in_event_ticket_id"), ["ticket_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("check_in_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_check_in_event_ticket_id"))

    op.drop_table("check_in_event")
    with op.batch_alter_table("ticket", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ticket_order_id"))
        batch_op.drop_index(batch_op.f("ix_ticket_guest_name"))

    op.drop_table("ticket")
    with op.batch_alter_table("ticket_refund", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ticket_refund_order_id"))

    op.drop_table("ticket_refund")
    with op.batch_alter_table("ticket_order_line", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ticket_order_line_ticket_type_id"))
        batch_op.drop_index(batch_op.f("ix_ticket_order_line_order_id"))

    op.drop_table("ticket_order_line")
    with op.batch_alter_table("ticket_type", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ticket_type_ball_id"))

    op.drop_table("ticket_type")
    with op.batch_alter_table("ticket_order", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ticket_order_hold_expires_at"))
        batch_op.drop_index(batch_op.f("ix_ticket_order_buyer_email"))
        batch_op.drop_index("ix_ticket_order_ball_id_status")

    op.drop_table("ticket_order")
    op.drop_table("stripe_event")
    op.drop_table("ball")
