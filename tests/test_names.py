"""Every id the validator accepts yields a valid physical name in every service."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from domain import names

ENVS = ("dev", "prod", "staging2", "qa")
PROJECT = "tinybug-saas-dev"

# Ids built from the id alphabet, filtered by the real validator: hypothesis explores lengths,
# hyphen placement and digits, and the property must hold for every accepted one.
id_like = st.from_regex(r"\A[a-z][a-z0-9-]{0,22}[a-z0-9]?\Z", fullmatch=True)
accepted_ids = id_like.filter(lambda value: not names.id_problems(value))


@hsettings(max_examples=400, deadline=None)
@given(tenant_id=accepted_ids, env=st.sampled_from(ENVS))
def test_accepted_ids_yield_valid_names_everywhere(tenant_id: str, env: str) -> None:
    for label, (kind, value) in names.tenant_names(env, PROJECT, tenant_id).items():
        assert names.name_problems(kind, value) == [], f"{label} from id {tenant_id!r}"


@hsettings(max_examples=200, deadline=None)
@given(tenant_id=accepted_ids)
def test_names_are_deterministic_and_distinct_per_tenant(tenant_id: str) -> None:
    first = names.tenant_names("dev", PROJECT, tenant_id)
    assert first == names.tenant_names("dev", PROJECT, tenant_id)
    # Another id: one letter longer, or at the maximum length the last letter changed.
    last = "y" if tenant_id.endswith("x") else "x"
    other = names.tenant_names(
        "dev", PROJECT, tenant_id + "x" if len(tenant_id) < names.ID_MAX else tenant_id[:-1] + last
    )
    assert all(first[k][1] != other[k][1] for k in first)


@pytest.mark.parametrize(
    "tenant_id", ["coinbase", "robinhood", "a1b2", "abcd-efgh-ijkl-mnop-q", "x" * 20, "shop-1"]
)
def test_boundary_ids_are_accepted_and_valid(tenant_id: str) -> None:
    if len(tenant_id) > names.ID_MAX:
        assert names.id_problems(tenant_id)
        return
    assert names.id_problems(tenant_id) == []
    for kind, value in names.tenant_names("staging2", PROJECT, tenant_id).values():
        assert names.name_problems(kind, value) == []


@pytest.mark.parametrize(
    ("tenant_id", "reason"),
    [
        ("abc", "4-20 characters"),
        ("a" * 21, "4-20 characters"),
        ("1abc", "start with a lowercase letter"),
        ("Abcd", "start with a lowercase letter"),
        ("abc-", "end with a letter or digit"),
        ("ab--cd", "single hyphens"),
        ("ab_cd", "lowercase letters, digits"),
        ("shared", "reserved"),
        ("platform", "reserved"),
        ("default", "reserved"),
        ("system", "reserved"),
        ("free-tier", "reserved"),
        ("kube-public", "starting with 'kube-'"),
        ("temporal-x", "starting with 'temporal-'"),
        ("googleish", "google"),
        ("goodgoog", None),
    ],
)
def test_rejected_ids_say_why(tenant_id: str, reason: str | None) -> None:
    problems = names.id_problems(tenant_id)
    if reason is None:
        assert problems == []
    else:
        assert any(reason in p for p in problems), problems


def test_bucket_names_are_globally_distinct_across_projects_and_envs() -> None:
    a = names.uploads_bucket("dev", "proj-one", "coinbase")
    b = names.uploads_bucket("prod", "proj-one", "coinbase")
    c = names.uploads_bucket("dev", "proj-two", "coinbase")
    assert len({a, b, c}) == 3 and all(n.startswith("coinbase-uploads-") for n in (a, b, c))


def test_temporal_namespace_carries_the_environment() -> None:
    assert names.temporal_namespace("dev", "coinbase") == "dev-coinbase"
    assert (
        names.name_problems("temporal_namespace", names.temporal_namespace("staging2", "x" * 20))
        == []
    )
