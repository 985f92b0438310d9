"""The programme team's pages for the ball."""

from __future__ import annotations
