"""`tenancy cost`: exit codes, bad paths before any work, the JSON file."""

from __future__ import annotations

import json

from support import SAMPLE_TENANTS
from typer.testing import CliRunner

from domain.plan_model import Plan
from tenancy.cli import app

runner = CliRunner()


def test_cost_of_a_plan_file_writes_the_json(sample_plan, tmp_path) -> None:
    plan = tmp_path / "plan.json"
    sample_plan.write(plan)
    out = tmp_path / "cost.json"
    result = runner.invoke(app, ["cost", "--plan", str(plan), "--json", str(out)])
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text())
    # every tenant of the sample registry (one file per tenant)
    assert {t["tenant"] for t in data["tenants"]} == {
        path.stem for path in SAMPLE_TENANTS.glob("*.yaml")
    }
    assert "robinhood" in result.output and "per tier" in result.output


def test_tenant_filter_and_assumption(sample_plan, tmp_path) -> None:
    plan = tmp_path / "plan.json"
    sample_plan.write(plan)
    out = tmp_path / "cost.json"
    result = runner.invoke(
        app,
        [
            "cost",
            "--plan",
            str(plan),
            "--tenant",
            "coinbase",
            "--assume",
            "node_pool_fill=1",
            "--json",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text())
    assert [t["tenant"] for t in data["tenants"]] == ["coinbase"]
    assert data["assumptions"]["node_pool_fill"] == 1.0
    assert "dedicated:" in result.output  # one tenant: every line is shown


def test_bad_paths_exit_2_before_any_planning(tmp_path, monkeypatch) -> None:
    import tenancy.plan.engine

    def no_planning(*args, **kwargs):
        raise AssertionError("planned despite a bad path")

    monkeypatch.setattr(tenancy.plan.engine, "plan_stacks", no_planning)
    result = runner.invoke(app, ["cost", "--json", str(tmp_path / "missing" / "cost.json")])
    assert result.exit_code == 2
    assert "does not exist" in result.output
    result = runner.invoke(app, ["cost", "--plan", str(tmp_path / "nope.json")])
    assert result.exit_code == 2 and "not a readable file" in result.output
    result = runner.invoke(app, ["cost", "--plan", str(tmp_path), "--assume", "bogus=1"])
    assert result.exit_code == 2
    assert "not a readable file" in result.output


def test_unpriced_resources_exit_1_and_are_listed(sample_plan, tmp_path) -> None:
    data = sample_plan.to_dict()
    extra = dict(data["stacks"][1]["resources"][0])
    extra.update(
        urn=extra["urn"] + "-x", type="gcp:bigquery/dataset:Dataset", custom=True, name="x"
    )
    data["stacks"][1]["resources"].append(extra)
    plan = tmp_path / "plan.json"
    Plan.from_dict(data).write(plan)
    out = tmp_path / "cost.json"
    result = runner.invoke(app, ["cost", "--plan", str(plan), "--json", str(out)])
    assert result.exit_code == 1
    assert "gcp:bigquery/dataset:Dataset" in result.output
    assert json.loads(out.read_text())["unpriced"] == [{"urn": extra["urn"], "type": extra["type"]}]


def test_unreadable_plan_and_bad_assumption_exit_2(tmp_path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    assert runner.invoke(app, ["cost", "--plan", str(bad)]).exit_code == 2
    good = tmp_path / "empty.json"
    good.write_text('{"stacks": []}')
    result = runner.invoke(app, ["cost", "--plan", str(good), "--assume", "node_pool_fill=x"])
    assert result.exit_code == 2 and "not a number" in result.output
