"""What the public may guess at (a case number with its second factor, an appeal's reference with its
phone digits): the typed text made plain, and a lock on the thing guessed after too many failures."""

from __future__ import annotations

import re
import time
import unicodedata
from collections.abc import Callable

from django.core.cache import cache
from django_ratelimit.core import get_usage

LOCK_SECONDS = 60 * 60


def plain(raw: str | None) -> str:
    """Full-width characters (a Chinese IME's １２３, －, Ｘ) as ASCII, all whitespace dropped."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", raw or ""))


class FailureLock:
    """Failures are counted per key (a case number, a reference), whether it exists or not, in
    django-ratelimit's fixed hourly window; the failure that reaches ``per_hour()`` locks the key for an
    hour. The lock's end is kept as a time, so one cache read tells, wherever the window falls."""

    def __init__(self, group: str, per_hour: Callable[[], int]):
        self.group = group
        self.per_hour = per_hour

    def _key(self, key: str) -> str:
        return f"{self.group}.lock:{key}"

    def locked(self, key: str) -> bool:
        until = cache.get(self._key(key))
        return until is not None and until > time.time()

    def record_failure(self, key: str) -> None:
        usage = get_usage(
            None, group=self.group, key=lambda group, request: key, rate=f"{self.per_hour()}/h", increment=True
        )
        if usage is not None and usage["count"] >= usage["limit"]:
            cache.set(self._key(key), time.time() + LOCK_SECONDS, LOCK_SECONDS)
