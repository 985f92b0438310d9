"""The service navigation, drawn once for each thing it depends on and kept.

What the menu shows depends on a handful of values: the page open (its endpoint),
whether the visitor is signed in, may browse offers, is on the team, and how many of
their notices are new, with the site's script root. Each combination is drawn once per
process (templates/partials/navigation.html) and kept, the most recent NAV_KEPT of
them. The one part that is the visitor's own, the sign-out form's CSRF token, goes into
the kept markup on every request. Drawing the menu was a tenth of a signed-in page's
time. With templates reloaded as they change (development), nothing is kept.
"""

from __future__ import annotations

from functools import lru_cache

from flask import current_app, request
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup, escape

from brokerage.notifications.views import unseen_notices
from brokerage.permissions import Action, can

NAV_KEPT = 1024
# Where the sign-out form's token goes: text the menu's own words never hold.
CSRF_SLOT = "csrf-token-goes-here"


def navigation() -> Markup:
    """The menu for this request, with the visitor's own sign-out token."""
    signed_in = bool(current_user.is_authenticated)
    key = (
        request.endpoint,
        signed_in,
        can(current_user, Action.OFFER_BROWSE),
        signed_in and bool(current_user.is_team),
        unseen_notices() if signed_in else 0,
    )
    environment = current_app.jinja_env
    if environment.auto_reload:
        html = _draw(environment, *key)
    else:
        html = _kept(environment, request.script_root, *key)
    if signed_in:
        html = html.replace(CSRF_SLOT, str(escape(generate_csrf())))
    return Markup(html)  # noqa: S704 (an autoescaped template's output)


@lru_cache(maxsize=NAV_KEPT)
def _kept(environment, _script_root: str, *key) -> str:
    return _draw(environment, *key)


def _draw(environment, endpoint, signed_in, offers, team, unseen) -> str:
    template = environment.get_template("partials/navigation.html")
    return template.render(
        endpoint=endpoint,
        signed_in=signed_in,
        offers=offers,
        team=team,
        unseen=unseen,
        csrf=CSRF_SLOT,
    )


def register_globals(app) -> None:
    app.jinja_env.globals.update(navigation=navigation)
