"""`tenancy diff`: resources added, removed and changed per stack, as markdown."""

from __future__ import annotations

import copy

from typer.testing import CliRunner

from domain.plan_model import Plan
from tenancy.plan.diff import diff_plans, render_markdown


def mutated(plan: Plan) -> Plan:
    head = Plan.from_dict(copy.deepcopy(plan.to_dict()))
    coinbase = head.stack("dev.coinbase")
    bucket = next(r for r in coinbase.resources if r.type == "gcp:storage/bucket:Bucket")
    bucket.inputs["versioning"] = {"enabled": False}
    removed = next(
        r for r in coinbase.resources if r.type == "gcp:monitoring/alertPolicy:AlertPolicy"
    )
    coinbase.resources.remove(removed)
    added = copy.deepcopy(bucket)
    added.urn, added.name = added.urn + "-extra", added.name + "-extra"
    coinbase.resources.append(added)
    head.stacks = [s for s in head.stacks if s.name != "dev.stripe"]
    return head


def test_diff_finds_added_removed_changed_and_stack_changes(sample_plan) -> None:
    diffs = {d.name: d for d in diff_plans(sample_plan, mutated(sample_plan))}
    coinbase = diffs["dev.coinbase"]
    assert [r.name for r in coinbase.added] == ["coinbase-uploads-bucket-extra"]
    assert [r.type for r in coinbase.removed] == ["gcp:monitoring/alertPolicy:AlertPolicy"]
    assert [(after.name, paths) for _, after, paths in coinbase.changed] == [
        ("coinbase-uploads-bucket", ["inputs.versioning.enabled"])
    ]
    assert diffs["dev.stripe"].stack_removed and len(diffs["dev.stripe"].removed) == len(
        sample_plan.stack("dev.stripe").resources
    )
    assert diffs["dev.amovil"].empty


def test_markdown_is_fit_for_a_pull_request(sample_plan) -> None:
    text = render_markdown(sample_plan, mutated(sample_plan))
    assert text.startswith("## Offline plan diff")
    assert "| `dev.coinbase` | 1 | 1 | 1 |" in text
    # Old -> new values, under the component that owns the resource.
    assert "`versioning.enabled`: `true` → `false`" in text
    assert "**TenantBucket `coinbase-uploads`**" in text
    assert "(stack removed)" in text
    assert (
        "protected: removal will fail until offboarding lifts protection" in text
    )  # stripe's stateful resources
    assert "dev.amovil" not in text


def test_no_changes_says_so(sample_plan) -> None:
    count = len(sample_plan.stacks)
    assert f"No changes in {count} stack(s)." in render_markdown(sample_plan, sample_plan)


def test_diff_command_reads_two_plan_files(sample_plan, tmp_path) -> None:
    from tenancy.cli import app

    base, head = tmp_path / "base.json", tmp_path / "head.json"
    sample_plan.write(base)
    mutated(sample_plan).write(head)
    result = CliRunner().invoke(app, ["diff", str(base), str(head)])
    assert result.exit_code == 0
    assert result.output == render_markdown(Plan.read(base), Plan.read(head))
    (tmp_path / "bad.json").write_text('{"nope": 1}')
    bad = CliRunner().invoke(app, ["diff", str(tmp_path / "bad.json"), str(head)])
    assert bad.exit_code == 1 and 'a plan is a JSON object {"stacks": [...]}' in bad.output


def test_deleting_stateful_resources_raises_a_banner_first(sample_plan) -> None:
    text = render_markdown(sample_plan, mutated(sample_plan))
    banner = text.index("**Stateful resource deleted**: ")
    assert banner < text.index("| stack | added | removed | changed |")
    assert text.count("<details>") == text.count("</details>")


def test_lifting_protection_raises_a_banner(sample_plan) -> None:
    head = Plan.from_dict(copy.deepcopy(sample_plan.to_dict()))
    for resource in head.stack("dev.coinbase").resources:
        resource.options.protect = False
    text = render_markdown(sample_plan, head)
    assert "**Protection lifted**" in text
    assert "`options.protect`: `true` → `false`" in text


def test_a_changed_stateful_name_is_a_replacement(sample_plan) -> None:
    head = Plan.from_dict(copy.deepcopy(sample_plan.to_dict()))
    sql = next(
        r
        for r in head.stack("dev.coinbase").resources
        if r.type == "gcp:sql/databaseInstance:DatabaseInstance"
    )
    sql.inputs["region"] = "europe-west1"
    text = render_markdown(sample_plan, head)
    assert "**Stateful resource replaced (data is not carried over)**" in text
    assert "changes `region`" in text


def test_different_selections_warn_instead_of_reporting_removed_stacks(sample_plan) -> None:
    from domain.plan_model import Selection

    base = Plan.from_dict(copy.deepcopy(sample_plan.to_dict()))
    base.selection = Selection(all=True)
    head = Plan(
        [s for s in base.stacks if s.name == "dev.coinbase"],
        selection=Selection(all=False, stacks=("dev.coinbase",)),
    )
    text = render_markdown(base, head)
    assert "different stack selections" in text
    assert "(stack removed)" not in text
    assert "No changes in 1 stack(s)." in text


def test_stacks_with_the_same_content_key_are_not_compared(sample_plan) -> None:
    base = Plan.from_dict(copy.deepcopy(sample_plan.to_dict()))
    head = mutated(sample_plan)
    for plan in (base, head):
        plan.stack("dev.coinbase").key = "same"
    diffs = {d.name: d for d in diff_plans(base, head)}
    assert diffs["dev.coinbase"].empty  # the key vouches for it
    assert not diffs["dev.stripe"].empty
