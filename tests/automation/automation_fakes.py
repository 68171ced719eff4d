"""Helpers of the automation tests: a fake of the adapter, tenant files and throwaway git
repositories."""

from __future__ import annotations

import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path

from pulumi.automation import CommandResult
from pulumi.automation.errors import ConcurrentUpdateError

from domain.environment import load_environment
from domain.registry import Registry, load_registry
from tenancy.automation.adapter import OperationResult

HEADER = "# yaml-language-server: $schema=../docs/tenant.schema.json\n"

# Four tenants, one of each situation the automation cares about.
TENANT_FILES = {
    "acme": "id: acme\ndisplay_name: Acme\ntier: free\nregion: us-central1\ncontact_email: "
    "ops@acme.example\n",
    "globex": (
        "id: globex\ndisplay_name: Globex\ntier: standard\nregion: us-central1\n"
        "contact_email: ops@globex.example\nplacement: pool-a\n"
    ),
    "initech": (
        "id: initech\ndisplay_name: Initech\ntier: enterprise\nregion: us-central1\n"
        "contact_email: ops@initech.example\ncustom_domain: app.initech.example\n"
        "network_cidr: 10.30.0.0/20\npods_cidr: 10.250.0.0/16\nservices_cidr: 10.251.0.0/20\n"
        "control_plane_cidr: 172.16.47.224/28\n"
    ),
    "umbrella": (
        "id: umbrella\ndisplay_name: Umbrella\ntier: standard\nstatus: offboarding\nregion: "
        "us-central1\ncontact_email: ops@umbrella.example\nplacement: pool-b\n"
    ),
}


def locked(stack: str = "dev") -> ConcurrentUpdateError:
    return ConcurrentUpdateError(
        CommandResult("", f"error: the stack is currently locked by 1 lock(s) ({stack})", 255)
    )


class FakeOperations:
    """Records every call, with its start/end order and how many calls overlapped.

    ``script[(operation, stack)]`` is a list of results or exceptions handed out in order; without
    one a call succeeds with ``default``. With ``gate=N`` a call waits (up to a second) until N
    calls
    are in flight or ``expected_calls`` have started, so a bounded pool reaches exactly N at once;
    ``linger`` then keeps each call in flight a little longer, so that a call which should not have
    started yet (an unbounded pool, a tenant before the platform) would be seen overlapping.
    """

    def __init__(
        self,
        script: dict | None = None,
        *,
        default: OperationResult | None = None,
        gate: int | None = None,
        expected_calls: int | None = None,
        linger: float = 0.0,
    ):
        self.script = {k: list(v) for k, v in (script or {}).items()}
        self.default = default or OperationResult(
            changes={"same": 3, "update": 1}, stdout="Resources:\n  1 to update"
        )
        self.events: list[tuple[str, str, str]] = []  # (start|end, operation, stack)
        self.active = 0
        self.max_active = 0
        self.gate, self.expected_calls, self.started = gate, expected_calls, 0
        self.linger = linger
        self._cond = threading.Condition()

    @property
    def calls(self) -> list[tuple[str, str]]:
        return [(op, stack) for kind, op, stack in self.events if kind == "start"]

    def _call(
        self, operation: str, stack: str, on_output: Callable[[str], None] | None
    ) -> OperationResult:
        with self._cond:
            self.events.append(("start", operation, stack))
            self.active += 1
            self.started += 1
            self.max_active = max(self.max_active, self.active)
            self._cond.notify_all()
            if self.gate:
                deadline = time.monotonic() + 1.0
                while (
                    self.active < self.gate
                    and self.started != self.expected_calls
                    and time.monotonic() < deadline
                ):
                    self._cond.wait(0.05)
        try:
            if self.linger:
                time.sleep(self.linger)
            if on_output is not None:
                on_output(f"{operation} {stack}: working")
            queue = self.script.get((operation, stack))
            outcome = queue.pop(0) if queue else self.default
            if isinstance(outcome, BaseException):
                raise outcome
            return outcome
        finally:
            with self._cond:
                self.active -= 1
                self.events.append(("end", operation, stack))
                self._cond.notify_all()

    def preview(self, stack_name, *, on_output=None):
        return self._call("preview", stack_name, on_output)

    def up(self, stack_name, *, on_output=None):
        return self._call("up", stack_name, on_output)

    def refresh(self, stack_name, *, preview_only=False, on_output=None):
        return self._call("refresh-preview" if preview_only else "refresh", stack_name, on_output)

    def destroy(self, stack_name, *, on_output=None):
        return self._call("destroy", stack_name, on_output)

    def remove_stack(self, stack_name):
        return self._call("remove", stack_name, None)


def write_tenants(directory: Path, names=tuple(TENANT_FILES)) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for name in names:
        (directory / f"{name}.yaml").write_text(HEADER + TENANT_FILES[name], encoding="utf-8")
    return directory


class GitRepo:
    """A throwaway repository; commits with a fixed identity and no signing."""

    def __init__(self, path: Path):
        self.path = path
        path.mkdir(parents=True, exist_ok=True)
        self.git("init", "-q", "-b", "main")
        self.git("config", "user.email", "tests@example.invalid")
        self.git("config", "user.name", "tests")
        self.git("config", "commit.gpgsign", "false")

    def git(self, *args: str) -> str:
        return subprocess.run(
            ["git", *args], cwd=self.path, check=True, capture_output=True, text=True
        ).stdout

    def write(self, relative: str, text: str) -> None:
        target = self.path / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")

    def append(self, relative: str, text: str) -> None:
        target = self.path / relative
        target.write_text(target.read_text(encoding="utf-8") + text, encoding="utf-8")

    def rm(self, relative: str) -> None:
        self.git("rm", "-q", relative)

    def commit(self, message: str) -> str:
        self.git("add", "-A")
        self.git("commit", "-q", "--allow-empty", "-m", message)
        return self.git("rev-parse", "HEAD").strip()

    def registry(self, env: str = "dev") -> Registry:
        return load_registry(self.path / "tenants", load_environment(env, self.path))
