"""The panel's screens: the round's applications, conflicts and scores."""

from brokerage.funding import bp  # noqa: F401
