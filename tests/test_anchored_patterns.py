"""Identity checks compare the whole value (issue 10, section 3): Python's `$` also matches before
a trailing newline, so `re.match(r"^...$")` accepted 'acme-co\\n'. Every check uses fullmatch."""

from __future__ import annotations

import pytest

from components.providers.temporal_selfhosted import validation_failures
from domain import names
from policies.lib.identities import parse_member
from tenancy.db.datamove import check_tenant_id
from tenancy.db.errors import InvalidTenant

NEWLINE = "\n"


def test_tenant_and_environment_ids() -> None:
    assert names.id_problems("acme-co") == []
    assert names.id_problems("acme-co" + NEWLINE)
    assert names.env_problems("dev" + NEWLINE)


@pytest.mark.parametrize("kind", sorted(names.NAME_RULES))
def test_physical_names(kind: str) -> None:
    value = {"bucket": "acme-uploads", "secret_id": "acme-secret"}.get(kind, "acme-co-name")
    assert names.name_problems(kind, value) == []
    assert names.name_problems(kind, value + NEWLINE)


def test_migrate_data_tenant_argument() -> None:
    check_tenant_id("acme-co")
    with pytest.raises(InvalidTenant):
        check_tenant_id("acme-co" + NEWLINE)


@pytest.mark.parametrize(
    "member, kind",
    [
        ("serviceAccount:service-123@gcp-sa-cloudkms.iam.gserviceaccount.com", "service-agent"),
        ("serviceAccount:acme-workload@tinybug-saas-dev.iam.gserviceaccount.com", "gsa"),
        ("serviceAccount:tinybug-saas-dev.svc.id.goog[tenant-acme/tenant-acme-sa]", "ksa"),
    ],
)
def test_iam_members(member: str, kind: str) -> None:
    """A grant to 'service-agent\\n' must not pass as a Google service agent."""
    assert parse_member(member).kind == kind
    assert parse_member(member + NEWLINE).kind == "other"


def test_temporal_endpoint_and_owner_email() -> None:
    valid = {"endpoint": "temporal:7233", "namespace": "dev-acme", "retention_days": 7}
    assert validation_failures({**valid, "owner_email": "ops@acme.example"}) == []
    failing = validation_failures(
        {**valid, "endpoint": "temporal:7233" + NEWLINE, "owner_email": "ops@acme.example\n"}
    )
    assert {prop for prop, _ in failing} == {"endpoint", "owner_email"}
