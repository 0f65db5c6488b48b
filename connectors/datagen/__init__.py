"""Deterministic synthetic records for demos and benchmarks."""
