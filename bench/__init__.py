"""Benchmark suite: `python bench/run.py` (see run.py) writes bench/REPORT.md."""
