"""The registry's YAML loader, built once instead of per document, reads every document exactly
as ruamel's own ``YAML(typ="safe", pure=False)`` does: the same values of the same types, the
same events for the bounds check, the same errors; and a problem found after parsing still points
at its line."""

from __future__ import annotations

from pathlib import Path

import pytest
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError
from support import SAMPLE_TENANTS
from test_registry_hostile import HOSTILE_YAML, TYPED

from domain import PROJECT_ROOT
from domain.registry import RegistryError, load_registry
from domain.yamlio import _fast_events, _fast_load, _fast_loader_class

SCALARS = """\
plain: text
quoted: 'yes'
yes11: yes
no11: off
octal12: 0o17
octal11: 017
sexagesimal: 1:30
hex: 0x1F
float: 1.5e3
inf: .inf
nan_: .nan
null_: ~
empty:
bool: true
date: 2024-01-02
stamp: 2024-01-02T03:04:05Z
int_: -42
big: 123456789012345678901234567890
binary: !!binary aGVsbG8=
str_tag: !!str 12
set_: !!set {a, b}
omap: !!omap [{a: 1}, {b: 2}]
flow: {a: [1, 2, {b: c}], "k": 'v'}
block: |
  two
  lines
folded: >
  one
  line
anchor: &x {k: v}
alias: *x
merged:
  <<: *x
  own: 1
"""
DOCUMENTS = [
    SCALARS,
    "%YAML 1.1\n---\nyes11: yes\noctal: 017\n",
    "%YAML 1.2\n---\na: 1\n",
    "",
    "# only a comment\n",
    "- a\n- b\n",
    "just a scalar\n",
    "a: 1\na: 2\n",  # duplicate key
    "a: [1, 2\n",  # malformed
    "a: b: c\n",
    "? [1, 2]\n: complex key\n",
    "a: !!python/object:os.system x\n",  # a tag the safe loader refuses
    "a: *undefined\n",
    "--- 1\n--- 2\n",  # two documents
    "\ufeffa: bom\n",
    "a: \t1\n",
    "a: 'unterminated\n",
]


def _corpus() -> list[str]:
    texts = [p.read_text(encoding="utf-8") for p in sorted(SAMPLE_TENANTS.glob("*.yaml"))]
    texts += [p.read_text(encoding="utf-8") for p in sorted(PROJECT_ROOT.glob("Pulumi*.yaml"))]
    texts += [template.format(id="sample") + extra for template, extra, _, _ in TYPED]
    return texts + DOCUMENTS


def _hostile() -> list[str]:
    """Documents the bounds check refuses (loading them is what it prevents): events only."""
    return [body for _, body, _ in HOSTILE_YAML if body is not None and len(body) < 5_000]


def _typed(value):
    """The value with every node's exact type, so 1 and True or '1' and 1 never compare equal."""
    if isinstance(value, dict):
        return ("dict", type(value).__name__, [(_typed(k), _typed(v)) for k, v in value.items()])
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, [_typed(v) for v in value])
    if isinstance(value, (set, frozenset)):
        return (type(value).__name__, sorted(repr(v) for v in value))
    if isinstance(value, float) and value != value:
        return ("float", "nan")
    return (type(value).__name__, repr(value))


def _outcome(call, text: str):
    try:
        return "ok", _typed(call(text))
    except YAMLError as exc:
        return "error", type(exc).__name__, str(exc)


def _ruamel_load(text: str):
    yaml = YAML(typ="safe", pure=False)
    yaml.allow_duplicate_keys = False
    return yaml.load(text)


def _ruamel_events(text: str):
    yaml = YAML(typ="safe", pure=False)
    yaml.allow_duplicate_keys = False
    return [_event(e) for e in yaml.parse(text)]


def _event(event) -> tuple:
    return (
        type(event).__name__,
        getattr(event, "anchor", None),
        getattr(event, "value", None),
        getattr(event, "tag", None) and str(event.tag),
        event.start_mark.line,
        event.start_mark.column,
    )


def test_the_c_parser_is_used() -> None:
    """Guard against a vacuous pass: the comparisons below exercise the hoisted loader."""
    assert _fast_loader_class() is not None


@pytest.mark.parametrize("index", range(len(_corpus())))
def test_documents_load_as_ruamel_loads_them(index: int) -> None:
    text = _corpus()[index]
    assert _outcome(_fast_load, text) == _outcome(_ruamel_load, text)


@pytest.mark.parametrize("index", range(len(_corpus()) + len(_hostile())))
def test_the_bounds_check_sees_ruamels_events(index: int) -> None:
    text = [*_corpus(), *_hostile()][index]
    assert _outcome(lambda t: [_event(e) for e in _fast_events(t)], text) == _outcome(
        _ruamel_events, text
    )


def test_one_loader_class_serves_every_document() -> None:
    first = _fast_loader_class()
    _fast_load(SCALARS)
    _fast_load("%YAML 1.1\n---\na: yes\n")
    assert _fast_loader_class() is first
    # What 1.1 resolved to did not leak into the next 1.2 document, nor the reverse.
    assert _fast_load("a: yes\nb: 017\n") == _ruamel_load("a: yes\nb: 017\n")


TEMPORAL_PROBLEMS = [
    (
        "temporal:\n  regions: [gcp-us-east1, gcp-us-central1]\n",
        "temporal.regions",
        "'gcp-us-east1' is not a Temporal Cloud region",
    ),
]


@pytest.mark.parametrize(("extra", "field", "reason"), TEMPORAL_PROBLEMS)
def test_temporal_problems_still_point_at_their_line(
    tenants_dir: Path, settings, extra: str, field: str, reason: str
) -> None:
    """The line of a Temporal region problem is looked up only for a problem (it parses the file
    again, with positions): it is the line of the field."""
    source = next(
        p for p in sorted(tenants_dir.glob("*.yaml")) if "tier: enterprise" in p.read_text()
    )
    text = source.read_text(encoding="utf-8")
    kept = "\n".join(
        line
        for line in text.splitlines()
        if not line.startswith(("temporal", "  retention_days", "  regions", "ha:"))
    )
    source.write_text(kept + "\n" + extra, encoding="utf-8")
    expected_line = 1 + (kept + "\n" + extra).splitlines().index(
        next(line for line in extra.splitlines() if line.strip().startswith("regions"))
    )
    with pytest.raises(RegistryError) as caught:
        load_registry(tenants_dir, settings)
    found = [p for p in caught.value.problems if p.file == source.name and reason in p.reason]
    assert found, [str(p) for p in caught.value.problems]
    assert {(p.field, p.line) for p in found} == {(field, expected_line)}
