"""The plan cache can never serve a stale plan: every input of a plan is in its content key.

Each kind of input is changed in turn on a copy of the project, and the keys that must change do,
while keys of stacks that do not read the input stay the same (so the cache is still useful).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from domain import PROJECT_ROOT
from domain.environment import load_environment
from domain.plan_model import Plan
from domain.registry import load_registry
from domain.stacks import select_stacks
from tenancy.plan import keys as plan_keys
from tenancy.plan.cache import PlanCache
from tenancy.plan.incremental import Keys, plan_cached

PLAN_INPUTS = [
    "program",
    "components",
    "domain",
    "policies",
    "migrations",
    "tenancy/plan",
    "tenancy/checks",
    "tenancy/sdk",
    "__main__.py",
    "Pulumi.yaml",
    "Pulumi.dev.yaml",
    "pyproject.toml",
    "tenants",
]
ALL = {"dev", "dev.amovil", "dev.coinbase", "dev.globex", "dev.robinhood", "dev.stripe"}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info")
    for part in PLAN_INPUTS:
        source = PROJECT_ROOT / part
        if source.is_dir():
            shutil.copytree(source, root / part, ignore=ignore)
        else:
            root.mkdir(parents=True, exist_ok=True)
            shutil.copy(source, root / part)
    # Files that are not plan inputs.
    (root / "README.md").write_text("readme\n")
    (root / "docs").mkdir()
    (root / "docs" / "notes.md").write_text("notes\n")
    (root / "tests").mkdir()
    (root / "tests" / "test_x.py").write_text("x = 1\n")
    (root / "tenancy" / "automation").mkdir(parents=True)
    (root / "tenancy" / "automation" / "cli.py").write_text("# not a plan input\n")
    return root


def keys_of(root: Path) -> dict[str, str]:
    return Keys.of(root, "dev", root / "tenants").stacks


def changed_keys(root: Path, change) -> set[str]:
    before = keys_of(root)
    change(root)
    after = keys_of(root)
    return {n for n in set(before) | set(after) if before.get(n) != after.get(n)}


def append(relative: str, text: str = "\n# changed\n"):
    def change(root: Path) -> None:
        path = root / relative
        path.write_text(path.read_text() + text)

    return change


def replace(relative: str, old: str, new: str):
    def change(root: Path) -> None:
        path = root / relative
        text = path.read_text()
        assert old in text
        path.write_text(text.replace(old, new))

    return change


def test_every_stack_has_a_key(project):
    assert set(keys_of(project)) == ALL
    assert keys_of(project) == keys_of(project)  # deterministic


def test_a_standard_tenant_file_changes_only_its_stack(project):
    assert changed_keys(
        project, replace("tenants/coinbase.yaml", "subdomain: cb", "subdomain: cb2")
    ) == {"dev.coinbase"}


def test_an_enterprise_tenant_file_changes_only_its_stack(project):
    assert changed_keys(project, append("tenants/robinhood.yaml")) == {"dev.robinhood"}


def test_a_free_tenant_file_changes_only_the_platform_stack(project):
    assert changed_keys(project, append("tenants/afijo.yaml")) == {"dev"}


def test_a_new_or_deleted_tenant_changes_its_stack_only(project):
    def add(root: Path) -> None:
        text = (root / "tenants" / "coinbase.yaml").read_text()
        text = text.replace("id: coinbase", "id: newco").replace("subdomain: cb", "subdomain: nc")
        (root / "tenants" / "newco.yaml").write_text(text)

    assert changed_keys(project, add) == {"dev.newco"}
    assert changed_keys(project, lambda r: (r / "tenants" / "stripe.yaml").unlink()) == {
        "dev.stripe"
    }
    assert changed_keys(project, lambda r: (r / "tenants" / "chogar.yaml").unlink()) == {"dev"}


def test_a_tier_change_moves_the_tenant_between_stacks(project):
    def upgrade(root: Path) -> None:
        path = root / "tenants" / "afijo.yaml"
        path.write_text(path.read_text().replace("tier: free", "tier: standard"))

    assert changed_keys(project, upgrade) == {"dev", "dev.afijo"}


@pytest.mark.parametrize(
    "relative",
    [
        "Pulumi.dev.yaml",
        "Pulumi.yaml",
        "__main__.py",
        "program/__init__.py",
        "components/tiers/namespace_tenant.py",
        "components/blocks/postgres_set.py",
        "domain/names.py",
        "policies/pack.py",
        "tenancy/plan/mocks.py",
        "tenancy/checks/engine.py",
        "tenancy/sdk/fast_outputs.py",
        "migrations/0001_control_plane.sql",
    ],
)
def test_shared_inputs_change_every_key(project, relative):
    assert changed_keys(project, append(relative)) == ALL


def test_a_new_code_file_changes_every_key(project):
    def add(root: Path) -> None:
        (root / "components" / "blocks" / "new_block.py").write_text("X = 1\n")

    assert changed_keys(project, add) == ALL


def test_a_dependency_pin_changes_every_key(project):
    def bump(root: Path) -> None:
        path = root / "pyproject.toml"
        path.write_text(path.read_text().replace('"pulumi-gcp==', '"pulumi-gcp==0.0.0+'))

    assert changed_keys(project, bump) == ALL


def test_an_installed_version_changes_every_key(project, monkeypatch):
    before = keys_of(project)
    monkeypatch.setattr(plan_keys, "installed_versions", lambda: "pulumi==0.0.1")
    after = keys_of(project)
    assert {n for n in before if before[n] != after[n]} == ALL


@pytest.mark.parametrize(
    "relative", ["README.md", "docs/notes.md", "tests/test_x.py", "tenancy/automation/cli.py"]
)
def test_unrelated_files_change_no_key(project, relative):
    assert changed_keys(project, append(relative)) == set()


def test_compiled_files_change_no_key(project):
    def compiled(root: Path) -> None:
        (root / "domain" / "__pycache__").mkdir(exist_ok=True)
        (root / "domain" / "__pycache__" / "names.cpython-311.pyc").write_bytes(b"\0\1")

    assert changed_keys(project, compiled) == set()


def test_the_policy_key_follows_what_policies_read_of_other_tenants(project):
    def facts(root: Path) -> str:
        return Keys.of(root, "dev", root / "tenants").facts

    before = facts(project)
    replace("tenants/coinbase.yaml", "subdomain: cb", "subdomain: cb2")(project)
    assert facts(project) == before  # not an id, tier or status
    append("tenants/coinbase.yaml", "status: suspended\n")(project)
    assert facts(project) != before
    key = plan_keys.policy_key("k", before)
    assert key != plan_keys.policy_key("k2", before)
    assert key != plan_keys.policy_key("k", before, {"all": "advisory"})


def test_the_policy_key_changes_with_the_day(monkeypatch):
    """temporal-bound-api-keys reads the clock: yesterday's verdict is not today's."""
    from domain.clock import NOW_ENV

    key = plan_keys.policy_key("k", "facts")
    monkeypatch.setenv(NOW_ENV, "2026-12-07T23:59:59Z")
    assert plan_keys.policy_key("k", "facts") == key  # the suite's day
    monkeypatch.setenv(NOW_ENV, "2026-12-08T00:00:00Z")
    assert plan_keys.policy_key("k", "facts") != key


def test_policies_read_nothing_else_of_other_tenants(settings, registry, sample_plan):
    """The facts digest holds other tenants' ids, tiers and statuses only: changing everything
    else about the other tenants must not change any stack's policy results."""
    from tenancy.checks.engine import evaluate

    def results(reg) -> dict[str, list]:
        found: dict[str, list] = {}
        for stack in sample_plan.stacks:
            report = evaluate(Plan([stack]), settings, reg)
            found[stack.name] = [r.to_json() for r in [*report.violations, *report.undecided]]
        return found

    baseline = results(registry)
    for stack in sample_plan.stacks:
        own = {stack.tenant} if stack.tenant else {t.id for t in registry.by_tier("free")}
        altered = [
            t
            if t.id in own
            else t.model_copy(
                update={
                    "display_name": "Someone Else",
                    "contact_email": "x@elsewhere.example",
                    "region": "europe-west1",
                    "features": None,
                    **(
                        {"subdomain": "other", "placement": "pool-b"}
                        if t.tier == "standard"
                        else {}
                    ),
                    **({"custom_domain": "app.other.example"} if t.tier == "enterprise" else {}),
                }
            )
            for t in registry.tenants
        ]
        other = type(registry)(registry.directory, altered, registry.files)
        assert results(other)[stack.name] == baseline[stack.name], stack.name


# --- the cache itself ----------------------------------------------------------------------------


def test_a_cached_plan_is_the_plan(settings, registry, sample_plan, tmp_path):
    cache = PlanCache(tmp_path / "cache")
    stack = sample_plan.stack("dev.coinbase")
    cache.put_plan("k" * 64, stack)
    again = cache.get_plan("k" * 64, "dev.coinbase")
    assert again is not None and again.to_dict() == {**stack.to_dict(), "key": "k" * 64}
    assert cache.get_plan("k" * 64, "dev.stripe") is None  # the name is checked too
    assert cache.get_plan("z" * 64, "dev.coinbase") is None


def test_a_damaged_entry_is_a_miss(tmp_path, sample_plan):
    cache = PlanCache(tmp_path / "cache")
    cache.put_plan("a" * 64, sample_plan.stack("dev.coinbase"))
    path = next((tmp_path / "cache").rglob("*.json"))
    path.write_text(path.read_text()[:100])
    assert cache.get_plan("a" * 64, "dev.coinbase") is None


def test_a_changed_tenant_is_planned_again_not_served_from_the_cache(project, tmp_path):
    settings = load_environment("dev", project)
    cache = PlanCache(tmp_path / "cache")

    def plan(root: Path) -> Plan:
        reg = load_registry(root / "tenants", settings)
        specs = select_stacks(reg, "dev", ["coinbase", "amovil"])
        return plan_cached(specs, settings, reg, keys_of(root), cache, workers=1)

    first = plan(project)
    assert cache.hits == 0
    replace("tenants/coinbase.yaml", "subdomain: cb", "subdomain: cb2")(project)
    second = plan(project)
    assert cache.hits == 1  # amovil from the cache, coinbase planned again
    host = next(
        r for r in second.stack("dev.coinbase").resources if r.type == "gcp:dns/recordSet:RecordSet"
    )
    assert "cb2." in host.inputs["name"]
    assert second.stack("dev.amovil").to_dict() == first.stack("dev.amovil").to_dict()


def test_check_reuses_cached_results_but_never_for_an_edited_plan(sample_plan, tmp_path):
    import json

    from typer.testing import CliRunner

    from tenancy.cli import app

    path = tmp_path / "plan.json"
    sample_plan.write(path)

    def check(out: str) -> dict:
        args = ["check", "--plan", str(path), "--cache-dir", str(tmp_path / "c")]
        ran = CliRunner().invoke(app, [*args, "--json", str(tmp_path / out), "--allow-undecided"])
        assert ran.exit_code in (0, 1), ran.output
        return json.loads((tmp_path / out).read_text())

    first = check("first.json")
    stored = sorted((tmp_path / "c").rglob("*.json"))
    assert len(stored) == len(sample_plan.stacks)
    assert check("second.json") == first
    assert sorted((tmp_path / "c").rglob("*.json")) == stored  # nothing evaluated again
    edited = Plan.read(path)
    bucket = next(
        r for r in edited.stack("dev.coinbase").resources if r.type == "gcp:storage/bucket:Bucket"
    )
    bucket.inputs["versioning"] = {"enabled": False}
    edited.write(path)
    third = check("third.json")
    assert any(
        v["policy"] == "gcs-require-versioning" and v["stack"] == "dev.coinbase"
        for v in third["violations"]
    )
    assert not any(
        v["policy"] == "gcs-require-versioning" and v["stack"] == "dev.coinbase"
        for v in first["violations"]
    )


def test_a_linked_tenant_file_is_keyed_by_its_target_and_never_read_outside(project, tmp_path):
    tenants = project / "tenants"
    (tenants / "real").mkdir()
    (tenants / "coinbase.yaml").rename(tenants / "real" / "coinbase.yaml")
    (tenants / "coinbase.yaml").symlink_to(tenants / "real" / "coinbase.yaml")
    assert changed_keys(
        project, replace("tenants/real/coinbase.yaml", "subdomain: cb", "subdomain: cb2")
    ) == {"dev.coinbase"}
    outside = tmp_path / "outside.yaml"
    outside.write_text((tenants / "real" / "coinbase.yaml").read_text() + "# SECRET_abc\n")
    (tenants / "stripe.yaml").unlink()
    (tenants / "stripe.yaml").symlink_to(outside)
    found = plan_keys.tenant_inputs(tenants)
    assert all(b"SECRET_abc" not in t.data for t in found.values())


def test_keys_from_a_loaded_registry_are_the_keys_from_the_files(settings, registry):
    from_files = Keys.of(PROJECT_ROOT, "dev", registry.directory)
    from_registry = Keys.of_registry(PROJECT_ROOT, "dev", registry)
    assert from_files.stacks == from_registry.stacks
    assert from_files.facts == from_registry.facts


def test_keys_reusing_another_sides_inputs_are_the_same(project):
    head = Keys.of(project, "dev", project / "tenants")
    replace("tenants/coinbase.yaml", "subdomain: cb", "subdomain: cb2")(project)
    replace("tenants/afijo.yaml", "tier: free", "tier: standard")(project)
    alone = Keys.of(project, "dev", project / "tenants")
    reusing = Keys.of(project, "dev", project / "tenants", like=head)
    assert alone.stacks == reusing.stacks and alone.facts == reusing.facts


def test_check_of_a_plan_file_is_evaluated_again_after_a_policy_edit(
    project, sample_plan, tmp_path
):
    """A plan file's cached results are keyed by the code that judged them too: results of an
    older policy must not answer for an edited one."""
    from typer.testing import CliRunner

    from tenancy.cli import app

    path = tmp_path / "plan.json"
    sample_plan.write(path)
    cache = tmp_path / "c"

    def check() -> None:
        args = ["--project-dir", str(project), "check", "--plan", str(path)]
        ran = CliRunner().invoke(app, [*args, "--cache-dir", str(cache), "--allow-undecided"])
        assert ran.exit_code in (0, 1), ran.output

    check()
    first = sorted(cache.rglob("*.json"))
    assert len(first) == len(sample_plan.stacks)
    check()
    assert sorted(cache.rglob("*.json")) == first  # same code: served from the cache
    append("policies/pack.py")(project)
    check()
    assert len(sorted(cache.rglob("*.json"))) == 2 * len(sample_plan.stacks)  # all judged again
