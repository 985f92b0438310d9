"""Pay by invoice (issue 18): the invoice of a company's order (number, company, billing
address, purchase order, due date, the bank transfer recorded), the per-year counter that
numbers invoices, and which ticket types allow invoices (false for every existing one).

Revision ID: 0021_invoices
Revises: 0020a_sessions_extra
Create Date: 2026-12-03 19:23:48.934197

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0021_invoices"
down_revision = "0020a_sessions_extra"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "invoice_counter",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("year", name=op.f("pk_invoice_counter")),
    )
    op.create_table(
        "invoice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("company", sa.String(length=160), nullable=False),
        sa.Column("billing_address", sa.Text(), nullable=False),
        sa.Column("po_number", sa.String(length=60), nullable=True),
        sa.Column("amount_pence", sa.Integer(), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("transfer_date", sa.Date(), nullable=True),
        sa.Column("transfer_reference", sa.String(length=120), nullable=True),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("amount_pence >= 0", name=op.f("ck_invoice_amount_not_negative")),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["ticket_order.id"],
            name=op.f("fk_invoice_order_id_ticket_order"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["user_account.id"],
            name=op.f("fk_invoice_recorded_by_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoice")),
        sa.UniqueConstraint("number", name=op.f("uq_invoice_number")),
        sa.UniqueConstraint("order_id", name=op.f("uq_invoice_order_id")),
    )
    with op.batch_alter_table("invoice", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_invoice_due_at"), ["due_at"], unique=False)

    with op.batch_alter_table("ticket_type", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("invoice_allowed", sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade():
    with op.batch_alter_table("ticket_type", schema=None) as batch_op:
        batch_op.drop_column("invoice_allowed")

    with op.batch_alter_table("invoice", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_invoice_due_at"))

    op.drop_table("invoice")
    op.drop_table("invoice_counter")
