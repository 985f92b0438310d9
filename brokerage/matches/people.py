"""Who is who on a match, and telling them: which side a person speaks for, the
organisations' members and the team, their notices, and the text they write."""

from __future__ import annotations

from flask import url_for
from sqlalchemy import select

from brokerage.accounts.models import User
from brokerage.errors import DomainError
from brokerage.extensions import db
from brokerage.listings.models import ListingSide
from brokerage.matches.models import Match
from brokerage.notifications.services import notify
from brokerage.organisations.models import Organisation
from brokerage.permissions import is_member

MAX_TEXT = 5000

# --- Who is who ----------------------------------------------------------------


def side_of(user: User, match: Match) -> ListingSide | None:
    """Which side of the match `user` speaks for (need side first), or None."""
    for side in (ListingSide.NEED, ListingSide.OFFER):
        if is_member(user, match.organisation_of(side)):
            return side
    return None


def _members(org: Organisation) -> list[User]:
    return [m.user for m in org.active_memberships]


def _team() -> list[User]:
    return list(db.session.scalars(select(User).where(User.is_team.is_(True), User.active)))


def _path(match: Match) -> str:
    return url_for("matches.match", match_id=match.id)


def _tell_parties(match: Match, message: str, template: str, subject: str, **context) -> None:
    people = _members(match.need.organisation) + _members(match.offer.organisation)
    notify(people, message, _path(match), (template, subject), match=match, **context)


def _tell_team(match: Match, message: str, template: str, subject: str, **context) -> None:
    notify(_team(), message, _path(match), (template, subject), match=match, **context)


def _text(value: str | None, missing: str, limit: int = MAX_TEXT) -> str:
    value = (value or "").strip()
    if not value:
        raise DomainError(missing)
    if len(value) > limit:
        raise DomainError(f"Write {limit:,} characters or fewer")
    return value
