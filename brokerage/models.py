"""Base, TimestampMixin and every domain's models, so metadata (and Alembic) sees all tables."""

from brokerage.accounts.models import User
from brokerage.columns import TimestampMixin, UTCDateTime, utcnow
from brokerage.extensions import Base, db
from brokerage.notifications.models import OutboxEmail
from brokerage.organisations.models import (
    BeneficiaryGroup,
    Invitation,
    Membership,
    Organisation,
    OrganisationEvent,
    Ward,
)

__all__ = [
    "Base",
    "BeneficiaryGroup",
    "Invitation",
    "Membership",
    "Organisation",
    "OrganisationEvent",
    "OutboxEmail",
    "TimestampMixin",
    "UTCDateTime",
    "User",
    "Ward",
    "db",
    "utcnow",
]
