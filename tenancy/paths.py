"""Paths a command was given, checked before it does any work (a bad one exits 2, never with a
traceback after minutes of planning)."""

from __future__ import annotations

import os
from pathlib import Path


def output_problems(path: Path, option: str) -> list[str]:
    """Why ``path`` cannot be written as an output file (empty: it can)."""
    parent = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        return [f"{option} {path}: is a directory; give a file name"]
    if not parent.is_dir():
        return [f"{option} {path}: directory {parent} does not exist"]
    if not os.access(parent, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        return [f"{option} {path}: not writable"]
    return []


def input_problems(path: Path, option: str) -> list[str]:
    """Why ``path`` cannot be read as an input file (empty: it can)."""
    if not (path.is_file() and os.access(path, os.R_OK)):
        return [f"{option} {path}: not a readable file"]
    return []
