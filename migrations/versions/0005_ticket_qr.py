"""Each ticket keeps its QR code's drawing, made once when the ticket is issued.

Tickets issued before this have none; they are drawn when shown, as before.

Revision ID: 0005_ticket_qr
Revises: 0004_ball
Create Date: 2026-11-21 21:55:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0005_ticket_qr"
down_revision = "0004_ball"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("ticket", schema=None) as batch_op:
        batch_op.add_column(sa.Column("qr_svg", sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table("ticket", schema=None) as batch_op:
        batch_op.drop_column("qr_svg")
