"""Erasing a person on request: deleting one's own account, and the team erasing a
ball buyer's or guest's details. Each is recorded (privacy_action) with who and why,
never with the person's name or email."""

from __future__ import annotations

import secrets

from sqlalchemy import delete, func, select, update

from brokerage.accounts.models import User, UserSession
from brokerage.accounts.services import check_password
from brokerage.errors import DomainError
from brokerage.extensions import db
from brokerage.notifications.models import Notice, OutboxEmail
from brokerage.organisations.models import (
    Invitation,
    Membership,
    MembershipRole,
    MembershipStatus,
    Organisation,
)
from brokerage.organisations.turnover import owner_count
from brokerage.privacy.models import PrivacyAction, PrivacyActionKind
from brokerage.privacy.retention import ERASED_BODY, erase_order
from brokerage.ticketing.models import GIFT_AID_PERSONAL, Order, Ticket
from brokerage.volunteering.models import VolunteerInvitation
from brokerage.volunteering.volunteers import leave_everywhere

FORMER_MEMBER = "Former member"
DELETED_DOMAIN = "deleted.invalid"  # .invalid can never be a real address (RFC 2606)
MAX_REASON = 2_000


def _reason(text: str | None) -> str:
    text = (text or "").strip()
    if not text:
        raise DomainError("Enter why, for the record")
    if len(text) > MAX_REASON:
        raise DomainError(f"The reason must be {MAX_REASON:,} characters or fewer")
    return text


def _record(kind: PrivacyActionKind, actor: User | None, subject: str, reason: str) -> None:
    db.session.add(PrivacyAction(kind=kind, actor=actor, subject=subject, reason=reason))


def organisations_only_owned_by(user: User) -> list[Organisation]:
    """The organisations of which `user` is the only active owner."""
    owned = db.session.scalars(
        select(Organisation)
        .join(Membership, Membership.organisation_id == Organisation.id)
        .where(
            Membership.user_id == user.id,
            Membership.role == MembershipRole.OWNER,
            Membership.status == MembershipStatus.ACTIVE,
        )
        .order_by(Organisation.name)
    ).all()
    return [org for org in owned if owner_count(org) == 1]


def _forget_address(email: str) -> None:
    """Every row that holds the address itself: emails sent to it lose address and
    text, invitations to it their address, ball orders bought with it their names
    (a Gift Aid declaration keeps the donor's name and address for HMRC: legal
    obligation)."""
    db.session.execute(
        update(OutboxEmail)
        .where(func.lower(OutboxEmail.to_address) == email)
        .values(
            to_address=f"erased@{DELETED_DOMAIN}",
            subject="(erased)",
            body_text=ERASED_BODY,
            body_html=None,
            qr_images=None,
        )
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        update(Invitation)
        .where(func.lower(Invitation.email) == email)
        .values(email=f"erased@{DELETED_DOMAIN}")
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        update(VolunteerInvitation)
        .where(func.lower(VolunteerInvitation.email) == email)
        .values(email=f"erased@{DELETED_DOMAIN}")
        .execution_options(synchronize_session=False)
    )
    for order in db.session.scalars(select(Order).where(func.lower(Order.buyer_email) == email)):
        declaration = {name: getattr(order, name) for name in GIFT_AID_PERSONAL}
        erase_order(order)
        if order.gift_aid:
            for name, value in declaration.items():
                setattr(order, name, value)


def delete_account(user: User, password: str) -> None:
    """The person's own deletion, confirmed with their password: their name and email
    become a neutral label, sign-in is impossible, and what they wrote stays with the
    organisations' records (matches, history) without their name. Refused while they
    are an organisation's only owner."""
    check_password(user, password, "The password is not right")
    alone = organisations_only_owned_by(user)
    if alone:
        names = ", ".join(org.name for org in alone)
        raise DomainError(
            f"You are the only owner of {names}. Make another member an owner, or ask the "
            "programme team to close the organisation, before you delete your account."
        )
    email = user.email.lower()
    leave_everywhere(user)
    _forget_address(email)
    db.session.execute(delete(UserSession).where(UserSession.user_id == user.id))
    db.session.execute(delete(Notice).where(Notice.user_id == user.id))
    db.session.execute(
        delete(Membership).where(
            Membership.user_id == user.id, Membership.status != MembershipStatus.ACTIVE
        )
    )
    # An active membership is history the organisation keeps (who posted what); it
    # now names a former member. Their join request's message goes.
    db.session.execute(
        update(Membership)
        .where(Membership.user_id == user.id)
        .values(message=None)
        .execution_options(synchronize_session=False)
    )
    user.name = FORMER_MEMBER
    user.email = f"former-member-{user.id}@{DELETED_DOMAIN}"
    # Matches no password: no hash werkzeug makes has this shape.
    user.password_hash = "!deleted"  # noqa: S105
    user.session_token = secrets.token_urlsafe(16)  # ends every session
    user.active = False
    user.email_verified_at = None
    user.last_sign_in_at = None
    user.notices_seen_at = None
    _record(PrivacyActionKind.DELETED_ACCOUNT, None, f"account {user.id}", "Asked by its holder")
    db.session.flush()


def erase_buyer(order: Order, team_member: User, reason: str | None) -> None:
    """The team erases a ball buyer's details on request: the order's names and its
    guests' names and needs; what was sold and paid stays."""
    reason = _reason(reason)
    erase_order(order)
    _record(PrivacyActionKind.ERASED_ORDER, team_member, f"order {order.id}", reason)
    db.session.flush()


def erase_guest(ticket: Ticket, team_member: User, reason: str | None) -> None:
    reason = _reason(reason)
    ticket.guest_name = None
    ticket.guest_email = None
    ticket.guest_token_hash = None
    ticket.dietary = None
    ticket.access_needs = None
    _record(PrivacyActionKind.ERASED_GUEST, team_member, f"ticket {ticket.id}", reason)
    db.session.flush()


def record_download(team_member: User, reason: str | None, found: bool) -> None:
    reason = _reason(reason)
    subject = "an email address" + ("" if found else " (nothing held)")
    _record(PrivacyActionKind.DOWNLOADED, team_member, subject, reason)
    db.session.flush()


def orders_of(email: str) -> list[Order]:
    """The ball orders bought with `email`, newest first, for the team to act on."""
    return list(
        db.session.scalars(
            select(Order)
            .where(func.lower(Order.buyer_email) == email.strip().lower())
            .order_by(Order.created_at.desc(), Order.id.desc())
        )
    )


def recent_actions(limit: int = 50) -> list[PrivacyAction]:
    return list(
        db.session.scalars(
            select(PrivacyAction)
            .order_by(PrivacyAction.created_at.desc(), PrivacyAction.id.desc())
            .limit(limit)
        )
    )
