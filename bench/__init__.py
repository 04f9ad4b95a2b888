"""Benchmarks: ``python -m bench NAME [--size N] [--quick]``; never part of the test run."""
