"""Accounts: the people who sign in."""

from flask import Blueprint, g, request, session
from flask_login import current_user

from brokerage.accounts import sessions
from brokerage.extensions import db, login_manager

bp = Blueprint("accounts", __name__, url_prefix="/account")

# The key in the signed cookie that holds this browser's session token.
SESSION_KEY = "_sid"


@login_manager.user_loader
def load_user(user_id: str):
    ident, _, token = user_id.partition(":")
    if not ident.isdigit():
        return None
    # The session must be live on the server: signing out ends it, so a copy of the
    # cookie taken before then opens nothing.
    found = sessions.find(int(ident), session.get(SESSION_KEY))
    if found is None:
        return None
    user = found.user
    # A changed password replaces the token, which signs out every older session.
    if not token or user.session_token != token:
        return None
    g.user_session = found
    return user


@bp.before_app_request
def note_the_session_is_in_use() -> None:
    """Load the signed-in person before the view runs, and note when their session was
    last used (at most once a minute): committed here, before the view has done anything."""
    if request.endpoint in (None, "static") or not current_user.is_authenticated:
        return
    found = g.get("user_session")
    if found is not None and sessions.needs_touch(found):
        sessions.touch(found)
        db.session.commit()


login_manager.login_view = "accounts.sign_in"
login_manager.login_message = "Sign in to see that page."
login_manager.login_message_category = "info"
