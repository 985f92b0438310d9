"""Calendar feeds (issue 17): the version of each person's secret calendar address. The
address is a token signed over (user id, version); resetting it moves the version on.
A new table with no rows: nothing to fill in for existing people (no row is version 0).

Revision ID: 0020a_sessions_extra
Revises: 0020c_gift_aid_adjustment
Create Date: 2026-12-03 19:22:31.831915

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0020a_sessions_extra"
down_revision = "0020c_gift_aid_adjustment"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "calendar_feed",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("reset_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_calendar_feed_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_calendar_feed")),
    )


def downgrade():
    op.drop_table("calendar_feed")
