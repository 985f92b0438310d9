"""An organisation's side of grant rounds: find a round, apply, follow the decision."""

from brokerage.funding import bp  # noqa: F401
