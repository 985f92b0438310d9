"""Who is signed in: the cookie's session checked against the server's on every
request (accounts/sessions.py keeps them), and Flask-Login told how."""

from __future__ import annotations

import functools

from flask import Flask, g, request, session
from flask_login import LoginManager, current_user

from brokerage.accounts import sessions
from brokerage.extensions import db
from brokerage.notifications import services as notices

# The key in the signed cookie that holds this browser's session token.
SESSION_KEY = "_sid"


def load_user(user_id: str):
    ident, _, token = user_id.partition(":")
    if not ident.isdigit():
        return None
    # The session must be live on the server: signing out ends it, so a copy of the
    # cookie taken before then opens nothing.
    row = sessions.find(int(ident), session.get(SESSION_KEY), _session_query())
    if row is None:
        return None
    found, unseen = row
    user = found.user
    # A changed password replaces the token, which signs out every older session.
    if not token or user.session_token != token:
        return None
    g.user_session = found
    # The navigation's "Notices (n new)", counted in the same query.
    g.unseen_notices = (user.notices_seen_at, unseen)
    return user


@functools.cache
def _session_query():
    return sessions.live_query(notices.unseen_count_column())


def note_the_session_is_in_use() -> None:
    """Load the signed-in person before the view runs, and note when their session was
    last used (at most once a minute): committed here, before the view has done anything."""
    if request.endpoint in (None, "static") or not current_user.is_authenticated:
        return
    found = g.get("user_session")
    if found is not None and sessions.needs_touch(found):
        sessions.touch(found)
        db.session.commit()


def configure(app: Flask, login_manager: LoginManager) -> None:
    login_manager.init_app(app)
    login_manager.user_loader(load_user)
    login_manager.login_view = "accounts.sign_in"
    login_manager.login_message = "Sign in to see that page."
    login_manager.login_message_category = "info"
    app.before_request(note_the_session_is_in_use)
