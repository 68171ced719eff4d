"""Transitions planned on real registry pairs: the sample registry before, a changed copy after.

Each test plans both sides with the real program (offline) and asserts the verdict of
``tenancy transitions``: upgrade afijo, downgrade stripe, suspend and resume a tenant of each
tier, delete without offboarding, offboard then delete, replace-forcing changes.
"""

from __future__ import annotations

import copy
import shutil
from pathlib import Path

import pytest
from support import SAMPLE_TENANTS

from domain import names
from domain.environment import load_environment
from domain.lifecycle import Kind, TenantState, classify, tier_path
from domain.plan_model import Plan, PlanResource, PlanStack
from domain.registry import load_registry
from domain.stacks import all_stacks
from tenancy.lifecycle.transitions import TransitionReport, analyse, states_in_dir
from tenancy.plan.diff import diff_plans
from tenancy.plan.engine import plan_stacks

IDENTITY = "gcp:identityplatform/tenant:Tenant"


def plan_of(tenants: Path, tenant_ids: list[str]) -> Plan:
    """The platform stack and the given tenants' own stacks (those that exist in ``tenants``)."""
    settings = load_environment("dev")
    registry = load_registry(tenants, settings)
    specs = [
        s for s in all_stacks(registry, "dev") if s.kind == "platform" or s.tenant_id in tenant_ids
    ]
    return plan_stacks(specs, settings, registry, workers=1)


def subset(plan: Plan, tenant_ids: list[str]) -> Plan:
    return Plan([s for s in plan.stacks if s.tenant is None or s.tenant in tenant_ids])


def edit(directory: Path, tenant_id: str, old: str, new: str) -> None:
    path = directory / f"{tenant_id}.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def add_line(directory: Path, tenant_id: str, line: str) -> None:
    path = directory / f"{tenant_id}.yaml"
    path.write_text(path.read_text(encoding="utf-8") + line + "\n", encoding="utf-8")


@pytest.fixture
def head_dir(tmp_path: Path) -> Path:
    target = tmp_path / "head"
    shutil.copytree(SAMPLE_TENANTS, target)
    return target


def transition(base_dir: Path, head_dir: Path, base: Plan, head: Plan) -> TransitionReport:
    return analyse(states_in_dir(base_dir), states_in_dir(head_dir), base, head, "dev")


def resource(plan: Plan, stack: str, rtype: str, name: str) -> PlanResource:
    return next(r for r in plan.stack(stack).resources if r.type == rtype and r.name == name)


def all_refs(report: TransitionReport) -> list[str]:
    refs = []
    for e in [*report.entries, report.shared]:
        refs += [r.urn for r in e.created + e.changed + e.deleted]
        refs += [r.resource.urn for r in e.replaced]
        refs += [m.before.urn for m in e.moved] + [m.after.urn for m in e.moved]
    return refs


# --- upgrade --------------------------------------------------------------------------------------


def test_upgrade_afijo_keeps_its_identity_and_is_safe(sample_plan, head_dir) -> None:
    edit(head_dir, "afijo", "tier: free", "tier: standard\nplacement: pool-a")
    base, head = subset(sample_plan, ["afijo"]), plan_of(head_dir, ["afijo"])
    report = transition(SAMPLE_TENANTS, head_dir, base, head)

    afijo = report.entry("afijo")
    assert afijo.kind == Kind.UPGRADE and afijo.safe, afijo.reasons
    assert afijo.to_dict()["from"] == {"tier": "free", "status": "active"}
    assert afijo.to_dict()["to"] == {"tier": "standard", "status": "active"}
    # The identity resource is the same before and after: same stack, same URN, same inputs.
    before = resource(base, "dev", IDENTITY, "afijo-identity-idp")
    after = resource(head, "dev", IDENTITY, "afijo-identity-idp")
    assert (before.urn, before.inputs, before.options) == (after.urn, after.inputs, after.options)
    assert not [u for u in all_refs(report) if u.endswith("::afijo-identity-idp")]
    assert not [r for r in head.stack("dev.afijo").resources if r.type == IDENTITY]
    # The new stack is created; the free-tier limits go; nothing stateful is lost.
    created = {r.name for r in afijo.created}
    assert {"afijo-postgres-1", "afijo-postgres-2", "afijo-postgres-3"} <= created
    assert any(r.name == "afijo-limits" for r in afijo.deleted)
    assert not [r for r in afijo.deleted if r.stateful]
    assert report.safe


def test_skipping_a_tier_has_no_path(sample_plan, head_dir) -> None:
    assert tier_path("free", "enterprise")[0] is False
    assert tier_path("free", "standard")[0] and tier_path("standard", "enterprise")[0]


# --- downgrade ------------------------------------------------------------------------------------


def test_downgrade_stripe_is_unsafe_and_names_what_would_be_lost(sample_plan, head_dir) -> None:
    edit(head_dir, "stripe", "tier: standard", "tier: free")
    edit(head_dir, "stripe", "placement: pool-a\n", "")
    base, head = subset(sample_plan, ["stripe"]), plan_of(head_dir, ["stripe"])
    report = transition(SAMPLE_TENANTS, head_dir, base, head)

    stripe = report.entry("stripe")
    assert stripe.kind == Kind.DOWNGRADE and not stripe.safe
    assert any("downgrade standard -> free has no safe path" in r for r in stripe.reasons)
    lost = {r.name for r in stripe.deleted if r.stateful}
    assert {"stripe-postgres-1", "stripe-postgres-2", "stripe-postgres-3"} <= lost
    assert any("database instance" in r and "stripe-postgres-1" in r for r in stripe.reasons)
    # Its identity stays where it is: the platform stack holds every tier's identity.
    assert not [u for u in all_refs(report) if u.endswith("::stripe-identity-idp")]
    assert report.to_dict()["safe"] is False


# --- suspend and resume, every tier ---------------------------------------------------------------


@pytest.mark.parametrize("tenant_id", ["afijo", "stripe", "robinhood"])
def test_suspend_then_resume_returns_exactly_to_the_active_plan(
    sample_plan, tmp_path, tenant_id
) -> None:
    suspended_dir = tmp_path / "suspended"
    shutil.copytree(SAMPLE_TENANTS, suspended_dir)
    add_line(suspended_dir, tenant_id, "status: suspended")
    resumed_dir = tmp_path / "resumed"
    shutil.copytree(SAMPLE_TENANTS, resumed_dir)

    active = subset(sample_plan, [tenant_id])
    suspended = plan_of(suspended_dir, [tenant_id])
    resumed = plan_of(resumed_dir, [tenant_id])

    report = transition(SAMPLE_TENANTS, suspended_dir, active, suspended)
    entry = report.entry(tenant_id)
    assert entry.kind == Kind.SUSPEND and entry.safe and report.safe, entry.reasons
    assert not entry.deleted and not entry.created and not entry.moved
    assert not [r for r in entry.replaced if r.resource.stateful]

    # Nobody signs in; the users and the protection stay.
    idp = resource(suspended, "dev", IDENTITY, f"{tenant_id}-identity-idp")
    assert idp.inputs["disableAuth"] is True and idp.options.protect
    if tenant_id == "afijo":  # the shared services read the status from the limits ConfigMap
        limits = resource(suspended, "dev", "kubernetes:core/v1:ConfigMap", "afijo-limits")
        assert limits.inputs["data"]["status"] == "suspended"
    else:
        stack = suspended.stack(f"dev.{tenant_id}")
        key = next(r for r in stack.resources if r.type == "temporalcloud:index/apikey:Apikey")
        assert key.inputs["disabled"] is True
        app = resource(
            suspended, stack.name, "kubernetes:helm.sh/v3:Release", f"{tenant_id}-app-release"
        )
        assert app.inputs["values"]["replicaCount"] == 0
        ingress = next(
            r for r in stack.resources if r.type == "kubernetes:networking.k8s.io/v1:Ingress"
        )
        annotations = ingress.inputs["metadata"]["annotations"]
        assert annotations[
            "nginx.ingress.kubernetes.io/temporal-redirect"
        ] == names.maintenance_url("app.tinybug.dev", tenant_id)
        # Data, backups and deletion protection are untouched.
        for _before, after, paths in (
            (b, a, p)
            for d in diff_plans(active, suspended)
            for b, a, p in d.changed
            if d.name == stack.name
        ):
            assert not any(p.startswith("options.") for p in paths), (after.name, paths)
            assert after.type not in (
                "gcp:sql/databaseInstance:DatabaseInstance",
                "gcp:storage/bucket:Bucket",
                "gcp:firestore/database:Database",
                "gcp:firestore/backupSchedule:BackupSchedule",
            ), after.name

    # Resume: the plan is exactly the active one again.
    assert all(d.empty for d in diff_plans(active, resumed))
    back = transition(suspended_dir, resumed_dir, suspended, resumed)
    assert back.entry(tenant_id).kind == Kind.RESUME and back.safe


# --- delete and offboarding -----------------------------------------------------------------------


def test_delete_without_offboarding_is_unsafe(sample_plan, head_dir) -> None:
    (head_dir / "coinbase.yaml").unlink()
    base, head = subset(sample_plan, ["coinbase"]), plan_of(head_dir, ["coinbase"])
    report = transition(SAMPLE_TENANTS, head_dir, base, head)
    coinbase = report.entry("coinbase")
    assert coinbase.kind == Kind.DELETE and not coinbase.safe
    assert any("offboarding" in r and "'active'" in r for r in coinbase.reasons)
    assert any("Identity Platform tenant" in r for r in coinbase.reasons)
    assert report.to_dict()["transitions"][0]["to"] is None


def test_offboard_then_delete_is_two_safe_steps(sample_plan, tmp_path) -> None:
    offboarding = tmp_path / "offboarding"
    shutil.copytree(SAMPLE_TENANTS, offboarding)
    add_line(offboarding, "coinbase", "status: offboarding")
    deleted = tmp_path / "deleted"
    shutil.copytree(offboarding, deleted)
    (deleted / "coinbase.yaml").unlink()

    base = subset(sample_plan, ["coinbase"])
    step1 = plan_of(offboarding, ["coinbase"])
    first = transition(SAMPLE_TENANTS, offboarding, base, step1)
    entry = first.entry("coinbase")
    assert entry.kind == Kind.START_OFFBOARDING and entry.safe, entry.reasons
    assert not entry.deleted  # the first step only lifts protection
    assert not resource(step1, "dev", IDENTITY, "coinbase-identity-idp").options.protect

    step2 = plan_of(deleted, ["coinbase"])
    second = transition(offboarding, deleted, step1, step2)
    entry = second.entry("coinbase")
    assert entry.kind == Kind.DELETE and entry.safe, entry.reasons
    assert any(r.name == "coinbase-identity-idp" for r in entry.deleted)
    assert second.safe


# --- replace-forcing changes ----------------------------------------------------------------------


def test_a_replace_forcing_rename_is_unsafe(sample_plan, monkeypatch) -> None:
    """A code change that renames the bucket and the Temporal namespace (same Pulumi names, new
    physical names): `name` forces the provider to replace both."""
    monkeypatch.setattr(names, "temporal_namespace", lambda env, tenant_id: f"{env}-t-{tenant_id}")
    monkeypatch.setattr(names, "uploads_bucket", lambda env, project, tid: f"{tid}-files-{env}")
    head = plan_of(SAMPLE_TENANTS, ["stripe"])
    report = transition(SAMPLE_TENANTS, SAMPLE_TENANTS, subset(sample_plan, ["stripe"]), head)
    stripe = report.entry("stripe")
    assert stripe.kind == Kind.CHANGE and not stripe.safe
    replaced = {r.resource.type: r.inputs for r in stripe.replaced if r.resource.stateful}
    assert replaced["temporalcloud:index/namespace:Namespace"] == ["name"]
    assert replaced["gcp:storage/bucket:Bucket"] == ["name"]
    assert any("would be replaced" in r and "name changed" in r for r in stripe.reasons)
    assert not stripe.deleted and not stripe.moved  # the Pulumi names did not change


def test_moving_a_tenant_to_another_region_is_unsafe(sample_plan, head_dir) -> None:
    edit(head_dir, "robinhood", "region: us-east1", "region: us-central1")
    report = transition(
        SAMPLE_TENANTS,
        head_dir,
        subset(sample_plan, ["robinhood"]),
        plan_of(head_dir, ["robinhood"]),
    )
    robinhood = report.entry("robinhood")
    assert robinhood.kind == Kind.CHANGE and not robinhood.safe
    reasons = {r.resource.type: r.inputs for r in robinhood.replaced if r.resource.stateful}
    assert "region" in reasons["gcp:sql/databaseInstance:DatabaseInstance"]
    assert "location" in reasons["gcp:storage/bucket:Bucket"]
    assert "locationId" in reasons["gcp:firestore/database:Database"]


def test_an_in_place_change_is_safe(sample_plan, head_dir) -> None:
    edit(head_dir, "stripe", "display_name: Stripe", "display_name: Stripe Inc")
    add_line(head_dir, "stripe", "subdomain: pay")
    report = transition(
        SAMPLE_TENANTS, head_dir, subset(sample_plan, ["stripe"]), plan_of(head_dir, ["stripe"])
    )
    stripe = report.entry("stripe")
    assert stripe.kind == Kind.CHANGE and stripe.safe, stripe.reasons
    assert stripe.changed


def test_an_undeclared_move_of_an_identity_is_unsafe(sample_plan) -> None:
    """The same identity under another parent (another URN) is a delete and a create."""
    head = Plan.from_dict(copy.deepcopy(subset(sample_plan, ["afijo"]).to_dict()))
    dev = head.stack("dev")
    idp = next(r for r in dev.resources if r.name == "afijo-identity-idp")
    root = next(r for r in dev.resources if r.type == "pulumi:pulumi:Stack")
    idp.parent = root.urn
    report = analyse(
        states_in_dir(SAMPLE_TENANTS),
        states_in_dir(SAMPLE_TENANTS),
        subset(sample_plan, ["afijo"]),
        head,
        "dev",
        moves=[],
    )
    afijo = report.entry("afijo")
    assert not afijo.safe and any("Pulumi would delete it" in r for r in afijo.reasons)


def test_the_declared_identity_move_of_a_paying_tenant_is_safe(sample_plan) -> None:
    """An older program kept a paying tenant's identity in its own stack: moving it to the
    platform stack is declared (`tenancy state-moves`), so the transition is safe."""
    head = subset(sample_plan, ["stripe"])
    base = Plan.from_dict(copy.deepcopy(head.to_dict()))
    dev, own = base.stack("dev"), base.stack("dev.stripe")
    moving = [r for r in dev.resources if r.name.startswith("stripe-identity")]
    dev.resources = [r for r in dev.resources if r not in moving]
    for r in moving:
        r.urn = r.urn.replace("urn:pulumi:dev::", "urn:pulumi:dev.stripe::")
        if r.parent and "SharedPool" in r.parent:
            r.parent = next(x.urn for x in own.resources if x.type.endswith("NamespaceTenant"))
        elif r.parent:
            r.parent = r.parent.replace("urn:pulumi:dev::", "urn:pulumi:dev.stripe::")
    own.resources += moving
    states = states_in_dir(SAMPLE_TENANTS)
    report = analyse(states, states, base, head, "dev")
    stripe = report.entry("stripe")
    assert stripe.safe and len(stripe.moved) == 2, stripe.reasons
    assert all(m.declared is not None for m in stripe.moved)
    undeclared = analyse(states, states, base, head, "dev", moves=[])
    assert not undeclared.entry("stripe").safe


# --- the JSON contract and the names --------------------------------------------------------------


def test_the_json_keys_are_the_contract(sample_plan, head_dir) -> None:
    add_line(head_dir, "chogar", "status: suspended")
    report = transition(SAMPLE_TENANTS, head_dir, subset(sample_plan, []), plan_of(head_dir, []))
    entry = report.to_dict()["transitions"][0]
    assert {"tenant", "from", "to", "kind", "safe", "reasons"} <= set(entry)
    assert entry["tenant"] == "chogar" and entry["kind"] == "suspend"
    assert entry["from"] == {"tier": "free", "status": "active"}
    assert entry["to"] == {"tier": "free", "status": "suspended"}


@pytest.mark.parametrize(
    ("before", "after", "kind"),
    [
        (None, ("free", "active"), Kind.ONBOARD),
        (("free", "active"), ("standard", "active"), Kind.UPGRADE),
        (("standard", "active"), ("enterprise", "active"), Kind.UPGRADE),
        (("standard", "active"), ("free", "active"), Kind.DOWNGRADE),
        (("enterprise", "active"), ("standard", "active"), Kind.DOWNGRADE),
        (("standard", "active"), ("standard", "suspended"), Kind.SUSPEND),
        (("standard", "suspended"), ("standard", "active"), Kind.RESUME),
        (("free", "active"), ("free", "offboarding"), Kind.START_OFFBOARDING),
        (("free", "offboarding"), ("free", "active"), Kind.CANCEL_OFFBOARDING),
        (("free", "offboarding"), None, Kind.DELETE),
        (("free", "active"), ("free", "active"), Kind.CHANGE),
    ],
)
def test_transitions_are_named(before, after, kind) -> None:
    state = lambda s: TenantState(*s) if s else None  # noqa: E731
    assert classify(state(before), state(after)) == kind


def test_runs_migrations_matches_the_plan(sample_plan, registry) -> None:
    """Every stack the selection says ships migrations/ has a MigrationJob in its plan, and back."""
    from domain.stacks import runs_migrations

    for spec in all_stacks(registry, "dev"):
        stack: PlanStack = sample_plan.stack(spec.name)
        has_job = any(r.type == "tenancy:blocks:MigrationJob" for r in stack.resources)
        assert runs_migrations(spec) == has_job, spec.name


# --- the command ----------------------------------------------------------------------------------


def git(cwd: Path, *args: str) -> str:
    import subprocess

    return subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
        text=True,
    ).stdout


@pytest.fixture
def registry_repo(tmp_path: Path) -> Path:
    """A git repository holding a copy of the sample registry, one commit."""
    repo = tmp_path / "repo"
    shutil.copytree(SAMPLE_TENANTS, repo / "tenants")
    git(repo.parent, "init", "-q", "-b", "main", str(repo))
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "base")
    return repo


def run_cli(*args: str):
    from typer.testing import CliRunner

    from tenancy.cli import app

    return CliRunner().invoke(app, list(args))


def test_the_command_exits_1_on_an_unsafe_transition_and_writes_the_json(
    sample_plan, registry_repo, tmp_path
) -> None:
    import json

    tenants = registry_repo / "tenants"
    (tenants / "coinbase.yaml").unlink()
    base_json, head_json, out = tmp_path / "b.json", tmp_path / "h.json", tmp_path / "t.json"
    subset(sample_plan, ["coinbase"]).write(base_json)
    plan_of(tenants, ["coinbase"]).write(head_json)
    result = run_cli(
        "transitions",
        "--base",
        "HEAD",
        "--tenants",
        str(tenants),
        "--base-plan",
        str(base_json),
        "--head-plan",
        str(head_json),
        "--json",
        str(out),
    )
    assert result.exit_code == 1, result.output
    assert "## Tenant transitions" in result.output and "coinbase" in result.output
    data = json.loads(out.read_text())
    coinbase = next(t for t in data["transitions"] if t["tenant"] == "coinbase")
    assert coinbase["kind"] == "delete" and coinbase["safe"] is False and coinbase["reasons"]
    assert data["safe"] is False


def test_the_command_exits_0_when_every_transition_is_safe(
    sample_plan, registry_repo, tmp_path
) -> None:
    tenants = registry_repo / "tenants"
    add_line(tenants, "chogar", "status: suspended")
    base_json, head_json = tmp_path / "b.json", tmp_path / "h.json"
    subset(sample_plan, []).write(base_json)
    plan_of(tenants, []).write(head_json)
    result = run_cli(
        "transitions",
        "--base",
        "HEAD",
        "--tenants",
        str(tenants),
        "--base-plan",
        str(base_json),
        "--head-plan",
        str(head_json),
    )
    assert result.exit_code == 0, result.output
    assert "| ✅ safe | `chogar` | free/active | free/suspended | suspend |" in result.output


def test_the_command_exits_2_when_it_cannot_run(registry_repo, tmp_path) -> None:
    tenants = str(registry_repo / "tenants")
    unknown = run_cli("transitions", "--base", "no-such-ref", "--tenants", tenants)
    assert unknown.exit_code == 2 and "no-such-ref" in unknown.output
    bad_path = run_cli(
        "transitions", "--base", "HEAD", "--tenants", tenants, "--json", str(tmp_path / "x/y.json")
    )
    assert bad_path.exit_code == 2 and "does not exist" in bad_path.output
    (tmp_path / "broken.json").write_text("{")
    broken = run_cli(
        "transitions",
        "--base",
        "HEAD",
        "--tenants",
        tenants,
        "--base-plan",
        str(tmp_path / "broken.json"),
        "--head-plan",
        str(tmp_path / "broken.json"),
    )
    assert broken.exit_code == 2 and "broken.json" in broken.output


def test_validate_base_refuses_a_downgrade_naming_file_and_field(registry_repo) -> None:
    tenants = registry_repo / "tenants"
    edit(tenants, "robinhood", "tier: enterprise", "tier: standard")
    result = run_cli("validate", "--tenants", str(tenants), "--base", "HEAD")
    assert result.exit_code == 1
    assert "robinhood.yaml:4: tier:" in result.output
    assert "downgrade enterprise -> standard has no safe path" in result.output


def test_upgrade_standard_to_enterprise_is_judged_per_resource(sample_plan, head_dir) -> None:
    """The tier component changes (NamespaceTenant -> DedicatedCluster), so every URN of the
    tenant's stack changes: today the stateful resources would be recreated, and the verdict
    says so (docs/lifecycle.md: a real path needs aliases and a data move)."""
    edit(
        head_dir,
        "stripe",
        "tier: standard",
        "tier: enterprise\ncustom_domain: pay.stripe.example\nnetwork_cidr: 10.40.0.0/20\n"
        "pods_cidr: 10.250.0.0/16\nservices_cidr: 10.251.0.0/20\n"
        "control_plane_cidr: 172.16.47.224/28",
    )
    edit(head_dir, "stripe", "placement: pool-a\n", "")
    base, head = subset(sample_plan, ["stripe"]), plan_of(head_dir, ["stripe"])
    stripe = transition(SAMPLE_TENANTS, head_dir, base, head).entry("stripe")
    assert stripe.kind == Kind.UPGRADE and not stripe.safe
    assert any("Pulumi would delete it" in r and "stripe-postgres-1" in r for r in stripe.reasons)
    # Its identity is not among them: it stays in the platform stack.
    assert not any("identity" in r for r in stripe.reasons)
