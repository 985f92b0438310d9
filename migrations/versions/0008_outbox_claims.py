"""The worker claims an email before sending it ("sending", with when and which worker,
committed first), so a worker that dies mid-send leaves a row another worker retries
after a timeout, with the same Message-ID and the attempt counted.

Revision ID: 0008_outbox_claims
Revises: 0007_outbox_qr_images
Create Date: 2026-12-03 08:20:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0008_outbox_claims"
down_revision = "0007_outbox_qr_images"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("outbox_email", schema=None) as batch_op:
        batch_op.add_column(sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("claimed_by", sa.String(length=120), nullable=True))


def downgrade():
    # A row claimed when the schema goes back is simply due again.
    op.execute("UPDATE outbox_email SET status = 'pending' WHERE status = 'sending'")
    with op.batch_alter_table("outbox_email", schema=None) as batch_op:
        batch_op.drop_column("claimed_by")
        batch_op.drop_column("claimed_at")
