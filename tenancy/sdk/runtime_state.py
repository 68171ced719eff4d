"""Reset the SDK's process-wide runtime state between two programs run in one process.

Uses ``pulumi.runtime.settings.SETTINGS.outputs`` (the set of output tasks the SDK waits for at
the end of a program; private state) and ``set_root_resource`` (the stack resource children are
parented to). Without the reset, a second stack planned in the same process would wait for the
first one's outputs and parent its resources to the first one's stack.
"""

from __future__ import annotations

from pulumi.runtime.settings import SETTINGS, set_root_resource
from pulumi.runtime.stack import run_pulumi_func

__all__ = ["reset_runtime", "run_pulumi_func"]


def reset_runtime() -> None:
    set_root_resource(None)  # type: ignore[arg-type]  # None is how the SDK itself resets it
    SETTINGS.outputs.clear()
