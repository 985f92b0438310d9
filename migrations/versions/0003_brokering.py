"""Brokering: matches with allocations, their history, conversation, team notes and
feedback; "we can help" offers; in-app notices; what matches hold of each listing.

Also replaces the link tables' single-column term indexes with (term, listing)
indexes, so the list page's ward, skill and group filters read ids from an index.

Revision ID: 0003_brokering
Revises: 0002_needs_offers
Create Date: 2026-11-21 18:51:25.913710

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0003_brokering"
down_revision = "0002_needs_offers"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "notice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("message", sa.String(length=300), nullable=False),
        sa.Column("path", sa.String(length=300), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_notice_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notice")),
    )
    with op.batch_alter_table("notice", schema=None) as batch_op:
        batch_op.create_index(
            "ix_notice_user_id_created_at", ["user_id", "created_at"], unique=False
        )

    op.create_table(
        "help_offer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("need_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("offer_id", sa.Integer(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "new", "proposed", "closed", name="helpofferstatus", native_enum=False, length=32
            ),
            nullable=False,
        ),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("handled_by_id", sa.Integer(), nullable=True),
        sa.Column("handled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["handled_by_id"],
            ["user_account.id"],
            name=op.f("fk_help_offer_handled_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(["need_id"], ["need.id"], name=op.f("fk_help_offer_need_id_need")),
        sa.ForeignKeyConstraint(
            ["offer_id"], ["offer.id"], name=op.f("fk_help_offer_offer_id_offer")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_help_offer_organisation_id_organisation"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_help_offer_user_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_help_offer")),
    )
    with op.batch_alter_table("help_offer", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_help_offer_need_id"), ["need_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_help_offer_organisation_id"), ["organisation_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_help_offer_status"), ["status"], unique=False)

    op.create_table(
        "match",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("need_id", sa.Integer(), nullable=False),
        sa.Column("offer_id", sa.Integer(), nullable=False),
        sa.Column("help_offer_id", sa.Integer(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "proposed",
                "agreed",
                "in_progress",
                "completed",
                "declined",
                "cancelled",
                name="matchstatus",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("volunteers", sa.Integer(), nullable=True),
        sa.Column("hours_per_volunteer", sa.Integer(), nullable=True),
        sa.Column("quantity", sa.Integer(), nullable=True),
        sa.Column("amount_pence", sa.Integer(), nullable=True),
        sa.Column("note_to_parties", sa.Text(), nullable=True),
        sa.Column("proposed_by_id", sa.Integer(), nullable=False),
        sa.Column("proposed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("need_answered_by_id", sa.Integer(), nullable=True),
        sa.Column("need_accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("offer_answered_by_id", sa.Integer(), nullable=True),
        sa.Column("offer_accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "declined_by_side",
            sa.Enum("need", "offer", name="listingside", native_enum=False, length=32),
            nullable=True,
        ),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("agreed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("delivered_hours", sa.Integer(), nullable=True),
        sa.Column("delivered_devices", sa.Integer(), nullable=True),
        sa.Column("delivered_pence", sa.Integer(), nullable=True),
        sa.Column("people_reached", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "amount_pence IS NULL OR amount_pence > 0", name=op.f("ck_match_amount_positive")
        ),
        sa.CheckConstraint(
            "hours_per_volunteer IS NULL OR hours_per_volunteer > 0",
            name=op.f("ck_match_hours_positive"),
        ),
        sa.CheckConstraint(
            "quantity IS NULL OR quantity > 0", name=op.f("ck_match_quantity_positive")
        ),
        sa.CheckConstraint(
            "volunteers IS NULL OR volunteers > 0", name=op.f("ck_match_volunteers_positive")
        ),
        sa.ForeignKeyConstraint(
            ["help_offer_id"], ["help_offer.id"], name=op.f("fk_match_help_offer_id_help_offer")
        ),
        sa.ForeignKeyConstraint(
            ["need_answered_by_id"],
            ["user_account.id"],
            name=op.f("fk_match_need_answered_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(["need_id"], ["need.id"], name=op.f("fk_match_need_id_need")),
        sa.ForeignKeyConstraint(
            ["offer_answered_by_id"],
            ["user_account.id"],
            name=op.f("fk_match_offer_answered_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(["offer_id"], ["offer.id"], name=op.f("fk_match_offer_id_offer")),
        sa.ForeignKeyConstraint(
            ["proposed_by_id"],
            ["user_account.id"],
            name=op.f("fk_match_proposed_by_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_match")),
    )
    with op.batch_alter_table("match", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_match_need_id"), ["need_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_match_offer_id"), ["offer_id"], unique=False)
        batch_op.create_index(
            "ix_match_status_proposed_at", ["status", "proposed_at"], unique=False
        )

    op.create_table(
        "match_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("match_id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column(
            "side",
            sa.Enum("need", "offer", name="listingside", native_enum=False, length=32),
            nullable=True,
        ),
        sa.Column(
            "action",
            sa.Enum(
                "propose",
                "accept",
                "agree",
                "decline",
                "start",
                "complete",
                "cancel",
                name="matchaction",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "from_status",
            sa.Enum(
                "proposed",
                "agreed",
                "in_progress",
                "completed",
                "declined",
                "cancelled",
                name="matchstatus",
                native_enum=False,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column(
            "to_status",
            sa.Enum(
                "proposed",
                "agreed",
                "in_progress",
                "completed",
                "declined",
                "cancelled",
                name="matchstatus",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["user_account.id"], name=op.f("fk_match_event_actor_id_user_account")
        ),
        sa.ForeignKeyConstraint(
            ["match_id"],
            ["match.id"],
            name=op.f("fk_match_event_match_id_match"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_match_event")),
    )
    with op.batch_alter_table("match_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_match_event_match_id"), ["match_id"], unique=False)

    op.create_table(
        "match_feedback",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("match_id", sa.Integer(), nullable=False),
        sa.Column(
            "side",
            sa.Enum("need", "offer", name="listingside", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("rating", sa.SmallInteger(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("quote_allowed", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("rating BETWEEN 1 AND 5", name=op.f("ck_match_feedback_rating_range")),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["user_account.id"],
            name=op.f("fk_match_feedback_author_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["match_id"],
            ["match.id"],
            name=op.f("fk_match_feedback_match_id_match"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_match_feedback")),
        sa.UniqueConstraint("match_id", "side", name=op.f("uq_match_feedback_match_id")),
    )
    op.create_table(
        "match_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("match_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column(
            "side",
            sa.Enum("need", "offer", name="listingside", native_enum=False, length=32),
            nullable=True,
        ),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"], ["user_account.id"], name=op.f("fk_match_message_author_id_user_account")
        ),
        sa.ForeignKeyConstraint(
            ["match_id"],
            ["match.id"],
            name=op.f("fk_match_message_match_id_match"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_match_message")),
    )
    with op.batch_alter_table("match_message", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_match_message_match_id"), ["match_id"], unique=False)

    op.create_table(
        "match_team_note",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("match_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["user_account.id"],
            name=op.f("fk_match_team_note_author_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["match_id"],
            ["match.id"],
            name=op.f("fk_match_team_note_match_id_match"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_match_team_note")),
    )
    with op.batch_alter_table("match_team_note", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_match_team_note_match_id"), ["match_id"], unique=False)

    with op.batch_alter_table("need", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("held_volunteers", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.add_column(
            sa.Column("held_hours", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.add_column(
            sa.Column("held_quantity", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.add_column(
            sa.Column("held_pence", sa.Integer(), server_default="0", nullable=False)
        )

    with op.batch_alter_table("need_beneficiary_group", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_need_beneficiary_group_beneficiary_group_id"))
        batch_op.create_index(
            "ix_need_beneficiary_group_beneficiary_group_id_need_id",
            ["beneficiary_group_id", "need_id"],
            unique=False,
        )

    with op.batch_alter_table("need_skill", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_need_skill_skill_id"))
        batch_op.create_index(
            "ix_need_skill_skill_id_need_id", ["skill_id", "need_id"], unique=False
        )

    with op.batch_alter_table("need_ward", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_need_ward_ward_id"))
        batch_op.create_index("ix_need_ward_ward_id_need_id", ["ward_id", "need_id"], unique=False)

    with op.batch_alter_table("offer", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("held_volunteers", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.add_column(
            sa.Column("held_hours", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.add_column(
            sa.Column("held_quantity", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.add_column(
            sa.Column("held_pence", sa.Integer(), server_default="0", nullable=False)
        )

    with op.batch_alter_table("offer_beneficiary_group", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_offer_beneficiary_group_beneficiary_group_id"))
        batch_op.create_index(
            "ix_offer_beneficiary_group_beneficiary_group_id_offer_id",
            ["beneficiary_group_id", "offer_id"],
            unique=False,
        )

    with op.batch_alter_table("offer_skill", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_offer_skill_skill_id"))
        batch_op.create_index(
            "ix_offer_skill_skill_id_offer_id", ["skill_id", "offer_id"], unique=False
        )

    with op.batch_alter_table("offer_ward", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_offer_ward_ward_id"))
        batch_op.create_index(
            "ix_offer_ward_ward_id_offer_id", ["ward_id", "offer_id"], unique=False
        )

    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.add_column(sa.Column("notices_seen_at", sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_column("notices_seen_at")

    with op.batch_alter_table("offer_ward", schema=None) as batch_op:
        batch_op.drop_index("ix_offer_ward_ward_id_offer_id")
        batch_op.create_index(batch_op.f("ix_offer_ward_ward_id"), ["ward_id"], unique=False)

    with op.batch_alter_table("offer_skill", schema=None) as batch_op:
        batch_op.drop_index("ix_offer_skill_skill_id_offer_id")
        batch_op.create_index(batch_op.f("ix_offer_skill_skill_id"), ["skill_id"], unique=False)

    with op.batch_alter_table("offer_beneficiary_group", schema=None) as batch_op:
        batch_op.drop_index("ix_offer_beneficiary_group_beneficiary_group_id_offer_id")
        batch_op.create_index(
            batch_op.f("ix_offer_beneficiary_group_beneficiary_group_id"),
            ["beneficiary_group_id"],
            unique=False,
        )

    with op.batch_alter_table("offer", schema=None) as batch_op:
        batch_op.drop_column("held_pence")
        batch_op.drop_column("held_quantity")
        batch_op.drop_column("held_hours")
        batch_op.drop_column("held_volunteers")

    with op.batch_alter_table("need_ward", schema=None) as batch_op:
        batch_op.drop_index("ix_need_ward_ward_id_need_id")
        batch_op.create_index(batch_op.f("ix_need_ward_ward_id"), ["ward_id"], unique=False)

    with op.batch_alter_table("need_skill", schema=None) as batch_op:
        batch_op.drop_index("ix_need_skill_skill_id_need_id")
        batch_op.create_index(batch_op.f("ix_need_skill_skill_id"), ["skill_id"], unique=False)

    with op.batch_alter_table("need_beneficiary_group", schema=None) as batch_op:
        batch_op.drop_index("ix_need_beneficiary_group_beneficiary_group_id_need_id")
        batch_op.create_index(
            batch_op.f("ix_need_beneficiary_group_beneficiary_group_id"),
            ["beneficiary_group_id"],
            unique=False,
        )

    with op.batch_alter_table("need", schema=None) as batch_op:
        batch_op.drop_column("held_pence")
        batch_op.drop_column("held_quantity")
        batch_op.drop_column("held_hours")
        batch_op.drop_column("held_volunteers")

    with op.batch_alter_table("match_team_note", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_match_team_note_match_id"))

    op.drop_table("match_team_note")
    with op.batch_alter_table("match_message", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_match_message_match_id"))

    op.drop_table("match_message")
    op.drop_table("match_feedback")
    with op.batch_alter_table("match_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_match_event_match_id"))

    op.drop_table("match_event")
    with op.batch_alter_table("match", schema=None) as batch_op:
        batch_op.drop_index("ix_match_status_proposed_at")
        batch_op.drop_index(batch_op.f("ix_match_offer_id"))
        batch_op.drop_index(batch_op.f("ix_match_need_id"))

    op.drop_table("match")
    with op.batch_alter_table("help_offer", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_help_offer_status"))
        batch_op.drop_index(batch_op.f("ix_help_offer_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_help_offer_need_id"))

    op.drop_table("help_offer")
    with op.batch_alter_table("notice", schema=None) as batch_op:
        batch_op.drop_index("ix_notice_user_id_created_at")

    op.drop_table("notice")
