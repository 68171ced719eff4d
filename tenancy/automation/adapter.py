"""A thin adapter over ``pulumi.automation``: the only module that talks to the Pulumi CLI.

The orchestrator depends on the ``StackOperations`` protocol, so it is tested against a fake;
``PulumiAutomation`` is the real implementation, covered by integration tests that need the CLI.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit, urlunsplit

OutputSink = Callable[[str], None]

STATE_DIR_NAME = ".pulumi-state"
BACKEND_ENV = "PULUMI_BACKEND_URL"
PASSPHRASE_ENVS = ("PULUMI_CONFIG_PASSPHRASE", "PULUMI_CONFIG_PASSPHRASE_FILE")
# A team may keep its secrets in Cloud KMS instead (e.g. gcpkms://projects/...); passphrase by
# default.
SECRETS_PROVIDER_ENV = "TENANCY_SECRETS_PROVIDER"
NO_CHANGE_OPS = frozenset({"same", "read", "refresh"})


# --- results -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ResourceChange:
    """One resource an operation would change (or, for a refresh, found drifted)."""

    op: str
    urn: str
    type: str
    diffs: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return self.urn.rsplit("::", 1)[-1]


@dataclass
class OperationResult:
    changes: dict[str, int] = field(default_factory=dict)  # op -> count, as Pulumi summarises
    stdout: str = ""
    stderr: str = ""
    resource_changes: list[ResourceChange] = field(default_factory=list)

    @property
    def changed_count(self) -> int:
        return sum(count for op, count in self.changes.items() if op not in NO_CHANGE_OPS)


class OperationFailed(Exception):
    """A Pulumi operation failed; carries that stack's own output for the report."""

    def __init__(
        self, stack: str, operation: str, message: str, stdout: str = "", stderr: str = ""
    ):
        super().__init__(f"{operation} of stack {stack} failed: {message}")
        self.stack = stack
        self.operation = operation
        self.stdout = stdout
        self.stderr = stderr


class AutomationSetupError(Exception):
    """The adapter cannot start (no CLI, no passphrase, no policy pack): nothing has run."""


class StackOperations(Protocol):
    """What the orchestrator needs from Pulumi, one stack at a time.

    Implementations raise ``pulumi.automation.errors.ConcurrentUpdateError`` unchanged when the
    stack is locked (the orchestrator retries it) and ``OperationFailed`` for any other failure.
    """

    def preview(
        self, stack_name: str, *, on_output: OutputSink | None = None
    ) -> OperationResult: ...

    def up(self, stack_name: str, *, on_output: OutputSink | None = None) -> OperationResult: ...

    def refresh(
        self, stack_name: str, *, preview_only: bool = False, on_output: OutputSink | None = None
    ) -> OperationResult: ...

    def destroy(
        self, stack_name: str, *, on_output: OutputSink | None = None
    ) -> OperationResult: ...

    def remove_stack(self, stack_name: str) -> OperationResult: ...


# --- state backend and secrets -------------------------------------------------------------------


@dataclass(frozen=True)
class Backend:
    url: str
    source: str  # "--backend", PULUMI_BACKEND_URL, or "default"

    @property
    def is_local(self) -> bool:
        return self.url.startswith("file://")

    @property
    def local_path(self) -> Path | None:
        if not self.is_local:
            return None
        return Path(os.path.expanduser(self.url[len("file://") :]))

    def display(self) -> str:
        """The URL without any user:password part, safe to print."""
        parts = urlsplit(self.url)
        if parts.password is None and parts.username is None:
            return self.url
        host = parts.hostname or ""
        netloc = f"***@{host}" + (f":{parts.port}" if parts.port else "")
        return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def default_backend_url(project_root: Path) -> str:
    # file:// + absolute path; not Path.as_uri(), whose percent-encoding the CLI does not undo.
    return f"file://{(Path(project_root).resolve() / STATE_DIR_NAME).as_posix()}"


def resolve_backend(
    cli_value: str | None, environ: Mapping[str, str], project_root: Path
) -> Backend:
    """``--backend`` wins, then ``PULUMI_BACKEND_URL``, then the repository's own
    ``.pulumi-state/``."""
    if cli_value:
        return Backend(cli_value, "--backend")
    if environ.get(BACKEND_ENV):
        return Backend(environ[BACKEND_ENV], BACKEND_ENV)
    return Backend(default_backend_url(project_root), "default")


def ensure_state_dir(backend: Backend) -> None:
    """The file backend refuses to log in to a directory that does not exist."""
    path = backend.local_path
    if path is not None:
        path.mkdir(parents=True, exist_ok=True)


def secrets_provider_from(environ: Mapping[str, str]) -> str:
    provider = environ.get(SECRETS_PROVIDER_ENV) or "passphrase"
    if provider == "passphrase" and not any(name in environ for name in PASSPHRASE_ENVS):
        raise AutomationSetupError(
            "PULUMI_CONFIG_PASSPHRASE is not set. The stacks use the passphrase secrets provider: "
            "export PULUMI_CONFIG_PASSPHRASE (or PULUMI_CONFIG_PASSPHRASE_FILE) with the team's "
            f"passphrase, or set {SECRETS_PROVIDER_ENV} to a KMS secrets provider."
        )
    return provider


# --- engine events → resource changes -------------------------------------------------------------


class ChangeCollector:
    """Collects the resources an operation touches from the engine's event stream."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._changes: dict[str, ResourceChange] = {}

    def __call__(self, event: Any) -> None:
        for attr in ("resource_pre_event", "res_outputs_event"):
            step = getattr(event, attr, None)
            metadata = getattr(step, "metadata", None)
            if metadata is None:
                continue
            change = change_from_step(metadata)
            if change is not None:
                with self._lock:
                    self._changes[change.urn] = change

    @property
    def changes(self) -> list[ResourceChange]:
        with self._lock:
            return sorted(self._changes.values(), key=lambda c: c.urn)


def change_from_step(metadata: Any) -> ResourceChange | None:
    """A step that changes something, or a refresh step that found a difference; else None."""
    op = str(getattr(metadata.op, "value", metadata.op))
    diffs = tuple(metadata.diffs or ()) or tuple(sorted((metadata.detailed_diff or {}).keys()))
    if op in NO_CHANGE_OPS and not (op == "refresh" and diffs):
        return None
    return ResourceChange(op=op, urn=metadata.urn, type=metadata.type, diffs=diffs)


def change_counts(op_map: Mapping[Any, int] | None) -> dict[str, int]:
    return {str(getattr(op, "value", op)): int(count) for op, count in (op_map or {}).items()}


# --- the real implementation --------------------------------------------------------------------


class PulumiAutomation:
    """Runs the project's own program (``work_dir`` = the repository) through the Automation API."""

    def __init__(
        self,
        project_root: Path,
        backend: Backend,
        *,
        tenants_dir: Path | None = None,
        policy_packs: Sequence[Path] | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        environ = os.environ if environ is None else environ
        # The passphrase first: a missing one is the commonest set-up mistake, and needs no CLI to
        # tell.
        self.secrets_provider = secrets_provider_from(environ)
        if shutil.which("pulumi") is None:
            raise AutomationSetupError(
                "the Pulumi CLI is not on PATH: install it to run stack operations"
            )
        self.project_root = Path(project_root).resolve()
        self.backend = backend
        self.policy_packs = [
            Path(p)
            for p in (
                policy_packs if policy_packs is not None else [self.project_root / "policies"]
            )
        ]
        ensure_state_dir(backend)
        # Only non-secret values go here: LocalWorkspace prints env_vars in its repr. The CLI
        # inherits
        # the passphrase and cloud credentials from this process's own environment.
        self.env_vars = {BACKEND_ENV: backend.url, "PULUMI_SKIP_UPDATE_CHECK": "true"}
        if tenants_dir is not None:
            from domain import TENANTS_DIR_ENV

            self.env_vars[TENANTS_DIR_ENV] = str(Path(tenants_dir).resolve())

    # The Protocol's operations --------------------------------------------------------------------

    def preview(self, stack_name: str, *, on_output: OutputSink | None = None) -> OperationResult:
        def run(stack, out, err, collect):
            result = stack.preview(
                policy_packs=self._policy_pack_args(),
                color="never",
                diff=True,
                on_output=out,
                on_error=err,
                on_event=collect,
            )
            return change_counts(result.change_summary), result.stdout, result.stderr

        return self._operate(stack_name, "preview", run, on_output, create=True)

    def up(self, stack_name: str, *, on_output: OutputSink | None = None) -> OperationResult:
        def run(stack, out, err, collect):
            result = stack.up(
                policy_packs=self._policy_pack_args(),
                color="never",
                diff=True,
                show_secrets=False,
                on_output=out,
                on_error=err,
                on_event=collect,
            )
            return change_counts(result.summary.resource_changes), result.stdout, result.stderr

        return self._operate(stack_name, "up", run, on_output, create=True)

    def refresh(
        self, stack_name: str, *, preview_only: bool = False, on_output: OutputSink | None = None
    ) -> OperationResult:
        def run(stack, out, err, collect):
            if (
                preview_only
            ):  # Stack.refresh(preview_only=...) is deprecated in favour of preview_refresh
                result = stack.preview_refresh(
                    color="never", diff=True, on_output=out, on_error=err, on_event=collect
                )
                return change_counts(result.change_summary), result.stdout, result.stderr
            result = stack.refresh(
                color="never",
                diff=True,
                show_secrets=False,
                on_output=out,
                on_error=err,
                on_event=collect,
            )
            return change_counts(result.summary.resource_changes), result.stdout, result.stderr

        return self._operate(stack_name, "refresh", run, on_output, create=False)

    def destroy(self, stack_name: str, *, on_output: OutputSink | None = None) -> OperationResult:
        def run(stack, out, err, collect):
            result = stack.destroy(
                color="never", show_secrets=False, on_output=out, on_error=err, on_event=collect
            )
            return change_counts(result.summary.resource_changes), result.stdout, result.stderr

        return self._operate(stack_name, "destroy", run, on_output, create=False)

    def remove_stack(self, stack_name: str) -> OperationResult:
        def run(stack, out, err, collect):
            stack.workspace.remove_stack(stack_name)
            return {}, f"removed stack {stack_name}", ""

        return self._operate(stack_name, "remove", run, None, create=False)

    # Plumbing -----------------------------------------------------------------------------------

    def _policy_pack_args(self) -> list[str]:
        for pack in self.policy_packs:
            if not (pack / "PulumiPolicy.yaml").exists():
                raise AutomationSetupError(
                    f"policy pack not found: {pack.name}/PulumiPolicy.yaml is missing"
                )
        return [str(pack) for pack in self.policy_packs]

    def _workspace_options(self):
        from pulumi import automation as auto

        # No project_settings here: LocalWorkspace would rewrite the repository's Pulumi.yaml with
        # them. The backend comes in through PULUMI_BACKEND_URL instead.
        return auto.LocalWorkspaceOptions(
            work_dir=str(self.project_root),
            env_vars=self.env_vars,
            secrets_provider=self.secrets_provider,
        )

    def _stack(self, stack_name: str, create: bool):
        from pulumi import automation as auto

        if create:
            return auto.create_or_select_stack(
                stack_name=stack_name,
                work_dir=str(self.project_root),
                opts=self._workspace_options(),
            )
        # refresh/destroy/remove act on existing stacks only; never create an empty one by accident.
        return auto.select_stack(
            stack_name=stack_name, work_dir=str(self.project_root), opts=self._workspace_options()
        )

    def _operate(
        self, stack_name: str, operation: str, run, on_output: OutputSink | None, create: bool
    ) -> OperationResult:
        from pulumi.automation import errors

        out_lines: list[str] = []
        err_lines: list[str] = []

        def out(line: str) -> None:
            out_lines.append(line)
            if on_output is not None:
                on_output(line)

        collector = ChangeCollector()
        try:
            stack = self._stack(stack_name, create)
            changes, stdout, stderr = run(stack, out, err_lines.append, collector)
        except errors.ConcurrentUpdateError:
            raise  # the orchestrator retries a locked stack
        except errors.StackNotFoundError:
            raise OperationFailed(
                stack_name,
                operation,
                f"stack {stack_name} does not exist in the backend {self.backend.display()}",
            ) from None
        except errors.CommandError as exc:
            raise OperationFailed(
                stack_name,
                operation,
                _first_error_line(exc, err_lines),
                stdout="\n".join(out_lines),
                stderr="\n".join(err_lines) or str(exc),
            ) from None
        return OperationResult(
            changes=changes, stdout=stdout, stderr=stderr, resource_changes=collector.changes
        )


def _first_error_line(exc: Exception, err_lines: list[str]) -> str:
    for line in [*err_lines, *str(exc).splitlines()]:
        if line.strip().lower().startswith("error:"):
            return line.strip()
    return next(
        (line.strip() for line in err_lines if line.strip()), "the Pulumi CLI reported an error"
    )
