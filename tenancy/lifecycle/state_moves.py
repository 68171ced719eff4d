"""``tenancy state-moves``: run the declared ``pulumi state move`` steps before ``tenancy up``.

A declared move (``domain.lifecycle``) keeps a stateful resource when the program moves it to
another stack: the state is rewritten, nothing in the cloud is deleted or created. Each move is
idempotent: it runs only when the source stack's state still holds the component, so running the
command again (or on a fresh environment) does nothing.

The Pulumi CLI is reached through a ``Runner`` (tests use a fake that keeps state in memory).
``pulumi state move`` docs: https://www.pulumi.com/docs/iac/cli/commands/pulumi_state_move/
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from domain.lifecycle import StateMove, identity_move
from domain.registry import Registry
from domain.stacks import has_own_stack

Runner = Callable[[list[str]], "subprocess.CompletedProcess[str]"]


class StateMoveError(Exception):
    pass


@dataclass
class MoveResult:
    move: StateMove
    urn: str | None
    status: str  # moved | would move | nothing to move | absent stack


def declared_moves(registry: Registry, env: str) -> list[StateMove]:
    """Every move the current program declares for this registry."""
    return [identity_move(env, t.id) for t in registry.tenants if has_own_stack(t)]


def cli_runner(environ: Mapping[str, str] | None = None, backend_url: str | None = None) -> Runner:
    env = dict(os.environ if environ is None else environ)
    if backend_url:
        env["PULUMI_BACKEND_URL"] = backend_url
    env.setdefault("PULUMI_SKIP_UPDATE_CHECK", "true")

    def run(args: list[str]) -> subprocess.CompletedProcess[str]:
        try:
            return subprocess.run(
                ["pulumi", *args], capture_output=True, text=True, env=env, check=False
            )
        except FileNotFoundError:
            raise StateMoveError("the Pulumi CLI is not on PATH") from None

    return run


def _stack_resources(run: Runner, stack: str) -> list[dict] | None:
    """The resources in a stack's state; None when the stack does not exist."""
    done = run(["stack", "export", "--stack", stack])
    if done.returncode != 0:
        if "no stack named" in (done.stderr or "").lower() or "not found" in (done.stderr or ""):
            return None
        raise StateMoveError(f"pulumi stack export --stack {stack}: {done.stderr.strip()}")
    try:
        deployment = json.loads(done.stdout).get("deployment") or {}
    except json.JSONDecodeError as exc:
        raise StateMoveError(f"stack {stack}: unreadable export: {exc}") from None
    return list(deployment.get("resources") or [])


def _find(resources: list[dict], resource_type: str, name: str) -> str | None:
    for r in resources:
        urn = str(r.get("urn", ""))
        if r.get("type") == resource_type and urn.rsplit("::", 1)[-1] == name:
            return urn
    return None


def run_moves(moves: list[StateMove], run: Runner, execute: bool) -> list[MoveResult]:
    results = []
    for move in moves:
        resources = _stack_resources(run, move.source_stack)
        if resources is None:
            results.append(MoveResult(move, None, "absent stack"))
            continue
        urn = _find(resources, move.component_type, move.component_name)
        if urn is None:
            results.append(MoveResult(move, None, "nothing to move"))
            continue
        if not execute:
            results.append(MoveResult(move, urn, "would move"))
            continue
        done = run(
            [
                "state",
                "move",
                "--source",
                move.source_stack,
                "--dest",
                move.dest_stack,
                "--yes",
                urn,
            ]
        )
        if done.returncode != 0:
            raise StateMoveError(
                f"pulumi state move {urn} {move.source_stack} -> {move.dest_stack}: "
                f"{(done.stderr or done.stdout).strip()}"
            )
        results.append(MoveResult(move, urn, "moved"))
    return results
