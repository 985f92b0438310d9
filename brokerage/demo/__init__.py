"""Demo data for `make run`: a programme in its second year, all of it fictional.

The four demo sign-ins and what the README's walk-through follows (`signins`), a
year of organisations, needs, offers and matches made by a seeded generator
(`generator`), the ball: last year's held, this year's on sale (`ball`), the grant
rounds its money pays for (`funding`), other funders' opportunities (`opportunities`),
and the company's named volunteers on a regulated-activity match (`volunteering`),
with their hours at its past sessions (`hours`).

Deterministic: the same seed gives the same records (dates are counted back from
the day it is loaded). Idempotent: each record is looked up by a natural key before
it is made, so running it twice changes nothing. The caller commits, once.
"""

from __future__ import annotations

import random
from datetime import datetime

from sqlalchemy import func, select, update

from brokerage.accounts.services import find_user_by_email, hash_password
from brokerage.clock import utcnow
from brokerage.demo import building, generator
from brokerage.demo.ball import seed_last_years_ball, seed_this_years_ball
from brokerage.demo.funding import seed_grant_rounds
from brokerage.demo.hours import seed_hours
from brokerage.demo.opportunities import seed_opportunities
from brokerage.demo.signins import DEMO_PASSWORD, seed_sign_ins
from brokerage.demo.volunteering import seed_volunteering
from brokerage.extensions import db
from brokerage.notifications.models import OutboxEmail, OutboxStatus

__all__ = ["DEMO_PASSWORD", "seed_demo"]


def seed_demo(size: int = 1, now: datetime | None = None) -> list[tuple[str, str]]:
    """Load the demo (the generated part `size` times over) if missing. Returns the
    sign-ins as (role, email) pairs."""
    now = now or utcnow()
    first_new_email = (db.session.scalar(select(func.max(OutboxEmail.id))) or 0) + 1
    people = seed_sign_ins()
    team = find_user_by_email("team@example.org")
    plan = generator.plan(size)
    made = building.apply(plan, team, hash_password(DEMO_PASSWORD), now)
    building.backdate(made, now)
    seed_last_years_ball(team, random.Random(generator.SEED + 1), now)
    seed_this_years_ball(team)
    seed_grant_rounds(team, now)
    seed_opportunities(team, now)
    seed_volunteering(team, hash_password(DEMO_PASSWORD))
    seed_hours(now)  # after the volunteers' sessions are made
    # The emails the services wrote while the history was made went out at the
    # time, as far as the demo is concerned: none waits for a worker (which would
    # try real SMTP), and the dashboard does not warn that mail is stuck.
    db.session.execute(
        update(OutboxEmail)
        .where(OutboxEmail.id >= first_new_email, OutboxEmail.status == OutboxStatus.PENDING)
        .values(status=OutboxStatus.SENT, sent_at=OutboxEmail.created_at)
        .execution_options(synchronize_session=False)
    )
    return people
