"""Speed benchmarks: `python -m benchmarks [--quick]` (see __main__.py)."""
