"""The docs generated from code are current (run `tenancy docs` to regenerate them)."""

from __future__ import annotations

from tenancy import docs


def test_generated_docs_are_current(sample_plan) -> None:
    stale = docs.regenerate(check=True, plan=sample_plan)
    assert stale == [], f"stale: {[p.name for p in stale]}; run `tenancy docs`"


def test_the_readme_lists_every_policy_and_every_tier() -> None:
    from policies.pack import ALL_POLICIES

    readme = docs.README.read_text()
    for policy in ALL_POLICIES:
        assert f"`{policy.name}`" in readme, policy.name
    for title in ("SharedPool", "NamespaceTenant (standard)", "DedicatedCluster (enterprise)"):
        assert title in readme


def test_tier_matrix_comes_from_the_knobs() -> None:
    from domain.tiers import KNOBS

    text = docs.TIERS_DOC.read_text()
    assert all(f"`{knob.path}`" in text for knob in KNOBS)
