"""The team's screens for grant rounds: set up, eligibility, the panel, decisions."""

from brokerage.funding import bp  # noqa: F401
