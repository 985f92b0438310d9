"""Named volunteers (issue 17): a company's volunteers and its invitations to them, the
places on agreed volunteering matches with their history, who checks the volunteers of a
match, and the disclosure checks recorded (level, certificate date, who checked; no
certificate number or copy).

Revision ID: 0017_volunteering
Revises: 0016_award_events
Create Date: 2026-12-03 15:30:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0017_volunteering"
down_revision = "0016_award_events"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "volunteer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum("active", "left", name="volunteerstatus", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("invited_by_id", sa.Integer(), nullable=True),
        sa.Column("joined_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("left_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("removed_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["invited_by_id"],
            ["user_account.id"],
            name=op.f("fk_volunteer_invited_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_volunteer_organisation_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["removed_by_id"],
            ["user_account.id"],
            name=op.f("fk_volunteer_removed_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_volunteer_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_volunteer")),
        sa.UniqueConstraint(
            "organisation_id", "user_id", name=op.f("uq_volunteer_organisation_id")
        ),
    )
    with op.batch_alter_table("volunteer", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_volunteer_user_id"), ["user_id"], unique=False)

    op.create_table(
        "volunteer_invitation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("invited_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("accepted_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["accepted_by_id"],
            ["user_account.id"],
            name=op.f("fk_volunteer_invitation_accepted_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["invited_by_id"],
            ["user_account.id"],
            name=op.f("fk_volunteer_invitation_invited_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_volunteer_invitation_organisation_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_volunteer_invitation")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_volunteer_invitation_token_hash")),
    )
    with op.batch_alter_table("volunteer_invitation", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_volunteer_invitation_organisation_id"), ["organisation_id"], unique=False
        )

    op.create_table(
        "volunteer_check_arrangement",
        sa.Column("match_id", sa.Integer(), nullable=False),
        sa.Column(
            "checked_by",
            sa.Enum("need", "offer", name="listingside", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("chosen_by_id", sa.Integer(), nullable=True),
        sa.Column("chosen_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["chosen_by_id"],
            ["user_account.id"],
            name=op.f("fk_volunteer_check_arrangement_chosen_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["match_id"],
            ["match.id"],
            name=op.f("fk_volunteer_check_arrangement_match_id_match"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("match_id", name=op.f("pk_volunteer_check_arrangement")),
    )
    op.create_table(
        "volunteer_place",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("match_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "unfilled",
                "open",
                "taken",
                "confirmed",
                name="placestatus",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("volunteer_id", sa.Integer(), nullable=True),
        sa.Column("filled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("confirmed_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("number > 0", name=op.f("ck_volunteer_place_number_positive")),
        sa.ForeignKeyConstraint(
            ["confirmed_by_id"],
            ["user_account.id"],
            name=op.f("fk_volunteer_place_confirmed_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["match_id"],
            ["match.id"],
            name=op.f("fk_volunteer_place_match_id_match"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["volunteer_id"],
            ["volunteer.id"],
            name=op.f("fk_volunteer_place_volunteer_id_volunteer"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_volunteer_place")),
        sa.UniqueConstraint("match_id", "number", name="uq_volunteer_place_number"),
        sa.UniqueConstraint("match_id", "volunteer_id", name="uq_volunteer_place_volunteer"),
    )
    with op.batch_alter_table("volunteer_place", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_volunteer_place_volunteer_id"), ["volunteer_id"], unique=False
        )

    op.create_table(
        "disclosure_check",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("place_id", sa.Integer(), nullable=False),
        sa.Column("volunteer_id", sa.Integer(), nullable=False),
        sa.Column(
            "level",
            sa.Enum(
                "basic",
                "standard",
                "enhanced",
                "enhanced_barred",
                name="checklevel",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("certificate_date", sa.Date(), nullable=False),
        sa.Column(
            "checked_by",
            sa.Enum("need", "offer", name="listingside", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["place_id"],
            ["volunteer_place.id"],
            name=op.f("fk_disclosure_check_place_id_volunteer_place"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["user_account.id"],
            name=op.f("fk_disclosure_check_recorded_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["volunteer_id"],
            ["volunteer.id"],
            name=op.f("fk_disclosure_check_volunteer_id_volunteer"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_disclosure_check")),
    )
    with op.batch_alter_table("disclosure_check", schema=None) as batch_op:
        batch_op.create_index(
            "ix_disclosure_check_place_id_volunteer_id", ["place_id", "volunteer_id"], unique=False
        )

    op.create_table(
        "volunteer_place_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("place_id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("volunteer_id", sa.Integer(), nullable=True),
        sa.Column(
            "action",
            sa.Enum(
                "open_up",
                "assign",
                "sign_up",
                "confirm",
                "withdraw",
                name="placeaction",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "from_status",
            sa.Enum(
                "unfilled",
                "open",
                "taken",
                "confirmed",
                name="placestatus",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "to_status",
            sa.Enum(
                "unfilled",
                "open",
                "taken",
                "confirmed",
                name="placestatus",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["user_account.id"],
            name=op.f("fk_volunteer_place_event_actor_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["place_id"],
            ["volunteer_place.id"],
            name=op.f("fk_volunteer_place_event_place_id_volunteer_place"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["volunteer_id"],
            ["volunteer.id"],
            name=op.f("fk_volunteer_place_event_volunteer_id_volunteer"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_volunteer_place_event")),
    )
    with op.batch_alter_table("volunteer_place_event", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_volunteer_place_event_place_id"), ["place_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("volunteer_place_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_volunteer_place_event_place_id"))

    op.drop_table("volunteer_place_event")
    with op.batch_alter_table("disclosure_check", schema=None) as batch_op:
        batch_op.drop_index("ix_disclosure_check_place_id_volunteer_id")

    op.drop_table("disclosure_check")
    with op.batch_alter_table("volunteer_place", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_volunteer_place_volunteer_id"))

    op.drop_table("volunteer_place")
    op.drop_table("volunteer_check_arrangement")
    with op.batch_alter_table("volunteer_invitation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_volunteer_invitation_organisation_id"))

    op.drop_table("volunteer_invitation")
    with op.batch_alter_table("volunteer", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_volunteer_user_id"))

    op.drop_table("volunteer")
