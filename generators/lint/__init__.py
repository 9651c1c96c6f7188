"""Lint: advice on valid data (a policy that loads may still read badly)."""
