"""Benchmarks run by `make bench`: each figure is a ratio against a baseline of the same run."""
