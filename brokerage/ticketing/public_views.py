"""The buyer's pages: no account needed."""

from __future__ import annotations
