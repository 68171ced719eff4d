"""Temporal Cloud API key generations: what the environment file may declare.

A generation is one API key per Temporal namespace (resource ``<block>-api-key-<generation>``),
all expiring at the generation's instant. Generations are listed oldest first; the workers are
given the newest. Rotation adds a generation (new keys; the workers switch), and later removes the
oldest (only its keys are deleted): docs/operations.md, "Temporal API keys".
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import pairwise
from typing import TypeVar

from domain.conventions import TEMPORAL_API_KEY_MIN_REMAINING_DAYS
from domain.provider_facts import (
    TEMPORAL_API_KEY_MAX_LIFETIME_DAYS,
    TEMPORAL_API_KEYS_PER_SERVICE_ACCOUNT,
    TEMPORAL_API_KEYS_SOURCE,
)

GENERATION_PATTERN = r"^[a-z0-9](?:[a-z0-9-]{0,10}[a-z0-9])?$"
MAX_LIFETIME = timedelta(days=TEMPORAL_API_KEY_MAX_LIFETIME_DAYS)
MIN_REMAINING = timedelta(days=TEMPORAL_API_KEY_MIN_REMAINING_DAYS)
T = TypeVar("T")


@dataclass(frozen=True)
class Generation:
    name: str
    expires: datetime  # aware, UTC


def _day(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def generation_problems(generations: Sequence[Generation], now: datetime) -> list[str]:
    """Every reason the list cannot be deployed or rotated safely, all at once."""
    if not generations:
        return [
            "no key generation: declare at least one {generation, expires} (Temporal Cloud "
            "namespaces here authenticate workers with API keys)"
        ]
    problems: list[str] = []
    limit = TEMPORAL_API_KEYS_PER_SERVICE_ACCOUNT
    if len(generations) > limit:
        problems.append(
            f"{len(generations)} generations: each is one key of every namespace's service "
            f"account, and Temporal Cloud allows {limit} non-expired keys per service account "
            f"({TEMPORAL_API_KEYS_SOURCE})"
        )
    for name, count in sorted(Counter(g.name for g in generations).items()):
        if count > 1:
            problems.append(f"generation {name!r} is declared {count} times")
    latest = now + MAX_LIFETIME
    for g in generations:
        if g.expires <= now:
            problems.append(
                f"generation {g.name!r} expired at {_day(g.expires)} (now {_day(now)}): "
                "remove it once its successor is deployed, or add a new generation"
            )
        elif g.expires > latest:
            problems.append(
                f"generation {g.name!r} expires at {_day(g.expires)}, beyond Temporal Cloud's "
                f"maximum key lifetime of {TEMPORAL_API_KEY_MAX_LIFETIME_DAYS} days (2 years) "
                f"from now: at most {_day(latest)} ({TEMPORAL_API_KEYS_SOURCE})"
            )
    for older, newer in pairwise(generations):
        if newer.expires < older.expires + MIN_REMAINING:
            problems.append(
                f"generations {older.name!r} and {newer.name!r} do not overlap for a rotation: "
                "generations are listed oldest first, and each must expire at least "
                f"{TEMPORAL_API_KEY_MIN_REMAINING_DAYS} days after the one before "
                f"({_day(older.expires)} + {TEMPORAL_API_KEY_MIN_REMAINING_DAYS} days > "
                f"{_day(newer.expires)})"
            )
    return problems


def newest(generations: Sequence[T]) -> T:
    """The generation the workers use: the last listed (validation keeps them in expiry order)."""
    return generations[-1]
