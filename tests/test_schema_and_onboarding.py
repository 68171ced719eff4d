"""`tenancy schema` and `tenancy new`: the editor schema and the onboarding entry point."""

from __future__ import annotations

import json

import jsonschema
import pytest
from ruamel.yaml import YAML
from support import SAMPLE_TENANTS
from typer.testing import CliRunner

from domain import PROJECT_ROOT
from domain.registry import StandardTenant, load_registry
from domain.registry.schema import tenant_json_schema


def cli(*args: str):
    from tenancy.cli import app

    return CliRunner().invoke(app, list(args))


def test_committed_schema_is_current() -> None:
    committed = json.loads((PROJECT_ROOT / "docs" / "tenant.schema.json").read_text())
    assert committed == tenant_json_schema(), (
        "run `tenancy schema` to regenerate docs/tenant.schema.json"
    )


def test_sample_files_validate_against_the_schema() -> None:
    validator = jsonschema.Draft202012Validator(tenant_json_schema())
    for path in SAMPLE_TENANTS.glob("*.yaml"):
        errors = list(validator.iter_errors(YAML(typ="safe").load(path.read_text())))
        assert errors == [], f"{path.name}: {errors[0].message if errors else ''}"


def test_schema_rejects_a_field_of_another_tier() -> None:
    validator = jsonschema.Draft202012Validator(tenant_json_schema())
    doc = {
        "id": "abcd",
        "display_name": "A",
        "tier": "free",
        "region": "us-central1",
        "contact_email": "a@b.io",
        "subdomain": "x",
    }
    assert list(validator.iter_errors(doc))


def test_schema_command_writes_to_stdout() -> None:
    result = cli("schema", "--output", "-")
    assert result.exit_code == 0
    assert json.loads(result.output) == tenant_json_schema()


def test_new_standard_tenant_goes_to_the_least_loaded_cluster(tenants_dir, settings) -> None:
    before = load_registry(tenants_dir, settings).placements()
    result = cli("new", "zephyr", "--tier", "standard", "--tenants", str(tenants_dir))
    assert result.exit_code == 0, result.output
    registry = load_registry(tenants_dir, settings)
    tenant = registry.get("zephyr")
    assert isinstance(tenant, StandardTenant)
    least_loaded = min(("pool-a", "pool-b"), key=lambda name: (before[name], name))
    assert tenant.placement == least_loaded
    text = (tenants_dir / "zephyr.yaml").read_text()
    assert text.startswith("# yaml-language-server: $schema=")


def test_new_fills_clusters_in_turn(tenants_dir, settings) -> None:
    for index in range(4):
        assert (
            cli(
                "new", f"shop{index}", "--tier", "standard", "--tenants", str(tenants_dir)
            ).exit_code
            == 0
        )
    counts = load_registry(tenants_dir, settings).placements()
    assert abs(counts["pool-a"] - counts["pool-b"]) <= 1


def test_new_free_and_enterprise_tenants_are_valid(tenants_dir, settings) -> None:
    assert cli("new", "littleco", "--tier", "free", "--tenants", str(tenants_dir)).exit_code == 0
    result = cli(
        "new",
        "bigcorp",
        "--tier",
        "enterprise",
        "--custom-domain",
        "app.bigcorp.example",
        "--dedicated-project",
        "--tenants",
        str(tenants_dir),
    )
    assert result.exit_code == 0, result.output
    registry = load_registry(tenants_dir, settings)
    assert (
        registry.get("littleco").tier == "free"
        and registry.get("bigcorp").dedicated_project is True
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["stripe", "--tier", "free"], "stripe.yaml: already exists"),
        (["ab", "--tier", "free"], "id: must be 4-20 characters long"),
        (["kube-x", "--tier", "free"], "ids starting with 'kube-' are reserved"),
        (["bigcorp", "--tier", "enterprise"], "--custom-domain: required for tier enterprise"),
        (["shopx", "--tier", "free", "--placement", "pool-a"], "only for tier standard"),
        (["shopx", "--tier", "gold"], "is not one of free, standard, enterprise"),
        (["shopx", "--tier", "standard", "--placement", "pool-q"], "no shared cluster 'pool-q'"),
        (["shopx", "--tier", "standard", "--subdomain", "cb"], "is also used by coinbase.yaml"),
        # A name the policy pack would read as the platform's (issue 10, section 2).
        (["pool-a", "--tier", "free"], "'dev-pool-a', the platform's shared cluster pool-a"),
        (
            ["shared-postgres", "--tier", "standard"],
            "'dev-shared-postgres', the platform's shared Cloud SQL instance",
        ),
    ],
)
def test_new_refuses_bad_input_and_writes_nothing(tenants_dir, args, message) -> None:
    before = sorted(p.name for p in tenants_dir.iterdir())
    result = cli("new", *args, "--tenants", str(tenants_dir))
    assert result.exit_code == 1
    assert message in result.output
    assert sorted(p.name for p in tenants_dir.iterdir()) == before
