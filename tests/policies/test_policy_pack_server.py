"""The real entry point, as `pulumi preview --policy-pack policies` runs it: a subprocess serving
the analyzer over gRPC. The test plays the engine's part and stops the process it started."""

from __future__ import annotations

import subprocess
import sys

import grpc
import pytest
from google.protobuf import empty_pb2, struct_pb2
from policy_plan_fixtures import write_registry
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc

from domain import PROJECT_ROOT
from policies.pack import ALL_POLICIES, PACK_NAME

UNKNOWN_STRING = (
    "04da6b54-80e4-46f7-96ec-b56ff0331ba9"  # the engine's unknown marker during preview
)
ACME_SQL = (
    "urn:pulumi:dev.acme::tenancy::gcp:sql/databaseInstance:DatabaseInstance::acme-postgres-1"
)


@pytest.fixture(scope="module")
def analyzer(tmp_path_factory):
    tenants = write_registry(tmp_path_factory.mktemp("pack") / "tenants")
    # The pack of this checkout, even where the installed package points at another one.
    env = {
        "TENANCY_TENANTS_DIR": str(tenants),
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": str(PROJECT_ROOT),
    }
    # Pulumi starts a policy pack in the pack's directory: the project is found above it
    # (domain.project), the registry comes from TENANCY_TENANTS_DIR.
    process = subprocess.Popen(
        [sys.executable, "-u", str(PROJECT_ROOT / "policies")],
        cwd=PROJECT_ROOT / "policies",
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        text=True,
    )
    try:
        port = process.stdout.readline().strip()
        assert port.isdigit(), process.stderr.read()
        channel = grpc.insecure_channel(f"127.0.0.1:{port}")
        grpc.channel_ready_future(channel).result(timeout=30)
        yield analyzer_pb2_grpc.AnalyzerStub(channel)
        channel.close()
    finally:
        process.terminate()
        process.wait(timeout=10)


def struct(data: dict) -> struct_pb2.Struct:
    value = struct_pb2.Struct()
    value.update(data)
    return value


def sql_request(ipv4) -> analyzer_pb2.AnalyzeRequest:
    properties = {
        "name": "acme-postgres-1",
        "region": "us-central1",
        "databaseVersion": "POSTGRES_15",
        "settings": {
            "ipConfiguration": {"ipv4Enabled": ipv4, "sslMode": "ENCRYPTED_ONLY"},
            "backupConfiguration": {"enabled": True, "pointInTimeRecoveryEnabled": True},
            "userLabels": {
                "tenant": "acme",
                "tier": "standard",
                "environment": "dev",
                "managed-by": "tenancy",
            },
        },
    }
    return analyzer_pb2.AnalyzeRequest(
        type="gcp:sql/databaseInstance:DatabaseInstance",
        urn=ACME_SQL,
        name="acme-postgres-1",
        properties=struct(properties),
        options=analyzer_pb2.AnalyzerResourceOptions(protect=True),
    )


def diagnostics(response, policy: str) -> list:
    return [d for d in response.diagnostics if d.policyName == policy]


def test_pack_describes_all_policies(analyzer):
    info = analyzer.GetAnalyzerInfo(empty_pb2.Empty())
    assert info.name == PACK_NAME
    assert sorted(p.name for p in info.policies) == sorted(p.name for p in ALL_POLICIES)


def test_engine_analysis_reports_a_violation(analyzer):
    response = analyzer.Analyze(sql_request(True))
    (found,) = diagnostics(response, "sql-forbid-public-ip")
    assert "settings.ipConfiguration.ipv4Enabled must be false" in found.message
    assert found.enforcementLevel == analyzer_pb2.MANDATORY  # type: ignore[attr-defined]


def test_engine_unknown_becomes_an_undecided_diagnostic(analyzer):
    response = analyzer.Analyze(sql_request(UNKNOWN_STRING))
    (found,) = diagnostics(response, "sql-forbid-public-ip")
    assert (
        "UNDECIDED: DatabaseInstance 'acme-postgres-1': settings.ipConfiguration.ipv4Enabled is "
        "unknown until deploy" in found.message
    )


def test_engine_stack_analysis_finds_a_namespace_without_quota(analyzer):
    namespace = analyzer_pb2.AnalyzerResource(
        type="kubernetes:core/v1:Namespace",
        name="tenant-acme-namespace",
        urn="urn:pulumi:dev.acme::tenancy::kubernetes:core/v1:Namespace::tenant-acme-namespace",
        properties=struct({"metadata": {"name": "tenant-acme"}}),
        options=analyzer_pb2.AnalyzerResourceOptions(),
    )
    response = analyzer.AnalyzeStack(analyzer_pb2.AnalyzeStackRequest(resources=[namespace]))
    assert any(
        "namespace 'tenant-acme' has no ResourceQuota" in d.message
        for d in diagnostics(response, "k8s-require-namespace-quota")
    )
