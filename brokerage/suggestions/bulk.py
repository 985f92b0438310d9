"""Making many small objects at once, without the cycle collector walking them.

Reading 10,000 listings into facts, or building 100,000 suggestions, makes hundreds
of thousands of small objects (dicts, tuples, dataclasses), none of them part of a
reference cycle. While they are made, CPython's cycle collector runs again and
again, each time walking the young objects and now and then everything alive: a
third of the time spent, for nothing it could free. It is paused for such a
build and runs as usual afterwards.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def no_cycle_collection() -> Iterator[None]:
    """Pause the cycle collector for the block (reference counting still frees
    everything as usual). If another thread paused it first, leave it to that one."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
