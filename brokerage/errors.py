"""Domain errors, and the error pages every failure ends on."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from contextlib import suppress

from flask import Flask, Response, g, render_template
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException, SecurityError

from brokerage.extensions import db, login_manager

log = logging.getLogger(__name__)


class DomainError(Exception):
    """A move the business rules refuse; its message is safe to show the user."""

    status_code = 400


class FieldError(DomainError):
    """A problem with one field of a form; `field` names it, so a view can show the
    message beside that field."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


class IllegalTransition(DomainError):
    status_code = 409


class NotAllowed(DomainError):
    status_code = 403


class Conflict(DomainError):
    status_code = 409


TITLES = {
    400: "Something was wrong with that request",
    403: "You do not have access to this page",
    404: "Page not found",
    405: "That action is not available here",
    409: "That could not be done",
    429: "Too many attempts",
    500: "Sorry, there is a problem with the service",
    503: "Sorry, the service is busy",
}

# The database refused, dropped or did not answer in time (database.py's timeouts),
# or no pooled connection came free: the visitor is asked to come back, not dropped.
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError, PoolTimeout)
RETRY_AFTER_S = 60


def _render(code: int, message: str | None = None):
    template = f"errors/{code}.html" if code in (403, 404, 429, 500, 503) else "errors/generic.html"
    return (
        render_template(template, code=code, title=TITLES.get(code, TITLES[400]), message=message),
        code,
    )


def register(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def domain_error(exc: DomainError):
        db.session.rollback()  # a refused move leaves nothing half-done
        return _render(exc.status_code, str(exc))

    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError):
        return _render(
            400,
            "The form had expired or was sent from another site. Go back, refresh the page "
            "and try again.",
        )

    @app.errorhandler(SecurityError)
    def unknown_host(exc: SecurityError):
        # A Host (or X-Forwarded-Host) this site is not configured for: no page can be
        # built, since every link on it would name that host. Plain words, nothing else.
        return Response(
            "Bad request: this site does not answer to that address.\n",
            400,
            mimetype="text/plain",
        )

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        code = exc.code or 500
        if code >= 500:
            db.session.rollback()
            return _render(500)
        return _render(code)

    @app.errorhandler(DBAPIError)
    @app.errorhandler(PoolTimeout)
    def database_unavailable(exc: Exception):
        unavailable = isinstance(exc, DATABASE_UNAVAILABLE) or getattr(
            exc, "connection_invalidated", False
        )
        if not unavailable:
            return unhandled(exc)  # a mistake in a statement is ours, not the database's
        log.warning("Database unavailable: %s", str(exc).splitlines()[0][:300])
        with suppress(Exception):
            db.session.rollback()
        # The page is drawn as for a visitor who is not signed in: loading the
        # person would ask the database again.
        g._login_user = login_manager.anonymous_user()
        body, code = _render(503)
        return body, code, {"Retry-After": str(RETRY_AFTER_S)}

    @app.errorhandler(Exception)
    def unhandled(exc: Exception):
        log.exception("Unhandled error")
        # The session may be mid-failure; the error page must still render.
        db.session.rollback()
        return _render(500)


def transition(table: Mapping, current, action, refused: str):
    """The status after `action` from `current`, by one of the status machines'
    transition tables ((status, action) -> status); IllegalTransition, saying
    `refused`, for any move the table does not have."""
    try:
        return table[(current, action)]
    except KeyError:
        raise IllegalTransition(refused) from None
