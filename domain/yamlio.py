"""YAML reading that keeps line numbers, so every error can point at a line."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError


def _yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.allow_duplicate_keys = False
    return yaml


@dataclass(frozen=True)
class YamlProblem:
    """Why a file could not be read as YAML, and where."""

    file: str
    line: int | None
    reason: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.reason}"


def load_yaml_with_lines(path: Path) -> tuple[Any, YamlProblem | None]:
    """Returns (document, None) or (None, the problem)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return None, YamlProblem(path.name, None, f"cannot read: {exc}")
    try:
        return _yaml().load(text), None
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        reason = " ".join(str(part) for part in (exc.context, exc.problem) if part)
        return None, YamlProblem(
            path.name, mark.line + 1 if mark is not None else None, f"malformed YAML: {reason}"
        )
    except YAMLError as exc:
        return None, YamlProblem(path.name, None, f"malformed YAML: {exc}")


def load_yaml_fast(path: Path) -> tuple[Any, YamlProblem | None]:
    """Parse with the C loader (same YAML 1.2 rules, no line information). On an error the file is
    parsed again with line information so the message points at the line."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return None, YamlProblem(path.name, None, f"cannot read: {exc}")
    try:
        return parse_yaml_text(text), None
    except YAMLError:
        return load_yaml_with_lines(path)


def parse_yaml_text(text: str) -> Any:
    """YAML text (e.g. a file's old version from git) with the same rules as the registry; raises on
    errors."""
    return _fast_yaml().load(text)


@functools.lru_cache(maxsize=1)
def _fast_yaml() -> YAML:
    # Building a loader costs more than parsing a small file: one is reused (the CLI is
    # single-threaded).
    yaml = YAML(typ="safe", pure=False)
    yaml.allow_duplicate_keys = False
    return yaml


class Lines:
    """Line numbers of one file, parsed with position information only when first asked for."""

    def __init__(self, path: Path):
        self.path = path
        self._doc: Any = None

    def __call__(self, path: tuple) -> int | None:
        if self._doc is None:
            self._doc, _ = load_yaml_with_lines(self.path)
        return line_of(self._doc, path) if self._doc is not None else None


def line_of(doc: Any, path: tuple) -> int | None:
    """1-based line of the node at ``path`` in a ruamel document (nearest existing ancestor)."""
    node, line = doc, None
    for part in path:
        lc = getattr(node, "lc", None)
        try:
            if isinstance(part, int) and isinstance(node, list):
                if lc is not None:
                    line = lc.item(part)[0] + 1
                node = node[part]
            elif isinstance(node, dict) and part in node:
                if lc is not None:
                    line = lc.key(part)[0] + 1
                node = node[part]
            else:
                break
        except (KeyError, IndexError, TypeError, AttributeError):
            break
    if line is None and getattr(doc, "lc", None) is not None:
        line = doc.lc.line + 1
    return line


def dump_yaml(data: Any, stream) -> None:
    yaml = _yaml()
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.dump(data, stream)


def to_plain(node: Any) -> Any:
    """ruamel's commented containers → plain dicts and lists (for pydantic)."""
    if isinstance(node, dict):
        return {str(k): to_plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [to_plain(v) for v in node]
    return node
