"""The table of tiers (domain.tiers.TIERS) is the one place a tier is declared: every Tier is fully
wired through it, and every override a tenant file can set has its knob."""

from __future__ import annotations

import dataclasses
import importlib
import typing

import pulumi
import pytest
from pydantic import ValidationError

from domain.registry.models import SECTION_MODELS, SECTIONS, TIER_MODELS, TenantBase
from domain.tiers import (
    FEATURE_FLAGS,
    FEATURES,
    KNOB_DESCRIPTIONS,
    KNOBS,
    PROFILES,
    TIERS,
    Tier,
    TierSpec,
    platform_tiers,
    tier_spec,
)
from program import tier_component
from tenancy.docs import tier_notes_markdown, tier_table_markdown, tiers_markdown


@pytest.mark.parametrize("tier", list(Tier))
def test_every_tier_has_a_complete_spec(tier: Tier) -> None:
    spec = TIERS[tier]
    assert spec.tier == tier and tier_spec(tier.value) is spec
    assert spec.profile.tier == tier and PROFILES[tier] is spec.profile
    assert list(spec.profile.features) == list(FEATURE_FLAGS)
    assert spec.features <= set(FEATURE_FLAGS)
    # every knob is decided for every tier: a new knob needs a decision per tier
    assert set(spec.knobs) == set(KNOB_DESCRIPTIONS)
    assert spec.model and spec.offering and spec.notes.strip()
    if spec.own_stack:
        assert spec.profile.namespace_quota is not None, "a tenant namespace needs a quota"
    else:
        assert spec.profile.databases.postgres_instances == 0, "platform tiers share instances"


@pytest.mark.parametrize("tier", list(Tier))
def test_every_tier_component_is_an_importable_component(tier: Tier) -> None:
    spec = TIERS[tier]
    component, args = tier_component(spec)
    assert issubclass(component, pulumi.ComponentResource)
    assert dataclasses.is_dataclass(args)
    fields = {f.name for f in dataclasses.fields(args)}
    # the stack program constructs every tier the same way (program.build)
    expected = {"settings", "free_tenants"} if not spec.own_stack else {"settings", "tenant"}
    assert expected <= fields, f"{spec.component}Args takes {sorted(fields)}"
    module = importlib.import_module(spec.component_module)
    assert spec.component_class in module.__dict__


def test_one_tier_builds_the_platform_stack() -> None:
    assert len(platform_tiers()) == 1


@pytest.mark.parametrize("tier", list(Tier))
def test_every_tier_has_a_tenant_model_with_exactly_its_fields(tier: Tier) -> None:
    model = TIER_MODELS[tier]
    assert typing.get_args(model.model_fields["tier"].annotation) == (tier,)
    own = set(model.model_fields) - set(TenantBase.model_fields) - {"tier", "features", *SECTIONS}
    assert own == set(TIERS[tier].fields), "declare the tier's own fields in domain.tiers"


@pytest.mark.parametrize("tier", list(Tier))
def test_every_override_field_has_its_knob(tier: Tier) -> None:
    for section in SECTIONS:
        for name in SECTION_MODELS[tier][section].model_fields:
            assert f"{section}.{name}" in KNOB_DESCRIPTIONS, f"{section}.{name} has no knob"
    assert set(SECTION_MODELS[tier]["features"].model_fields) == set(FEATURE_FLAGS)
    # and every knob is a field (the features knob stands for every flag)
    paths = {
        f"{section}.{name}"
        for section in SECTIONS
        for name in SECTION_MODELS[tier][section].model_fields
    }
    assert paths | {"features.<flag>"} == set(KNOB_DESCRIPTIONS)


def test_the_free_tier_can_set_no_override() -> None:
    for section in (*SECTIONS, "features"):
        model = SECTION_MODELS[Tier.FREE][section]
        for name in model.model_fields:
            for value in (1, True, "x", ["gcp-us-central1"]):
                with pytest.raises(ValidationError):
                    model.model_validate({name: value})


def test_a_tier_without_its_component_fails_loudly() -> None:
    half_wired = dataclasses.replace(
        TIERS[Tier.STANDARD], component="components.tiers.missing_tier.MissingTier"
    )
    with pytest.raises(ModuleNotFoundError):
        tier_component(half_wired)
    not_a_component = dataclasses.replace(
        TIERS[Tier.STANDARD], component="components.tiers.paying.TenantServicesArgs"
    )
    with pytest.raises((TypeError, AttributeError)):
        tier_component(not_a_component)


@pytest.mark.parametrize("tier", list(Tier))
def test_every_tier_is_in_the_docs(tier: Tier) -> None:
    spec: TierSpec = TIERS[tier]
    assert f"| **{tier.value}** | {spec.model} |" in tier_table_markdown()
    assert f"### {tier.value.title()}" in tier_notes_markdown()
    header = next(line for line in tiers_markdown().splitlines() if line.startswith("| | "))
    assert f" {tier.value} " in header


def test_views_of_the_table_agree() -> None:
    for knob in KNOBS:
        assert knob.bounds == {t: TIERS[t].knobs[knob.path] for t in Tier}
    for flag, tiers in FEATURES.items():
        assert set(tiers) == {t for t in Tier if flag in TIERS[t].features}
