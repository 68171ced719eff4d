"""The domain: tenants, tiers, names, environments, stacks and the plan format. Pure Python with no
Pulumi import; every other layer builds on it."""

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
PULUMI_PROJECT = "tenancy"
TENANTS_DIR_ENV = "TENANCY_TENANTS_DIR"
# The project's Python packages, lowest layer first: a change in any of them can change any stack.
CODE_PACKAGES = ("domain", "components", "program", "tenancy", "policies")


def tenants_dir() -> Path:
    """The registry the stack program and the policy pack read (the CLI passes its own)."""
    return Path(os.environ.get(TENANTS_DIR_ENV, PROJECT_ROOT / "tenants"))
