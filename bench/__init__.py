"""Benchmarks: a synthetic data set builder and load drivers that write JSON results."""
