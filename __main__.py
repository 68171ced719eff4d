"""Pulumi entry point: the stack name decides what is built (see tenancy/program.py)."""
from tenancy.program import main

main()
