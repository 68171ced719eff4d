"""Switch off the SDK's per-resource stack traces (and its debug logging) during an offline plan.

Replaces ``pulumi.runtime.resource._get_stack_trace`` (private): the SDK walks the Python stack
for every registration to attach a source position, which costs more than the registration itself
and ends up nowhere offline.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pulumi
from pulumi.runtime import resource as resource_runtime
from pulumi.runtime.proto import source_pb2


@contextlib.contextmanager
def without_stack_traces() -> Iterator[None]:
    saved = (resource_runtime._get_stack_trace, pulumi.log.debug)
    empty = source_pb2.StackTrace()
    resource_runtime._get_stack_trace = lambda: empty
    pulumi.log.debug = lambda *args, **kwargs: None
    try:
        yield
    finally:
        resource_runtime._get_stack_trace, pulumi.log.debug = saved
