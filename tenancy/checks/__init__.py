"""`tenancy check`: the policy pack evaluated offline against the offline plan (or a plan JSON).

The evaluator pulls in pulumi_policy and the pack, so it is imported on first use: registering
the `check` command costs the `tenancy` CLI nothing at start-up.
"""

from __future__ import annotations

from typing import Any

__all__ = ["CheckReport", "CheckResult", "evaluate", "policy_table_markdown"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from tenancy.checks import engine

        return getattr(engine, name)
    raise AttributeError(f"module 'tenancy.checks' has no attribute {name!r}")
