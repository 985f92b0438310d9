"""Grant rounds of the Digital Inclusion Fund (questions, criteria, applications, the
panel's reviews and scores, awards and monitoring reports) and other funders'
opportunities: new tables only, nothing existing changes.

Revision ID: 0015_funding
Revises: 0014_data_exports
Create Date: 2026-12-03 15:24:48.983499

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0015_funding"
down_revision = "0014_data_exports"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "funding_opportunity",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("funder", sa.String(length=160), nullable=False),
        sa.Column("title", sa.String(length=160), nullable=False),
        sa.Column("what_it_funds", sa.Text(), nullable=False),
        sa.Column("who_may_apply", sa.Text(), nullable=False),
        sa.Column("min_amount_pence", sa.Integer(), nullable=True),
        sa.Column("max_amount_pence", sa.Integer(), nullable=True),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("link", sa.String(length=500), nullable=False),
        sa.Column("organisation_types", sa.String(length=400), nullable=False),
        sa.Column("withdrawn", sa.Boolean(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user_account.id"],
            name=op.f("fk_funding_opportunity_created_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_funding_opportunity")),
    )
    with op.batch_alter_table("funding_opportunity", schema=None) as batch_op:
        batch_op.create_index(
            "ix_funding_opportunity_deadline", ["withdrawn", "deadline"], unique=False
        )

    op.create_table(
        "grant_round",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=160), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "draft",
                "open",
                "scoring",
                "decided",
                "published",
                "cancelled",
                name="roundstatus",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("pot_pence", sa.Integer(), nullable=False),
        sa.Column("min_grant_pence", sa.Integer(), nullable=False),
        sa.Column("max_grant_pence", sa.Integer(), nullable=False),
        sa.Column("max_income_pence", sa.Integer(), nullable=True),
        sa.Column("opens_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closes_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ball_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("results_published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "max_grant_pence >= min_grant_pence", name=op.f("ck_grant_round_max_grant_at_least_min")
        ),
        sa.CheckConstraint(
            "min_grant_pence >= 0", name=op.f("ck_grant_round_min_grant_not_negative")
        ),
        sa.CheckConstraint("pot_pence >= 0", name=op.f("ck_grant_round_pot_not_negative")),
        sa.ForeignKeyConstraint(
            ["ball_id"], ["ball.id"], name=op.f("fk_grant_round_ball_id_ball"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user_account.id"],
            name=op.f("fk_grant_round_created_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_grant_round")),
    )
    with op.batch_alter_table("grant_round", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_grant_round_status"), ["status"], unique=False)

    op.create_table(
        "grant_application",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "draft",
                "submitted",
                "eligible",
                "ineligible",
                "awarded",
                "declined",
                "withdrawn",
                name="applicationstatus",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("title", sa.String(length=160), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("amount_pence", sa.Integer(), nullable=True),
        sa.Column("annual_income_pence", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ineligible_reason", sa.Text(), nullable=True),
        sa.Column("feedback", sa.Text(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user_account.id"],
            name=op.f("fk_grant_application_created_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["user_account.id"],
            name=op.f("fk_grant_application_decided_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_grant_application_organisation_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["grant_round.id"],
            name=op.f("fk_grant_application_round_id_grant_round"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_grant_application")),
        sa.UniqueConstraint(
            "round_id", "organisation_id", name=op.f("uq_grant_application_round_id")
        ),
    )
    with op.batch_alter_table("grant_application", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_grant_application_organisation_id"), ["organisation_id"], unique=False
        )
        batch_op.create_index(
            "ix_grant_application_round_status", ["round_id", "status"], unique=False
        )

    op.create_table(
        "grant_round_ward",
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("ward_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["grant_round.id"],
            name=op.f("fk_grant_round_ward_round_id_grant_round"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["ward_id"], ["ward.id"], name=op.f("fk_grant_round_ward_ward_id_ward")
        ),
        sa.PrimaryKeyConstraint("round_id", "ward_id", name=op.f("pk_grant_round_ward")),
    )
    with op.batch_alter_table("grant_round_ward", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_grant_round_ward_ward_id"), ["ward_id"], unique=False)

    op.create_table(
        "opportunity_beneficiary_group",
        sa.Column("opportunity_id", sa.Integer(), nullable=False),
        sa.Column("beneficiary_group_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["beneficiary_group_id"],
            ["beneficiary_group.id"],
            name=op.f("fk_opportunity_beneficiary_group_beneficiary_group_id_beneficiary_group"),
        ),
        sa.ForeignKeyConstraint(
            ["opportunity_id"],
            ["funding_opportunity.id"],
            name=op.f("fk_opportunity_beneficiary_group_opportunity_id_funding_opportunity"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "opportunity_id", "beneficiary_group_id", name=op.f("pk_opportunity_beneficiary_group")
        ),
    )
    with op.batch_alter_table("opportunity_beneficiary_group", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_opportunity_beneficiary_group_beneficiary_group_id"),
            ["beneficiary_group_id"],
            unique=False,
        )

    op.create_table(
        "opportunity_dismissal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("opportunity_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("dismissed_by_id", sa.Integer(), nullable=True),
        sa.Column("dismissed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["dismissed_by_id"],
            ["user_account.id"],
            name=op.f("fk_opportunity_dismissal_dismissed_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["opportunity_id"],
            ["funding_opportunity.id"],
            name=op.f("fk_opportunity_dismissal_opportunity_id_funding_opportunity"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_opportunity_dismissal_organisation_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_opportunity_dismissal")),
        sa.UniqueConstraint(
            "opportunity_id",
            "organisation_id",
            name=op.f("uq_opportunity_dismissal_opportunity_id"),
        ),
    )
    with op.batch_alter_table("opportunity_dismissal", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_opportunity_dismissal_organisation_id"),
            ["organisation_id"],
            unique=False,
        )

    op.create_table(
        "opportunity_ward",
        sa.Column("opportunity_id", sa.Integer(), nullable=False),
        sa.Column("ward_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["opportunity_id"],
            ["funding_opportunity.id"],
            name=op.f("fk_opportunity_ward_opportunity_id_funding_opportunity"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["ward_id"], ["ward.id"], name=op.f("fk_opportunity_ward_ward_id_ward")
        ),
        sa.PrimaryKeyConstraint("opportunity_id", "ward_id", name=op.f("pk_opportunity_ward")),
    )
    with op.batch_alter_table("opportunity_ward", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_opportunity_ward_ward_id"), ["ward_id"], unique=False)

    op.create_table(
        "panel_member",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("added_by_id", sa.Integer(), nullable=True),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["added_by_id"],
            ["user_account.id"],
            name=op.f("fk_panel_member_added_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["grant_round.id"],
            name=op.f("fk_panel_member_round_id_grant_round"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_panel_member_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_panel_member")),
        sa.UniqueConstraint("round_id", "user_id", name=op.f("uq_panel_member_round_id")),
    )
    with op.batch_alter_table("panel_member", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_panel_member_user_id"), ["user_id"], unique=False)

    op.create_table(
        "round_criterion",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=160), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("weight", sa.Integer(), nullable=False),
        sa.CheckConstraint("weight >= 1", name=op.f("ck_round_criterion_weight_positive")),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["grant_round.id"],
            name=op.f("fk_round_criterion_round_id_grant_round"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_round_criterion")),
    )
    with op.batch_alter_table("round_criterion", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_round_criterion_round_id"), ["round_id"], unique=False)

    op.create_table(
        "round_funder",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=160), nullable=False),
        sa.Column("amount_pence", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["grant_round.id"],
            name=op.f("fk_round_funder_round_id_grant_round"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_round_funder")),
    )
    with op.batch_alter_table("round_funder", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_round_funder_round_id"), ["round_id"], unique=False)

    op.create_table(
        "round_question",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "short_text",
                "long_text",
                "number",
                "yes_no",
                "choice",
                name="questionkind",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("prompt", sa.String(length=300), nullable=False),
        sa.Column("hint", sa.Text(), nullable=False),
        sa.Column("word_limit", sa.Integer(), nullable=True),
        sa.Column("choices", sa.Text(), nullable=False),
        sa.Column("required", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["grant_round.id"],
            name=op.f("fk_round_question_round_id_grant_round"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_round_question")),
    )
    with op.batch_alter_table("round_question", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_round_question_round_id"), ["round_id"], unique=False)

    op.create_table(
        "application_answer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["grant_application.id"],
            name=op.f("fk_application_answer_application_id_grant_application"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["question_id"],
            ["round_question.id"],
            name=op.f("fk_application_answer_question_id_round_question"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_application_answer")),
        sa.UniqueConstraint(
            "application_id", "question_id", name=op.f("uq_application_answer_application_id")
        ),
    )
    with op.batch_alter_table("application_answer", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_application_answer_question_id"), ["question_id"], unique=False
        )

    op.create_table(
        "application_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column(
            "action",
            sa.Enum(
                "submit",
                "withdraw",
                "mark_eligible",
                "mark_ineligible",
                "award",
                "decline",
                name="applicationaction",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "from_status",
            sa.Enum(
                "draft",
                "submitted",
                "eligible",
                "ineligible",
                "awarded",
                "declined",
                "withdrawn",
                name="applicationstatus",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "to_status",
            sa.Enum(
                "draft",
                "submitted",
                "eligible",
                "ineligible",
                "awarded",
                "declined",
                "withdrawn",
                name="applicationstatus",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["user_account.id"],
            name=op.f("fk_application_event_actor_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["grant_application.id"],
            name=op.f("fk_application_event_application_id_grant_application"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_application_event")),
    )
    with op.batch_alter_table("application_event", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_application_event_application_id"), ["application_id"], unique=False
        )

    op.create_table(
        "award",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum("awarded", "paid", "closed", name="awardstatus", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("amount_pence", sa.Integer(), nullable=False),
        sa.Column("conditions", sa.Text(), nullable=False),
        sa.Column("awarded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("awarded_by_id", sa.Integer(), nullable=True),
        sa.Column("paid_on", sa.Date(), nullable=True),
        sa.Column("payment_reference", sa.String(length=80), nullable=True),
        sa.Column("paid_recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("amount_pence > 0", name=op.f("ck_award_amount_positive")),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["grant_application.id"],
            name=op.f("fk_award_application_id_grant_application"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["awarded_by_id"],
            ["user_account.id"],
            name=op.f("fk_award_awarded_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["paid_recorded_by_id"],
            ["user_account.id"],
            name=op.f("fk_award_paid_recorded_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_award")),
        sa.UniqueConstraint("application_id", name=op.f("uq_award_application_id")),
    )
    op.create_table(
        "budget_line",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("item", sa.String(length=200), nullable=False),
        sa.Column("amount_pence", sa.Integer(), nullable=False),
        sa.CheckConstraint("amount_pence >= 0", name=op.f("ck_budget_line_amount_not_negative")),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["grant_application.id"],
            name=op.f("fk_budget_line_application_id_grant_application"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_budget_line")),
    )
    with op.batch_alter_table("budget_line", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_budget_line_application_id"), ["application_id"], unique=False
        )

    op.create_table(
        "review",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("panel_member_id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "draft",
                "submitted",
                "conflicted",
                name="reviewstatus",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("conflict_reason", sa.Text(), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["grant_application.id"],
            name=op.f("fk_review_application_id_grant_application"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["panel_member_id"],
            ["panel_member.id"],
            name=op.f("fk_review_panel_member_id_panel_member"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review")),
        sa.UniqueConstraint(
            "panel_member_id", "application_id", name=op.f("uq_review_panel_member_id")
        ),
    )
    with op.batch_alter_table("review", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_review_application_id"), ["application_id"], unique=False
        )

    op.create_table(
        "monitoring_report",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("award_id", sa.Integer(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "due",
                "submitted",
                "more_requested",
                "accepted",
                name="reportstatus",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("what_was_done", sa.Text(), nullable=True),
        sa.Column("people_reached", sa.Integer(), nullable=True),
        sa.Column("devices_given", sa.Integer(), nullable=True),
        sa.Column("support_hours", sa.Integer(), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("submitted_by_id", sa.Integer(), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reviewed_by_id", sa.Integer(), nullable=True),
        sa.Column("team_comment", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["award_id"],
            ["award.id"],
            name=op.f("fk_monitoring_report_award_id_award"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["reviewed_by_id"],
            ["user_account.id"],
            name=op.f("fk_monitoring_report_reviewed_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["submitted_by_id"],
            ["user_account.id"],
            name=op.f("fk_monitoring_report_submitted_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitoring_report")),
        sa.UniqueConstraint("award_id", "due_on", name=op.f("uq_monitoring_report_award_id")),
    )
    with op.batch_alter_table("monitoring_report", schema=None) as batch_op:
        batch_op.create_index(
            "ix_monitoring_report_status_due_on", ["status", "due_on"], unique=False
        )

    op.create_table(
        "score",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("criterion_id", sa.Integer(), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.CheckConstraint("value BETWEEN 1 AND 5", name=op.f("ck_score_value_one_to_five")),
        sa.ForeignKeyConstraint(
            ["criterion_id"],
            ["round_criterion.id"],
            name=op.f("fk_score_criterion_id_round_criterion"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["review_id"], ["review.id"], name=op.f("fk_score_review_id_review"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_score")),
        sa.UniqueConstraint("review_id", "criterion_id", name=op.f("uq_score_review_id")),
    )
    with op.batch_alter_table("score", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_score_criterion_id"), ["criterion_id"], unique=False)


def downgrade():
    with op.batch_alter_table("score", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_score_criterion_id"))

    op.drop_table("score")
    with op.batch_alter_table("monitoring_report", schema=None) as batch_op:
        batch_op.drop_index("ix_monitoring_report_status_due_on")

    op.drop_table("monitoring_report")
    with op.batch_alter_table("review", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_review_application_id"))

    op.drop_table("review")
    with op.batch_alter_table("budget_line", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_budget_line_application_id"))

    op.drop_table("budget_line")
    op.drop_table("award")
    with op.batch_alter_table("application_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_application_event_application_id"))

    op.drop_table("application_event")
    with op.batch_alter_table("application_answer", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_application_answer_question_id"))

    op.drop_table("application_answer")
    with op.batch_alter_table("round_question", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_round_question_round_id"))

    op.drop_table("round_question")
    with op.batch_alter_table("round_funder", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_round_funder_round_id"))

    op.drop_table("round_funder")
    with op.batch_alter_table("round_criterion", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_round_criterion_round_id"))

    op.drop_table("round_criterion")
    with op.batch_alter_table("panel_member", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_panel_member_user_id"))

    op.drop_table("panel_member")
    with op.batch_alter_table("opportunity_ward", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_opportunity_ward_ward_id"))

    op.drop_table("opportunity_ward")
    with op.batch_alter_table("opportunity_dismissal", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_opportunity_dismissal_organisation_id"))

    op.drop_table("opportunity_dismissal")
    with op.batch_alter_table("opportunity_beneficiary_group", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_opportunity_beneficiary_group_beneficiary_group_id"))

    op.drop_table("opportunity_beneficiary_group")
    with op.batch_alter_table("grant_round_ward", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_grant_round_ward_ward_id"))

    op.drop_table("grant_round_ward")
    with op.batch_alter_table("grant_application", schema=None) as batch_op:
        batch_op.drop_index("ix_grant_application_round_status")
        batch_op.drop_index(batch_op.f("ix_grant_application_organisation_id"))

    op.drop_table("grant_application")
    with op.batch_alter_table("grant_round", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_grant_round_status"))

    op.drop_table("grant_round")
    with op.batch_alter_table("funding_opportunity", schema=None) as batch_op:
        batch_op.drop_index("ix_funding_opportunity_deadline")

    op.drop_table("funding_opportunity")
