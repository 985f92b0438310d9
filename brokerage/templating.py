"""Jinja set-up: GOV.UK Frontend macros, and filters that show UTC times in Europe/London."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import Flask
from govuk_frontend_wtf.main import WTFormsHelpers
from govuk_frontend_wtf.wtforms_widgets import GovDateInput
from jinja2 import ChoiceLoader, PackageLoader, PrefixLoader

from brokerage.columns import utcnow
from brokerage.permissions import Action, can

LONDON = ZoneInfo("Europe/London")


def london(value: datetime | None) -> datetime | None:
    return value.astimezone(LONDON) if value is not None else None


def _time(local: datetime) -> str:
    hour = local.hour % 12 or 12
    suffix = "am" if local.hour < 12 else "pm"
    if local.hour == 12 and local.minute == 0:
        return "midday"
    if local.hour == 0 and local.minute == 0:
        return "midnight"
    return f"{hour}:{local.minute:02d}{suffix}"


def format_datetime(value: datetime | None) -> str:
    """GOV.UK style: '21 November 2026 at 3:52pm', in Leeds's own time."""
    if value is None:
        return ""
    local = london(value)
    return f"{local.day} {local:%B %Y} at {_time(local)}"


def format_date(value: datetime | date | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = london(value)
    return f"{value.day} {value:%B %Y}"


def format_waited(since: datetime | None, now: datetime | None = None) -> str:
    """How long something has waited, in plain words: '3 days', '5 hours', 'under an hour'."""
    if since is None:
        return ""
    seconds = max(0, int(((now or utcnow()) - since).total_seconds()))
    days, rem = divmod(seconds, 86400)
    hours = rem // 3600
    if days >= 1:
        return f"{days} day{'s' if days != 1 else ''}"
    if hours >= 1:
        return f"{hours} hour{'s' if hours != 1 else ''}"
    return "under an hour"


def error_summary(form) -> dict:
    """Parameters for govukErrorSummary: each field's first error linked to the field,
    then any form-level errors (which belong to no one field)."""
    items = []
    for field in form:
        if field.errors:
            # A date's first box is its day: that is where the link must land.
            target = f"{field.name}-day" if isinstance(field.widget, GovDateInput) else field.id
            items.append({"text": field.errors[0], "href": f"#{target}"})
    items.extend({"text": message} for message in getattr(form, "form_errors", []))
    return {"titleText": "There is a problem", "errorList": items}


def configure(app: Flask) -> None:
    app.jinja_loader = ChoiceLoader(
        [
            app.jinja_loader,
            PrefixLoader(
                {
                    "govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja"),
                    "govuk_frontend_wtf": PackageLoader("govuk_frontend_wtf"),
                }
            ),
        ]
    )
    WTFormsHelpers(app)
    app.jinja_env.filters["datetime"] = format_datetime
    app.jinja_env.filters["date"] = format_date
    app.jinja_env.filters["waited"] = format_waited
    app.jinja_env.globals.update(can=can, Action=Action, error_summary=error_summary)

    @app.context_processor
    def service():
        return {
            "service_name": app.config["SERVICE_NAME"],
            "service_email": app.config["SERVICE_EMAIL"],
            "app_env": app.config["APP_ENV"],
        }
