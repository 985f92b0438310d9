"""Base, TimestampMixin and every domain's models, so metadata (and Alembic) sees all tables."""

from brokerage.accounts.models import User
from brokerage.clock import utcnow
from brokerage.columns import TimestampMixin, UTCDateTime
from brokerage.extensions import Base, db
from brokerage.funding.award_history import AwardEvent
from brokerage.funding.award_models import Award, MonitoringReport
from brokerage.funding.models import (
    ApplicationAnswer,
    ApplicationEvent,
    BudgetLine,
    GrantApplication,
    GrantRound,
    PanelMember,
    Review,
    RoundCriterion,
    RoundFunder,
    RoundQuestion,
    Score,
)
from brokerage.funding.opportunity_models import FundingOpportunity, OpportunityDismissal
from brokerage.impact.models import ImpactMonth, ImpactOrganisationMonth, ImpactWardMonth
from brokerage.listings.models import DeviceType, ListingEvent, Need, Offer, Skill
from brokerage.matches.models import (
    Feedback,
    HelpOffer,
    Match,
    MatchEvent,
    MatchMessage,
    TeamNote,
)
from brokerage.notifications.models import Notice, OutboxEmail, ReminderSent
from brokerage.organisations.models import (
    BeneficiaryGroup,
    Invitation,
    Membership,
    Organisation,
    OrganisationEvent,
    Ward,
)
from brokerage.privacy.models import DataExport, PrivacyAction
from brokerage.ticketing.invoice_models import Invoice, InvoiceCounter
from brokerage.ticketing.message_models import GuestMessage
from brokerage.ticketing.models import (
    Ball,
    CheckInEvent,
    GiftAidClaim,
    Order,
    OrderLine,
    Refund,
    SeatingTable,
    StripeEvent,
    Ticket,
    TicketType,
    WaitingEntry,
)
from brokerage.volunteering.models import (
    CheckArrangement,
    DisclosureCheck,
    Place,
    PlaceEvent,
    Volunteer,
    VolunteerInvitation,
)

__all__ = [
    "ApplicationAnswer",
    "ApplicationEvent",
    "Award",
    "AwardEvent",
    "Ball",
    "Base",
    "BeneficiaryGroup",
    "BudgetLine",
    "CheckArrangement",
    "CheckInEvent",
    "DataExport",
    "DeviceType",
    "DisclosureCheck",
    "Feedback",
    "FundingOpportunity",
    "GiftAidClaim",
    "GrantApplication",
    "GrantRound",
    "GuestMessage",
    "HelpOffer",
    "ImpactMonth",
    "ImpactOrganisationMonth",
    "ImpactWardMonth",
    "Invitation",
    "Invoice",
    "InvoiceCounter",
    "ListingEvent",
    "Match",
    "MatchEvent",
    "MatchMessage",
    "Membership",
    "MonitoringReport",
    "Need",
    "Notice",
    "Offer",
    "OpportunityDismissal",
    "Order",
    "OrderLine",
    "Organisation",
    "OrganisationEvent",
    "OutboxEmail",
    "PanelMember",
    "Place",
    "PlaceEvent",
    "PrivacyAction",
    "Refund",
    "ReminderSent",
    "Review",
    "RoundCriterion",
    "RoundFunder",
    "RoundQuestion",
    "Score",
    "SeatingTable",
    "Skill",
    "StripeEvent",
    "TeamNote",
    "Ticket",
    "TicketType",
    "TimestampMixin",
    "UTCDateTime",
    "User",
    "Volunteer",
    "VolunteerInvitation",
    "WaitingEntry",
    "Ward",
    "db",
    "utcnow",
]


def register() -> None:
    """Called by create_app: importing this module has put every table in db.metadata."""
