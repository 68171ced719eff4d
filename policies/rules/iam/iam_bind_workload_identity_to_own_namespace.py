"""iam-bind-workload-identity-to-own-namespace: a tenant's Cloud identity is usable only from its
own pods."""

from __future__ import annotations

from domain import names
from policies.lib import kinds
from policies.lib.anchors import mtb, tenancy
from policies.lib.config import Config
from policies.lib.identities import (
    WORKLOAD_IDENTITY_USER,
    account_id_of_sa_name,
    account_owner,
    namespace_owner,
    parse_member,
    roles_and_members,
)
from policies.lib.policy import MANDATORY, stack_policy
from policies.lib.reporting import Report
from policies.lib.resources import SHARED, StackView, Subject
from policies.lib.values import Undecided

NAME = "iam-bind-workload-identity-to-own-namespace"
ANCHORS = (
    tenancy("seed-002-iam", "Workload Identity binds the tenant's KSA to the tenant's Cloud SA"),
    mtb("MTB-PL1-CC-TI-2", "Block access to other tenant resources", related=True),
)


def bound_account_id(view: StackView, binding: Subject) -> str:
    """The Cloud service account the binding is on: from serviceAccountId, else its one
    dependency."""
    try:
        value = binding.get("serviceAccountId")
    except Undecided:
        value = None
    if value:
        account = account_id_of_sa_name(str(value))
        if account is None:
            raise Undecided(f"serviceAccountId {value!r} does not name a service account")
        return account
    accounts = view.dependencies_of(binding, kinds.SERVICE_ACCOUNT)
    if len(accounts) != 1:
        raise Undecided(
            f"serviceAccountId is unknown until deploy and the binding depends on {len(accounts)} "
            "service accounts"
        )
    return str(accounts[0].get("accountId"))


def expected_ksa(owner: str | None, account: str = "") -> tuple[str, str] | None:
    if owner == SHARED:
        return names.FREE_TIER_NAMESPACE, names.FREE_TIER_KSA
    if owner is not None and account == names.certificate_reader_account_id(owner):
        # the customer certificate's reader: its own KSA in the tenant's namespace
        return names.k8s_namespace(owner), names.CERTIFICATE_READER_KSA
    if owner is not None:
        return names.k8s_namespace(owner), names.k8s_service_account(owner)
    return None


def check(view: StackView, report: Report, config: Config) -> None:
    index, env = view.facts.names, view.ref.env
    for binding in view.of_type(*kinds.SA_IAM_TYPES):
        with report.deciding(binding.label, binding.urn):
            members = [
                m for role, m in roles_and_members(binding) if role == WORKLOAD_IDENTITY_USER
            ]
            if not members:
                continue
            account = bound_account_id(view, binding)
            owner = account_owner(account, env, index)
            expected = expected_ksa(owner, account)
            for member in members:
                identity = parse_member(member)
                if identity.kind != "ksa" or identity.namespace is None:
                    report.violation(
                        f"{binding.label}: workloadIdentityUser on {account} goes to {member}, "
                        "which is not a Kubernetes service account",
                        binding.urn,
                    )
                    continue
                actual = (identity.namespace, identity.ksa)
                if expected is not None and actual != expected:
                    whose = "the free tier's" if owner == SHARED else f"tenant {owner!r}'s"
                    report.violation(
                        f"{binding.label}: {whose} service account {account} is bound to "
                        f"{identity.namespace}/{identity.ksa or '*'}; only "
                        f"{expected[0]}/{expected[1]} may use it",
                        binding.urn,
                    )
                elif expected is None and namespace_owner(identity.namespace, index) is not None:
                    report.violation(
                        f"{binding.label}: platform service account {account} is bound to tenant "
                        f"namespace {identity.namespace}/{identity.ksa or '*'}",
                        binding.urn,
                    )


POLICY = stack_policy(
    name=NAME,
    description="Every Workload Identity binding maps a tenant's Cloud service account only to "
    "that tenant's own "
    "namespace and KSA (free tier: free-tier/free-tier-sa; <id>-certs: certificate-reader); no "
    "platform account is bound into a tenant namespace.",
    level=MANDATORY,
    anchors=ANCHORS,
    check=check,
    remediation="Bind <id>-workload only to "
    "serviceAccount:<project>.svc.id.goog[tenant-<id>/tenant-<id>-sa].",
)
