"""Policies of the 'tenancy' group."""
