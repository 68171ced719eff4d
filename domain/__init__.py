"""The domain: tenants, tiers, names, environments, stacks and the plan format. Pure Python with no
Pulumi import; every other layer builds on it."""

import os
from pathlib import Path
from typing import Any

from domain.project import project_root

PULUMI_PROJECT = "tenancy"
TENANTS_DIR_ENV = "TENANCY_TENANTS_DIR"
# The project's Python packages, lowest layer first: a change in any of them can change any stack.
CODE_PACKAGES = ("domain", "components", "program", "tenancy", "policies")


def tenants_dir() -> Path:
    """The registry the stack program and the policy pack read (the CLI passes its own)."""
    return Path(os.environ.get(TENANTS_DIR_ENV, project_root() / "tenants"))


def __getattr__(name: str) -> Any:
    # ``PROJECT_ROOT`` is looked up when read (domain.project), never taken from this file's
    # location. Tools call ``project_root()`` when they run, so ``--project-dir`` applies.
    if name == "PROJECT_ROOT":
        return project_root()
    raise AttributeError(f"module 'domain' has no attribute {name!r}")
