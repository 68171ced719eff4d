"""The customer certificate's reader (issue 16): the External Secrets store reads the tenant's TLS
secret as an identity of its own, granted on that one secret only. Attacker's twins: the app's
identity and another tenant's identity are refused by the policy when given the secret."""

from __future__ import annotations

import copy

import pytest
from support import SAMPLE_TENANTS, plan_stack, policy_report

from domain import names
from domain.environment import load_environment
from domain.plan_model import Plan, PlanStack
from domain.registry import load_registry
from policies.pack import ALL_POLICIES
from tenancy.checks.engine import evaluate

PROJECT = names.dedicated_project_id("dev", "globex")
SECRET = "globex-travel-tls"
READER = names.certificate_reader_account_id("globex")
POLICY = "iam-restrict-tenant-grants-to-own-identity"


@pytest.fixture(scope="module")
def globex(sample_plan) -> PlanStack:
    return plan_stack(sample_plan, "dev.globex")


def _findings(stack: PlanStack) -> list[str]:
    report = policy_report(stack, POLICY)
    return [v.message for v in report.violations]


def _access(stack: PlanStack):
    (access,) = [
        r
        for r in stack.resources
        if r.type == "gcp:secretmanager/secretIamMember:SecretIamMember"
        and r.inputs["secretId"] == SECRET
    ]
    return access


def test_the_reader_is_its_own_identity_granted_on_the_one_secret(globex) -> None:
    access = _access(globex)
    assert access.inputs["role"] == "roles/secretmanager.secretAccessor"
    assert access.inputs["project"] == PROJECT
    assert access.inputs["member"] == f"serviceAccount:{READER}@{PROJECT}.iam.gserviceaccount.com"
    # no project-wide Secret Manager role for anyone in the tenant's stack
    assert not [
        r
        for r in globex.resources
        if r.type.startswith("gcp:projects/") and "secretmanager" in str(r.inputs.get("role", ""))
    ]
    # the app's identity holds no grant on any secret
    workload = names.workload_service_account_id("globex")
    assert not [
        r
        for r in globex.resources
        if "secretIam" in r.type and workload in str(r.inputs.get("member", ""))
    ]
    (account,) = [
        r
        for r in globex.resources
        if r.type == "gcp:serviceaccount/account:Account" and r.inputs["accountId"] == READER
    ]
    assert account.inputs["project"] == PROJECT
    # Workload Identity: exactly the reader's KSA in the tenant's namespace, and the store uses it
    binding = next(
        r
        for r in globex.resources
        if r.type == "gcp:serviceaccount/iAMMember:IAMMember"
        and r.inputs["role"] == "roles/iam.workloadIdentityUser"
        and names.CERTIFICATE_READER_KSA in r.inputs["member"]
    )
    namespace = names.k8s_namespace("globex")
    assert binding.inputs["member"] == (
        f"serviceAccount:{PROJECT}.svc.id.goog[{namespace}/{names.CERTIFICATE_READER_KSA}]"
    )
    (ksa,) = [
        r
        for r in globex.resources
        if r.type == "kubernetes:core/v1:ServiceAccount"
        and r.inputs["metadata"]["name"] == names.CERTIFICATE_READER_KSA
    ]
    assert ksa.inputs["metadata"]["namespace"] == namespace
    assert ksa.inputs["metadata"]["annotations"]["iam.gke.io/gcp-service-account"] == (
        f"{READER}@{PROJECT}.iam.gserviceaccount.com"
    )
    (store,) = [r for r in globex.resources if r.type.endswith(":SecretStore")]
    auth = store.inputs["spec"]["provider"]["gcpsm"]["auth"]["workloadIdentity"]
    assert auth["serviceAccountRef"] == {"name": names.CERTIFICATE_READER_KSA}


def test_the_sample_passes(globex) -> None:
    assert _findings(globex) == []


@pytest.mark.parametrize(
    ("member", "expected"),
    [
        # the app's own identity: the tenant's, but it must not hold the private key
        (
            f"serviceAccount:{names.workload_service_account_id('globex')}@{PROJECT}"
            ".iam.gserviceaccount.com",
            f"only its certificate reader {READER} may read it",
        ),
        # another tenant's identity gets nothing of globex's
        (
            "serviceAccount:robinhood-workload@tinybug-saas-dev.iam.gserviceaccount.com",
            "tenant 'robinhood''s identity",
        ),
        # another tenant's certificate reader is not globex's
        (
            f"serviceAccount:{names.certificate_reader_account_id('robinhood')}@"
            f"{names.dedicated_project_id('dev', 'robinhood')}.iam.gserviceaccount.com",
            f"only its certificate reader {READER} may read it",
        ),
    ],
)
def test_the_attackers_twins_are_refused(globex, member: str, expected: str) -> None:
    stack = copy.deepcopy(globex)
    _access(stack).inputs["member"] = member
    found = _findings(stack)
    assert any(SECRET in m and expected in m for m in found), found


def test_a_secret_of_the_tenants_project_is_the_tenants_whatever_its_name(globex) -> None:
    stack = copy.deepcopy(globex)
    access = _access(stack)
    access.inputs["secretId"] = "some-other-secret"
    access.inputs["member"] = "serviceAccount:robinhood-workload@x.iam.gserviceaccount.com"
    assert any("some-other-secret of tenant 'globex'" in m for m in _findings(stack))


def _binding_findings(stack: PlanStack) -> list[str]:
    settings = load_environment("dev")
    chosen = [p for p in ALL_POLICIES if p.name == "iam-bind-workload-identity-to-own-namespace"]
    report = evaluate(Plan([stack]), settings, load_registry(SAMPLE_TENANTS, settings), chosen)
    return [v.message for v in report.violations]


def test_only_the_readers_ksa_may_use_the_reader(globex) -> None:
    assert _binding_findings(globex) == []
    namespace = names.k8s_namespace("globex")
    for ksa in (names.k8s_service_account("globex"), "default"):
        stack = copy.deepcopy(globex)
        binding = next(
            r
            for r in stack.resources
            if r.type == "gcp:serviceaccount/iAMMember:IAMMember"
            and names.CERTIFICATE_READER_KSA in str(r.inputs.get("member"))
        )
        binding.inputs["member"] = f"serviceAccount:{PROJECT}.svc.id.goog[{namespace}/{ksa}]"
        found = _binding_findings(stack)
        assert any(f"service account {READER} is bound to {namespace}/{ksa}" in m for m in found), (
            found
        )
