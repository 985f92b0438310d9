"""Other funders' opportunities: the team posts them, organisations see those that fit."""

from brokerage.funding import bp  # noqa: F401
