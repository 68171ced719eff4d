"""Pulumi entry point: the stack name decides what is built (see program/__init__.py)."""

from program import main

main()
