"""Violations and undecided results.

An undecided result is reported through the engine's ``report_violation`` like any other, with
the message prefixed ``UNDECIDED:``. Under ``pulumi preview`` it therefore carries the policy's
own enforcement level (a mandatory isolation rule that cannot be verified blocks, it never
passes silently); ``tenancy check`` recognises the prefix and lists it apart (docs/policies.md).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from pulumi_policy.proxy import UnknownValueError

from policies.lib.values import Undecided

UNDECIDED_PREFIX = "UNDECIDED: "

ReportViolation = Callable[[str, str | None], None]


def is_undecided(message: str) -> bool:
    return message.startswith(UNDECIDED_PREFIX)


def strip_undecided(message: str) -> str:
    return message[len(UNDECIDED_PREFIX) :] if is_undecided(message) else message


class Report:
    """What a policy says about the resources it looked at."""

    def __init__(self, report_violation: ReportViolation):
        self._report = report_violation

    def violation(self, message: str, urn: str | None = None) -> None:
        self._report(message, urn)

    def undecided(self, reason: str, urn: str | None = None) -> None:
        self._report(UNDECIDED_PREFIX + reason, urn)

    @contextmanager
    def deciding(self, subject: str = "", urn: str | None = None) -> Iterator[None]:
        """Run a check; an unknown value turns into one undecided result for ``subject``."""
        try:
            yield
        except Undecided as exc:
            self.undecided(f"{subject}: {exc.reason}" if subject else exc.reason, urn)
        except UnknownValueError as exc:
            self.undecided(f"{subject}: {exc.message}" if subject else exc.message, urn)
