"""Policies of the 'sql' group."""
