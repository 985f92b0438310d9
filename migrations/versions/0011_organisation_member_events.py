"""An organisation's history names the member a change of people was about (removed,
left, made owner) by their account, never by a copy of their name, so deleting an
account leaves "Former member" there.

Revision ID: 0011_organisation_member_events
Revises: 0010_privacy_actions
Create Date: 2026-12-03 12:45:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0011_organisation_member_events"
down_revision = "0010_privacy_actions"
branch_labels = None
depends_on = None


def upgrade():
    # The action column is a plain string (no database enum): the three new actions
    # need no change to it.
    with op.batch_alter_table("organisation_event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("member_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_organisation_event_member_id_user_account"),
            "user_account",
            ["member_id"],
            ["id"],
        )


def downgrade():
    with op.batch_alter_table("organisation_event", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_organisation_event_member_id_user_account"), type_="foreignkey"
        )
        batch_op.drop_column("member_id")
