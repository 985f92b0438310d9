"""The brokerage web application: create_app builds it."""

from __future__ import annotations

import gc

from flask import Flask

from brokerage import config as config_module
from brokerage import static_files
from brokerage.config import ROOT
from brokerage.urls import BrokerageApp


def create_app(config: dict | None = None) -> Flask:
    app = BrokerageApp(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        static_url_path=f"/static/{static_files.version(ROOT / 'static')}",
        instance_path=str(ROOT / "instance"),
    )
    app.config.from_mapping(config_module.load(config))

    from brokerage import (
        cli,
        database,
        errors,
        forms,
        ids,
        models,
        navigation,
        page_cache,
        security,
        templating,
    )
    from brokerage.accounts import signing_in
    from brokerage.extensions import csrf, db, limiter, login_manager, migrate
    from brokerage.impact import summary as impact_summary
    from brokerage.listings.models import outside_the_models

    database.configure(app)
    ids.register(app)
    forms.register(app)
    models.register()
    db.init_app(app)
    database.attach(app)
    migrate.init_app(
        app,
        db,
        directory=str(ROOT / "migrations"),
        compare_type=True,
        include_object=outside_the_models,
    )
    csrf.init_app(app)
    limiter.init_app(app)
    signing_in.configure(app, login_manager)
    templating.configure(app)
    security.configure(app)
    static_files.configure(app)
    page_cache.configure(app)  # after security: its headers win for shared pages
    impact_summary.configure()  # the impact figures follow every match that changes

    # Importing a domain's views attaches its routes to its blueprint.
    from brokerage.accounts import views as accounts
    from brokerage.funding import award_views as _funding_awards  # noqa: F401
    from brokerage.funding import decision_views as _funding_decisions  # noqa: F401
    from brokerage.funding import manage_views as _funding_team  # noqa: F401
    from brokerage.funding import opportunity_views as _funding_opportunities  # noqa: F401
    from brokerage.funding import panel_views as _funding_panel  # noqa: F401
    from brokerage.funding import views as funding
    from brokerage.impact import views as impact
    from brokerage.listings import views as listings
    from brokerage.main import views as main
    from brokerage.matches import views as matches
    from brokerage.notifications import views as notifications
    from brokerage.organisations import views as organisations
    from brokerage.privacy import views as privacy
    from brokerage.ticketing import gift_aid_views as _ticketing_gift_aid  # noqa: F401
    from brokerage.ticketing import guest_details_views as _ticketing_guest_details  # noqa: F401
    from brokerage.ticketing import invoice_views as _ticketing_invoices  # noqa: F401
    from brokerage.ticketing import manage_views as _ticketing_team  # noqa: F401
    from brokerage.ticketing import message_views as _ticketing_messages  # noqa: F401
    from brokerage.ticketing import seating_views as _ticketing_seating  # noqa: F401
    from brokerage.ticketing import views as ticketing
    from brokerage.ticketing import waiting_views as _ticketing_waiting  # noqa: F401
    from brokerage.volunteering import hour_views as _volunteering_hours  # noqa: F401
    from brokerage.volunteering import session_views as _volunteering_sessions  # noqa: F401
    from brokerage.volunteering import views as volunteering

    domains = (
        main,
        accounts,
        organisations,
        listings,
        matches,
        ticketing,
        notifications,
        impact,
        privacy,
        volunteering,
        funding,
    )
    for domain in domains:
        app.register_blueprint(domain.bp)
    app.register_blueprint(listings.needs_bp)
    app.register_blueprint(listings.offers_bp)
    matches.register_globals(app)
    notifications.register_globals(app)
    navigation.register_globals(app)

    errors.register(app)
    cli.register(app)
    return app


# A served process's garbage collector: a request makes and drops tens of thousands of
# objects, nearly all freed as soon as they are dropped; Python's default (a young
# collection every 700 new objects) scanned the request's live objects again and again,
# 3-10% of a ticket buyer's CPU (bench/rush_profile.py, medians, four pairs of runs).
SERVED_GC_THRESHOLD = (20_000, 20, 20)


def ready_to_serve(app: Flask) -> Flask:
    """Do before the first request what the first requests would each do: configure the
    models' mappers, compile every template (about 1.5 s) and draw one ticket's QR code
    (the QR layout's and numpy's first use). gunicorn imports wsgi.py once in its master
    with --preload, else in each worker as it starts: either way before it takes a request.
    A worker would otherwise compile the order page and the confirmation email on the
    time of the first buyers it serves (about 60 ms in a ticket rush).

    Then what exists now (the app, its models, its templates: kept for the process's
    life) is frozen out of the garbage collector's scans (with --preload, the workers
    share those pages with the master rather than copy them as it scans), and young
    objects are collected less often (SERVED_GC_THRESHOLD): cycles are still collected."""
    from sqlalchemy.orm import configure_mappers

    from brokerage import qr, templating
    from brokerage.ticketing.models import new_ticket_code

    configure_mappers()
    templating.compile_all(app)
    qr.draw(new_ticket_code())
    gc.collect()
    gc.freeze()
    gc.set_threshold(*SERVED_GC_THRESHOLD)
    return app
