"""Benchmarks at board scale: `make bench` (PostgreSQL only; see docs/benchmarks.md)."""
