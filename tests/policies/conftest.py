"""Fixtures of the policy-pack tests: environment settings, the test registry, a policy runner."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tenancy.checks.engine import CheckReport, ensure_pack_importable, evaluate

# The pack is imported from the repository root; tests/ (on sys.path) must not shadow it with
# this directory, which is also called "policies".
ensure_pack_importable()
sys.path.insert(0, str(Path(__file__).parent))  # the fixtures module lives next to the tests

from policy_plan_fixtures import registry, settings_for_tests  # noqa: E402

from policies.pack import ALL_POLICIES  # noqa: E402
from tenancy.environment import EnvironmentSettings  # noqa: E402
from tenancy.plan.model import Plan  # noqa: E402
from tenancy.registry import Registry  # noqa: E402

POLICIES_BY_NAME = {policy.name: policy for policy in ALL_POLICIES}


@pytest.fixture(scope="session")
def settings() -> EnvironmentSettings:
    return settings_for_tests()


@pytest.fixture(scope="session")
def test_registry() -> Registry:
    return registry()


@pytest.fixture
def run_policy(settings, test_registry):
    """run_policy(name, plan, config=None) → the CheckReport of that one policy."""

    def run(name: str, plan: Plan, config: dict | None = None) -> CheckReport:
        return evaluate(plan, settings, test_registry, policies=[POLICIES_BY_NAME[name]],
                        policy_config={name: config} if config else None)

    return run
