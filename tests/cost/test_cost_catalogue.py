"""The pricing catalogue: data with sources, and complete for every plan the tests make."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from domain.plan_model import Plan
from tenancy.cost.catalogue import CatalogueError, load_catalogue, parse_assumptions
from tenancy.cost.rules import RULES

TESTS = Path(__file__).resolve().parent.parent


def _policy_fixture_plan() -> Plan:
    spec = importlib.util.spec_from_file_location(
        "cost_policy_fixtures", TESTS / "policies" / "policy_plan_fixtures.py"
    )
    module = importlib.util.module_from_spec(spec)
    # dataclasses look their module up in sys.modules (the fixtures define one since the row
    # builder): register it while it executes
    sys.modules[spec.name] = module  # type: ignore[union-attr]
    try:
        spec.loader.exec_module(module)  # type: ignore[union-attr]
    finally:
        sys.modules.pop(spec.name, None)  # type: ignore[union-attr]
    return module.good_plan()


def test_every_price_names_its_public_page_and_date() -> None:
    catalogue = load_catalogue()
    assert {"gcp-us", "gcp-europe", "gcp-global", "temporal-cloud"} <= set(catalogue.families)
    for family, prices in catalogue.families.items():
        assert catalogue.taken[family]
        for price in prices.values():
            assert price.source.startswith("https://"), price
            assert price.confidence in ("official", "catalog", "secondary", "assumed")
            if price.confidence == "assumed":
                assert price.note, price.key


def test_every_billable_type_in_the_test_plans_is_priced_or_free(sample_plan) -> None:
    """A provider resource type of any plan here is priced by a rule or free with a reason."""
    catalogue = load_catalogue()
    types = {
        r.type
        for plan in (sample_plan, _policy_fixture_plan())
        for stack in plan.stacks
        for r in stack.resources
        if r.custom
    }
    missing = sorted(t for t in types if t not in RULES and catalogue.free_reason(t) is None)
    assert missing == [], f"price these in pricing/ or list them in pricing/free.yaml: {missing}"
    assert catalogue.free_reason("kubernetes:helm.sh/v3:Release")  # nodes carry it
    assert "nodes" in catalogue.free_reason("kubernetes:apps/v1:Deployment")


def test_the_sample_plan_is_fully_priced(sample_plan) -> None:
    from tenancy.cost.estimate import estimate

    catalogue = load_catalogue()
    result = estimate(sample_plan, catalogue, parse_assumptions(catalogue, []))
    assert [(u.type, u.reason) for u in result.unpriced] == []
    tiers = {row["tier"]: row for row in result.to_json()["tiers"]}
    assert all(tiers[t]["monthly_usd"] > 0 for t in ("free", "standard", "enterprise"))


def test_a_broken_catalogue_reports_every_problem(tmp_path) -> None:
    (tmp_path / "gcp-x.yaml").write_text(
        "family: gcp-y\ncurrency: EUR\nregions: [x1]\nprices:\n"
        "  a: {usd: -1, per: hour, source: 'https://e.example', confidence: official}\n"
        "  b: {usd: 1, per: hour, source: a page, confidence: guessed}\n"
        "  c: {usd: 1, per: hour, source: 'https://e.example', confidence: assumed}\n"
    )
    (tmp_path / "free.yaml").write_text("free:\n  'x:*': {}\n")
    (tmp_path / "assumptions.yaml").write_text("k: {value: many}\n")
    with pytest.raises(CatalogueError) as caught:
        load_catalogue(tmp_path)
    text = "\n".join(caught.value.problems)
    for expected in (
        "family: must be 'gcp-x'",
        "currency: must be USD",
        "taken: the date",
        "prices.a.usd: must be a number >= 0",
        "prices.b.source: the public pricing page",
        "prices.b.confidence",
        "prices.c.note: an assumed price must say why",
        "free.x:*.reason: required",
        "k.value: must be a number",
    ):
        assert expected in text


def test_bad_assumptions_are_all_reported() -> None:
    catalogue = load_catalogue()
    with pytest.raises(CatalogueError) as caught:
        parse_assumptions(catalogue, ["nope=1", "node_pool_fill=lots", "storage_used_share"])
    assert len(caught.value.problems) == 3
    assert parse_assumptions(catalogue, ["node_pool_fill=1"])["node_pool_fill"] == 1.0
