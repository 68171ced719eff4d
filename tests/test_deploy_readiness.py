"""Provider facts the settings, the onboarding and the components are held to (issue 11);
the policy side is in tests/policies/deploy_readiness_cases.py."""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from typer.testing import CliRunner

from domain.environment import EnvironmentSettings, load_environment
from domain.profile import effective_profile
from domain.provider_facts import (
    artifact_registry_repository,
    chart_vulnerability,
    temporal_region_problems,
)
from domain.registry import load_registry


@pytest.mark.parametrize(
    ("regions", "problem"),
    [
        (["gcp-us-central1"], None),
        (["gcp-us-central1", "gcp-us-east4"], None),
        (["gcp-us-east4", "gcp-us-west1"], None),
        (["gcp-us-east1"], "'gcp-us-east1' is not a Temporal Cloud region"),
        (["gcp-us-central1", "gcp-us-central1"], "no same-region replication"),
        (["gcp-europe-west3", "gcp-us-east4"], "it has no multi-region replica on GCP"),
        (["gcp-us-central1", "gcp-us-west1", "gcp-us-east4"], "one or two regions, not 3"),
    ],
)
def test_temporal_region_catalogue(regions, problem):
    found = temporal_region_problems(regions)
    assert (found == []) if problem is None else any(problem in p for p in found), found


@pytest.mark.parametrize(
    ("chart", "version", "advisory"),
    [
        ("ingress-nginx", "4.11.3", "CVE-2025-1974"),
        ("ingress-nginx", "4.11.5", None),
        ("ingress-nginx", "4.12.0", "CVE-2025-1974"),
        ("ingress-nginx", "4.12.1", None),
        ("ingress-nginx", "4.10.0", "CVE-2025-1974"),
        ("ingress-nginx", "4.15.1", None),
        ("oci://registry.example/charts/ingress-nginx", "4.11.4", "CVE-2025-1974"),
        ("cert-manager", "v1.16.2", None),
    ],
)
def test_chart_advisories(chart, version, advisory):
    assert chart_vulnerability(chart, version) == advisory


def test_artifact_registry_references():
    repo = artifact_registry_repository("us-docker.pkg.dev/tinybug-saas-dev/platform/x:1@sha256:ab")
    assert (repo.location, repo.project, repo.repository) == ("us", "tinybug-saas-dev", "platform")
    assert artifact_registry_repository("gcr.io/cloud-sql-connectors/cloud-sql-proxy:2") is None


def _settings_dict(settings: EnvironmentSettings, **temporal) -> dict:
    data = settings.model_dump()
    data["temporal"].update(temporal)
    return data


def test_environment_refuses_a_ha_pair_temporal_cloud_cannot_replicate(settings):
    with pytest.raises(ValidationError) as caught:
        EnvironmentSettings.model_validate(_settings_dict(settings, ha_region="gcp-europe-west3"))
    assert "cannot replicate to 'gcp-europe-west3'" in str(caught.value)
    assert "docs.temporal.io/cloud/regions" in str(caught.value)


def test_environment_refuses_a_temporal_region_outside_allowed_regions(settings):
    with pytest.raises(ValidationError) as caught:
        EnvironmentSettings.model_validate(_settings_dict(settings, ha_region="gcp-us-west1"))
    assert "temporal.ha_region: 'gcp-us-west1' is in us-west1" in str(caught.value)
    assert "allowed_regions" in str(caught.value)


def test_environment_refuses_a_migration_image_by_tag(settings):
    data = settings.model_dump()
    data["migrations_image"] = "us-docker.pkg.dev/tinybug-saas-dev/platform/tenancy-migrate:0.1.0"
    with pytest.raises(ValidationError, match="migrations_image"):
        EnvironmentSettings.model_validate(data)


def test_environment_refuses_a_chart_repository_that_is_neither_https_nor_oci(settings):
    data = settings.model_dump()
    data["app_chart"]["repository"] = "us-docker.pkg.dev/tinybug-saas-dev/charts"
    with pytest.raises(ValidationError, match=r"app_chart\.repository"):
        EnvironmentSettings.model_validate(data)


def test_new_enterprise_tenant_gets_a_valid_ha_pair_in_allowed_regions(tenants_dir, settings):
    from tenancy.cli import app

    result = CliRunner().invoke(
        app,
        [
            "new",
            "megacorp",
            "--tier",
            "enterprise",
            "--custom-domain",
            "app.megacorp.example",
            "--tenants",
            str(tenants_dir),
        ],
    )
    assert result.exit_code == 0, result.output
    tenant = load_registry(tenants_dir, settings).get("megacorp")
    regions = effective_profile(tenant, settings.temporal).temporal_regions
    assert len(regions) == 2 and temporal_region_problems(regions) == []
    assert all(r.removeprefix("gcp-") in settings.allowed_regions for r in regions)


def test_sample_environment_is_valid():
    settings = load_environment("dev")
    assert settings.temporal.ha_region == "gcp-us-east4"
    assert chart_vulnerability(settings.ingress_chart.chart, settings.ingress_chart.version) is None
