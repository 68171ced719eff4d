"""YAML reading that keeps line numbers, so every error can point at a line.

Every document is bounded before it is built: its size, its nesting depth and the number of nodes
it expands to through aliases (a 700-byte "billion laughs" file expands to 10^9 nodes; a recursive
alias or 20,000 nested brackets exhaust the stack). The check walks the parser's event stream,
which needs no recursion and stops at the first limit crossed.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import (
    AliasEvent,
    CollectionStartEvent,
    MappingEndEvent,
    ScalarEvent,
    SequenceEndEvent,
)

# A tenant file is about 1 KB and 4 levels deep; the environment file about 3 KB.
MAX_BYTES = 128 * 1024
MAX_DEPTH = 32
MAX_NODES = 20_000  # after alias expansion


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


class YamlLimitError(YAMLError):
    """The document is larger, deeper or expands to more nodes than a configuration file may."""

    def __init__(self, reason: str, line: int | None):
        super().__init__(reason)
        self.reason = reason
        self.line = line


def read_text_bounded(path: Path) -> tuple[str | None, YamlProblem | None]:
    """The file's text, or why it is not read: not a regular file, too large, not UTF-8."""
    try:
        if not path.is_file():
            return None, YamlProblem(path.name, None, "not a regular file; not read")
        with path.open("rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except OSError as exc:
        return None, YamlProblem(path.name, None, f"cannot read: {exc.strerror or exc}")
    if len(data) > MAX_BYTES:
        return None, YamlProblem(
            path.name, None, f"file is larger than {MAX_BYTES // 1024} KiB; not read"
        )
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        return None, YamlProblem(path.name, None, f"not UTF-8 text (byte {exc.start}); not read")


def check_yaml_bounds(text: str) -> None:
    """Raise ``YamlLimitError`` if the document is too large, too deep or expands too far through
    aliases (including an alias to a node that contains it); malformed YAML is left to the loader.
    """
    if len(text.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        raise YamlLimitError(f"document is larger than {MAX_BYTES // 1024} KiB", None)
    frames: list[list[Any]] = []  # [anchor, expanded node count so far] per open collection
    done: dict[str, int] = {}  # anchor -> expanded node count of its finished node
    total = 0

    def add(count: int, event: Any) -> None:
        nonlocal total
        if frames:
            frames[-1][1] += count
        else:
            total += count
        if total + sum(frame[1] for frame in frames) > MAX_NODES:
            raise YamlLimitError(
                f"document expands to more than {MAX_NODES} nodes (aliases of aliases?)",
                event.start_mark.line + 1,
            )

    try:
        for event in _fast_events(text):
            if isinstance(event, CollectionStartEvent):
                if len(frames) >= MAX_DEPTH:
                    raise YamlLimitError(
                        f"nesting is deeper than {MAX_DEPTH} levels", event.start_mark.line + 1
                    )
                frames.append([event.anchor, 1])
            elif isinstance(event, (MappingEndEvent, SequenceEndEvent)):
                anchor, count = frames.pop()
                if anchor is not None:
                    done[anchor] = count
                add(count, event)
            elif isinstance(event, ScalarEvent):
                if event.anchor is not None:
                    done[event.anchor] = 1
                add(1, event)
            elif isinstance(event, AliasEvent):
                if any(frame[0] == event.anchor for frame in frames):
                    raise YamlLimitError(
                        f"alias *{event.anchor} refers to a node that contains it "
                        "(recursive alias)",
                        event.start_mark.line + 1,
                    )
                add(done.get(event.anchor, 1), event)
    except YamlLimitError:
        raise
    except YAMLError:
        return  # malformed: the loader reports it with its line


def _limit_problem(name: str, exc: YamlLimitError) -> YamlProblem:
    return YamlProblem(name, exc.line, f"refused: {exc.reason}")


def load_yaml_with_lines(path: Path) -> tuple[Any, YamlProblem | None]:
    """Returns (document, None) or (None, the problem)."""
    text, problem = read_text_bounded(path)
    if text is None:
        return None, problem
    try:
        check_yaml_bounds(text)
    except YamlLimitError as exc:
        return None, _limit_problem(path.name, exc)
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
    doc, problem, _ = load_yaml_fast_keyed(path)
    return doc, problem


def load_yaml_fast_keyed(path: Path) -> tuple[Any, YamlProblem | None, str | None]:
    """``load_yaml_fast``, plus the document's parse-cache key when a cache is in use (so a
    process that parsed on another's behalf can tell it what to remember)."""
    text, problem = read_text_bounded(path)
    if text is None:
        return None, problem, None
    try:
        doc, key = _parse_keyed(text)
        return doc, None, key
    except YamlLimitError as exc:
        return None, _limit_problem(path.name, exc), None
    except YAMLError:
        doc, problem = load_yaml_with_lines(path)
        return doc, problem, None


def parse_yaml_text(text: str) -> Any:
    """YAML text (e.g. a file's old version from git) with the same rules and bounds as the
    registry; raises ``YAMLError`` (``YamlLimitError`` for an unbounded document) on errors."""
    return _parse_keyed(text)[0]


def _parse_keyed(text: str) -> tuple[Any, str | None]:
    cache = doc_cache()
    if cache is None:
        check_yaml_bounds(text)
        return _fast_load(text), None
    key = cache.key(text)
    doc = cache.get(key)
    if doc is None:
        check_yaml_bounds(text)
        doc = _fast_load(text)
        cache.put(key, doc)
    return doc, key


class DocCache:
    """Parsed documents by a key of their text, so an unchanged file is not parsed again.

    Parsing (the bounds check and the loader) is most of the cost of reading a registry of
    thousands of files. Only what parsing gives is cached: a mapping of plain JSON values (str
    keys; str, int, float, bool, None, lists and mappings), which JSON stores exactly; anything
    else, and every text that fails, is parsed every time. Validation still runs on every
    document; only facts recorded with ``record`` (an address the email check found valid) are
    not checked again. The key names the text, this module's code (the bounds and the loader's
    rules) and the YAML library's versions, so a change to any of them misses.
    """

    SCHEME = "tenancy-yaml-doc/1"
    MAX_ENTRIES = 50_000

    def __init__(self, path: Path | Callable[[], Path | None]):
        # A callable is asked on first use (the program knows its project only once it runs);
        # None from it: no cache.
        self._where: Path | Callable[[], Path | None] | None = (
            path if callable(path) else Path(path)
        )
        self._entries: dict[str, Any] | None = None
        self._used: set[str] = set()
        self._added = 0
        self.hits = 0
        self._prefix = self._code_prefix()

    @classmethod
    def _code_prefix(cls) -> bytes:
        import hashlib
        import sys
        from importlib import metadata

        parts = [cls.SCHEME, f"python {sys.version_info[:2]}"]
        for name in ("ruamel.yaml", "ruamel.yaml.clib"):
            try:
                parts.append(f"{name}=={metadata.version(name)}")
            except metadata.PackageNotFoundError:
                parts.append(f"{name}==absent")
        code = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()
        return "\0".join([*parts, code, ""]).encode()

    def key(self, text: str) -> str:
        import hashlib

        return hashlib.sha256(self._prefix + text.encode("utf-8", "surrogatepass")).hexdigest()

    @property
    def path(self) -> Path | None:
        where = self._where
        if callable(where):
            found = where()
            where = self._where = Path(found) if found is not None else None
        return where  # a Path made once: asked once per tenant file while validating

    def _load(self) -> dict[str, Any]:
        if self._entries is None:
            import json

            try:
                if self.path is None:
                    raise OSError("no cache directory")
                data = json.loads(self.path.read_text(encoding="utf-8"))
                entries = data.get("entries") if data.get("scheme") == self.SCHEME else None
            except (OSError, ValueError, AttributeError):
                entries = None  # absent or unreadable: parsed again, and overwritten
            self._entries = entries if isinstance(entries, dict) else {}
        return self._entries

    def get(self, key: str) -> Any | None:
        doc = self._load().get(key)
        if not isinstance(doc, dict):
            return None
        self._used.add(key)
        self.hits += 1
        return _json_copy(doc)  # callers may change what they get

    def known(self, fact: str) -> bool:
        """Whether an earlier run recorded ``fact`` (a ``key`` of what was checked and how) as
        true: a check as costly as parsing, done once per distinct input."""
        if self._load().get(fact) is not True:
            return False
        self._used.add(fact)
        return True

    def record(self, fact: str) -> None:
        if self._load().get(fact) is not True:
            self._load()[fact] = True
            self._added += 1
        self._used.add(fact)

    def load(self) -> None:
        """Read the entries now (before forking workers that look documents up)."""
        self._load()

    def remember(self, key: str, doc: Any) -> None:
        """A document another process parsed or found under ``key``: kept as if this one had."""
        if key in self._load():
            self._used.add(key)
        else:
            self.put(key, doc)

    def put(self, key: str, doc: Any) -> None:
        if isinstance(doc, dict) and _json_exact(doc):
            self._load()[key] = _json_copy(doc)
            self._used.add(key)
            self._added += 1

    def save(self) -> None:
        """Write the entries if any were added: this run's first, older ones while they fit."""
        if not self._added or self._entries is None or self.path is None:
            return
        import json
        import os
        import tempfile

        entries = {k: self._entries[k] for k in self._used if k in self._entries}
        for key, doc in self._entries.items():
            if len(entries) >= self.MAX_ENTRIES:
                break
            entries.setdefault(key, doc)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".tmp-", suffix=".json")
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(
                    {"scheme": self.SCHEME, "entries": entries}, handle, separators=(",", ":")
                )
            os.replace(tmp, self.path)
        except OSError:
            pass  # a cache that cannot be written only costs time
        self._added = 0


_JSON_SCALARS = (str, int, float, bool, type(None))


def _json_exact(value: Any) -> bool:
    """Whether JSON gives back exactly this value (types included)."""
    kind = type(value)
    if kind is dict:
        return all(type(k) is str and _json_exact(v) for k, v in value.items())
    if kind is list:
        return all(_json_exact(v) for v in value)
    return kind in _JSON_SCALARS


def _json_copy(value: Any) -> Any:
    kind = type(value)
    if kind is dict:
        return {k: _json_copy(v) for k, v in value.items()}
    if kind is list:
        return [_json_copy(v) for v in value]
    return value


_DOC_CACHE: DocCache | None = None


def doc_cache() -> DocCache | None:
    """The cache parsing goes through in this process, if any (one without a place to live, e.g.
    with the cache turned off, is none: keying and copying every document would be waste)."""
    cache = _DOC_CACHE
    return cache if cache is not None and cache.path is not None else None


def use_doc_cache(cache: DocCache | None) -> DocCache | None:
    """Parse through ``cache`` in this process from now on (None: no cache); returns the
    previous one. The ``tenancy`` program sets it up; library callers and tests parse afresh."""
    global _DOC_CACHE
    previous, _DOC_CACHE = _DOC_CACHE, cache
    return previous


@functools.lru_cache(maxsize=1)
def _fast_yaml() -> YAML:
    # Building a loader costs more than parsing a small file: one is reused (the CLI is
    # single-threaded).
    yaml = YAML(typ="safe", pure=False)
    yaml.allow_duplicate_keys = False
    return yaml


@functools.lru_cache(maxsize=1)
def _fast_loader_class() -> type | None:
    """The loader class ``YAML(typ="safe", pure=False).load`` builds anew for every document
    (ruamel's ``XLoader``: the C parser, the safe constructor, the versioned resolver), built once.
    Each document still gets its own instance; what an instance would rebuild from the same
    constants on every scalar (the processing version, found through two caught AttributeErrors,
    and the resolver table of that version) is computed once. None without the C parser (then
    the YAML object parses)."""
    yaml = _fast_yaml()
    parser, constructor, resolver = yaml.Parser, yaml.Constructor, yaml.Resolver
    from ruamel.yaml.resolver import VersionedResolver

    if parser.__name__ != "CParser" or not issubclass(resolver, VersionedResolver):
        return None
    tables: dict[Any, dict[Any, list[Any]]] = {}
    version, allow_duplicate_keys = yaml.version, yaml.allow_duplicate_keys

    class FastLoader(parser, constructor, resolver):  # type: ignore[valid-type, misc]
        def __init__(self, stream: str) -> None:
            # As ruamel.yaml.main.YAML.get_constructor_parser initialises its XLoader.
            parser.__init__(self, stream)
            self._parser = self._composer = self
            constructor.__init__(self, loader=self)
            self.allow_duplicate_keys = allow_duplicate_keys
            resolver.__init__(self, version=version, loadumper=self)

        @property
        def processing_version(self) -> Any:
            found = self.__dict__.get("_processing_version")
            if found is None:
                found = self.__dict__["_processing_version"] = resolver.processing_version.fget(
                    self
                )
            return found

        @property
        def versioned_resolver(self) -> Any:
            # The table of a version is a constant of ruamel's implicit resolvers. It is shared
            # only when it has no entry for None: ``resolve`` extends the list of a scalar's
            # first character by that entry in place.
            key = self.processing_version
            table = tables.get(key)
            if table is None:
                table = resolver.versioned_resolver.fget(self)
                if None in table:
                    return table
                tables[key] = table
            return table

    return FastLoader


def _fast_load(text: str) -> Any:
    """``_fast_yaml().load(text)``, without building a loader class per document."""
    loader_class = _fast_loader_class()
    if loader_class is None:
        return _fast_yaml().load(text)
    loader = loader_class(text)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


def _fast_events(text: str) -> Any:
    """``_fast_yaml().parse(text)``: the parser's events, from the same C parser."""
    loader_class = _fast_loader_class()
    if loader_class is None:
        yield from _fast_yaml().parse(text)
        return
    loader = loader_class(text)
    try:
        while loader.check_event():
            yield loader.get_event()
    finally:
        loader.dispose()


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
