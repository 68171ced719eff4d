"""Every policy file follows the pack's conventions, and the entry point registers all of them."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from pulumi_policy import EnforcementLevel, PolicyComplianceFramework
from pulumi_policy.policy import _PolicyAnalyzerServicer

from domain import PROJECT_ROOT
from policies.lib.anchors import Anchor
from policies.pack import ALL_POLICIES, PACK_NAME, POLICY_MODULES, initial_config

PACK_DIR = PROJECT_ROOT / "policies"
RULE_FILES = sorted(p for p in (PACK_DIR / "rules").glob("*/*.py") if p.name != "__init__.py")
SERVICES = (
    "gke",
    "sql",
    "gcs",
    "iam",
    "kms",
    "k8s",
    "temporal",
    "gcp",
    "tenancy",
    "tier",
    "monitoring",
)
VERBS = (
    "require",
    "forbid",
    "enforce",
    "restrict",
    "disable",
    "block",
    "bound",
    "bind",
    "protect",
    "order",  # deploy readiness: what must exist before a resource is created
)
NAME_RE = re.compile(rf"^({'|'.join(SERVICES)})-({'|'.join(VERBS)})-[a-z0-9]+(-[a-z0-9]+)*$")
ANCHOR_ID_RE = {
    "Checkov": re.compile(r"^CKV_(GCP|K8S)_\d+$"),
    "MTB": re.compile(r"^MTB-PL[12]-(CC|BC)-[A-Z]+-\d+$"),
    "PSS": re.compile(r"^(restricted|baseline)$"),
    "Tenancy": re.compile(r"^[a-z0-9-]+$"),
    "Provider": re.compile(r"^[a-z0-9-]+$"),
}


def module_of(path: Path):
    return next(
        m for m in POLICY_MODULES if m.__file__ and Path(m.__file__).resolve() == path.resolve()
    )


def test_every_rule_file_is_a_discovered_policy():
    assert len(RULE_FILES) == len(POLICY_MODULES) == len(ALL_POLICIES)
    assert len({p.name for p in ALL_POLICIES}) == len(ALL_POLICIES)


@pytest.mark.parametrize("path", RULE_FILES, ids=lambda p: p.stem)
def test_policy_file_follows_the_conventions(path: Path):
    module = module_of(path)
    policy = module.POLICY
    assert NAME_RE.match(policy.name), f"{policy.name} is not <service>-<verb>-<what>"
    assert module.NAME == policy.name == path.stem.replace("_", "-")
    assert path.parent.name == policy.name.split("-", 1)[0], "grouped by service"
    assert (module.__doc__ or "").startswith(f"{policy.name}: ")
    assert policy.description and policy.description.endswith(".")
    assert policy.enforcement_level in (EnforcementLevel.MANDATORY, EnforcementLevel.ADVISORY)
    assert policy.remediation_steps
    assert isinstance(module.ANCHORS, tuple) and module.ANCHORS
    for anchor in module.ANCHORS:
        assert isinstance(anchor, Anchor) and anchor.title
        if anchor.framework == "Provider":  # the title is the source it was read from
            assert anchor.title.startswith("https://"), anchor
        assert ANCHOR_ID_RE[anchor.framework].match(anchor.id), anchor
    assert isinstance(policy.framework, PolicyComplianceFramework)
    assert (policy.framework.name, policy.framework.reference) == (
        module.ANCHORS[0].framework,
        module.ANCHORS[0].id,
    )
    assert policy.tags[0] == path.parent.name


def test_isolation_rules_are_mandatory():
    isolation = [
        p
        for p in ALL_POLICIES
        if p.name.startswith(
            (
                "tenancy-",
                "tier-",
                "iam-bind",
                "iam-restrict",
                "k8s-require-namespace",
                "k8s-require-default-deny",
            )
        )
    ]
    assert isolation and all(p.enforcement_level == EnforcementLevel.MANDATORY for p in isolation)


def _main_tree() -> ast.Module:
    return ast.parse((PACK_DIR / "__main__.py").read_text(encoding="utf-8"))


def test_main_lists_every_policy_module():
    imported: set[str] = set()
    for node in ast.walk(_main_tree()):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("policies.rules."):
            imported |= {f"{node.module}.{alias.name}" for alias in node.names}
    assert imported == {m.__name__ for m in POLICY_MODULES}
    registered = next(
        n
        for n in ast.walk(_main_tree())
        if isinstance(n, ast.Assign)
        and any(isinstance(t, ast.Name) and t.id == "REGISTERED" for t in n.targets)
    )
    assert {e.id for e in registered.value.elts} == {
        m.__name__.rsplit(".", 1)[1] for m in POLICY_MODULES
    }


def test_main_constructs_the_pack_from_all_policies():
    calls = [
        n
        for n in ast.walk(_main_tree())
        if isinstance(n, ast.Call) and getattr(n.func, "id", "") == "PolicyPack"
    ]
    assert len(calls) == 1
    keywords = {k.arg: k.value for k in calls[0].keywords}
    assert isinstance(keywords["policies"], ast.Name) and keywords["policies"].id == "ALL_POLICIES"
    assert isinstance(keywords["name"], ast.Name) and keywords["name"].id == "PACK_NAME"
    assert "initial_config" in keywords


def test_only_main_constructs_a_policy_pack():
    offenders = []
    for path in [*PACK_DIR.rglob("*.py"), *(PROJECT_ROOT / "tenancy").rglob("*.py")]:
        if path == PACK_DIR / "__main__.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", getattr(node.func, "attr", "")) == "PolicyPack"
            ):
                offenders.append(str(path))
    assert offenders == []


def test_analyzer_info_describes_every_policy():
    """What `pulumi preview --policy-pack` asks first (built without starting the server)."""
    servicer = _PolicyAnalyzerServicer(
        PACK_NAME, "0.0.1", ALL_POLICIES, EnforcementLevel.ADVISORY, initial_config()
    )
    info = servicer.GetAnalyzerInfo(None, None)
    assert info.name == PACK_NAME and len(info.policies) == len(ALL_POLICIES)
    by_name = {p.name: p for p in info.policies}
    assert by_name["sql-require-tls"].configSchema.properties["allowedSslModes"]["default"] == [
        "ENCRYPTED_ONLY",
        "TRUSTED_CLIENT_CERTIFICATE_REQUIRED",
    ]
    assert by_name["gke-require-private-nodes"].framework.reference == "CKV_GCP_64"
    assert set(info.initialConfig) == set(initial_config())


def test_config_schemas_are_valid_and_accept_their_defaults():
    jsonschema = pytest.importorskip("jsonschema")
    for policy in ALL_POLICIES:
        if policy.config_schema is None:
            continue
        schema = {"type": "object", "properties": policy.config_schema.properties}
        jsonschema.Draft7Validator.check_schema(schema)
        jsonschema.validate(initial_config().get(policy.name, {}), schema)
    bounds = {
        "temporal-bound-retention": ("minRetentionDays", "maxRetentionDays"),
        "kms-require-key-rotation": ("minRotationDays", "maxRotationDays"),
    }
    for name, keys in bounds.items():
        assert [initial_config()[name][k] for k in keys] == [1, 90]


def test_pulumi_policy_yaml_declares_a_python_pack():
    from ruamel.yaml import YAML

    data = YAML(typ="safe").load((PACK_DIR / "PulumiPolicy.yaml").read_text(encoding="utf-8"))
    assert data["runtime"]["name"] == "python" and data["description"] and data["version"]
