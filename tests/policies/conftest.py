"""Fixtures of the policy-pack tests: environment settings, the test registry, a policy runner."""

from __future__ import annotations

import pytest
from policy_plan_fixtures import registry, settings_for_tests

from domain.environment import EnvironmentSettings
from domain.plan_model import Plan
from domain.registry import Registry
from policies.pack import ALL_POLICIES
from tenancy.checks.engine import CheckReport, evaluate

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
        return evaluate(
            plan,
            settings,
            test_registry,
            policies=[POLICIES_BY_NAME[name]],
            policy_config={name: config} if config else None,
        )

    return run
