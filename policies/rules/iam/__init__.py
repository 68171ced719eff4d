"""Policies of the 'iam' group."""
