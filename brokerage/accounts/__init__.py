"""Accounts: the people who sign in."""

from flask import Blueprint

from brokerage.accounts.models import User
from brokerage.extensions import db, login_manager

bp = Blueprint("accounts", __name__, url_prefix="/account")


@login_manager.user_loader
def load_user(user_id: str):
    ident, _, token = user_id.partition(":")
    if not ident.isdigit():
        return None
    user = db.session.get(User, int(ident))
    # A changed password replaces the token, which signs out every older session.
    if user is None or not token or user.session_token != token:
        return None
    return user


login_manager.login_view = "accounts.sign_in"
login_manager.login_message = "Sign in to see that page."
login_manager.login_message_category = "info"
