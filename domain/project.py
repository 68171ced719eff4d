"""Where the project is: the nearest directory holding ``Pulumi.yaml``, from the working directory
up, or the directory given with ``tenancy --project-dir``. Nothing is found from this package's
own location, so an installed ``tenancy`` works on any checkout (and the Pulumi program and the
policy pack, which Pulumi runs inside the project, find it the same way)."""

from __future__ import annotations

from pathlib import Path

PROJECT_FILE = "Pulumi.yaml"

_chosen: Path | None = None


class ProjectNotFoundError(Exception):
    """No Pulumi project here: the command cannot run (exit 2)."""


def find_project_root(start: Path) -> Path:
    start = start.resolve()
    for directory in (start, *start.parents):
        if (directory / PROJECT_FILE).is_file():
            return directory
    raise ProjectNotFoundError(
        f"no Pulumi project: neither {start} nor any directory above it holds {PROJECT_FILE}; "
        "run inside a checkout of the project or pass --project-dir DIR"
    )


def set_project_dir(directory: Path | None) -> None:
    """Use ``directory`` (which must hold Pulumi.yaml) as the project; None: find it again."""
    global _chosen
    if directory is None:
        _chosen = None
        return
    directory = directory.expanduser().resolve()
    if not (directory / PROJECT_FILE).is_file():
        raise ProjectNotFoundError(f"--project-dir {directory}: no {PROJECT_FILE} there")
    _chosen = directory


def project_root() -> Path:
    """The project directory: the one chosen with --project-dir, else found from the cwd."""
    return _chosen if _chosen is not None else find_project_root(Path.cwd())
