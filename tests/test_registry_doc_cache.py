"""The parsed-document cache (domain/yamlio.py DocCache): a registry read through it is the
registry read without it, problems included; its key changes with each input of a parse."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from support import write_tenant

from domain import PROJECT_ROOT, yamlio
from domain.registry import RegistryError, load_registry


@pytest.fixture
def through(tmp_path):
    """Run a callable with a doc cache in ``tmp_path`` installed, then take it out again."""

    def run(fn, path: Path | None = None):
        cache = yamlio.DocCache(path or tmp_path / "docs.json")
        previous = yamlio.use_doc_cache(cache)
        try:
            return fn(), cache
        finally:
            yamlio.use_doc_cache(previous)
            cache.save()

    return run


def _outcome(tenants: Path, settings):
    try:
        registry = load_registry(tenants, settings)
    except RegistryError as exc:
        return "problems", [str(p) for p in exc.problems]
    return "registry", [t.model_dump() for t in registry.tenants], registry.files


def test_a_registry_through_the_cache_is_the_registry(tenants_dir, settings, through) -> None:
    plain = _outcome(tenants_dir, settings)
    first, cold = through(lambda: _outcome(tenants_dir, settings))
    second, warm = through(lambda: _outcome(tenants_dir, settings))
    assert plain == first == second and plain[0] == "registry"
    assert cold.hits == 0 and warm.hits == len(list(tenants_dir.glob("*.yaml")))


def test_problems_are_the_same_through_the_cache(tenants_dir, settings, through) -> None:
    write_tenant(tenants_dir, "broken.yaml", "id: broken\ntier: [free\n")  # malformed
    write_tenant(tenants_dir, "keys.yaml", "id: keys\ntier: free\n1: one\n")  # not JSON-exact
    write_tenant(tenants_dir, "deep.yaml", "id: deep\n" + "x: " + "[" * 40 + "]" * 40 + "\n")
    write_tenant(tenants_dir, "dup.yaml", "id: dup\nid: dup\ntier: free\n")
    path = tenants_dir / "coinbase.yaml"
    path.write_text(path.read_text() + "limits:\n  storage_quota_gb: '500'\n")
    plain = _outcome(tenants_dir, settings)
    assert plain[0] == "problems" and len(plain[1]) >= 5
    assert through(lambda: _outcome(tenants_dir, settings))[0] == plain
    again, warm = through(lambda: _outcome(tenants_dir, settings))
    assert again == plain and warm.hits > 0


def test_only_plain_json_documents_are_kept(tmp_path) -> None:
    cache = yamlio.DocCache(tmp_path / "docs.json")
    kept = {"a": [1, 2.5, True, None, {"b": "c"}]}
    for doc in ({1: "int key"}, {"a": (1, 2)}, {"a": {1.5}}, ["not", "a", "mapping"], "text"):
        cache.put(cache.key(repr(doc)), doc)
        assert cache.get(cache.key(repr(doc))) is None
    cache.put(cache.key("kept"), kept)
    got = cache.get(cache.key("kept"))
    assert got == kept and got is not kept and got["a"][4] is not kept["a"][4]
    cache.save()
    assert yamlio.DocCache(tmp_path / "docs.json").get(cache.key("kept")) == kept


def test_an_unreadable_cache_file_is_parsed_again(tenants_dir, settings, through, tmp_path):
    plain = _outcome(tenants_dir, settings)
    (tmp_path / "docs.json").write_text('{"scheme": "tenancy-yaml-doc/1", "entries": [1]}')
    assert through(lambda: _outcome(tenants_dir, settings))[0] == plain
    (tmp_path / "docs.json").write_text("{not json")
    result, cache = through(lambda: _outcome(tenants_dir, settings))
    assert result == plain and cache.hits == 0


def test_the_key_names_the_text(tmp_path) -> None:
    cache = yamlio.DocCache(tmp_path / "docs.json")
    text = "id: coinbase\ntier: standard\n"
    assert cache.key(text) == cache.key(str(text))
    assert cache.key(text) != cache.key(text + " ")
    assert cache.key(text) != cache.key(text.replace("standard", "free"))


def test_the_key_names_the_parsing_code(tmp_path, monkeypatch) -> None:
    text = "id: coinbase\n"
    before = yamlio.DocCache(tmp_path / "docs.json").key(text)
    copy = tmp_path / "yamlio.py"
    copy.write_bytes(Path(yamlio.__file__).read_bytes() + b"\n# a change\n")
    monkeypatch.setattr(yamlio, "__file__", str(copy))
    assert yamlio.DocCache(tmp_path / "docs.json").key(text) != before


@pytest.mark.parametrize("library", ["ruamel.yaml", "ruamel.yaml.clib"])
def test_the_key_names_the_yaml_library_versions(tmp_path, monkeypatch, library) -> None:
    from importlib import metadata

    text = "id: coinbase\n"
    before = yamlio.DocCache(tmp_path / "docs.json").key(text)
    real = metadata.version
    monkeypatch.setattr(
        metadata, "version", lambda name: "0.0.0" if name == library else real(name)
    )
    assert yamlio.DocCache(tmp_path / "docs.json").key(text) != before


def test_the_tenancy_program_keeps_the_cache_with_the_plans(tenants_dir, tmp_path) -> None:
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT), "TENANCY_CACHE_DIR": str(tmp_path)}
    command = [sys.executable, "-m", "tenancy.cli", "validate", "--tenants", str(tenants_dir)]
    for _ in range(2):
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stderr
    cache = yamlio.DocCache(tmp_path / "docs.json")
    text = (tenants_dir / "coinbase.yaml").read_text(encoding="utf-8")
    assert cache.get(cache.key(text)) is not None
    off = {**env, "TENANCY_CACHE_DIR": "off"}
    (tmp_path / "docs.json").unlink()
    subprocess.run(command, env=off, capture_output=True, check=True)
    assert not (tmp_path / "docs.json").exists()


def test_a_valid_address_is_checked_once_an_invalid_one_every_time(
    through, monkeypatch, tenants_dir, settings
) -> None:
    """The email check is most of validating a registry: a valid address is remembered with the
    parsed files; an invalid one, or one differing by a single character, is checked again."""
    from domain.registry import models

    calls: list[str] = []
    real = models.validate_email

    def counting(value, **options):
        calls.append(value)
        return real(value, **options)

    monkeypatch.setattr(models, "validate_email", counting)
    good, bad, twin = "ops@acme.example", "ops@@acme.example", "ops@acme.example "
    for _ in range(2):
        through(lambda: models.check_email(good))
    assert calls == [good]
    for value in (bad, twin, bad):
        with pytest.raises(ValueError, match="not a valid email"):
            through(lambda value=value: models.check_email(value))
    assert calls == [good, bad, twin, bad]
    # Without a cache every address is checked.
    models.check_email(good)
    assert calls[-1] == good and len(calls) == 5
    # A registry read twice through the cache checks each address once, with the same result.
    calls.clear()
    first, _ = through(lambda: _outcome(tenants_dir, settings))
    checked = len(calls)
    second, _ = through(lambda: _outcome(tenants_dir, settings))
    assert first == second and checked > 0 and len(calls) == checked


def test_the_remembered_address_names_the_library_version(through, monkeypatch) -> None:
    from domain.registry import models

    through(lambda: models.check_email("ops@acme.example"))
    monkeypatch.setattr(models, "_email_rules", lambda: "email-validator==0.0; other options")
    calls: list[str] = []
    monkeypatch.setattr(models, "validate_email", lambda value, **o: calls.append(value))
    through(lambda: models.check_email("ops@acme.example"))
    assert calls == ["ops@acme.example"]
