"""YAML reading that keeps line numbers, so every error can point at a line."""
from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError


def _yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.allow_duplicate_keys = False
    return yaml


def load_yaml_with_lines(path: Path) -> tuple[Any, str | None]:
    """Returns (document, None) or (None, "file:line: reason")."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return None, f"{path.name}: cannot read: {exc}"
    try:
        return _yaml().load(text), None
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = f":{mark.line + 1}" if mark is not None else ""
        reason = " ".join(str(part) for part in (exc.context, exc.problem) if part)
        return None, f"{path.name}{line}: malformed YAML: {reason}"
    except YAMLError as exc:
        return None, f"{path.name}: malformed YAML: {exc}"


def load_yaml_fast(path: Path) -> tuple[Any, str | None]:
    """Parse with the C loader (same YAML 1.2 rules, no line information). On an error the file is
    parsed again with line information so the message points at the line."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return None, f"{path.name}: cannot read: {exc}"
    try:
        return _fast_yaml().load(text), None
    except YAMLError:
        return load_yaml_with_lines(path)


@functools.lru_cache(maxsize=1)
def _fast_yaml() -> YAML:
    # Building a loader costs more than parsing a small file: one is reused (the CLI is single-threaded).
    yaml = YAML(typ="safe", pure=False)
    yaml.allow_duplicate_keys = False
    return yaml


class Lines:
    """Line numbers of one file, parsed with position information only when first asked for."""

    def __init__(self, path: Path, doc: Any = None):
        self.path = path
        self._doc = doc

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
