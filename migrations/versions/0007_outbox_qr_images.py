"""Emails carry the QR codes they show as images: the worker draws each as a PNG and
sends it with the email (most email programs show no inline SVG).

Revision ID: 0007_outbox_qr_images
Revises: 0006_ball_changes
Create Date: 2026-11-21 22:50:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0007_outbox_qr_images"
down_revision = "0006_ball_changes"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("outbox_email", schema=None) as batch_op:
        batch_op.add_column(sa.Column("qr_images", sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table("outbox_email", schema=None) as batch_op:
        batch_op.drop_column("qr_images")
