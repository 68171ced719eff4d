"""Every validation rule, each with a bad file that must fail with its message."""

from __future__ import annotations

import pytest
from support import (
    ENTERPRISE_HEAD,
    FREE,
    SAMPLE_TENANTS,
    SPARE_RANGES,
    STANDARD,
    registry_problems,
    write_tenant,
)
from typer.testing import CliRunner

ENTERPRISE = ENTERPRISE_HEAD + "custom_domain: app.example.org\n" + SPARE_RANGES


def test_the_sample_registry_is_valid(registry) -> None:
    tiers = sorted(t.tier.value for t in registry.tenants)
    assert (
        tiers.count("free") >= 2 and tiers.count("standard") >= 2 and tiers.count("enterprise") >= 1
    )
    assert {"robinhood", "coinbase", "stripe", "chogar", "amovil", "afijo"} <= {
        t.id for t in registry.tenants
    }


def test_sample_files_carry_the_schema_header() -> None:

    from domain.registry.loader import SCHEMA_HEADER

    for path in SAMPLE_TENANTS.glob("*.yaml"):
        assert path.read_text().splitlines()[0] == SCHEMA_HEADER, path.name


# (file name, body, expected "file:line: field: reason" fragment)
BAD_FILES = [
    ("broken.yaml", "id: [unclosed\n", "broken.yaml:2: malformed YAML"),
    (
        "dupkeys.yaml",
        FREE.format(id="dupkeys") + "region: us-east1\n",
        "dupkeys.yaml:6: malformed YAML",
    ),
    ("listdoc.yaml", "- id: x\n", "listdoc.yaml:1: a tenant file must be a YAML mapping"),
    (
        "colour.yaml",
        FREE.format(id="colour") + "colour: blue\n",
        "colour.yaml:6: colour: unknown field",
    ),
    (
        "typed.yaml",
        STANDARD.format(id="typed") + "limits:\n  storage_quota_gb: lots\n",
        "typed.yaml:8: limits.storage_quota_gb: must be an integer, not a string 'lots'",
    ),
    (
        "notier.yaml",
        FREE.format(id="notier").replace("tier: free\n", ""),
        "notier.yaml:1: tier: missing; expected one of",
    ),
    (
        "goldtier.yaml",
        FREE.format(id="goldtier").replace("tier: free", "tier: gold"),
        "goldtier.yaml:3: tier: 'gold' is not a tier",
    ),
    (
        "noemail.yaml",
        FREE.format(id="noemail").replace("contact_email: ops@example.com\n", ""),
        "noemail.yaml:1: contact_email: required field is missing",
    ),
    (
        "bademail.yaml",
        FREE.format(id="bademail").replace("ops@example.com", "nobody"),
        "bademail.yaml:5: contact_email: 'nobody' must be an email address",
    ),
    (
        "wrongtier.yaml",
        FREE.format(id="wrongtier") + "subdomain: shop\n",
        "wrongtier.yaml:6: subdomain: not allowed for tier 'free' (only for: standard)",
    ),
    (
        "entonly.yaml",
        STANDARD.format(id="entonly") + "custom_domain: shop.example.org\n",
        "entonly.yaml:7: custom_domain: not allowed for tier 'standard' (only for: enterprise)",
    ),
    (
        "misnamed.yaml",
        FREE.format(id="othername"),
        "misnamed.yaml:1: id: the file name must equal the id: rename to othername.yaml",
    ),
    ("shared.yaml", FREE.format(id="shared"), "shared.yaml:1: id: 'shared' is reserved"),
    (
        "kube-ops.yaml",
        FREE.format(id="kube-ops"),
        "kube-ops.yaml:1: id: ids starting with 'kube-' are reserved",
    ),
    (
        "temporal-ops.yaml",
        FREE.format(id="temporal-ops"),
        "ids starting with 'temporal-' are reserved",
    ),
    ("abc.yaml", FREE.format(id="abc"), "abc.yaml:1: id: must be 4-20 characters long"),
    (
        "freeknob.yaml",
        FREE.format(id="freeknob") + "limits:\n  storage_quota_gb: 5\n",
        "freeknob.yaml:7: limits.storage_quota_gb: tier 'free' may not override this",
    ),
    (
        "freefeat.yaml",
        FREE.format(id="freefeat") + "features:\n  social: true\n",
        "freefeat.yaml:7: features.social: tier 'free' may not override features",
    ),
    (
        "bigquota.yaml",
        STANDARD.format(id="bigquota") + "limits:\n  storage_quota_gb: 5000\n",
        "bigquota.yaml:8: limits.storage_quota_gb: 5000 is outside 1..500 allowed for tier "
        "'standard'",
    ),
    (
        "ratelimit.yaml",
        STANDARD.format(id="ratelimit") + "limits:\n  api_rate_limit_per_min: 5000\n",
        "ratelimit.yaml:8: limits.api_rate_limit_per_min: tier 'standard' may not override this",
    ),
    (
        "bigdb.yaml",
        STANDARD.format(id="bigdb") + "databases:\n  postgres_tier: db-custom-16-61440\n",
        "bigdb.yaml:8: databases.postgres_tier: 'db-custom-16-61440' is not allowed for tier "
        "'standard'",
    ),
    (
        "entfeat.yaml",
        STANDARD.format(id="entfeat") + "features:\n  audit_logs: true\n",
        "entfeat.yaml:8: features.audit_logs: available only for: enterprise",
    ),
    (
        "unknownflag.yaml",
        STANDARD.format(id="unknownflag") + "features:\n  teleport: true\n",
        "unknownflag.yaml:8: features.teleport: unknown feature flag 'teleport'",
    ),
    (
        "longretention.yaml",
        STANDARD.format(id="longretention") + "temporal:\n  retention_days: 60\n",
        "longretention.yaml:8: temporal.retention_days: 60 is outside 1..30 allowed for tier "
        "'standard'",
    ),
    (
        "tworegions.yaml",
        STANDARD.format(id="tworegions")
        + "temporal:\n  regions: [gcp-us-central1, gcp-us-east4]\n",
        "tworegions.yaml:8: temporal.regions: tier 'standard' gets one Temporal region",
    ),
    (
        "badregion.yaml",
        FREE.format(id="badregion").replace("us-central1", "asia-east1"),
        "badregion.yaml:4: region: 'asia-east1' is not allowed in environment 'dev'",
    ),
    (
        "nowhere.yaml",
        STANDARD.format(id="nowhere").replace("pool-a", "pool-z"),
        "nowhere.yaml:6: placement: no shared cluster 'pool-z' in environment 'dev'",
    ),
    (
        "elsewhere.yaml",
        STANDARD.format(id="elsewhere").replace("us-central1", "us-east1"),
        "elsewhere.yaml:4: region: must match the region of cluster 'pool-a' (us-central1)",
    ),
    (
        "cbclone.yaml",
        STANDARD.format(id="cbclone") + "subdomain: cb\n",
        "cbclone.yaml:7: subdomain: host 'cb.app.tinybug.dev' is also used by coinbase.yaml",
    ),
    (
        "robinclone.yaml",
        ENTERPRISE.format(id="robinclone").replace("app.example.org", "travel.robinhood.example"),
        "custom_domain: host 'travel.robinhood.example' is also used by robinhood.yaml",
    ),
    (
        "insideapp.yaml",
        ENTERPRISE.format(id="insideapp").replace("app.example.org", "x.app.tinybug.dev"),
        "insideapp.yaml:6: custom_domain: must not be the platform's domain 'tinybug.dev'",
    ),
    (
        "pools.yaml",
        ENTERPRISE.format(id="pools") + "node_pools:\n  - {name: a, min_nodes: 5, max_nodes: 2}\n",
        "pools.yaml:12: node_pools.0: min_nodes (5) must not exceed max_nodes (2)",
    ),
    ("stray.yml", FREE.format(id="stray"), "stray.yml: tenant files end in .yaml"),
    # Temporal Cloud's region catalogue (domain.provider_facts, docs.temporal.io/cloud/regions)
    (
        "nosuchregion.yaml",
        ENTERPRISE.format(id="nosuchregion")
        + "temporal:\n  regions: [gcp-us-east1, gcp-us-central1]\n",
        "temporal.regions: 'gcp-us-east1' is not a Temporal Cloud region",
    ),
    (
        "badpair.yaml",
        ENTERPRISE.format(id="badpair")
        + "temporal:\n  regions: [gcp-us-central1, gcp-europe-west3]\n",
        "'gcp-us-central1' cannot replicate to 'gcp-europe-west3': it replicates only to "
        "gcp-us-west1, gcp-us-east4",
    ),
    (
        "nopartner.yaml",
        ENTERPRISE.format(id="nopartner") + "temporal:\n  regions: [gcp-europe-west3]\n",
        "temporal.regions: 'gcp-europe-west3' cannot replicate to 'gcp-us-east4'",
    ),
    (
        "westonly.yaml",
        ENTERPRISE.format(id="westonly") + "ha: false\ntemporal:\n  regions: [gcp-us-west1]\n",
        "Temporal region 'gcp-us-west1' is in us-west1, not in the allowed regions",
    ),
]


@pytest.mark.parametrize(
    ("file_name", "body", "expected"), BAD_FILES, ids=[b[0] for b in BAD_FILES]
)
def test_each_rule_rejects_its_bad_file(tenants_dir, settings, file_name, body, expected) -> None:
    write_tenant(tenants_dir, file_name, body)
    problems = registry_problems(tenants_dir, settings)
    assert any(expected in p for p in problems), "\n".join(problems)


def test_duplicate_ids_name_both_files(tenants_dir, settings) -> None:
    write_tenant(tenants_dir, "stripe-copy.yaml", STANDARD.format(id="stripe"))
    problems = registry_problems(tenants_dir, settings)
    duplicate = [p for p in problems if "id: duplicate id 'stripe'" in p]
    assert (
        len(duplicate) == 1 and "stripe.yaml" in duplicate[0] and "stripe-copy.yaml" in duplicate[0]
    ), problems


def test_cluster_capacity_is_enforced(tenants_dir, settings) -> None:
    tight = settings.model_copy(
        update={
            "clusters": [
                c.model_copy(update={"capacity": 1}) if c.name == "pool-a" else c
                for c in settings.clusters
            ]
        }
    )
    problems = registry_problems(tenants_dir, tight)
    assert any(
        "placement: cluster 'pool-a' is over capacity (2 > 1 tenant namespaces)" in p
        for p in problems
    ), problems


def test_every_problem_in_the_registry_is_reported_at_once(tenants_dir, settings) -> None:
    for file_name, body, _ in BAD_FILES[:12]:
        write_tenant(tenants_dir, file_name, body)
    write_tenant(
        tenants_dir,
        "many.yaml",
        FREE.format(id="many").replace("ops@example.com", "x") + "subdomain: y\ncolour: z\n",
    )
    problems = registry_problems(tenants_dir, settings)
    files = {p.split(":")[0] for p in problems}
    assert {b[0] for b in BAD_FILES[:12]} | {"many.yaml"} <= files
    many = [p for p in problems if p.startswith("many.yaml")]
    assert len(many) == 3, many  # the email, the wrong-tier field and the unknown field


def test_validate_command_exits_non_zero_and_lists_problems(tenants_dir) -> None:
    from tenancy.cli import app

    write_tenant(tenants_dir, "colour.yaml", FREE.format(id="colour") + "colour: blue\n")
    write_tenant(tenants_dir, "abc.yaml", FREE.format(id="abc"))
    result = CliRunner().invoke(app, ["validate", "--tenants", str(tenants_dir), "--env", "dev"])
    assert result.exit_code == 1
    assert "2 problem(s) in the tenant registry" in result.output
    assert "colour.yaml:6: colour: unknown field" in result.output
    assert "abc.yaml:1: id: must be 4-20 characters long" in result.output


def test_validate_command_accepts_the_sample_registry() -> None:
    from tenancy.cli import app

    result = CliRunner().invoke(app, ["validate"])
    assert result.exit_code == 0, result.output
    count = len(list(SAMPLE_TENANTS.glob("*.yaml")))
    assert f"{count} tenant(s) valid" in result.output


def test_unknown_environment_is_a_clear_error() -> None:
    from tenancy.cli import app

    result = CliRunner().invoke(app, ["validate", "--env", "prod"])
    assert result.exit_code == 2
    assert "Pulumi.prod.yaml: no such environment file" in result.output


def test_plan_refuses_an_invalid_registry_and_plans_nothing(tenants_dir, tmp_path) -> None:
    from tenancy.cli import app

    write_tenant(tenants_dir, "colour.yaml", FREE.format(id="colour") + "colour: blue\n")
    out = tmp_path / "plan.json"
    result = CliRunner().invoke(app, ["plan", "--tenants", str(tenants_dir), "--json", str(out)])
    assert result.exit_code == 1
    assert "nothing was planned or applied" in result.output
    assert not out.exists()
