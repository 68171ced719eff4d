"""The attacker's twin of the name index (issue 10, section 2): a tenant whose id is a common word,
or any word the sample plan contains, never makes another tenant's stack fail the policy pack,
while a real reference to another tenant's physical names is still caught."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import TypeAdapter
from support import SAMPLE_TENANTS
from typer.testing import CliRunner

from domain import names
from domain.plan_model import Plan
from domain.registry import Registry, load_registry
from domain.registry.models import Tenant
from domain.stacks import all_stacks
from policies.lib.names_index import TenantNameIndex
from tenancy.checks.engine import evaluate

# The ids the red team onboarded (issue 10): each failed other tenants' checks.
COMMON_WORDS = (
    "acme",
    "neo4j",
    "nginx",
    "helm",
    "charts",
    "jetstack",
    "tinybug",
    "general",
    "organization",
    "workload",
    "tenant",
)


def failures(report) -> list[str]:
    return [
        f"{r.policy} on {r.urn or r.stack}: {r.message}"
        for r in report.violations + report.undecided
        if r.level == "mandatory"
    ]


def with_twins(registry: Registry, settings, twins: list[str], tier: str) -> Registry:
    adapter = TypeAdapter(Tenant)
    extra = []
    for tid in twins:
        data = {
            "id": tid,
            "display_name": tid,
            "tier": tier,
            "region": settings.region,
            "contact_email": f"ops@{tid}.example",
        }
        if tier == "standard":
            data["placement"] = settings.clusters[0].name
        extra.append(adapter.validate_python(data))
    tenants = list(registry.tenants) + extra
    paths = {t.id: Path(f"tenants/{t.id}.yaml") for t in tenants}
    return Registry(registry.directory, tenants, paths)


def strings(node) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for key, value in node.items():
            yield str(key)
            yield from strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from strings(value)


def plan_words(plan: Plan) -> set[str]:
    """Every word of every string (keys too) of the plan, and every run of hyphen-joined words."""
    words: set[str] = set()
    for stack in plan.stacks:
        for resource in stack.resources:
            for text in strings(resource.inputs):
                for token in re.findall(r"[a-z0-9-]+", text):
                    parts = token.split("-")
                    for i in range(len(parts)):
                        for j in range(i + 1, len(parts) + 1):
                            words.add("-".join(parts[i:j]))
    return words


def onboardable(words: set[str], registry: Registry, settings) -> list[str]:
    """The words `tenancy new` would accept as ids next to the registry."""
    existing = [t.id for t in registry.tenants]
    pools = tuple(c.name for c in settings.clusters)
    return sorted(
        w
        for w in words
        if w not in existing
        and not names.id_problems(w)
        and not names.name_conflicts(settings.environment, settings.project, w, existing, pools)
    )


@pytest.fixture(scope="module")
def baseline(sample_plan, settings, registry) -> list[str]:
    return failures(evaluate(sample_plan, settings, registry))


@pytest.mark.parametrize("tier", ["free", "standard"])
def test_common_word_twins_fail_no_other_stack(sample_plan, settings, registry, baseline, tier):
    twins = with_twins(registry, settings, list(COMMON_WORDS), tier)
    assert failures(evaluate(sample_plan, settings, twins)) == baseline == []


@pytest.mark.parametrize("tier", ["free", "standard"])
def test_every_word_of_the_plan_as_a_twin_fails_no_other_stack(
    sample_plan, settings, registry, baseline, tier
):
    """Every word the plan contains (and every hyphenated run of words) that `tenancy new` would
    accept as an id, onboarded all at once: the pack still finds nothing in the sample stacks."""
    twins = onboardable(plan_words(sample_plan), registry, settings)
    assert set(COMMON_WORDS) <= set(twins) and len(twins) > 300
    assert failures(
        evaluate(sample_plan, settings, with_twins(registry, settings, twins, tier))
    ) == (baseline)


def test_onboarded_twins_pass_check_end_to_end(tmp_path, settings):
    """`tenancy new` for each common word next to the sample registry, then plan and check every
    stack (the twins' own stacks included) as `tenancy check` does."""
    from tenancy.cli import app
    from tenancy.plan.engine import plan_stacks

    directory = tmp_path / "tenants"
    shutil.copytree(SAMPLE_TENANTS, directory)
    runner = CliRunner()
    for tid in COMMON_WORDS:
        result = runner.invoke(app, ["new", tid, "--tier", "standard", "--tenants", str(directory)])
        assert result.exit_code == 0, result.output
    registry = load_registry(directory, settings)
    plan = plan_stacks(all_stacks(registry, "dev"), settings, registry, workers=1)
    assert {s.tenant for s in plan.stacks} >= set(COMMON_WORDS)
    assert failures(evaluate(plan, settings, registry)) == []


def test_a_real_reference_to_a_twin_is_still_caught(sample_plan, settings, registry):
    """The twin is still protected: coinbase naming tenant 'general''s bucket is a violation."""
    twins = with_twins(registry, settings, ["general"], "standard")
    broken = Plan.from_dict(sample_plan.to_dict())
    stack = broken.stack("dev.coinbase")
    config = next(r for r in stack.resources if r.name == "coinbase-app-values")
    config.inputs["data"]["EXPORT_BUCKET"] = names.uploads_bucket(
        "dev", settings.project, "general"
    )
    messages = failures(evaluate(broken, settings, twins))
    assert any(
        "tenancy-forbid-cross-tenant-references" in m and "of tenant 'general'" in m
        for m in messages
    ), messages


# --- the index itself --------------------------------------------------------------------------


def index(*ids: str) -> TenantNameIndex:
    return TenantNameIndex(
        "dev",
        "tinybug-saas-dev",
        ids,
        {tid: [f"{tid}.app.tinybug.dev"] for tid in ids},
        ("pool-a", "pool-b"),
    )


@pytest.mark.parametrize(
    "text, expected",
    [
        ("https://acme-v02.api.letsencrypt.org/directory", set()),
        ("acme", set()),
        ("the acme server", set()),
        ("tenant-acme-extra", set()),
        ("tenant-acme", {"acme"}),
        ("serviceAccount:acme-workload@tinybug-saas-dev.iam.gserviceaccount.com", {"acme"}),
        ("tinybug-saas-dev.svc.id.goog[tenant-acme/tenant-acme-sa]", {"acme"}),
        ("acme-neo4j.tenant-acme.svc.cluster.local", {"acme"}),
        ("acme.app.tinybug.dev.", {"acme"}),
        ("urn:pulumi:dev.acme::tenancy::gcp:storage/bucket:Bucket::x", {"acme"}),
        ("dev-pool-a", set()),  # the platform's cluster, not a tenant 'pool-a'
        ("tinybug-saas-dev", set()),
    ],
)
def test_mentions_are_whole_physical_names(text, expected):
    assert index("acme", "tinybug", "pool-a", "general").tenants_in(text) == expected


def test_a_name_two_tenants_share_is_the_namers_own():
    """'tenant-workload' is tenant 'workload''s namespace and tenant 'tenant''s service account."""
    both = index("tenant", "workload")
    assert both.owners_of_name("tenant-workload") == {"tenant", "workload"}
    assert both.tenants_in("tenant-workload", "workload") == {"workload"}
    assert both.tenants_in("tenant-workload", "tenant") == {"tenant"}
    assert both.tenants_in("tenant-workload", "acme") == {"tenant", "workload"}
    assert both.owner_of_name("tenant-workload") is None


def test_owners_are_exact_names_of_a_kind_never_prefixes():
    idx = index("acme", "acme-corp", "tenant", "workload", "dev-cert", "dev-shared")
    assert idx.owner_of_kind("service_account_id", "acme-corp-workload") == "acme-corp"
    assert idx.owner_of_kind("service_account_id", "acme-workload") == "acme"
    assert idx.owner_of_kind("service_account_id", "tenant-workload") == "tenant"
    assert idx.owner_of_kind("service_account_id", "dev-cert-manager") is None
    assert idx.owner_of_kind("temporal_namespace", "dev-acme") == "acme"
    assert idx.owner_of_kind("service_account_id", "dev-acme") is None
    assert idx.owner_of_uploads_bucket("acme-corp-uploads-abc123") == "acme-corp"
    shared = names.shared_uploads_bucket("dev", "tinybug-saas-dev")
    assert idx.owner_of_uploads_bucket(shared) is None


def test_tenant_fields_name_a_tenant_by_its_id():
    idx = index("acme", "general")
    assert idx.tenant_field_owner("gcp:identityplatform/tenant:Tenant", "displayName", "acme")
    assert idx.tenant_field_owner("gcp:storage/bucket:Bucket", "labels.tenant", "general")
    assert idx.tenant_field_owner("k8s", "metadata.labels.tenancy.io/tenant", "acme") == "acme"
    assert idx.tenant_field_owner("k8s", "data.TENANT_ID", "acme") == "acme"
    assert idx.tenant_field_owner("gcp:container/nodePool:NodePool", "name", "general") is None
    assert (
        idx.tenant_field_owner("gcp:serviceaccount/account:Account", "displayName", "acme") is None
    )
