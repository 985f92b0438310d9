"""Gift Aid claims record the adjustment they carry (issue 18): donations refunded after an
earlier claim held them, whose tax HMRC wants taken off the next claim. Existing claims
carry none.

Revision ID: 0020c_gift_aid_adjustment
Revises: 0020_volunteer_sessions
Create Date: 2026-12-03 19:26:53.619167

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0020c_gift_aid_adjustment"
down_revision = "0020_volunteer_sessions"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("gift_aid_claim", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("adjustment_pence", sa.Integer(), server_default="0", nullable=False)
        )


def downgrade():
    with op.batch_alter_table("gift_aid_claim", schema=None) as batch_op:
        batch_op.drop_column("adjustment_pence")
