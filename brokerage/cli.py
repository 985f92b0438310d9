"""Flask commands: create-team-member, seed-demo, expire-listings, worker, send-emails,
rebuild-impact-summary."""

from __future__ import annotations

import click
from flask import Flask, current_app

from brokerage.accounts import services as accounts
from brokerage.database import refresh_statistics
from brokerage.demo import DEMO_PASSWORD, seed_demo
from brokerage.errors import DomainError
from brokerage.extensions import db
from brokerage.impact import summary as impact_summary
from brokerage.listings.services import expire_overdue
from brokerage.notifications.digest import send_digests
from brokerage.notifications.reminders import send_reminders
from brokerage.notifications.services import SMTPSender, send_while_due
from brokerage.privacy.copies import make_copies
from brokerage.privacy.retention import apply_retention
from brokerage.ticketing.invoices import cancel_overdue
from brokerage.ticketing.waiting_list import offer_all_freed_seats
from brokerage.worker import Job, Worker, stopped_by_signals

# How long one round may keep sending while emails are due, before the other jobs.
SEND_BUDGET_S = 60.0


def register(app: Flask) -> None:
    @app.cli.command("create-team-member")
    @click.argument("email")
    @click.option("--name", help="Full name, for a new account.")
    @click.option(
        "--password",
        envvar="TEAM_MEMBER_PASSWORD",
        help="Password for a new account (or TEAM_MEMBER_PASSWORD); asked for if not given.",
    )
    def create_team_member(email: str, name: str | None, password: str | None) -> None:
        """Make EMAIL a member of the programme team, creating the account if needed."""
        existing = accounts.find_user_by_email(email)
        if existing is None:
            name = name or click.prompt("Full name")
            password = password or click.prompt(
                "Password", hide_input=True, confirmation_prompt=True
            )
        try:
            user, created = accounts.create_team_member(email, name, password)
        except DomainError as exc:
            raise click.ClickException(str(exc)) from None
        db.session.commit()
        click.echo(
            f"{'Created' if created else 'Promoted'} team member {user.name} <{user.email}>."
        )

    @app.cli.command("seed-demo")
    @click.option(
        "--size",
        default=1,
        show_default=True,
        type=click.IntRange(1, 1000),
        help="Make the generated programme N times as large, to try the product at scale.",
    )
    def seed_demo_command(size: int) -> None:
        """Load the demo programme and people (safe to run again)."""
        if current_app.config["APP_ENV"] == "production":
            raise click.ClickException("The demo data is not for production.")
        # Emails written while seeding need links: build them against BASE_URL.
        with current_app.test_request_context(base_url=current_app.config["BASE_URL"]):
            people = seed_demo(size)
            db.session.commit()
        click.echo("")
        click.echo(f"Demo sign-ins (password for each: {DEMO_PASSWORD}):")
        for role, email in people:
            click.echo(f"  {role:<34} {email}")
        click.echo("")

    @app.cli.command("rebuild-impact-summary")
    def rebuild_impact_summary() -> None:
        """Work out the impact summary (the figures of completed matches by month, by
        organisation and by ward, which the impact pages read) afresh from the matches.

        It is kept current as matches complete and change; rebuild it after changing
        matches, needs' wards or hour logs with SQL sent straight to the database."""
        months = impact_summary.rebuild()
        db.session.commit()
        click.echo(f"Rebuilt the impact summary: {months} months with completed matches.")

    @app.cli.command("expire-listings")
    def expire_listings() -> None:
        """Close needs and offers whose closing date has passed (run it daily, e.g. from cron).

        Lists and searches already hide them from the day after their date; this
        records the change in each one's history. On SQLite it also refreshes the
        planner's statistics."""
        count = expire_overdue()
        db.session.commit()
        refresh_statistics()
        db.session.commit()
        click.echo(f"Expired {count} past their closing date.")

    @app.cli.command("worker")
    @click.option("--interval", default=10.0, show_default=True, help="Seconds between rounds.")
    @click.option("--rounds", default=0, help="Stop after this many rounds (0: run for ever).")
    def worker_command(interval: float, rounds: int) -> None:
        """The one background process: sends due emails every round, closes needs
        and offers past their date once an hour, and once an hour deletes personal
        data whose time is up (brokerage/privacy/retention.py) and sends the reminders
        that are due (brokerage/notifications/reminders.py) and the daily digests. A
        database outage pauses it (with back-off), never ends it; SIGTERM stops it
        after the email in hand."""
        sender = SMTPSender.from_config(current_app.config)
        jobs = [
            _send_job(sender),
            Job("expire", _expire_job, every_s=3600),
            Job("retention", _retention_job, every_s=3600),
            Job("reminders", _reminders_job, every_s=3600),
            Job("digest", _digest_job, every_s=3600),
            Job("copies", _copies_job, every_s=60),
        ]
        _run(Worker(jobs, interval=interval, rounds=rounds, echo=click.echo))

    @app.cli.command("send-emails")
    @click.option("--once", is_flag=True, help="Send what is due, then stop.")
    @click.option("--interval", default=10.0, show_default=True, help="Seconds between rounds.")
    def send_emails(once: bool, interval: float) -> None:
        """The outbox worker alone: send due emails over SMTP, retrying failures with
        back-off. Survives database outages like `flask worker`."""
        sender = SMTPSender.from_config(current_app.config)
        _run(
            Worker([_send_job(sender)], interval=interval, rounds=1 if once else 0, echo=click.echo)
        )


def _send_job(sender: SMTPSender) -> Job:
    def send(stopping) -> str | None:
        sent, failed = send_while_due(sender, budget_s=SEND_BUDGET_S, stopping=stopping)
        return f"sent {sent}, failed {failed}" if sent or failed else None

    return Job("send", send)


def _expire_job(stopping) -> str | None:
    expired = expire_overdue()
    db.session.commit()
    # Unpaid invoices past their due date are cancelled (the buyer told, seats offered on).
    cancelled = cancel_overdue()
    db.session.commit()
    # Holds and waiting-list offers that ran out unpaid free their seats: offer them on.
    offered = offer_all_freed_seats()
    db.session.commit()
    refresh_statistics()
    db.session.commit()
    done = [
        f"expired {expired}" if expired else "",
        f"invoices cancelled {cancelled}" if cancelled else "",
        f"offered {offered}" if offered else "",
    ]
    return ", ".join(d for d in done if d) or None


def _retention_job(stopping) -> str | None:
    return apply_retention(current_app.config).summary()


def _reminders_job(stopping) -> str | None:
    return send_reminders(current_app.config).summary()


def _digest_job(stopping) -> str | None:
    sent = send_digests(current_app.config)
    return f"daily digests {sent}" if sent else None


def _copies_job(stopping) -> str | None:
    made = make_copies(current_app.config)
    return f"copies of people's data {made}" if made else None


def _run(worker: Worker) -> None:
    with stopped_by_signals(worker):
        worker.run()
