"""Where a tenant's documents and objects live, behind two small interfaces.

* ``ObjectStore``: a bucket of named, immutable blobs. A free tenant's objects are the names under
  ``<id>/`` in the shared bucket; the upgrade copies them, with the same names, to the tenant's own
  bucket. ``DirectoryObjectStore`` keeps a bucket in a directory (one file per object, written
  atomically): the same put/get/list-by-prefix/delete semantics as Cloud Storage, with real I/O.
  It is what the tests and a local run use; a Cloud Storage implementation is not written yet.
* ``DocumentStore``: a Firestore database. A free tenant's documents are everything under
  ``tenants/<id>`` in the shared database; a standard tenant's are under the same path in its own
  database, so the application's paths do not change. ``FirestoreRestStore`` speaks Firestore's
  REST API (v1) and runs against the Firestore emulator in the tests.

Both compare content by a digest per object or document, computed the same way on both sides.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path, PurePosixPath
from typing import Any, Protocol


class StoreError(Exception):
    pass


# --- objects -------------------------------------------------------------------------------------
class ObjectStore(Protocol):
    def list(self, prefix: str) -> dict[str, str]:
        """{object name: md5 hex} of every object whose name starts with ``prefix``."""
        ...

    def read(self, name: str) -> bytes: ...

    def write(self, name: str, data: bytes) -> None: ...

    def delete(self, name: str) -> None: ...


def tenant_object_prefix(tenant: str) -> str:
    return f"{tenant}/"


class DirectoryObjectStore:
    """A bucket kept in a directory: object ``a/b.txt`` is the file ``<root>/a/b.txt``."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)

    def _path(self, name: str) -> Path:
        parts = PurePosixPath(name).parts
        if not name or name.startswith("/") or ".." in parts or name.endswith("/"):
            raise StoreError(f"invalid object name {name!r}")
        return self.root.joinpath(*parts)

    def list(self, prefix: str) -> dict[str, str]:
        found: dict[str, str] = {}
        for path in sorted(self.root.rglob("*")):
            if path.is_file() and not path.name.startswith(".tmp-"):
                name = path.relative_to(self.root).as_posix()
                if name.startswith(prefix):
                    found[name] = hashlib.md5(path.read_bytes()).hexdigest()
        return found

    def read(self, name: str) -> bytes:
        try:
            return self._path(name).read_bytes()
        except FileNotFoundError:
            raise StoreError(f"object {name!r} does not exist") from None

    def write(self, name: str, data: bytes) -> None:
        target = self._path(name)
        target.parent.mkdir(parents=True, exist_ok=True)
        # Written whole or not at all, like an object upload.
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=target.parent)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, target)

    def delete(self, name: str) -> None:
        self._path(name).unlink(missing_ok=True)


# --- documents -----------------------------------------------------------------------------------
class DocumentStore(Protocol):
    def list_tree(self, path: str) -> dict[str, dict[str, Any]]:
        """{document path: fields} of the document at ``path`` and every document below it."""
        ...

    def write(self, path: str, fields: dict[str, Any]) -> None:
        """Create or replace the document at ``path`` (fields in Firestore's typed JSON form)."""
        ...

    def delete(self, path: str) -> None: ...


def tenant_document_root(tenant: str) -> str:
    return f"tenants/{tenant}"


def document_digest(fields: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(fields, sort_keys=True).encode()).hexdigest()


class FirestoreRestStore:
    """One Firestore database through the REST API: ``base_url`` is the API root (the emulator's
    ``http://host:port`` or ``https://firestore.googleapis.com``), ``token`` an OAuth access token
    (none for the emulator)."""

    def __init__(
        self,
        base_url: str,
        project: str,
        database: str = "(default)",
        token: str | None = None,
        timeout: float = 30.0,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.database_name = f"projects/{project}/databases/{database}"
        self.token = token
        self.timeout = timeout

    def _url(self, path: str, suffix: str = "") -> str:
        quoted = urllib.parse.quote(f"{self.database_name}/documents/{path}".rstrip("/"))
        return f"{self.base_url}/v1/{quoted}{suffix}"

    def _call(self, method: str, url: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(url, data=data, method=method)
        request.add_header("Content-Type", "application/json")
        if self.token:
            request.add_header("Authorization", f"Bearer {self.token}")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                text = response.read().decode()
        except urllib.error.HTTPError as exc:
            if exc.code == 404:
                return None
            detail = exc.read().decode(errors="replace")[:300]
            raise StoreError(
                f"Firestore {method} {self.database_name}: {exc.code} {detail}"
            ) from None
        except (urllib.error.URLError, OSError) as exc:
            raise StoreError(f"Firestore at {self.base_url} unreachable: {exc}") from None
        return json.loads(text) if text.strip() else {}

    def _relative(self, name: str) -> str:
        return name.split("/documents/", 1)[1]

    def list_tree(self, path: str) -> dict[str, dict[str, Any]]:
        found: dict[str, dict[str, Any]] = {}
        own = self._call("GET", self._url(path))
        if own and "fields" in own:
            found[path] = own["fields"]
        # A kindless all-descendants query below the document: every collection, any depth.
        results = self._call(
            "POST",
            self._url(path, ":runQuery"),
            {"structuredQuery": {"from": [{"allDescendants": True}]}},
        )
        for item in results or []:
            document = item.get("document")
            if document:
                found[self._relative(document["name"])] = document.get("fields", {})
        return found

    def write(self, path: str, fields: dict[str, Any]) -> None:
        self._call("PATCH", self._url(path), {"fields": fields})

    def delete(self, path: str) -> None:
        self._call("DELETE", self._url(path))
