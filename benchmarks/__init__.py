"""Benchmarks, run by `make bench` (`python -m benchmarks [name ...]`) against PostgreSQL.

Each benchmark works in a database of its own (`<DATABASE_URL's name>_bench`), created and
dropped around the run, and prints its figures; docs/benchmarks.md records them.
"""
