"""A person may ask for one email a day listing their notices, instead of an email for
each; when their last one went is kept.

Revision ID: 0013_daily_digest
Revises: 0012_reminders
Create Date: 2026-12-03 13:30:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0013_daily_digest"
down_revision = "0012_reminders"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("daily_digest", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(sa.Column("digest_sent_at", sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_column("digest_sent_at")
        batch_op.drop_column("daily_digest")
