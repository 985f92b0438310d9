"""Awards after the decision: payments, monitoring reports, the 360Giving file."""

from brokerage.funding import bp  # noqa: F401
