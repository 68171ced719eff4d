"""The operations fields of tenant and environment files, and their attacker's twins: an observer
group that would see the platform's metrics, channels without their secret, an environment whose
alerts would tell nobody."""

from __future__ import annotations

import shutil

import pytest
from support import UMBRELLA_HEAD, registry_problems, write_tenant

from domain import PROJECT_ROOT
from domain.environment import EnvironmentConfigError, load_environment
from domain.registry import load_registry

ENTERPRISE = (
    UMBRELLA_HEAD
    + """\
network_cidr: 10.40.0.0/20
pods_cidr: 10.250.0.0/16
services_cidr: 10.251.0.0/20
control_plane_cidr: 172.16.47.224/28
{extra}
"""
)


def test_a_complete_enterprise_operations_block_is_accepted(tenants_dir, settings) -> None:
    write_tenant(
        tenants_dir,
        "umbrella.yaml",
        ENTERPRISE.format(
            extra="dedicated_project: true\n"
            "observer_group: observers@umbrella.example\n"
            "oncall:\n"
            "  - {name: pager, kind: pagerduty, target: umbrella, secret: umbrella-pd-key}\n"
            "  - {name: mail, kind: email, target: oncall@umbrella.example}\n"
            "limits: {slo_target_percent: 99.95, ai_tokens_per_month: 1000, max_concurrency: 10}"
        ),
    )
    tenant = load_registry(tenants_dir, settings).get("umbrella")
    assert tenant is not None and tenant.observer_group == "observers@umbrella.example"


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        pytest.param(
            "observer_group: observers@umbrella.example",
            "observer_group needs dedicated_project: true",
            id="observers-in-the-platform-project",
        ),
        pytest.param(
            "oncall:\n  - {name: chat, kind: slack, target: '#ops'}",
            "a slack channel needs `secret`",
            id="slack-without-its-secret",
        ),
        pytest.param(
            "oncall:\n  - {name: mail, kind: email, target: ops@umbrella.example, secret: x}",
            "an email channel takes no secret",
            id="email-with-a-secret",
        ),
        pytest.param(
            "oncall:\n  - {name: mail, kind: email, target: 'javascript:alert(1)@x.com'}",
            "not a valid email address",
            id="hostile-email",
        ),
        pytest.param(
            "oncall:\n  - {name: a, kind: email, target: a@umbrella.example}\n"
            "  - {name: a, kind: email, target: b@umbrella.example}",
            "oncall channel names must be unique",
            id="duplicate-channel",
        ),
        pytest.param(
            "limits: {slo_target_percent: 100.0}",
            "slo_target_percent",
            id="slo-above-the-bound",
        ),
        pytest.param(
            'limits: {slo_target_percent: "99.9"}',
            "slo_target_percent",
            id="slo-as-a-string",
        ),
    ],
)
def test_bad_operations_fields_are_refused(tenants_dir, settings, extra, expected) -> None:
    write_tenant(tenants_dir, "umbrella.yaml", ENTERPRISE.format(extra=extra))
    found = registry_problems(tenants_dir, settings)
    assert any(expected in p and "umbrella.yaml" in p for p in found), found


@pytest.mark.parametrize(
    "field", ["limits: {ai_tokens_per_month: 5}", "limits: {slo_target_percent: 99.9}"]
)
def test_a_standard_tenant_may_not_set_enterprise_operations_knobs(tenants_dir, settings, field):
    write_tenant(
        tenants_dir,
        "initech.yaml",
        f"""
        id: initech
        display_name: Initech
        tier: standard
        region: us-central1
        contact_email: ops@initech.example
        placement: pool-a
        {field}
        """,
    )
    found = registry_problems(tenants_dir, settings)
    assert any("initech.yaml" in p and "may not override" in p for p in found), found


def test_an_environment_without_an_oncall_is_refused(tmp_path) -> None:
    root = tmp_path / "project"
    root.mkdir()
    text = (PROJECT_ROOT / "Pulumi.dev.yaml").read_text()
    start = text.index("    notifications:")
    end = text.index("        secret: slack-alerts-token")
    end = text.index("\n", end) + 1
    (root / "Pulumi.dev.yaml").write_text(text[:start] + text[end:])
    shutil.copy(PROJECT_ROOT / "Pulumi.yaml", root / "Pulumi.yaml")
    with pytest.raises(EnvironmentConfigError) as caught:
        load_environment("dev", root)
    assert any("notifications" in p for p in caught.value.problems), caught.value.problems
