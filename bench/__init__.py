"""Benchmarks: `python -m bench` prints tables and writes bench/results/<name>.json."""
