"""The registry read by a hostile pull request (issue 10, section 1): each finding, one test or
table, each failing on the registry as it was before the fix."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import jsonschema
import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from support import (
    ENTERPRISE_HEAD,
    FREE,
    SAMPLE_TENANTS,
    SPARE_RANGES,
    STANDARD,
    registry_problems,
    write_tenant,
)

from domain.environment import EnvironmentConfigError, load_environment
from domain.registry import RegistryError, load_registry
from domain.registry.schema import tenant_json_schema

ENTERPRISE = ENTERPRISE_HEAD + "custom_domain: app.{id}.example\n" + SPARE_RANGES


def assert_problem(problems: list[str], *fragments: str) -> None:
    assert any(all(f in p for f in fragments) for p in problems), "\n".join(problems)


# --- stack hijack by a padded id -------------------------------------------------------------


def test_a_padded_id_in_a_padded_file_name_is_refused(tenants_dir, settings) -> None:
    write_tenant(tenants_dir, "stripe .yaml", STANDARD.format(id='"stripe "'))
    problems = registry_problems(tenants_dir, settings)
    assert_problem(problems, "stripe .yaml:1: id: must start with a lowercase letter")


def test_the_id_must_equal_the_file_stem_byte_for_byte(tenants_dir, settings) -> None:
    write_tenant(tenants_dir, "stripe .yaml", STANDARD.format(id="stripe"))
    problems = registry_problems(tenants_dir, settings)
    assert_problem(problems, "stripe .yaml:1: id: the file name must equal the id")
    assert_problem(problems, "id: duplicate id 'stripe' (also in stripe", "stripe .yaml")


@pytest.mark.parametrize("raw", ["stripe\n", "stripe\t", " stripe", "stripe "])
def test_no_id_is_normalised_into_another(tenants_dir, settings, raw) -> None:
    """The file name matches the raw id exactly, so only the id's own rules can refuse it."""
    write_tenant(tenants_dir, f"{raw}.yaml", STANDARD.format(id=json.dumps(raw)))
    problems = registry_problems(tenants_dir, settings)
    assert_problem(problems, f"{raw}.yaml:1: id: must start with a lowercase letter")


@hypothesis_settings(max_examples=60, deadline=None)
@given(
    stem=st.sampled_from(["stripe", "newco", "acme-co"]),
    noise=st.sampled_from(["", " ", "\n", "\t", "\u00a0", "\u200b", "-", "\u0456", "."]),
    where=st.sampled_from(["stem", "id", "both"]),
)
def test_a_tenant_is_read_only_when_its_id_is_its_file_name(tmp_path_factory, stem, noise, where):
    """Property: whatever is added to the file name or the id, the registry either refuses the
    file or reads a tenant whose id is exactly the file's stem."""
    from domain.environment import load_environment as load

    directory = tmp_path_factory.mktemp("ids")
    file_stem = stem + noise if where in ("stem", "both") else stem
    tenant_id = stem + noise if where in ("id", "both") else stem
    (directory / f"{file_stem}.yaml").write_text(
        FREE.format(id=json.dumps(tenant_id)), encoding="utf-8"
    )
    try:
        registry = load_registry(directory, load("dev"))
    except RegistryError:
        assert noise, "a clean id must be accepted"
        return
    (tenant,) = registry.tenants
    assert tenant.id == file_stem == tenant_id and not noise


def test_no_string_is_stripped(tenants_dir, settings) -> None:
    body = STANDARD.format(id="padded").replace("pool-a", '" pool-a"')
    write_tenant(tenants_dir, "padded.yaml", body)
    problems = registry_problems(tenants_dir, settings)
    assert_problem(problems, "padded.yaml:6: placement: no shared cluster ' pool-a'")


# --- tier bounds bypassed by types -----------------------------------------------------------

TYPED = [
    (STANDARD, "limits:\n  namespace_cpu: '500'\n", "limits.namespace_cpu", "must be an integer"),
    (STANDARD, "limits:\n  storage_quota_gb: '9999'\n", "limits.storage_quota_gb", "integer"),
    (STANDARD, "limits:\n  namespace_memory_gi: 999.0\n", "limits.namespace_memory_gi", "integer"),
    (STANDARD, "limits:\n  namespace_memory_gi: 16.0\n", "limits.namespace_memory_gi", "integer"),
    (
        STANDARD,
        "databases:\n  postgres_disk_gb: '100000'\n",
        "databases.postgres_disk_gb",
        "integer",
    ),
    (STANDARD, "cmek: 'off'\n", "cmek", "must be true or false, not a string 'off'"),
    (STANDARD, "features:\n  social: 'true'\n", "features.social", "true or false"),
    (STANDARD, "temporal:\n  retention_days: 7.0\n", "temporal.retention_days", "integer"),
    (ENTERPRISE, "ha: 'yes'\n", "ha", "must be true or false"),
    (ENTERPRISE, "ha: 0\n", "ha", "must be true or false, not an integer 0"),
    (ENTERPRISE, "dedicated_project: 1\n", "dedicated_project", "true or false"),
    (
        ENTERPRISE,
        "node_pools:\n  - {name: a, min_nodes: '1'}\n",
        "node_pools.0.min_nodes",
        "integer",
    ),
    (ENTERPRISE, "node_pools:\n  - {name: a, spot: 1}\n", "node_pools.0.spot", "true or false"),
    (FREE, "display_name: 123\n", "display_name", "must be a string, not an integer 123"),
]


@pytest.mark.parametrize(("template", "extra", "field", "reason"), TYPED)
def test_no_value_is_coerced_into_another_type(
    tenants_dir, settings, template, extra, field, reason
) -> None:
    body = template.format(id="typed")
    key = extra.split(":")[0]
    if not key.startswith(("limits", "databases", "features", "temporal", "node_pools")):
        body = "\n".join(line for line in body.splitlines() if not line.startswith(key + ":"))
    write_tenant(tenants_dir, "typed.yaml", body + "\n" + extra)
    assert_problem(registry_problems(tenants_dir, settings), "typed.yaml:", f"{field}: ", reason)


# --- the editor schema and the validator agree -----------------------------------------------


def _doc(tier: str, **extra) -> dict:
    base = {
        "id": "sample",
        "display_name": "Sample",
        "tier": tier,
        "region": "us-central1",
        "contact_email": "ops@sample.example",
    }
    if tier == "standard":
        base["placement"] = "pool-a"
    if tier == "enterprise":
        base.update(
            custom_domain="app.sample.example",
            network_cidr="10.30.0.0/20",
            pods_cidr="10.250.0.0/16",
            services_cidr="10.251.0.0/20",
            control_plane_cidr="172.16.47.224/28",
        )
    base.update(extra)
    return {k: v for k, v in base.items() if v is not None}


# (name, document, accepted?) — document-level rules. What JSON Schema cannot express is left
# out and tested above: min_nodes <= max_nodes, unique pool names, the file name, host bits and
# overlaps of network_cidr, and the rules that need the environment or other tenants.
SCHEMA_SAMPLES = [
    ("free", _doc("free"), True),
    ("standard", _doc("standard"), True),
    ("enterprise", _doc("enterprise"), True),
    ("standard limits in bounds", _doc("standard", limits={"namespace_cpu": 16}), True),
    ("standard cpu over bound", _doc("standard", limits={"namespace_cpu": 17}), False),
    ("standard cpu as string", _doc("standard", limits={"namespace_cpu": "4"}), False),
    ("standard quota as string", _doc("standard", limits={"storage_quota_gb": "9999"}), False),
    ("standard memory as float", _doc("standard", limits={"namespace_memory_gi": 16.0}), False),
    (
        "standard memory as big float",
        _doc("standard", limits={"namespace_memory_gi": 999.0}),
        False,
    ),
    ("standard disk as string", _doc("standard", databases={"postgres_disk_gb": "100000"}), False),
    ("standard disk over bound", _doc("standard", databases={"postgres_disk_gb": 201}), False),
    ("standard pods under bound", _doc("standard", limits={"namespace_pods": 9}), False),
    ("standard rate limit", _doc("standard", limits={"api_rate_limit_per_min": 5}), False),
    (
        "standard postgres tier",
        _doc("standard", databases={"postgres_tier": "db-custom-2-7680"}),
        True,
    ),
    (
        "standard big postgres",
        _doc("standard", databases={"postgres_tier": "db-custom-16-61440"}),
        False,
    ),
    (
        "enterprise big postgres",
        _doc("enterprise", databases={"postgres_tier": "db-custom-16-61440"}),
        True,
    ),
    (
        "standard two temporal regions",
        _doc("standard", temporal={"regions": ["gcp-us-central1", "gcp-us-east4"]}),
        False,
    ),
    (
        "enterprise two temporal regions",
        _doc("enterprise", temporal={"regions": ["gcp-us-central1", "gcp-us-east4"]}),
        True,
    ),
    ("standard retention 31", _doc("standard", temporal={"retention_days": 31}), False),
    ("free any limit", _doc("free", limits={"storage_quota_gb": 1}), False),
    ("free feature off", _doc("free", features={"social": False}), False),
    ("free empty limits", _doc("free", limits={}), True),
    ("standard social on", _doc("standard", features={"social": True}), True),
    ("standard audit logs on", _doc("standard", features={"audit_logs": True}), False),
    ("standard audit logs off", _doc("standard", features={"audit_logs": False}), True),
    ("unknown flag", _doc("standard", features={"teleport": True}), False),
    ("flag as string", _doc("standard", features={"social": "true"}), False),
    ("ha as string", _doc("enterprise", ha="yes"), False),
    ("ha as integer", _doc("enterprise", ha=0), False),
    ("dedicated project as integer", _doc("enterprise", dedicated_project=1), False),
    ("cmek as string", _doc("standard", cmek="off"), False),
    (
        "min nodes as string",
        _doc("enterprise", node_pools=[{"name": "a", "min_nodes": "1"}]),
        False,
    ),
    ("unknown field", _doc("free", colour="blue"), False),
    ("field of another tier", _doc("free", subdomain="x"), False),
    ("no tier", {k: v for k, v in _doc("free").items() if k != "tier"}, False),
    ("gold tier", _doc("gold"), False),
    ("padded id", _doc("free", id="stripe "), False),
    ("reserved id", _doc("free", id="shared"), False),
    ("reserved prefix", _doc("free", id="kube-ops"), False),
    ("google in id", _doc("free", id="mygoogle"), False),
    ("short id", _doc("free", id="abc"), False),
    ("offboarding status", _doc("free", status="offboarding"), True),
    ("unknown status", _doc("free", status="gone"), False),
    ("script email", _doc("free", contact_email="javascript:alert(1)@x.com"), False),
    ("email without domain dot", _doc("free", contact_email="ops@localhost"), False),
    ("email with space", _doc("free", contact_email="a b@example.com"), False),
    ("plus email", _doc("free", contact_email="ops+infra@sample.example"), True),
    ("cidr out of range", _doc("enterprise", network_cidr="10.999.0.0/99"), False),
    ("cidr too wide", _doc("enterprise", network_cidr="10.0.0.0/4"), False),
    ("public cidr", _doc("enterprise", network_cidr="8.8.8.0/24"), False),
    # The plan's pools decide where a range may be (test_address_plan.py); these are the
    # pattern's other private ranges, in pools of the dev plan.
    ("cidr in 172.16/12", _doc("enterprise", control_plane_cidr="172.16.33.0/28"), True),
    ("control plane not /28", _doc("enterprise", control_plane_cidr="172.16.33.0/27"), False),
    ("cidr /30", _doc("enterprise", network_cidr="10.30.0.0/30"), False),
    ("uppercase domain", _doc("enterprise", custom_domain="App.Sample.Example"), False),
    ("display name as number", _doc("free", display_name=5), False),
    ("region with a trailing space", _doc("free", region="us-central1 "), False),
    ("region with a final newline", _doc("free", region="us-central1\n"), False),
    ("id with a final newline", _doc("free", id="sample\n"), False),
]


def _strict_validator() -> jsonschema.protocols.Validator:
    """Draft 2020-12 as an editor applies it to YAML. Two differences from Python's defaults:
    JSON Schema calls 16.0 an integer, but YAML keeps it a float (and the registry refuses it);
    and a pattern's ``$`` is ECMA-262's, which matches only at the very end, where Python's also
    matches before a final newline."""
    base = jsonschema.Draft202012Validator
    checker = base.TYPE_CHECKER.redefine(
        "integer", lambda _, value: isinstance(value, int) and not isinstance(value, bool)
    )

    def pattern(validator, regex, instance, schema):
        if not validator.is_type(instance, "string"):
            return
        match = re.search(regex, instance)
        if match is None or (regex.endswith("$") and match.end() != len(instance)):
            yield jsonschema.ValidationError(f"{instance!r} does not match {regex!r}")

    strict = jsonschema.validators.extend(
        base, validators={"pattern": pattern}, type_checker=checker
    )
    return strict(tenant_json_schema())


@pytest.mark.parametrize(
    ("name", "doc", "accepted"), SCHEMA_SAMPLES, ids=[s[0] for s in SCHEMA_SAMPLES]
)
def test_the_schema_and_the_validator_agree(tmp_path, settings, name, doc, accepted) -> None:
    validator_accepts, why = _validator_verdict(tmp_path, settings, doc)
    schema_errors = [e.message for e in _strict_validator().iter_errors(doc)]
    assert validator_accepts == accepted, why
    assert (not schema_errors) == accepted, schema_errors


def _validator_verdict(tmp_path: Path, settings, doc: dict) -> tuple[bool, str]:
    """The registry's verdict on one document alone, in a file named after its id (the file
    name rule is not the document's)."""
    directory = tmp_path / "alone"
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir()
    raw_id = doc.get("id")
    safe = (
        isinstance(raw_id, str) and raw_id.isascii() and raw_id.isprintable() and "/" not in raw_id
    )
    (directory / f"{raw_id if safe else 'sample'}.yaml").write_text(json.dumps(doc))
    try:
        load_registry(directory, settings)
    except RegistryError as exc:
        return False, str(exc)
    return True, ""


# --- hostile YAML ----------------------------------------------------------------------------

LAUGHS = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{','.join([f'*{chr(97 + i)}'] * 9)}]\n" for i in range(8)
)
HOSTILE_YAML = [
    ("laughs.yaml", LAUGHS, "refused: document expands to more than"),
    ("recursive.yaml", "id: &a [*a]\n", "refused: alias *a refers to a node that contains it"),
    ("deep.yaml", "[" * 20_000 + "]" * 20_000 + "\n", "refused: nesting is deeper than"),
    ("huge.yaml", "# " + "x" * 200_000 + "\nid: huge\n", "larger than"),
    ("binary.yaml", None, "not UTF-8"),
]


@pytest.mark.parametrize(
    ("file_name", "body", "reason"), HOSTILE_YAML, ids=[h[0] for h in HOSTILE_YAML]
)
def test_hostile_yaml_is_refused_with_the_file_named(
    tenants_dir, settings, file_name, body, reason
):
    path = tenants_dir / file_name
    if body is None:
        path.write_bytes(b"id: \xff\xfe\n")
    else:
        path.write_text(body, encoding="utf-8")
    problems = registry_problems(tenants_dir, settings)
    assert_problem(problems, file_name, reason)
    assert len(LAUGHS) < 700


def test_a_fifo_is_not_read(tenants_dir, settings) -> None:
    os.mkfifo(tenants_dir / "pipe.yaml")
    assert_problem(registry_problems(tenants_dir, settings), "pipe.yaml: not a regular file")


def test_the_bounds_do_not_refuse_ordinary_anchors(tenants_dir, settings) -> None:
    """Guard against false positives: anchors and merge keys within the bounds still work."""
    body = ENTERPRISE.format(id="anchors") + (
        "node_pools:\n  - &pool {name: a, min_nodes: 1, max_nodes: 3}\n  - {<<: *pool, name: b}\n"
    )
    write_tenant(tenants_dir, "anchors.yaml", body)
    assert load_registry(tenants_dir, settings).get("anchors").node_pools[1].name == "b"


# --- files the registry will not read --------------------------------------------------------


def test_a_symlink_out_of_the_registry_is_refused_without_echoing_its_target(
    tenants_dir, settings, tmp_path
) -> None:
    secret = tmp_path / "secret.yaml"
    secret.write_text(FREE.format(id="leaky").replace("us-central1", "SECRET_TOKEN_abc123"))
    (tenants_dir / "leaky.yaml").symlink_to(secret)
    (tenants_dir / "dangling.yaml").symlink_to(tmp_path / "nowhere.yaml")
    with pytest.raises(RegistryError) as caught:
        load_registry(tenants_dir, settings)
    text = str(caught.value)
    assert "leaky.yaml: a symbolic link that leads outside the registry; not read" in text
    assert "dangling.yaml: a symbolic link that leads nowhere" in text
    assert "SECRET_TOKEN" not in text and str(tmp_path) not in text


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("acme4.YAML", "tenant files end in .yaml (lowercase)"),
        ("acme5.Yml", "tenant files end in .yaml (lowercase)"),
        ("acme6.yml", "tenant files end in .yaml"),
        (".hidden.yaml", "a hidden file; not read"),
        ("acme7.json", "not a tenant file"),
        ("acme8.yaml~", "not a tenant file"),
    ],
)
def test_every_file_the_registry_will_not_read_is_reported(tenants_dir, settings, name, reason):
    write_tenant(tenants_dir, name, FREE.format(id=name.split(".")[0] or "hidden"))
    assert_problem(registry_problems(tenants_dir, settings), f"{name}: {reason}")


def test_a_directory_in_the_registry_is_reported(tenants_dir, settings) -> None:
    (tenants_dir / "nested").mkdir()
    write_tenant(tenants_dir / "nested", "deep.yaml", FREE.format(id="deep"))
    assert_problem(registry_problems(tenants_dir, settings), "nested: a directory")


# --- values ----------------------------------------------------------------------------------

VALUES = [
    (ENTERPRISE, "10.30.0.0/20", "10.999.0.0/99", "network_cidr", "must be a private IPv4 range"),
    (ENTERPRISE, "10.30.0.0/20", "10.0.0.0/4", "network_cidr", "must be a private IPv4 range"),
    (ENTERPRISE, "10.30.0.0/20", "10.30.0.1/20", "network_cidr", "has host bits set"),
    (ENTERPRISE, "10.30.0.0/20", "10.10.0.0/24", "network_cidr", "overlaps the platform subnet"),
    (
        ENTERPRISE,
        "10.30.0.0/20",
        "10.64.0.0/16",
        "network_cidr",
        "overlaps the platform pods range",
    ),
    (ENTERPRISE, "10.30.0.0/20", "10.128.0.0/20", "network_cidr", "pods range of robinhood.yaml"),
    (
        ENTERPRISE,
        "10.30.0.0/20",
        "172.16.0.0/20",
        "network_cidr",
        "control plane of cluster 'pool-a'",
    ),
    (ENTERPRISE, "10.30.0.0/20", "10.200.0.0/20", "network_cidr", "master authorized network"),
    (
        ENTERPRISE,
        "10.30.0.0/20",
        "10.20.0.0/16",
        "network_cidr",
        "overlaps the node subnet of robinhood.yaml",
    ),
    (
        ENTERPRISE,
        "app.{id}.example",
        "tinybug.dev",
        "custom_domain",
        "platform's domain 'tinybug.dev'",
    ),
    (ENTERPRISE, "app.{id}.example", "www.tinybug.dev", "custom_domain", "platform's domain"),
    (ENTERPRISE, "app.{id}.example", "app.tinybug.dev", "custom_domain", "platform's domain"),
    (FREE, "ops@example.com", "javascript:alert(1)@x.com", "contact_email", "must be an email"),
    (FREE, "ops@example.com", '"ops@example.com\\n"', "contact_email", "must be an email"),
]


@pytest.mark.parametrize(("template", "old", "new", "field", "reason"), VALUES)
def test_values_are_parsed_and_checked(tenants_dir, settings, template, old, new, field, reason):
    body = template.format(id="valued").replace(old.format(id="valued"), new)
    write_tenant(tenants_dir, "valued.yaml", body)
    assert_problem(registry_problems(tenants_dir, settings), "valued.yaml:", f"{field}: ", reason)


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A git repository holding a copy of the sample registry on main, on a feature branch."""
    import shutil

    root = tmp_path / "repo"
    shutil.copytree(SAMPLE_TENANTS, root / "tenants")
    _git(root, "init", "-q", "-b", "main")
    _git(root, "-c", "user.email=t@example.invalid", "-c", "user.name=t", "add", "-A")
    _git(root, "-c", "user.email=t@example.invalid", "-c", "user.name=t", "commit", "-qm", "base")
    _git(root, "checkout", "-q", "-b", "feature")
    return root


def test_a_new_tenant_cannot_be_born_offboarding(repo) -> None:
    from tenancy.automation.registry_diff import pull_request_problems

    write_tenant(repo / "tenants", "newco.yaml", FREE.format(id="newco") + "status: offboarding\n")
    problems = [str(p) for p in pull_request_problems("main", repo / "tenants")]
    assert_problem(problems, "newco.yaml:6: status: a new tenant (not in main) cannot start")


def test_an_existing_tenant_may_start_offboarding(repo) -> None:
    from tenancy.automation.registry_diff import pull_request_problems

    path = repo / "tenants" / "afijo.yaml"
    path.write_text(path.read_text() + "status: offboarding\n")
    assert pull_request_problems("main", repo / "tenants") == []


def test_validate_base_refuses_a_tenant_born_offboarding(repo) -> None:
    from typer.testing import CliRunner

    from tenancy.cli import app

    write_tenant(repo / "tenants", "newco.yaml", FREE.format(id="newco") + "status: offboarding\n")
    args = ["validate", "--tenants", str(repo / "tenants"), "--base", "main"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 1 and "newco.yaml:6: status: a new tenant" in result.output


# --- every problem at once -------------------------------------------------------------------


def test_a_file_with_its_own_problem_still_takes_part_in_cross_tenant_checks(
    tenants_dir, settings
) -> None:
    bad_email = STANDARD.format(id="twofold").replace("ops@example.com", "nobody")
    write_tenant(tenants_dir, "twofold.yaml", bad_email + "subdomain: cb\n")
    write_tenant(
        tenants_dir,
        "elsewhere.yaml",
        FREE.format(id="elsewhere").replace("us-central1", "asia-east1") + "colour: blue\n",
    )
    write_tenant(
        tenants_dir,
        "lost.yaml",
        STANDARD.format(id="lost").replace("pool-a", "pool-z") + "cmek: 'yes'\n",
    )
    problems = registry_problems(tenants_dir, settings)
    assert_problem(problems, "twofold.yaml:5: contact_email:")
    assert_problem(problems, "twofold.yaml:7: subdomain: host 'cb.app.tinybug.dev' is also used")
    assert_problem(problems, "coinbase.yaml", "is also used by twofold.yaml")
    assert_problem(problems, "elsewhere.yaml:6: colour: unknown field")
    assert_problem(problems, "elsewhere.yaml:4: region: 'asia-east1' is not allowed")
    assert_problem(problems, "lost.yaml:7: cmek:")
    assert_problem(problems, "lost.yaml:6: placement: no shared cluster 'pool-z'")


def test_an_invalid_file_still_counts_towards_cluster_capacity(tenants_dir, settings) -> None:
    tight = settings.model_copy(
        update={
            "clusters": [
                c.model_copy(update={"capacity": 2}) if c.name == "pool-a" else c
                for c in settings.clusters
            ]
        }
    )
    body = STANDARD.format(id="crowder").replace("ops@example.com", "nobody")
    write_tenant(tenants_dir, "crowder.yaml", body)
    problems = registry_problems(tenants_dir, tight)
    assert_problem(problems, "crowder.yaml", "placement: cluster 'pool-a' is over capacity (3 > 2")


# --- the environment file --------------------------------------------------------------------


def _env_root(tmp_path: Path, text: str) -> Path:
    (tmp_path / "Pulumi.dev.yaml").write_text(text, encoding="utf-8")
    return tmp_path


def _dev_text() -> str:
    from domain import PROJECT_ROOT

    return (PROJECT_ROOT / "Pulumi.dev.yaml").read_text()


ENVIRONMENTS = [
    ("list", lambda t: "- config\n- other\n", "Pulumi.dev.yaml:1: the file must be a YAML mapping"),
    ("config list", lambda t: "config: [1, 2]\n", "Pulumi.dev.yaml:1: config: must be a mapping"),
    ("config scalar", lambda t: "config: 5\n", "config: must be a mapping"),
    ("settings list", lambda t: "config:\n  tenancy:settings: [1]\n", "must be a mapping"),
    (
        "project pattern",
        lambda t: t.replace("project: tinybug-saas-dev\n    region", "project: X\n    region"),
        "Pulumi.dev.yaml:8: config.tenancy:settings.project: 'X' must be a GCP project id",
    ),
    (
        "capacity as string",
        lambda t: t.replace("capacity: 300", 'capacity: "300"', 1),
        "config.tenancy:settings.clusters.0.capacity: must be an integer, not a string '300'",
    ),
    (
        "duplicate cluster",
        lambda t: t.replace("name: pool-b", "name: pool-a"),
        "config.tenancy:settings.clusters: cluster name 'pool-a' is used twice",
    ),
    (
        "region outside allowed",
        lambda t: t.replace(
            "allowed_regions: [us-central1, us-east1, us-east4, europe-west1]",
            "allowed_regions: [us-east1]",
        ),
        "region 'us-central1', cluster 'pool-a' in 'us-central1', cluster 'pool-b' in "
        "'us-central1' not in allowed_regions",
    ),
    (
        "bad cidr",
        lambda t: t.replace("subnet_cidr: 10.10.0.0/20", "subnet_cidr: 10.10.0.1/20"),
        "config.tenancy:settings.network.subnet_cidr: '10.10.0.1/20' is not an IPv4 network",
    ),
    (
        "apex outside",
        lambda t: t.replace("platform_domain: tinybug.dev", "platform_domain: other.dev"),
        "app_domain 'app.tinybug.dev' must be inside platform_domain 'other.dev'",
    ),
    ("deep", lambda t: "[" * 20_000 + "]" * 20_000, "Pulumi.dev.yaml:1: refused: nesting"),
    ("laughs", lambda t: LAUGHS, "Pulumi.dev.yaml:5: refused: document expands"),
]


@pytest.mark.parametrize(
    ("name", "mutate", "message"), ENVIRONMENTS, ids=[e[0] for e in ENVIRONMENTS]
)
def test_the_environment_file_is_as_strict_as_a_tenant_file(tmp_path, name, mutate, message):
    root = _env_root(tmp_path, mutate(_dev_text()))
    with pytest.raises(EnvironmentConfigError) as caught:
        load_environment("dev", root)
    text = "\n".join(caught.value.problems)
    assert message in text, text
    assert "^" not in text and "\\d" not in text  # no raw regex


def test_a_region_outside_allowed_regions_is_not_blamed_on_the_tenants(tmp_path) -> None:
    text = _dev_text().replace(
        "allowed_regions: [us-central1, us-east1, us-east4, europe-west1]",
        "allowed_regions: [us-east1]",
    )
    root = _env_root(tmp_path, text)
    with pytest.raises(EnvironmentConfigError) as caught:
        load_environment("dev", root)
    assert all(p.startswith("Pulumi.dev.yaml") for p in caught.value.problems)


def test_the_sample_environment_loads(settings) -> None:
    assert settings.apex_domain == "tinybug.dev"


# --- markdown injection ----------------------------------------------------------------------


def _inline_tokens(markdown: str) -> list:
    md = MarkdownIt("commonmark").enable("table")
    return [child for token in md.parse(markdown) if token.children for child in token.children]


@given(st.text())
def test_a_value_renders_as_exactly_one_code_span(value: str) -> None:
    from tenancy.automation.markdown import MAX_VALUE_CHARS, code

    tokens = _inline_tokens("- " + code(value))
    assert [t.type for t in tokens] == ["code_inline"]
    if len(value) < MAX_VALUE_CHARS:
        # Line breaks become spaces and NUL the replacement character; nothing else changes.
        shown = (" ".join(value.splitlines()) or " ").replace("\0", "\ufffd")
        assert tokens[0].content == shown


@given(st.text())
def test_a_value_in_a_table_cell_stays_in_its_cell(value: str) -> None:
    from tenancy.automation.markdown import code

    table = f"| a | b |\n|---|---|\n| {code(value, table=True)} | end |\n"
    tokens = _inline_tokens(table)
    body = [t for t in tokens if t.type != "text" or t.content not in ("a", "b")]
    assert [t.type for t in body] == ["code_inline", "text"] and body[-1].content == "end"


def test_the_validation_section_renders_no_tenant_markup(tenants_dir, tmp_path) -> None:
    from domain import PROJECT_ROOT
    from tenancy.automation.pr_comment import validation_section

    hostile = "x` @admin [click](https://evil.example) <img src=x> `y"
    write_tenant(
        tenants_dir,
        "inject.yaml",
        FREE.format(id="inject").replace("us-central1", json.dumps(hostile)),
    )
    section = validation_section("dev", PROJECT_ROOT, tenants_dir, "HEAD")
    item = next(line for line in section.body.splitlines() if "inject.yaml" in line)
    assert [t.type for t in _inline_tokens(item)] == ["code_inline"]
    assert "@admin" in item


# --- the schema and the validator agree on every tenant document of the test suite -----------

# Samples whose verdict depends on more than the document: the environment (allowed regions,
# clusters, the platform's domains and networks), other tenants, or a rule between two fields.
NOT_EXPRESSIBLE = {
    "badregion.yaml": "allowed_regions is in the environment",
    "nowhere.yaml": "the clusters are in the environment",
    "elsewhere.yaml": "the cluster's region is in the environment",
    "insideapp.yaml": "the platform's domain is in the environment",
    "pools.yaml": "min_nodes <= max_nodes relates two fields",
    "badpair.yaml": "a Temporal replica pair relates two list items",
    "nopartner.yaml": "the HA region comes from the environment",
    "westonly.yaml": "allowed_regions is in the environment",
    "10.30.0.1/20": "host bits need arithmetic",
    "10.10.0.0/24": "the platform's networks are in the environment",
    "10.64.0.0/16": "the platform's networks are in the environment",
    "10.128.0.0/20": "the dedicated ranges are checked in Python",
    "172.16.0.0/20": "the clusters are in the environment",
    "10.200.0.0/20": "the authorized networks are in the environment",
    "tinybug.dev": "the platform's domain is in the environment",
    "www.tinybug.dev": "the platform's domain is in the environment",
    "app.tinybug.dev": "the platform's domain is in the environment",
}


def _suite_documents() -> list[tuple[str, str]]:
    """(label, YAML text) of every tenant document the registry tests write."""
    from test_registry import BAD_FILES

    docs = [(name, body) for name, body, _ in BAD_FILES]
    docs += [
        (f"typed {field}: {extra!r}", t.format(id="typed") + extra) for t, extra, field, _ in TYPED
    ]
    docs += [
        (new, template.format(id="valued").replace(old.format(id="valued"), new))
        for template, old, new, _, _ in VALUES
    ]
    docs += [(path.name, path.read_text()) for path in SAMPLE_TENANTS.glob("*.yaml")]
    return docs


def test_the_schema_and_the_validator_agree_on_every_document_of_the_suite(
    tmp_path, settings
) -> None:
    from ruamel.yaml import YAML

    validator = _strict_validator()
    checked, disagreements = 0, []
    for label, text in _suite_documents():
        if label in NOT_EXPRESSIBLE:
            continue
        try:
            doc = YAML(typ="safe", pure=True).load(text)
        except Exception:
            continue  # not a YAML document at all: nothing for a schema to judge
        if not isinstance(doc, dict):
            continue
        if "{id}" in str(doc.get("id")):
            continue
        accepted, why = _validator_verdict(tmp_path, settings, doc)
        schema_errors = [e.message for e in validator.iter_errors(doc)]
        checked += 1
        if accepted != (not schema_errors):
            disagreements.append((label, why or "validator accepts", schema_errors))
    assert checked >= 45 and not disagreements, disagreements


def _all_tokens(markdown: str) -> list:
    md = MarkdownIt("commonmark").enable("table")
    out, stack = [], list(md.parse(markdown))
    while stack:
        token = stack.pop()
        out.append(token)
        stack.extend(token.children or [])
    return out


def test_no_tenant_value_renders_anywhere_in_the_comment(repo, tmp_path) -> None:
    """A valid change whose free text is hostile: nothing of it renders outside a code span."""
    import shutil

    from domain import PROJECT_ROOT
    from tenancy.automation.pr_comment import build_pr_comment

    hostile = "x` @admin [a](https://evil.example) <img src=x> | #1 `y"
    # The repository's main needs the environment file; the feature branch changes two tenants.
    _git(repo, "checkout", "-q", "main")
    shutil.copy(PROJECT_ROOT / "Pulumi.dev.yaml", repo / "Pulumi.dev.yaml")
    _git(repo, "-c", "user.email=t@example.invalid", "-c", "user.name=t", "add", "-A")
    _git(repo, "-c", "user.email=t@example.invalid", "-c", "user.name=t", "commit", "-qm", "env")
    _git(repo, "checkout", "-q", "feature")
    _git(repo, "merge", "-q", "main")
    path = repo / "tenants" / "afijo.yaml"
    path.write_text(
        path.read_text().replace("display_name: Afijo", f"display_name: {json.dumps(hostile)}")
    )
    write_tenant(
        repo / "tenants",
        "newco.yaml",
        FREE.format(id="newco").replace(
            "display_name: Example", f"display_name: {json.dumps(hostile)}"
        ),
    )
    _git(repo, "-c", "user.email=t@example.invalid", "-c", "user.name=t", "add", "-A")
    _git(
        repo, "-c", "user.email=t@example.invalid", "-c", "user.name=t", "commit", "-qm", "hostile"
    )
    comment = build_pr_comment("main", "dev", repo, repo / "tenants", cache_dir=tmp_path / "c")
    text = comment.markdown
    assert "afijo" in text and "newco" in text
    for token in _all_tokens(text):
        if token.type in ("code_inline", "fence", "code_block", "inline"):
            continue  # code renders literally; an inline token's content is its source
        assert "@admin" not in token.content and "evil.example" not in token.content, token
        assert token.type not in ("link_open", "image"), token
        assert "<img" not in token.content, token
