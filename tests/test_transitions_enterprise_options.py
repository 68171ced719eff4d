"""Removing an enterprise option from an existing tenant, as a pair of states: the sample registry
before, globex without the option after, both planned with the real program (offline), judged by
``tenancy transitions``. What is deleted, replaced or left protected is named; a protected custom
IAM role cannot go by a plain deploy (docs/lifecycle.md, "Removing an enterprise option")."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from support import SAMPLE_TENANTS

from domain.environment import load_environment
from domain.lifecycle import Kind
from domain.plan_model import Plan
from domain.provider_facts import CUSTOM_ROLE_ID_REUSE_DAYS, CUSTOM_ROLE_TYPE
from domain.registry import RegistryError, load_registry
from domain.stacks import all_stacks
from tenancy.lifecycle.transitions import TransitionReport, analyse, states_in_dir
from tenancy.plan.engine import plan_stacks

ROLE_BLOCK = """  custom_roles:
    - id: globexReportReader
      title: Globex report reader
      description: Reads exports and reports in the tenant bucket and its logs
      permissions:
        - storage.objects.get
        - storage.objects.list
        - logging.logEntries.list
        - monitoring.timeSeries.list
"""
ROLE_GRANT = "    - {role: globexReportReader, on: project}\n"
VPN_BLOCK = """  vpn:
    peer_gateway_ips: [35.199.10.10, 35.199.10.11]   # the public addresses of Globex's gateway
    peer_asn: 65010
    shared_secret: globex-vpn-psk
    remote_ranges: [192.168.0.0/16]
"""
DIRECT_BLOCK = """  direct_access:                         # over the VPN only; RLS still applies
    group: db-readers@globex.example
    read_only: true
"""
INGRESS_BLOCK = "  ingress:\n    private: true\n"


def _plan(tenants: Path) -> Plan:
    settings = load_environment("dev")
    registry = load_registry(tenants, settings)
    specs = [s for s in all_stacks(registry, "dev") if s.tenant_id == "globex"]
    return plan_stacks(specs, settings, registry, workers=1)


@pytest.fixture(scope="module")
def base() -> Plan:
    return _plan(SAMPLE_TENANTS)


def _without(tmp_path: Path, *blocks: str) -> Path:
    head = tmp_path / "head"
    shutil.copytree(SAMPLE_TENANTS, head)
    path = head / "globex.yaml"
    text = path.read_text(encoding="utf-8")
    for block in blocks:
        assert block in text, block
        text = text.replace(block, "")
    path.write_text(text, encoding="utf-8")
    return head


def _transition(head_dir: Path, base: Plan) -> TransitionReport:
    head = _plan(head_dir)
    return analyse(states_in_dir(SAMPLE_TENANTS), states_in_dir(head_dir), base, head, "dev")


def _types(refs) -> set[str]:
    return {r.type.rsplit(":", 1)[-1] for r in refs}


def test_removing_a_custom_role_is_explicit(base, tmp_path) -> None:
    report = _transition(_without(tmp_path, ROLE_BLOCK, ROLE_GRANT), base)
    globex = report.entry("globex")
    assert globex is not None and globex.kind == Kind.CHANGE
    deleted = {(r.type, r.name) for r in globex.deleted}
    role = (CUSTOM_ROLE_TYPE, "globex-identity-role-globexreportreader")
    assert role in deleted
    # the role's grant goes with it; nothing that holds data is touched
    assert any("globexreportreader" in r.name and "IAMMember" in r.type for r in globex.deleted)
    assert not [r for r in globex.deleted if r.stateful]
    assert not [r for r in globex.replaced if r.resource.stateful]
    # unsafe until done on purpose: the role is protected, and GCP soft-deletes it
    assert not globex.safe and not report.safe
    (reason,) = [r for r in globex.reasons if "globex-identity-role-globexreportreader" in r]
    assert "protected" in reason and "pulumi state unprotect --stack dev.globex" in reason
    assert f"up to {CUSTOM_ROLE_ID_REUSE_DAYS} days" in reason
    assert "docs/lifecycle.md" in reason
    # the JSON and the PR banner carry the same reason
    assert reason in report.to_dict()["transitions"][0]["reasons"]
    from tenancy.lifecycle.transitions import summary_lines

    assert any("pulumi state unprotect" in line for line in summary_lines(report))


def test_removing_the_vpn_alone_is_refused_while_direct_access_needs_it(tmp_path) -> None:
    head = _without(tmp_path, VPN_BLOCK)
    with pytest.raises(RegistryError) as caught:
        load_registry(head, load_environment("dev"))
    assert any(
        "databases.direct_access" in str(p) and "needs network.vpn" in str(p)
        for p in caught.value.problems
    )


def test_removing_the_vpn_and_direct_access_deletes_only_connectivity(base, tmp_path) -> None:
    report = _transition(_without(tmp_path, VPN_BLOCK, DIRECT_BLOCK), base)
    globex = report.entry("globex")
    assert globex is not None
    gone = _types(globex.deleted)
    assert {"HaVpnGateway", "ExternalVpnGateway", "VPNTunnel", "RouterPeer"} <= gone
    # the group's logins go (abandoned in the database: deletionPolicy ABANDON) with its grants
    assert any(r.type == "gcp:sql/user:User" and "direct" in r.name for r in globex.deleted)
    # no database, bucket, key or volume is deleted or replaced; nothing protected goes
    assert not [r for r in globex.deleted if r.stateful or r.protected]
    # only the migration Job is replaced (its arguments lose --grant-direct-role-to): it runs again
    assert [(r.resource.name, r.inputs) for r in globex.replaced] == [
        ("globex-migrations-migrate", ["spec.template"])
    ]
    assert globex.safe, globex.reasons


def test_removing_the_private_ingress_keeps_the_public_one(base, tmp_path) -> None:
    report = _transition(_without(tmp_path, INGRESS_BLOCK), base)
    globex = report.entry("globex")
    assert globex is not None
    # exactly the internal controller, its reserved address and the app's second Ingress go;
    # the public controller and the app's public Ingress are untouched
    assert {r.name for r in globex.deleted} == {
        "globex-private-ingress",
        "globex-private-ingress-ip",
        "globex-private-ingress-ingress-nginx",
        "globex-ingress-private-ingress",
    }
    assert not globex.replaced and not globex.changed and not globex.created
    assert not [r for r in globex.deleted if r.stateful or r.protected]
    assert globex.safe, globex.reasons
