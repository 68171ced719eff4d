"""Helpers shared by the top-level tests (imported as `support`)."""

from __future__ import annotations

import importlib.util
import socket
import textwrap
from pathlib import Path
from types import ModuleType

import pytest

from domain import PROJECT_ROOT
from domain.environment import EnvironmentSettings, load_environment
from domain.plan_model import Plan, PlanResource, PlanStack
from domain.registry import RegistryError, load_registry
from policies.pack import ALL_POLICIES
from tenancy.checks.engine import CheckReport, evaluate

SAMPLE_TENANTS = PROJECT_ROOT / "tenants"
# The day the suite runs on (tests/conftest.py pins domain.clock to it): API key expiries.
TEST_NOW = "2026-12-07T00:00:00Z"


# Tenant file templates (`.format(id=...)`). Problems name their line, so a test's expected
# line numbers depend on these texts: append to them, do not edit them.
def _head(tier: str) -> str:
    return (
        "\nid: {id}\ndisplay_name: Example\ntier: " + tier + "\n"
        "region: us-central1\ncontact_email: ops@example.com\n"
    )


FREE = _head("free")
STANDARD = _head("standard") + "placement: pool-a\n"
ENTERPRISE_HEAD = _head("enterprise")  # still needs its custom_domain and, mostly, its ranges
# An enterprise tenant's four ranges that no sample tenant's overlap.
SPARE_RANGES = """\
network_cidr: 10.30.0.0/20
pods_cidr: 10.250.0.0/16
services_cidr: 10.251.0.0/20
control_plane_cidr: 172.16.47.224/28
"""
# An enterprise tenant in its own project (other spare ranges).
ENTERPRISE = (
    ENTERPRISE_HEAD
    + """\
custom_domain: app.example.org
network_cidr: 10.30.0.0/20
pods_cidr: 10.140.0.0/16
services_cidr: 10.132.32.0/20
control_plane_cidr: 172.16.32.32/28
dedicated_project: true
"""
)
# The enterprise tenant `umbrella` (umbrella.yaml) in the platform's project; no `{id}`.
UMBRELLA_HEAD = """
id: umbrella
display_name: Umbrella
tier: enterprise
region: us-central1
contact_email: ops@umbrella.example
custom_domain: app.umbrella.example
"""
UMBRELLA = UMBRELLA_HEAD + SPARE_RANGES


def write_tenant(directory: Path, file_name: str, body: str) -> Path:
    path = directory / file_name
    path.write_text(textwrap.dedent(body).lstrip("\n"), encoding="utf-8")
    return path


def registry_problems(directory: Path, settings: EnvironmentSettings) -> list[str]:
    """Every problem the registry in ``directory`` is refused with (it must be refused)."""
    with pytest.raises(RegistryError) as caught:
        load_registry(directory, settings)
    return [str(p) for p in caught.value.problems]


def tenant_problems(
    directory: Path, settings: EnvironmentSettings, file_name: str, body: str
) -> list[str]:
    """Write one tenant file, then the registry's problems."""
    write_tenant(directory, file_name, body)
    return registry_problems(directory, settings)


def benchmark_registry_module() -> ModuleType:
    """benchmarks/registry.py (benchmarks/ is not a package): ``synthetic_registry(dir, size)``."""
    path = PROJECT_ROOT / "benchmarks" / "registry.py"
    spec = importlib.util.spec_from_file_location("bench_registry", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def plan_stack(plan: Plan, name: str) -> PlanStack:
    stack = plan.stack(name)
    assert stack is not None, f"no stack {name}"
    return stack


def policy_report(stack: PlanStack, policy: str, env: str = "dev") -> CheckReport:
    """One policy of the pack judged on one stack, against the sample registry."""
    settings = load_environment(env)
    chosen = [p for p in ALL_POLICIES if p.name == policy]
    assert chosen, f"no policy {policy}"
    return evaluate(Plan([stack]), settings, load_registry(SAMPLE_TENANTS, settings), chosen)


def of_type(stack: PlanStack, rtype: str) -> list[PlanResource]:
    return [r for r in stack.resources if r.type == rtype]


def free_port() -> int:
    """A local port nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
