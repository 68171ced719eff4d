"""Run a coroutine to completion on the SDK's event loop, from synchronous code.

Wraps ``pulumi.runtime.sync_await._sync_await`` (private): the offline plan runs the program and
resolves its outputs on the loop the SDK's mocks already use, so ``asyncio.run`` (a new loop) will
not do.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import TypeVar

from pulumi.runtime.sync_await import _sync_await

T = TypeVar("T")


def run_sync(awaitable: Awaitable[T]) -> T:
    return _sync_await(awaitable)
