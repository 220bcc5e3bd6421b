"""Changing an incident that other responders may be changing at the same moment.

Every write of an incident names the version it read (`Store.record`); a writer beaten by
another is told (`IncidentChanged`) and nothing of it is stored. It then reads the incident
again and makes its change on that, so concurrent changes compose instead of overwriting each
other, and each timeline event says what it changed from as it really stood. A change beaten
once is made again holding the store's write lock (`Store.exclusive`): it cannot be beaten
again, so a busy incident costs a responder one more try, never a long run of them.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from typing import TypeVar

from incidentctl.errors import IncidentChanged

T = TypeVar("T")

# a responder's change is made again at most this often while others keep writing first; the
# waits between tries grow, with jitter, so writers beaten together do not collide again
MAX_TRIES = 40
FIRST_WAIT_S = 0.002
LONGEST_WAIT_S = 0.25


def until_stored(
    write: Callable[[int], T],
    *,
    exclusive: Callable[[], AbstractContextManager[None]] = nullcontext,
    tries: int = MAX_TRIES,
) -> T:
    """`write(attempt)` until it is not beaten by another writer (attempt 0, 1, …); from the
    second attempt on inside `exclusive()` (the store's write lock).

    Each `write` must read the incident afresh (except at attempt 0, which may use what was
    read already) and make its change on that.
    """
    for attempt in range(tries):
        try:
            if not attempt:
                return write(attempt)
            with exclusive():
                return write(attempt)
        except IncidentChanged as exc:
            beaten = exc
            if attempt + 1 < tries:
                longest = min(LONGEST_WAIT_S, FIRST_WAIT_S * 2**attempt)
                time.sleep(random.uniform(0, longest))
    raise IncidentChanged(
        f"{beaten}: other responders kept changing it, {tries} tries; run the command again"
    )
