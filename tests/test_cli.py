"""The flask commands: create-team-member and seed-demo."""

import contextvars

import pytest
from sqlalchemy import func, select

from brokerage.accounts.models import User
from brokerage.accounts.services import authenticate
from brokerage.demo import DEMO_PASSWORD
from brokerage.extensions import db
from brokerage.organisations.models import (
    Membership,
    MembershipRole,
    Organisation,
    OrganisationEvent,
    OrganisationStatus,
)


@pytest.fixture
def run(app):
    """Run a command as `flask --app brokerage ...` would: in its own app context and
    database session, so only what it commits is seen afterwards."""
    runner = app.test_cli_runner()

    def invoke(*args: str):
        result = contextvars.Context().run(runner.invoke, args=list(args))
        db.session.expire_all()
        return result

    return invoke


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_create_team_member_makes_a_new_verified_team_account(run):
    result = run(
        "create-team-member",
        "Priya@Example.org",
        "--name",
        "Priya Shah",
        "--password",
        "three random words",
    )

    assert result.exit_code == 0, result.output
    assert "Created team member Priya Shah <priya@example.org>." in result.output
    user = db.session.scalars(select(User)).one()
    assert user.email == "priya@example.org"
    assert user.is_team
    assert user.is_verified
    assert authenticate("priya@example.org", "three random words") == user


def test_create_team_member_promotes_an_existing_account(run, make):
    person = make.user(name="Dawn Okafor", email="dawn@example.org")
    assert not person.is_team

    result = run("create-team-member", "DAWN@example.org")

    assert result.exit_code == 0, result.output
    assert "Promoted team member Dawn Okafor <dawn@example.org>." in result.output
    db.session.refresh(person)
    assert person.is_team
    assert count(User) == 1
    assert authenticate("dawn@example.org", make.PASSWORD) == person


def test_create_team_member_refuses_a_weak_password(run):
    result = run("create-team-member", "new@example.org", "--name", "New", "--password", "short")

    assert result.exit_code != 0
    assert "Password must be 12 characters or more" in result.output
    assert count(User) == 0


def test_seed_demo_loads_the_demo_and_prints_the_sign_ins(run):
    result = run("seed-demo")

    assert result.exit_code == 0, result.output
    assert f"Demo sign-ins (password for each: {DEMO_PASSWORD}):" in result.output
    for role, email in [
        ("Programme team", "team@example.org"),
        ("Charity member (owner)", "charity@example.org"),
        ("Company member (owner)", "company@example.org"),
    ]:
        [line] = [line for line in result.output.splitlines() if email in line]
        assert line.strip().startswith(role)

    team = authenticate("team@example.org", DEMO_PASSWORD)
    assert team is not None and team.is_team
    charity = authenticate("charity@example.org", DEMO_PASSWORD)
    assert charity is not None and not charity.is_team
    statuses = {org.name: org.status for org in db.session.scalars(select(Organisation))}
    assert {
        name: statuses[name]
        for name in (
            "Harehills Community Tech Hub",
            "Aire Valley Software Ltd",
            "Seacroft Silver Surfers",
        )
    } == {
        "Harehills Community Tech Hub": OrganisationStatus.APPROVED,
        "Aire Valley Software Ltd": OrganisationStatus.APPROVED,
        "Seacroft Silver Surfers": OrganisationStatus.PENDING,
    }
    # ... among a programme of about 85 generated organisations.
    assert 80 <= len(statuses) <= 100
    hub = db.session.scalars(
        select(Organisation).where(Organisation.name == "Harehills Community Tech Hub")
    ).one()
    assert hub.owners == [charity]
    assert [m.role for m in hub.memberships] == [MembershipRole.OWNER]


def test_seed_demo_twice_changes_nothing(run):
    first = run("seed-demo")
    assert first.exit_code == 0, first.output
    counts = {model: count(model) for model in (User, Organisation, Membership, OrganisationEvent)}
    assert counts[User] > 80
    assert counts[Organisation] > 80

    second = run("seed-demo")

    assert second.exit_code == 0, second.output
    assert {model: count(model) for model in counts} == counts
    assert "charity@example.org" in second.output


def test_seed_demo_refuses_a_size_below_one(run):
    result = run("seed-demo", "--size", "0")

    assert result.exit_code != 0
    assert "--size" in result.output
    assert count(User) == 0
