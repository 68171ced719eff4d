"""What a resource waits for before the engine creates it.

A resource waits for its dependencies, and for its parent: a child cannot register before its
component, and a component registers only once its own depends_on exist (the Python SDK awaits
the parent's URN, which resolves after those). Depending on a component means waiting for all
of its children. So "A is created after B" holds when B is reachable from A through
dependencies and parents, expanding components to their children.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from pulumi_policy.proxy import UnknownValueError

from domain.plan_model import UNKNOWN
from policies.lib.resources import StackView, Subject
from policies.lib.values import Undecided, elements, get


class Waits:
    """Transitive "created after" over one stack."""

    def __init__(self, view: StackView):
        self.view = view
        self.children: dict[str, list[str]] = defaultdict(list)
        for subject in view.subjects:
            if subject.parent:
                self.children[subject.parent].append(subject.urn)
        self._cache: dict[str, frozenset[str]] = {}

    def _descendants(self, urn: str) -> list[str]:
        found, stack = [], list(self.children.get(urn, ()))
        while stack:
            current = stack.pop()
            found.append(current)
            stack.extend(self.children.get(current, ()))
        return found

    def of(self, subject: Subject) -> frozenset[str]:
        """Every URN the subject is created after."""
        if subject.urn in self._cache:
            return self._cache[subject.urn]
        seen: set[str] = set()
        frontier = [subject.urn]
        while frontier:
            urn = frontier.pop()
            current = self.view.by_urn.get(urn)
            if current is None:
                continue
            edges = list(current.dependencies)
            if current.parent:
                edges.append(current.parent)
            for dep in edges:
                for reached in (dep, *self._descendants(dep)) if dep != current.parent else (dep,):
                    if reached not in seen:
                        seen.add(reached)
                        frontier.append(reached)
        result = frozenset(seen)
        self._cache[subject.urn] = result
        return result

    def after(self, subject: Subject, other: Subject) -> bool:
        return other.urn in self.of(subject)


def peek(subject: Subject, path: str) -> Any:
    """An input that may be unknown until deploy, as UNKNOWN instead of an undecided result:
    ordering rules follow the dependency instead of the value."""
    try:
        return subject.get(path)
    except Undecided:
        return UNKNOWN


def peek_in(node: Any, path: str) -> Any:
    try:
        return get(node, path)
    except Undecided:
        return UNKNOWN


def peek_list(subject: Subject, path: str) -> list[Any]:
    """The elements of a list input; an unknown list or element reads as UNKNOWN."""
    try:
        value = subject.get(path)
    except Undecided:
        return [UNKNOWN]
    if value is None:
        return []
    out: list[Any] = []
    for index in range(len(value)):
        try:
            out.append(next(iter(elements([value[index]], path))))
        except (Undecided, UnknownValueError):
            out.append(UNKNOWN)
    return out
