"""gcp-require-tenancy-labels: every GCP resource that takes labels says whose it is."""

from __future__ import annotations

from domain.tiers import Tier
from policies.lib.anchors import checkov, tenancy
from policies.lib.config import Config
from policies.lib.policy import MANDATORY, stack_policy
from policies.lib.reporting import Report
from policies.lib.resources import SHARED, StackView, Subject, label_paths
from policies.lib.values import get

NAME = "gcp-require-tenancy-labels"
ANCHORS = (
    tenancy(
        "seed-002-telemetry", "Every resource carries its tenant (cost attribution, ownership)"
    ),
    checkov("CKV_GCP_21", "Ensure Kubernetes Clusters are configured with Labels", related=True),
)
KEYS = ("tenant", "tier", "environment")


# Shared resources say which tier's pool they serve (the free pool's cost is the free tier's).
SHARED_TIERS = (SHARED, Tier.FREE.value)


def expected_labels(view: StackView, subject: Subject) -> dict[str, tuple[str, ...]]:
    owner = subject.owner()
    tiers: tuple[str, ...]
    if owner == SHARED:
        tiers = SHARED_TIERS
    elif view.ref.is_platform:
        tiers = (Tier.FREE.value,)  # only free tenants own resources in the platform stack
    else:
        tenant = view.tenant
        # a tenant stack's resources are all its tenant's
        tiers = (tenant.tier.value,) if tenant is not None else ()
    return {"tenant": (owner,), "tier": tiers, "environment": (view.ref.env,)}


def check(view: StackView, report: Report, config: Config) -> None:
    for subject in view.subjects:
        if not subject.type.startswith("gcp:"):
            continue
        with report.deciding(subject.label, subject.urn):
            paths = label_paths(subject)
            if not paths:
                continue
            expected = expected_labels(view, subject)
            for path in paths:
                labels = subject.get(path)
                if labels is None:
                    report.violation(
                        f"{subject.label}: {path} is not set (needs tenant, tier, environment)",
                        subject.urn,
                    )
                    continue
                for key in KEYS:
                    value = get(labels, [key])
                    if value not in expected[key]:
                        wanted = " or ".join(repr(v) for v in expected[key])
                        report.violation(
                            f"{subject.label}: {path}.{key} is {value!r}, expected {wanted}",
                            subject.urn,
                        )


POLICY = stack_policy(
    name=NAME,
    description="Every GCP resource that takes labels (labels, settings.userLabels, "
    "resourceLabels) carries tenant, "
    "tier and environment matching its stack (shared resources: tenant=shared, tier=shared or the "
    "tier whose pool they serve).",
    level=MANDATORY,
    anchors=ANCHORS,
    check=check,
    remediation="Build labels with components.conventions.Ownership.gcp_labels().",
)
