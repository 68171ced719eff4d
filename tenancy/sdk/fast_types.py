"""The SDK's type unwrapping, remembered per type object, for the offline plan only.

Serialising every input of every resource, the SDK unwraps its annotated type again each time
(``Optional[Input[T]]`` → ``T``, list element types) through ``typing.get_origin``/``get_args``:
about a tenth of a plan's CPU. Each of these is a pure function of the type object, so its answer
is remembered by the object's identity (the object is kept alive with the answer, so an id is
never reused); a call that raises is not remembered and raises again.
``tests/test_sdk_fast_types.py`` proves the answers equal the SDK's, and a whole plan.

Private names used: ``pulumi._types.unwrap_type`` and ``unwrap_optional_type``,
``pulumi.runtime.rpc._get_list_element_type``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

from pulumi import _types
from pulumi.runtime import rpc

PATCHED = (
    (_types, "unwrap_type"),
    (_types, "unwrap_optional_type"),
    (rpc, "_get_list_element_type"),
)


def remembered(function: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """``function`` with its answers kept by the argument's identity."""
    answers: dict[int, tuple[Any, Any]] = {}

    def lookup(value: Any) -> Any:
        found = answers.get(id(value))
        if found is not None and found[0] is value:
            return found[1]
        answer = function(value)
        answers[id(value)] = (value, answer)
        return answer

    lookup.__wrapped__ = function  # type: ignore[attr-defined]
    return lookup


@contextlib.contextmanager
def remembered_types() -> Iterator[None]:
    """Install the remembering versions; the SDK's own are restored on exit."""
    saved = [(module, name, getattr(module, name)) for module, name in PATCHED]
    for module, name, function in saved:
        setattr(module, name, remembered(function))
    try:
        yield
    finally:
        for module, name, function in saved:
            setattr(module, name, function)
