"""Benchmarks of the operator: scripts that print figures, never tests.

`python -m bench` (or `make bench`) runs every scenario against the in-process API simulator
(tests/kubesim) with the real helm binary and the fixture charts, and prints one table.
docs/benchmarks.md explains each figure and records the numbers of a full run.
"""
